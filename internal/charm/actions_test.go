package charm

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/vault"
)

// fakeHTTP answers URL probes from a table.
type fakeHTTP map[string]int

func (f fakeHTTP) Get(_ context.Context, url string) (int, error) {
	if code, ok := f[url]; ok {
		return code, nil
	}
	return 0, errors.New("connection refused")
}

func action(name string) juju.Event { return juju.Event{Kind: juju.Action, Name: name} }

// readyLeader runs config-changed on a ready leader and carries the result.
func readyLeader(t *testing.T) *world {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	return w
}

func TestDiagnose(t *testing.T) {
	tests := []struct {
		name    string
		http    fakeHTTP
		stop    string
		synced  string            // db-synced, when not the leader's own sync
		want    map[string]string // key -> prefix of the value
		overall string
	}{
		// Ussuri has no /healthcheck (404): its health check is GET / (200).
		{"healthy", fakeHTTP{"http://10.5.0.3:35357": 300, "http://127.0.0.1:8977/healthcheck": 404, "http://127.0.0.1:8977/": 200}, "", "",
			map[string]string{"database": "ok: 10.5.0.2:3306 reachable", "schema": "ok: ", "keystone": "ok: http://10.5.0.3:35357 answered 300",
				"api-healthcheck": "ok: GET http://127.0.0.1:8977/ answered 200", "api-root": "ok: ", "services": "ok: running: memcached, apache2, haproxy", "release": "ok: ussuri installed"}, "ok"},
		// During a rolling upgrade a unit not yet upgraded serves on the
		// newer schema, as the plan's rule has it.
		{"synced by a later release", fakeHTTP{"http://10.5.0.3:35357": 300, "http://127.0.0.1:8977/": 200}, "", "victoria",
			map[string]string{"release": "ok: ussuri installed, database synced for victoria"}, "ok"},
		{"synced for an earlier release", fakeHTTP{"http://10.5.0.3:35357": 300, "http://127.0.0.1:8977/": 200}, "", "train",
			map[string]string{"release": `fail: database synced for "train" but ussuri is installed`}, "degraded"},
		{"api down and a service stopped", fakeHTTP{"http://10.5.0.3:35357": 300}, "haproxy", "",
			map[string]string{"api-healthcheck": "fail: GET http://127.0.0.1:8977/ failed", "services": "fail: not running: haproxy"}, "degraded"},
		{"api needs a token on /", fakeHTTP{"http://10.5.0.3:35357": 300, "http://127.0.0.1:8977/": 401}, "", "",
			map[string]string{"api-healthcheck": "fail: GET http://127.0.0.1:8977/ answered 401, want 200", "api-root": "fail: GET http://127.0.0.1:8977/ answered 401"}, "degraded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := readyLeader(t)
			if tt.stop != "" {
				s := w.host.Services[tt.stop]
				s.Active = false
				w.host.Services[tt.stop] = s
			}
			if tt.synced != "" {
				w.juju.LeaderData[leaderDBSynced] = tt.synced
			}
			w.http = tt.http
			w.juju.Action = "diagnose"
			tools, h, err := w.run(t, action("diagnose"))
			require.NoError(t, err)
			failed, msg := tools.ActionFailed()
			require.False(t, failed, msg)
			res := tools.ActionResults()
			assert.Equal(t, tt.overall, res["status"])
			for k, prefix := range tt.want {
				v, _ := res[k].(string)
				assert.True(t, strings.HasPrefix(v, prefix), "%s = %q, want prefix %q", k, v, prefix)
			}
			assert.Zero(t, h.Writes(), "diagnose is read-only")
			assert.Zero(t, h.Restarts())
			for _, v := range res {
				assert.NotContains(t, v, dbPassword)
				assert.NotContains(t, v, ksPassword)
			}
		})
	}
}

