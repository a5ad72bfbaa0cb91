//go:build functional

package functional

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/juju/charm/v12"
	corebase "github.com/juju/juju/core/base"
	"gopkg.in/yaml.v3"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// pausedMessage is the workload message of a paused Panko unit.
const pausedMessage = "Paused. Use 'resume' action to resume normal service."

// readBundle reads and verifies the bundle file (local charm paths must
// exist).
func readBundle(t *testing.T, path string) *charm.BundleData {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("bundle: %v", err)
	}
	defer f.Close()
	bd, err := charm.ReadBundleData(f)
	if err != nil {
		t.Fatalf("bundle %s: %v", path, err)
	}
	if err := bd.VerifyLocal(filepath.Dir(path), nil, nil, nil); err != nil {
		t.Fatalf("bundle %s: %v (build the charm with `make charm`)", path, err)
	}
	if _, ok := bd.Applications["panko"]; !ok {
		t.Fatalf("bundle %s has no panko application", path)
	}
	return bd
}

// TestPanko deploys the bundle (unless PANKO_SKIP_DEPLOY is set), waits for
// the model to settle and checks Panko end to end. The steps depend on one
// another, so the first failure stops the rest.
func TestPanko(t *testing.T) {
	s := readSettings(t)
	t.Log(s)
	bd := readBundle(t, s.Bundle)
	pankoSpec := bd.Applications["panko"]
	base, err := bundleBase(bd, pankoSpec)
	if err != nil {
		t.Fatalf("bundle %s: %v", s.Bundle, err)
	}
	if !supportedByJuju3(base) {
		t.Skipf("bundle %s deploys %s, which Juju 3.6 does not support: deploy it with a Juju 2.9 client and controller", s.Bundle, base)
	}
	if s.VIP != "" {
		if pankoSpec.Options == nil {
			pankoSpec.Options = map[string]interface{}{}
		}
		pankoSpec.Options["vip"] = s.VIP
	}
	m := connect(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), s.WaitTimeout+time.Hour)
	defer cancel()

	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("deploy", func(t *testing.T) {
		if s.SkipDeploy {
			t.Skip("PANKO_SKIP_DEPLOY is set: checking the deployed model")
		}
		if err := m.deployBundle(t, bd, filepath.Dir(s.Bundle)); err != nil {
			t.Fatal(err)
		}
	})

	step("active-idle", func(t *testing.T) {
		wctx, wcancel := context.WithTimeout(ctx, s.WaitTimeout)
		defer wcancel()
		if err := m.waitActiveIdle(wctx, t, bd); err != nil {
			t.Fatal(err)
		}
	})

	var pool *x509.CertPool
	pankoTLS, err := m.hasRelation("panko", "certificates")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := bd.Applications["vault"]; ok {
		step("vault-ca", func(t *testing.T) {
			p, err := m.vaultCA(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pool = p
		})
	}

	vip, err := m.configValue("panko", "vip")
	if err != nil {
		t.Fatal(err)
	}
	scheme := "http"
	if pankoTLS {
		scheme = "https"
	}
	origin, err := m.configValue("panko", "openstack-origin")
	if err != nil {
		t.Fatal(err)
	}
	series, err := corebase.GetSeriesFromBase(base)
	if err != nil {
		t.Fatal(err)
	}
	o, err := openstack.ParseOrigin(origin, series)
	if err != nil || o.Release == "" {
		t.Fatalf("cannot tell the release from openstack-origin %q: %v", origin, err)
	}
	health := openstack.HealthCheckFor(o.Release)

	step("keystone-catalog", func(t *testing.T) {
		catalog, err := m.keystoneCatalog(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		var event *catalogEntry
		for i := range catalog {
			if catalog[i].Type == "event" {
				event = &catalog[i]
			}
		}
		if event == nil {
			t.Fatalf("keystone catalog has no service of type event (%d services)", len(catalog))
		}
		seen := map[string]string{}
		for _, ep := range event.Endpoints {
			seen[ep.Interface] = ep.URL
		}
		for _, iface := range []string{"public", "internal", "admin"} {
			u, ok := seen[iface]
			if !ok {
				t.Errorf("event service has no %s endpoint: %v", iface, seen)
				continue
			}
			if !strings.HasPrefix(u, scheme+"://") || !strings.HasSuffix(strings.TrimSuffix(u, "/"), fmt.Sprintf(":%d", openstack.APIPort)) {
				t.Errorf("event %s endpoint %q: want %s on port %d", iface, u, scheme, openstack.APIPort)
			}
			hostname, err := m.configValue("panko", "os-"+iface+"-hostname")
			if err != nil {
				t.Fatal(err)
			}
			if pu, err := url.Parse(u); vip != "" && hostname == "" && (err != nil || pu.Hostname() != firstField(vip)) {
				t.Errorf("event %s endpoint %q does not use the VIP %s", iface, u, vip)
			}
		}
	})

	// Any publisher on event-service breaks the stock ceilometer charm's
	// event_pipeline.yaml (its template glues "sinks:" to the first
	// sink): the file must load and hold no sink of panko.
	step("event-pipeline", func(t *testing.T) {
		if _, ok := bd.Applications["ceilometer"]; !ok {
			t.Skip("no ceilometer in the bundle")
		}
		units, err := m.units("ceilometer")
		if err != nil {
			t.Fatal(err)
		}
		out, err := m.exec(ctx, units[0], "cat /etc/ceilometer/event_pipeline.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Sinks []struct {
				Name       string   `yaml:"name"`
				Publishers []string `yaml:"publishers"`
			} `yaml:"sinks"`
		}
		if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("ceilometer's event_pipeline.yaml does not load: %v\n%s", err, out)
		}
		for _, sink := range doc.Sinks {
			if sink.Name == "panko" {
				t.Errorf("ceilometer's event_pipeline.yaml has a panko sink:\n%s", out)
			}
		}
	})

	step("healthcheck-vip", func(t *testing.T) {
		if vip == "" {
			t.Skip("panko has no vip")
		}
		code, body, err := get(ctx, httpClient(pool), healthcheckURL(scheme, vip, health))
		if err != nil {
			t.Fatal(err)
		}
		if code != health.Status {
			t.Fatalf("GET %s through the VIP: %d %s, want %d", health.Path, code, body, health.Status)
		}
	})

	step("pause-resume", func(t *testing.T) {
		units, err := m.units("panko")
		if err != nil {
			t.Fatal(err)
		}
		// Pause a unit that does not hold the VIP, so the VIP keeps
		// answering through the other units' haproxy.
		unit := units[0]
		checkVIP := false
		if vip != "" && len(units) > 1 {
			holder, err := m.vipHolder(ctx, units, firstField(vip))
			if err != nil {
				t.Logf("cannot tell which unit holds the VIP (%v): pausing %s without the VIP check", err, unit)
			} else {
				for _, u := range units {
					if u != holder {
						unit, checkVIP = u, true
						break
					}
				}
			}
		}
		if _, err := m.runAction(ctx, unit, "pause", nil); err != nil {
			t.Fatal(err)
		}
		us, err := m.unitStatus(unit)
		if err != nil {
			t.Fatal(err)
		}
		if us.WorkloadStatus.Status != "maintenance" || us.WorkloadStatus.Info != pausedMessage {
			t.Errorf("%s after pause: %s %q, want maintenance %q", unit, us.WorkloadStatus.Status, us.WorkloadStatus.Info, pausedMessage)
		}
		if checkVIP {
			// The other units keep serving behind the VIP.
			code, body, err := get(ctx, httpClient(pool), healthcheckURL(scheme, vip, health))
			if err != nil || code != health.Status {
				t.Errorf("GET %s through the VIP with %s paused: %d %s %v, want %d", health.Path, unit, code, body, err, health.Status)
			}
		}
		if _, err := m.runAction(ctx, unit, "resume", nil); err != nil {
			t.Fatal(err)
		}
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Minute)
		defer wcancel()
		if err := m.waitActiveIdle(wctx, t, bd); err != nil {
			t.Fatalf("after resume: %v", err)
		}
	})

	step("diagnose", func(t *testing.T) {
		units, err := m.units("panko")
		if err != nil {
			t.Fatal(err)
		}
		for _, unit := range units {
			out, err := m.runAction(ctx, unit, "diagnose", nil)
			if err != nil {
				t.Errorf("%s: %v", unit, err)
				continue
			}
			if out["status"] != "ok" {
				t.Errorf("%s: diagnose status %v: %v", unit, out["status"], out)
			}
		}
	})
}

// firstField returns the first of several space-separated VIPs.
func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

// healthcheckURL is the release's health check of Panko through the
// (first) VIP.
func healthcheckURL(scheme, vip string, health openstack.HealthCheck) string {
	return openstack.URL(scheme, firstField(vip), openstack.APIPort) + health.Path
}

// vipHolder returns the unit whose interfaces carry vip.
func (m *model) vipHolder(ctx context.Context, units []string, vip string) (string, error) {
	for _, u := range units {
		out, err := m.exec(ctx, u, "ip -o addr show")
		if err != nil {
			return "", err
		}
		for _, line := range strings.Split(out, "\n") {
			for _, f := range strings.Fields(line) {
				if addr, _, _ := strings.Cut(f, "/"); addr == vip {
					return u, nil
				}
			}
		}
	}
	return "", fmt.Errorf("no unit holds %s", vip)
}
