package charm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/keystone"
	"github.com/openstack-charmers/charm-panko/internal/relation/shareddb"
)

// HTTPProbe answers whether a URL responds.
type HTTPProbe interface {
	// Get fetches url and returns the HTTP status code.
	Get(ctx context.Context, url string) (int, error)
}

// httpProbe is HTTPProbe over net/http with a short timeout. Certificates
// are not verified: the probe asks whether a service answers, not who it is.
type httpProbe struct{}

// Get implements HTTPProbe.
func (httpProbe) Get(ctx context.Context, url string) (int, error) {
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // reachability only
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// check is one line of the diagnose report.
type check struct {
	key string
	ok  bool
	msg string
}

// diagnose checks the unit without changing anything and reports one
// result per check plus status=ok|degraded.
func diagnose(ctx context.Context, d Deps) error {
	in, err := readInputs(ctx, juju.Event{Kind: juju.Action, Name: "diagnose"}, d)
	if err != nil {
		return err
	}
	var checks []check
	add := func(key string, ok bool, format string, args ...any) {
		checks = append(checks, check{key, ok, fmt.Sprintf(format, args...)})
	}

	installed := in.Installed[openstack.VersionPackage]
	release, _ := openstack.ReleaseFromPackageVersion(installed)
	synced := in.LeaderData[leaderDBSynced]
	switch {
	case release == "":
		add("release", false, "panko is not installed")
	case !schemaSynced(in, release):
		add("release", false, "database synced for %q but %s is installed", synced, release)
	default:
		add("release", true, "%s installed, database synced for %s", release, synced)
	}

	if rels := in.Relations[SharedDB]; len(rels) == 0 {
		add("database", false, "no shared-db relation")
	} else if reply, err := shareddb.Parse(in.Unit, rels[0].UnitBags()); err != nil || !reply.Ready {
		add("database", false, "shared-db relation incomplete")
	} else if in.DBReachable != nil {
		add("database", false, "%s not reachable: %s", reply.Addr(), redact(in.DBReachable.Error(), reply.Password))
	} else {
		add("database", true, "%s reachable", reply.Addr())
		switch {
		case in.SchemaErr != nil:
			add("schema", false, "cannot read schema: %s", redact(in.SchemaErr.Error(), reply.Password))
		case !in.Schema.CurrentFor(release):
			add("schema", false, "schema is not current for %s: run panko-dbsync on the leader", release)
		default:
			add("schema", true, "six tables present, trait_int.value is %s", in.Schema.TraitIntValue)
		}
	}

	if rels := in.Relations[IdentityService]; len(rels) == 0 {
		add("keystone", false, "no identity-service relation")
	} else if creds, ok, err := keystone.Parse(rels[0].UnitBags()); err != nil || !ok {
		add("keystone", false, "identity-service relation incomplete")
	} else if code, err := d.HTTP.Get(ctx, creds.AuthURL()); err != nil {
		add("keystone", false, "%s not reachable: %v", creds.AuthURL(), err)
	} else {
		add("keystone", true, "%s answered %d", creds.AuthURL(), code)
	}

	scheme := "http"
	if set := servedTLS(in); set != nil {
		scheme = "https"
		days := int(set.Expires.Sub(in.Now).Hours() / 24)
		date := set.Expires.UTC().Format("2006-01-02")
		switch {
		case set.Expires.IsZero():
			add("certificate", false, "cannot read the served certificate (from %s)", set.Source)
		case !in.Now.Before(set.Expires):
			add("certificate", false, "expired on %s (from %s)", date, set.Source)
		case days < expiryWarning:
			add("certificate", false, "expires in %d days, on %s (from %s): renew it", days, date, set.Source)
		default:
			add("certificate", true, "expires in %d days, on %s (from %s)", days, date, set.Source)
		}
	} else {
		add("certificate", true, "TLS not in use")
	}

	// api-healthcheck is the release's own health check (the one haproxy
	// uses); api-root is GET /, which answers <400 except on Ocata, where
	// every path needs a token and 401 shows the API answering.
	health := openstack.HealthCheckFor(release)
	rootStatus := 0
	if release == "ocata" {
		rootStatus = http.StatusUnauthorized
	}
	for _, probe := range []struct {
		key, path string
		want      int // 0: any status below 400
	}{{"api-healthcheck", health.Path, health.Status}, {"api-root", "/", rootStatus}} {
		url := fmt.Sprintf("%s://127.0.0.1:%d%s", scheme, openstack.APIPort, probe.path)
		code, err := d.HTTP.Get(ctx, url)
		switch {
		case err != nil:
			add(probe.key, false, "GET %s failed: %v", url, err)
		case probe.want != 0 && code != probe.want:
			add(probe.key, false, "GET %s answered %d, want %d", url, code, probe.want)
		case probe.want == 0 && code >= 400:
			add(probe.key, false, "GET %s answered %d", url, code)
		default:
			add(probe.key, true, "GET %s answered %d", url, code)
		}
	}

	var down []string
	services := installedServices(d)
	for _, name := range services {
		if ok, err := d.Host.Service(name).Active(ctx); err != nil || !ok {
			down = append(down, name)
		}
	}
	if len(down) > 0 {
		add("services", false, "not running: %s", strings.Join(down, ", "))
	} else {
		add("services", true, "running: %s", strings.Join(services, ", "))
	}

	if in.ListenerInstalled {
		ok, msg := listenerReport(d)
		add("listener", ok, "%s", msg)
	}
	ok, msg := expirerReport(in, d)
	add("expirer", ok, "%s", msg)

	results := map[string]string{"status": "ok"}
	var lines []string
	for _, c := range checks {
		word := "ok"
		if !c.ok {
			word = "fail"
			results["status"] = "degraded"
		}
		results[c.key] = word + ": " + c.msg
		lines = append(lines, c.key+": "+word+": "+c.msg)
	}
	sort.Strings(lines)
	for _, l := range lines {
		if err := d.Tools.ActionLog(ctx, l); err != nil {
			return fmt.Errorf("action-log: %w", err)
		}
	}
	return d.Tools.ActionSet(ctx, results)
}

// servedTLS is the TLS material the unit serves: the ssl_* config, else the
// certificates on disk (with the earliest expiry of them), nil without TLS.
func servedTLS(in Inputs) *certSet {
	if in.SSLConfig != nil {
		return in.SSLConfig
	}
	if in.InstalledTLS == nil {
		return nil
	}
	set := *in.InstalledTLS
	for _, kp := range set.Pairs {
		block, _ := pem.Decode(kp.Cert)
		if block == nil {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			continue
		}
		if set.Expires.IsZero() || cert.NotAfter.Before(set.Expires) {
			set.Expires = cert.NotAfter
		}
	}
	return &set
}