func TestRestartServices(t *testing.T) {
	tests := []struct {
		name              string
		params            map[string]any
		want              map[string]any
		restarts, reloads map[string]int
	}{
		{"full restart", map[string]any{"deferred-only": false}, map[string]any{"restarted": "memcached,apache2,haproxy"},
			map[string]int{"memcached": 1, "apache2": 1, "haproxy": 1}, map[string]int{}},
		{"reload where possible", map[string]any{"deferred-only": true}, map[string]any{"restarted": "memcached", "reloaded": "apache2,haproxy"},
			map[string]int{"memcached": 1}, map[string]int{"apache2": 1, "haproxy": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := readyLeader(t)
			w.juju.Action = "restart-services"
			w.juju.ActionParams = tt.params
			tools, h, err := w.run(t, action("restart-services"))
			require.NoError(t, err)
			failed, msg := tools.ActionFailed()
			require.False(t, failed, msg)
			assert.Equal(t, tt.want, tools.ActionResults())
			for _, s := range apiServices() {
				assert.Equal(t, tt.restarts[s], h.RestartsOf(s), "%s restarts", s)
				assert.Equal(t, tt.reloads[s], h.ReloadsOf(s), "%s reloads", s)
			}
		})
	}
}

func TestUnknownActionFails(t *testing.T) {
	w := readyLeader(t)
	w.juju.Action = "pause"
	tools, _, err := w.run(t, action("frobnicate"))
	require.NoError(t, err)
	failed, msg := tools.ActionFailed()
	assert.True(t, failed)
	assert.Contains(t, msg, "frobnicate")
}

func TestCertificateRenewalReloadsApache(t *testing.T) {
	w, ca := tlsWorld(t)
	tools, h, err := w.run(t, hook("certificates-relation-changed"))
	require.NoError(t, err)
	w.host = h.State()
	req, _ := tools.RelationData("certificates:7")
	renewed, err := ca.Renew(vault.RequestBag{Unit: "panko/0", Data: req})
	require.NoError(t, err)
	w.juju.Relations[2].RemoteUnits["vault/0"] = renewed
	_, h, err = w.run(t, hook("certificates-relation-changed"))
	require.NoError(t, err)
	assert.Equal(t, 1, h.ReloadsOf("apache2"), "renewal reloads apache: %v", h.Calls())
	assert.Zero(t, h.RestartsOf("apache2"), "renewal does not restart apache")
}

func TestDiagnoseWithTLS(t *testing.T) {
	w, _ := tlsWorld(t)
	tools, h, err := w.run(t, hook("certificates-relation-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	served, ok := h.File(certPath("10.5.0.10"))
	require.True(t, ok)
	der, _ := pemDecode(served.Data)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	notAfter := cert.NotAfter.UTC().Format("2006-01-02")

	tests := []struct {
		name        string
		now         time.Time
		certificate string // prefix of the certificate result
		overall     string
	}{
		{"valid", cert.NotAfter.Add(-60 * 24 * time.Hour), "ok: expires in 60 days, on " + notAfter, "ok"},
		{"expiring", cert.NotAfter.Add(-5 * 24 * time.Hour), "fail: expires in 5 days, on " + notAfter + " (from ", "degraded"},
		{"expired", cert.NotAfter.Add(time.Hour), "fail: expired on " + notAfter, "degraded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.now = tt.now
			w.http = fakeHTTP{"http://10.5.0.3:35357": 300, "https://127.0.0.1:8977/healthcheck": 200, "https://127.0.0.1:8977/": 200}
			w.juju.Action = "diagnose"
			tools, h, err := w.run(t, action("diagnose"))
			require.NoError(t, err)
			res := tools.ActionResults()
			v, _ := res["certificate"].(string)
			assert.True(t, strings.HasPrefix(v, tt.certificate), "certificate = %q, want prefix %q", v, tt.certificate)
			assert.Equal(t, "ok: GET https://127.0.0.1:8977/ answered 200", res["api-healthcheck"], "the API is probed over TLS")
			assert.Equal(t, tt.overall, res["status"], "%v", res)
			assert.Zero(t, h.Writes(), "diagnose is read-only")
		})
	}
}
