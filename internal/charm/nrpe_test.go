package charm

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
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
