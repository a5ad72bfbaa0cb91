package tests

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/live"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/sandbox"
)

// TestStoryHAProxySeesItsBackendsPerRelease deploys panko on ocata,
// queens, ussuri (two units) and wallaby with mysql and keystone. For each
// ready unit the real haproxy runs the unit's rendered haproxy.cfg in a
// sandbox, in front of a stand-in of that release's Panko API (these
// releases cannot be installed here; the stand-in answers from the facts:
// /healthcheck only from Wallaby, a token on every path on Ocata) on each
// server the file names. Every backend must be UP after three health
// checks, each sent as HTTP/1.1 with a Host header.
func TestStoryHAProxySeesItsBackendsPerRelease(t *testing.T) {
	requireMariaDB(t)
	requireOrSkip(t, "a sandbox (root, namespaces)", sandbox.Available())
	requireOrSkip(t, "haproxy", fileMissing("/usr/sbin/haproxy"))
	t.Parallel()
	ctx := context.Background()
	charm := buildPankoCharm(t)
	cases := []struct {
		app, series, origin string
		units               int
	}{
		{app: "ocata", series: "xenial", origin: "cloud:xenial-ocata", units: 1},
		{app: "queens", series: "bionic", origin: "distro", units: 1},
		{app: "ussuri", series: "focal", origin: "distro", units: 2},
		{app: "wallaby", series: "focal", origin: "cloud:focal-wallaby", units: 1},
	}
	// The releases share a database server and its panko database, and
	// Ocata's schema (trait_int.value an int) is not the later releases':
	// ocata runs in a model of its own.
	models := map[string]*localjuju.Model{}
	for _, group := range [][]string{{"ocata"}, {"queens", "ussuri", "wallaby"}} {
		m := newModel(t)
		for _, app := range []string{"mysql", "keystone"} {
			require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: app}))
		}
		for _, c := range cases {
			if indexOf(group, c.app) < 0 {
				continue
			}
			require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Name: c.app, CharmPath: charm, Series: c.series, Units: c.units,
				Config: map[string]string{"openstack-origin": c.origin}}))
			for _, other := range []string{"mysql", "keystone"} {
				_, err := m.Relate(ctx, c.app, other)
				require.NoError(t, err)
			}
			models[c.app] = m
		}
		settle(t, m)
	}

	for _, c := range cases {
		t.Run(c.app, func(t *testing.T) {
			m := models[c.app]
			unit := c.app + "/0"
			st, msg := workload(t, m, unit)
			require.Equal(t, "active", st, msg)
			require.Equal(t, "Unit is ready", msg)
			root := unitRoot(t, m, unit)
			servers := haproxyServers(t, readAll(t, filepath.Join(root, "etc/haproxy/haproxy.cfg")))
			require.Len(t, servers, c.units, "one haproxy server per unit")

			var addrs []string
			for _, addr := range servers {
				host, _, err := net.SplitHostPort(addr)
				require.NoError(t, err)
				addrs = append(addrs, host)
			}
			sb, err := sandbox.Start(sandbox.Options{Root: root, Overlay: []string{"/etc"}, Addrs: addrs, Work: t.TempDir()})
			require.NoError(t, err)
			t.Cleanup(func() { sb.Close() })
			var standIns []*live.PankoStandIn
			for _, addr := range servers {
				p, err := live.NewPankoStandIn(c.app)
				require.NoError(t, err)
				l, err := sb.Listen("tcp", addr)
				require.NoError(t, err)
				live.ServeHTTP(t, l, p)
				standIns = append(standIns, p)
			}
			spawnHAProxy(t, sb, root)
			client := &http.Client{Transport: &http.Transport{DialContext: sb.DialContext, DisableKeepAlives: true}, Timeout: 10 * time.Second}
			diag := func() string { return sb.Output("haproxy") }
			waitBackends(t, client, root, 30*time.Second, diag)
			// haproxy may show a server UP before its checks have failed
			// "fall" (3) times: wait for three checks each, then look again.
			deadline := time.Now().Add(30 * time.Second)
			for _, p := range standIns {
				for n, _ := p.Counts(); n < 3 && time.Now().Before(deadline); n, _ = p.Counts() {
					time.Sleep(100 * time.Millisecond)
				}
			}
			states := waitBackends(t, client, root, time.Second, diag)
			for name := range servers {
				assert.Equal(t, "UP", states[name], "%s after three health checks", name)
			}
			for _, p := range standIns {
				n, good := p.Counts()
				assert.True(t, n >= 3 && good == n, "%d of %d health checks were HTTP/1.1 with a Host header, want all (at least 3)", good, n)
			}
		})
	}
}
