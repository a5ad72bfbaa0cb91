package tests

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

// TestStoryNRPE relates panko to the nrpe subordinate and runs the checks
// the unit publishes as nagios-nrpe-server would: the process checks
// answer OK; an operator stops haproxy on the machine and its check goes
// CRITICAL. The API check needs monitoring-plugins' check_http, which no
// one installs on the local model's machines: nrpe reports it UNKNOWN.
func TestStoryNRPE(t *testing.T) {
	ctx, charm, m := story(t)
	const unit = "panko/0"
	byName := func(t *testing.T) map[string]localjuju.NRPECheck {
		checks, err := m.NRPEChecks(ctx, unit)
		require.NoError(t, err)
		out := map[string]localjuju.NRPECheck{}
		for _, c := range checks {
			out[c.Name] = c
		}
		return out
	}

	step(t, "relate nrpe: a check per service and the API's", func(t *testing.T) {
		deployRelated(t, ctx, m, localjuju.DeployArgs{Name: "panko", CharmPath: charm}, "mysql", "keystone", "nrpe")
		st, msg := workload(t, m, unit)
		require.Equal(t, "active: Unit is ready", st+": "+msg)
		checks := byName(t)
		assert.ElementsMatch(t, []string{"apache2", "haproxy", "memcached", "panko_api"}, mapKeys(checks))
		for _, svc := range []string{"apache2", "haproxy", "memcached"} {
			c := checks[svc]
			assert.Equal(t, "OK", c.State, "%s: %s", svc, c.Output)
			assert.Equal(t, "OK: "+svc+".service is running", c.Output)
		}
		assert.Equal(t, "UNKNOWN", checks["panko_api"].State, "check_http is not on the machine")
		assert.Equal(t, "/usr/lib/nagios/plugins/check_http -I 127.0.0.1 -p 8977 -u / -e 200", checks["panko_api"].Command)
	})

	step(t, "stop haproxy on the machine: its check goes CRITICAL", func(t *testing.T) {
		out, err := exec.Command(filepath.Join(unitRoot(t, m, unit), "usr/bin/systemctl"), "stop", "haproxy").CombinedOutput()
		require.NoError(t, err, "%s", out)
		checks := byName(t)
		assert.Equal(t, "CRITICAL", checks["haproxy"].State)
		assert.Equal(t, 2, checks["haproxy"].Exit)
		assert.Equal(t, "CRITICAL: haproxy.service is not running", checks["haproxy"].Output)
		assert.Equal(t, "OK", checks["apache2"].State)
	})
}
