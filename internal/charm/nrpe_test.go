package charm

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// nrpeRelated is the nrpe subordinate on nrpe-external-master, with the
// host name and context it sets (charm-nrpe PrincipalRelation.provide_data).
func nrpeRelated() jujutest.Relation {
	return jujutest.Relation{ID: "nrpe-external-master:11", RemoteUnits: map[string]map[string]string{
		"nrpe/0": {"nagios_hostname": "juju-panko-0", "nagios_host_context": "juju"},
	}}
}

func TestNRPEChecks(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), nrpeRelated())
	w.host.Files[filepath.Join(NagiosExportDir, ".keep")] = hosttest.File{Mode: 0o644, Owner: "root", Group: "root"}

	tools, h, err := w.run(t, hook("nrpe-external-master-relation-changed"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active: Unit is ready", st+": "+msg)
	apache, ok := h.File(filepath.Join(NRPEDir, "check_apache2.cfg"))
	require.True(t, ok)
	// The layout of charm-helpers' Check.write.
	assert.Equal(t, "# check apache2\n"+
		"# The following header was added automatically by juju\n"+
		"# Modifying it will affect nagios monitoring and alerting\n"+
		"# servicegroups: juju\n"+
		"command[check_apache2]=/usr/local/lib/nagios/plugins/check_systemd.py apache2\n", string(apache.Data))
	api, _ := h.File(filepath.Join(NRPEDir, "check_panko_api.cfg"))
	assert.Contains(t, string(api.Data), "command[check_panko_api]=/usr/lib/nagios/plugins/check_http -I 127.0.0.1 -p 8977 -u / -e 200\n",
		"ussuri has no /healthcheck: GET / answers 200")
	for _, n := range []string{"memcached", "haproxy"} {
		_, ok := h.File(filepath.Join(NRPEDir, "check_"+n+".cfg"))
		assert.True(t, ok, n)
	}
	_, ok = h.File(filepath.Join(NRPEDir, "check_panko_cert.cfg"))
	assert.False(t, ok, "no TLS, no certificate check")
	export, ok := h.File(filepath.Join(NagiosExportDir, "service__juju-panko-0_check_apache2.cfg"))
	require.True(t, ok, "the nrpe charm made the export directory")
	assert.Contains(t, string(export.Data), "\n    service_description             juju-panko-0[apache2] process check {juju:panko/0}\n")
	assert.Contains(t, string(export.Data), "\n    check_command                   check_nrpe!check_apache2\n")
	bag, _ := tools.RelationData("nrpe-external-master:11")
	assert.Equal(t, "monitors:\n  remote:\n    nrpe:\n"+
		"      apache2:\n        command: check_apache2\n"+
		"      haproxy:\n        command: check_haproxy\n"+
		"      memcached:\n        command: check_memcached\n"+
		"      panko_api:\n        command: check_panko_api\n", bag["monitors"])
	assert.Equal(t, "True", bag["primary"])
}

func TestNRPELeavesHAProxyToHacluster(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), nrpeRelated(), haRelation(true))
	w.juju.Config = map[string]any{"vip": "10.5.0.100", "nagios_servicegroups": "openstack,panko"}

	_, h, err := w.run(t, hook("nrpe-external-master-relation-changed"))

	require.NoError(t, err)
	_, ok := h.File(filepath.Join(NRPEDir, "check_haproxy.cfg"))
	assert.False(t, ok, "pacemaker runs haproxy: hacluster checks it")
	apache, _ := h.File(filepath.Join(NRPEDir, "check_apache2.cfg"))
	assert.Contains(t, string(apache.Data), "# servicegroups: openstack,panko\n")
}

func TestNRPEChecksGoWithTheRelation(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), nrpeRelated())
	tools, h, err := w.run(t, hook("nrpe-external-master-relation-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Relations = w.juju.Relations[:2]

	_, h, err = w.run(t, hook("nrpe-external-master-relation-broken"))

	require.NoError(t, err)
	for _, n := range nrpeCheckNames() {
		_, ok := h.File(filepath.Join(NRPEDir, "check_"+n+".cfg"))
		assert.False(t, ok, n)
	}
	assert.Zero(t, h.Restarts())
}

func TestNRPEWithTLS(t *testing.T) {
	w := robustTLSReady(t)
	w.juju.Relations = append(w.juju.Relations, nrpeRelated())

	_, h, err := w.run(t, hook("nrpe-external-master-relation-changed"))

	require.NoError(t, err)
	api, _ := h.File(filepath.Join(NRPEDir, "check_panko_api.cfg"))
	assert.Contains(t, string(api.Data), "-p 8977 -u / -e 200 -S --sni\n", "the API answers TLS")
	cert, ok := h.File(filepath.Join(NRPEDir, "check_panko_cert.cfg"))
	require.True(t, ok, "TLS is on: the certificate's expiry is checked")
	assert.Contains(t, string(cert.Data), "command[check_panko_cert]=/usr/lib/nagios/plugins/check_http -I 127.0.0.1 -p 8977 -S --sni -C 30,14\n")
}

// TestNRPEAPICheckWithTheRealPlugin runs the rendered API check with the
// real monitoring-plugins check_http against a server answering as each
// release's Panko does on its health path: OK (exit 0) when it answers
// the expected status, CRITICAL (2) otherwise; never a usage error (3).
func TestNRPEAPICheckWithTheRealPlugin(t *testing.T) {
	if _, err := os.Stat(checkHTTP); err != nil {
		need.Skip(t, "check_http not installed (Debian package monitoring-plugins-basic)")
	}
	tests := []struct {
		release string
		answers map[string]int // path -> status the server gives
		want    int
	}{
		{"ussuri", map[string]int{"/": 200, "/healthcheck": 404}, 0},
		{"wallaby", map[string]int{"/": 200, "/healthcheck": 200}, 0},
		{"ocata", map[string]int{"/": 401}, 0},
		{"ussuri", map[string]int{"/": 503}, 2},
		{"wallaby", map[string]int{"/": 200, "/healthcheck": 404}, 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.release, tt.answers), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				code, ok := tt.answers[r.URL.Path]
				if !ok {
					code = 404
				}
				w.WriteHeader(code)
			}))
			defer srv.Close()
			_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
			require.NoError(t, err)
			var api string
			for _, ch := range nrpeChecks(Inputs{}, nil, "panko/0", false, tt.release) {
				if ch.name == "panko_api" {
					api = ch.command
				}
			}
			argv := strings.Fields(strings.Replace(api, "-p 8977", "-p "+port, 1))
			out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			assert.Equal(t, tt.want, code, "%s: %s", api, out)
		})
	}
}
