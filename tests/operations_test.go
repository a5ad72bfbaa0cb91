package tests

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

// managedServices are the services pause, resume and restart-services act
// on, in the order the charm reports them.
func managedServices() []string { return []string{"memcached", "apache2", "haproxy"} }

// pausedMessage is the workload message of a paused unit.
const pausedMessage = "Paused. Use 'resume' action to resume normal service."

// actionKeyRule is Juju's rule for action-set keys (each dot-separated part).
var actionKeyRule = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// runAction runs an action and checks that it ended as want ("completed"
// or "failed") and that every result key follows Juju's rule.
func runAction(t *testing.T, m *localjuju.Model, unit, name, want string) *localjuju.ActionResult {
	t.Helper()
	return runActionWith(t, m, unit, name, nil, want)
}

// runActionWith is runAction with parameters.
func runActionWith(t *testing.T, m *localjuju.Model, unit, name string, params map[string]any, want string) *localjuju.ActionResult {
	t.Helper()
	res, err := m.RunAction(context.Background(), unit, name, params)
	require.NoError(t, err)
	require.Equal(t, want, res.Status, "%s on %s: %s", name, unit, res.Message)
	assert.Zero(t, res.ExitCode, "%s on %s: the charm reports failures with action-fail and exits 0", name, unit)
	for k := range res.Results {
		for _, part := range strings.Split(k, ".") {
			assert.Regexp(t, actionKeyRule, part, "%s: result key %q", name, k)
		}
	}
	return res
}

// charmResults are an action's results without the keys Juju adds itself
// (return-code, and stdout/stderr with their encodings when the action
// printed anything).
func charmResults(res *localjuju.ActionResult) map[string]any {
	out := map[string]any{}
	for k, v := range res.Results {
		switch k {
		case "return-code", "stdout", "stdout-encoding", "stderr", "stderr-encoding":
			continue
		}
		out[k] = v
	}
	return out
}

// serviceStates returns the managed services' systemd states on a unit.
func serviceStates(t *testing.T, m *localjuju.Model, unit string) map[string]hosttest.ServiceState {
	t.Helper()
	ms := machineState(t, m, unit)
	out := map[string]hosttest.ServiceState{}
	for _, s := range managedServices() {
		out[s] = ms.Services[s]
	}
	return out
}

// allServices returns the same state for every managed service.
func allServices(s hosttest.ServiceState) map[string]hosttest.ServiceState {
	out := map[string]hosttest.ServiceState{}
	for _, name := range managedServices() {
		out[name] = s
	}
	return out
}

var (
	running = hosttest.ServiceState{Active: true, Enabled: true}
	paused  = hosttest.ServiceState{Masked: true}
)

// deployCore deploys panko (units, series, config) with mysql and keystone,
// relates them and settles.
func deployCore(t *testing.T, m *localjuju.Model, units int, series string, config map[string]string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Name: "panko", CharmPath: buildPankoCharm(t), Units: units, Series: series, Config: config}))
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "mysql"}))
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "keystone"}))
	for _, other := range []string{"mysql", "keystone"} {
		_, err := m.Relate(ctx, "panko", other)
		require.NoError(t, err)
	}
	settle(t, m)
}

// requireReady requires every unit active with "Unit is ready".
func requireReady(t *testing.T, m *localjuju.Model, units ...string) {
	t.Helper()
	for _, u := range units {
		st, msg := workload(t, m, u)
		require.Equal(t, [2]string{"active", "Unit is ready"}, [2]string{st, msg}, u)
	}
}

// storeEventAs stores one event through a unit's own database credentials.
func storeEventAs(t *testing.T, m *localjuju.Model, unit, messageID string) {
	t.Helper()
	conf := parseINI(t, unitFile(t, m, unit, "/etc/panko/panko.conf"))
	pdb := openAsPanko(t, unitRoot(t, m, unit), parseConnection(t, conf["database"]["connection"]))
	storeEvent(t, pdb, messageID)
	require.NoError(t, pdb.Close())
}

// TestStoryOperations runs every action on a ready two-unit deployment
// through the local model: pause (durable across config-changed,
// update-status, upgrade-charm and relation changes), restart-services
// refused while paused, resume, an upgrade-charm that changes nothing, a
// series upgrade, restart-services, openstack-upgrade refused without
// action-managed-upgrade, diagnose; then remove-unit, which leaves the
// database's tables and rows as they were.
func TestStoryOperations(t *testing.T) {
	requireMariaDB(t)
	t.Parallel()
	ctx := context.Background()
	m := newModel(t)
	units := []string{"panko/0", "panko/1"}
	const unit = "panko/1" // a non-leader: actions are per unit

	step(t, "deploy: ready", func(t *testing.T) {
		deployCore(t, m, 2, "", nil)
		requireReady(t, m, units...)
		assert.Equal(t, allServices(running), serviceStates(t, m, unit))
		storeEventAs(t, m, unit, "operations-event-1")
	})

	step(t, "pause: services stopped, disabled and masked", func(t *testing.T) {
		res := runAction(t, m, unit, "pause", "completed")
		assert.Equal(t, map[string]any{"stopped": "memcached,apache2,haproxy"}, charmResults(res))
		assert.Equal(t, allServices(paused), serviceStates(t, m, unit))
		st, msg := workload(t, m, unit)
		assert.Equal(t, [2]string{"maintenance", pausedMessage}, [2]string{st, msg})
		requireReady(t, m, "panko/0")
	})

	step(t, "pause survives config-changed, update-status, a relation change and upgrade-charm", func(t *testing.T) {
		restarts := machineState(t, m, unit).Restarts
		nhooks := len(hooksRun(t, m, unit))
		require.NoError(t, m.Fire(ctx, unit, "config-changed", -1, ""))
		require.NoError(t, m.Fire(ctx, unit, "update-status", -1, ""))
		require.NoError(t, m.Fire(ctx, unit, "identity-service-relation-changed", -1, "keystone/0"))
		settle(t, m)
		// A real change: panko.conf is rewritten on both units.
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"debug": "true"}, nil))
		settle(t, m)
		require.NoError(t, m.Refresh(ctx, "panko", buildPankoCharm(t)))
		settle(t, m)
		ran := hooksRun(t, m, unit)[nhooks:]
		for _, h := range []string{"config-changed", "update-status", "identity-service-relation-changed", "upgrade-charm"} {
			assert.Contains(t, ran, h)
		}
		assert.Equal(t, "true", parseINI(t, unitFile(t, m, unit, "/etc/panko/panko.conf"))["DEFAULT"]["debug"], "the paused unit's files follow the config")
		assert.Equal(t, allServices(paused), serviceStates(t, m, unit), "no hook started a paused service")
		assert.Equal(t, restarts, machineState(t, m, unit).Restarts, "no restart while paused")
		st, msg := workload(t, m, unit)
		assert.Equal(t, [2]string{"maintenance", pausedMessage}, [2]string{st, msg})
		requireReady(t, m, "panko/0")
	})

	step(t, "restart-services is refused while paused", func(t *testing.T) {
		res := runAction(t, m, unit, "restart-services", "failed")
		assert.Equal(t, "unit is paused: run the resume action first", res.Message)
		assert.Equal(t, allServices(paused), serviceStates(t, m, unit))
	})

	step(t, "resume: services back, unit ready", func(t *testing.T) {
		res := runAction(t, m, unit, "resume", "completed")
		assert.Equal(t, map[string]any{"started": "memcached,apache2,haproxy"}, charmResults(res))
		assert.Equal(t, allServices(running), serviceStates(t, m, unit))
		settle(t, m)
		requireReady(t, m, units...)
	})

	step(t, "restart-services restarts every service once", func(t *testing.T) {
		before := machineState(t, m, unit).Restarts
		res := runAction(t, m, unit, "restart-services", "completed")
		assert.Equal(t, map[string]any{"restarted": "memcached,apache2,haproxy"}, charmResults(res))
		after := machineState(t, m, unit).Restarts
		for _, s := range managedServices() {
			assert.Equal(t, before[s]+1, after[s], s)
		}
		assert.Equal(t, allServices(running), serviceStates(t, m, unit))
	})

	step(t, "upgrade-charm with nothing changed: no write, no restart, same stats password", func(t *testing.T) {
		files, restarts, reloads, passwords := map[string]map[string]fileState{}, map[string]map[string]int{}, map[string]map[string]int{}, map[string]string{}
		bags := map[string]map[string]string{}
		for _, u := range units {
			files[u] = snapshotRoot(t, unitRoot(t, m, u))
			ms := machineState(t, m, u)
			restarts[u], reloads[u] = ms.Restarts, ms.Reloads
			passwords[u] = parseHAProxyStatsPassword(unitFile(t, m, u, "/etc/haproxy/haproxy.cfg"))
			require.NotEmpty(t, passwords[u], u)
			bags[u] = relationData(t, m, u, "identity-service").LocalUnit.Data
		}
		nhooks := len(hooksRun(t, m, unit))
		require.NoError(t, m.Refresh(ctx, "panko", buildPankoCharm(t)))
		settle(t, m)
		assert.Equal(t, []string{"upgrade-charm", "config-changed"}, hooksRun(t, m, unit)[nhooks:])
		for _, u := range units {
			assert.Empty(t, changedFiles(files[u], snapshotRoot(t, unitRoot(t, m, u))), "%s: files written", u)
			ms := machineState(t, m, u)
			assert.Equal(t, restarts[u], ms.Restarts, "%s restarts", u)
			assert.Equal(t, reloads[u], ms.Reloads, "%s reloads", u)
			assert.True(t, passwords[u] == parseHAProxyStatsPassword(unitFile(t, m, u, "/etc/haproxy/haproxy.cfg")), "%s: the stats password is kept", u)
			assert.Equal(t, bags[u], relationData(t, m, u, "identity-service").LocalUnit.Data, u)
		}
		requireReady(t, m, units...)
	})

	step(t, "series upgrade: services stopped until post-series-upgrade", func(t *testing.T) {
		require.NoError(t, m.Fire(ctx, unit, "pre-series-upgrade", -1, ""))
		settle(t, m)
		st, msg := workload(t, m, unit)
		assert.Equal(t, [2]string{"blocked", "Ready for do-release-upgrade and reboot. Set complete when finished."}, [2]string{st, msg})
		for name, s := range serviceStates(t, m, unit) {
			assert.False(t, s.Active, "%s stopped", name)
		}
		require.NoError(t, m.Fire(ctx, unit, "config-changed", -1, ""))
		require.NoError(t, m.Fire(ctx, unit, "update-status", -1, ""))
		settle(t, m)
		for name, s := range serviceStates(t, m, unit) {
			assert.False(t, s.Active, "%s not started during the series upgrade", name)
		}
		st, msg = workload(t, m, unit)
		assert.Equal(t, [2]string{"blocked", "Ready for do-release-upgrade and reboot. Set complete when finished."}, [2]string{st, msg})
		require.NoError(t, m.Fire(ctx, unit, "post-series-upgrade", -1, ""))
		settle(t, m)
		assert.Equal(t, allServices(running), serviceStates(t, m, unit))
		requireReady(t, m, units...)
	})

	step(t, "restart-services with deferred-only reloads what can reload", func(t *testing.T) {
		before := machineState(t, m, unit)
		res := runActionWith(t, m, unit, "restart-services", map[string]any{"deferred-only": true}, "completed")
		assert.Equal(t, map[string]any{"restarted": "memcached", "reloaded": "apache2,haproxy"}, charmResults(res))
		after := machineState(t, m, unit)
		assert.Equal(t, before.Restarts["memcached"]+1, after.Restarts["memcached"])
		for _, s := range []string{"apache2", "haproxy"} {
			assert.Equal(t, before.Restarts[s], after.Restarts[s], "%s not restarted", s)
			assert.Equal(t, before.Reloads[s]+1, after.Reloads[s], "%s reloaded", s)
		}
	})

	step(t, "openstack-upgrade needs action-managed-upgrade", func(t *testing.T) {
		packages := machineState(t, m, unit).Packages
		res := runAction(t, m, unit, "openstack-upgrade", "failed")
		assert.Equal(t, "action-managed-upgrade is false: the charm upgrades by itself when openstack-origin changes; "+
			"set action-managed-upgrade=true to upgrade with this action", res.Message)
		assert.Equal(t, packages, machineState(t, m, unit).Packages, "nothing installed")

		require.NoError(t, m.Config(ctx, "panko", map[string]string{"action-managed-upgrade": "true"}, nil))
		settle(t, m)
		res = runAction(t, m, unit, "openstack-upgrade", "completed")
		assert.Equal(t, map[string]any{"outcome": "no upgrade available: ussuri is installed and openstack-origin gives the same release"}, charmResults(res))
		assert.Equal(t, packages, machineState(t, m, unit).Packages, "nothing installed")
	})

	step(t, "diagnose: one result per check", func(t *testing.T) {
		files := snapshotRoot(t, unitRoot(t, m, unit))
		res := runAction(t, m, unit, "diagnose", "completed")
		got := charmResults(res)
		keys := mapKeys(got)
		assert.ElementsMatch(t, []string{"status", "release", "database", "schema", "keystone", "certificate",
			"api-healthcheck", "api-root", "services", "expirer"}, keys)
		want := map[string]string{
			"release":     "ok: ussuri installed, database synced for ussuri",
			"database":    "ok: ",
			"schema":      "ok: six tables present, trait_int.value is bigint",
			"certificate": "ok: TLS not in use",
			"services":    "ok: running: memcached, apache2, haproxy",
			"expirer":     "ok: events are kept forever (event-time-to-live -1): no expirer",
			// Nothing listens on the API port or on keystone's in the
			// local model. Ussuri has no /healthcheck: its check is GET /.
			"api-healthcheck": "fail: GET http://127.0.0.1:8977/ failed",
			"keystone":        "fail: ",
		}
		for k, prefix := range want {
			v, _ := got[k].(string)
			assert.True(t, strings.HasPrefix(v, prefix), "diagnose %s = %q, want prefix %q", k, v, prefix)
		}
		assert.Equal(t, "degraded", got["status"])
		assert.Empty(t, changedFiles(files, snapshotRoot(t, unitRoot(t, m, unit))), "diagnose is read-only")
	})

	step(t, "remove-unit: the database keeps its tables and rows", func(t *testing.T) {
		db := openDB(t, m)
		tables, rows := tablesOf(t, db, "panko"), rowCounts(t, db, "panko")
		require.Equal(t, 1, rows["event"], "the stored event")
		require.NoError(t, m.RemoveUnit(ctx, unit))
		settle(t, m)
		assert.Equal(t, []string{"panko/0"}, unitsOf(t, m, "panko"))
		ran := hooksRun(t, m, unit)
		assert.Contains(t, ran, "stop")
		assert.Contains(t, ran, "remove")
		assert.Equal(t, tables, tablesOf(t, db, "panko"), "tables kept")
		assert.Equal(t, rows, rowCounts(t, db, "panko"), "rows kept")
		assert.NotEmpty(t, grantsOf(t, db, "panko"), "user kept")
		requireReady(t, m, "panko/0")
	})
}

// upgradeCase is one way a deployment moves from queens to rocky.
type upgradeCase struct {
	name string
	// actionManaged upgrades with the openstack-upgrade action, leader
	// first; otherwise config-changed upgrades every unit.
	actionManaged bool
}

// TestStoryUpgrade deploys three bionic units on cloud:bionic-queens (the
// Python 2 set), moves openstack-origin to cloud:bionic-rocky and upgrades,
// by the action (leader first, then the others) or by config-changed: the
// Python 3 set is installed, the Python 2 set purged, the leader alone runs
// panko-dbsync once and records db-synced=rocky, the stored event survives
// and every unit ends ready. Skipping a release and going back are refused.
func TestStoryUpgrade(t *testing.T) {
	requireMariaDB(t)
	t.Parallel()
	for _, c := range []upgradeCase{{name: "action-managed", actionManaged: true}, {name: "automatic"}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			upgradeStory(t, c)
		})
	}
}

// py2Packages and py3Packages are the Python sets of queens and rocky.
func py2Packages() []string { return []string{"python-panko", "libapache2-mod-wsgi"} }
func py3Packages() []string { return []string{"python3-panko", "libapache2-mod-wsgi-py3"} }

// assertRelease checks a unit's installed panko release and Python set.
func assertRelease(t *testing.T, m *localjuju.Model, unit, version string, present, absent []string) {
	t.Helper()
	pkgs := machineState(t, m, unit).Packages
	assert.True(t, strings.HasPrefix(pkgs["panko-api"], version), "%s: panko-api %q, want %s*", unit, pkgs["panko-api"], version)
	for _, p := range present {
		assert.NotEmpty(t, pkgs[p], "%s: %s installed", unit, p)
	}
	for _, p := range absent {
		assert.Empty(t, pkgs[p], "%s: %s not installed", unit, p)
	}
}

// leaderSetting reads one key of an application's leader settings.
func leaderSetting(t *testing.T, m *localjuju.Model, app, key string) string {
	t.Helper()
	st, err := m.State()
	require.NoError(t, err)
	return st.Applications[app].LeaderSettings[key]
}

// dbsyncRuns counts panko-dbsync runs per unit.
func dbsyncRuns(t *testing.T, m *localjuju.Model, units []string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, u := range units {
		out[u] = countCommand(commandsRun(t, m, u), "panko-dbsync")
	}
	return out
}

func upgradeStory(t *testing.T, c upgradeCase) {
	ctx := context.Background()
	m := newModel(t)
	units := []string{"panko/0", "panko/1", "panko/2"}
	const queens, rocky = "1:4.", "1:5."
	const pendingUpgrade = "Unit is ready (rocky available: run the openstack-upgrade action)"

	step(t, "deploy on cloud:bionic-queens: the Python 2 set", func(t *testing.T) {
		deployCore(t, m, 3, "bionic", map[string]string{"openstack-origin": "cloud:bionic-queens",
			"action-managed-upgrade": map[bool]string{true: "true", false: "false"}[c.actionManaged]})
		requireReady(t, m, units...)
		for _, u := range units {
			assertRelease(t, m, u, queens, py2Packages(), py3Packages())
		}
		assert.Equal(t, "queens", leaderSetting(t, m, "panko", "db-synced"))
		assert.Equal(t, map[string]int{"panko/0": 1, "panko/1": 0, "panko/2": 0}, dbsyncRuns(t, m, units))
		storeEventAs(t, m, "panko/1", "upgrade-event-1")
	})

	step(t, "skipping a release is refused", func(t *testing.T) {
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"openstack-origin": "cloud:bionic-stein"}, nil))
		settle(t, m)
		for _, u := range units {
			st, msg := workload(t, m, u)
			assert.Equal(t, [2]string{"blocked", "openstack-origin 'cloud:bionic-stein' skips rocky: upgrade one release at a time (queens to rocky next)"},
				[2]string{st, msg}, u)
			assertRelease(t, m, u, queens, py2Packages(), py3Packages())
		}
	})

	db := openDB(t, m)
	rows := rowCounts(t, db, "panko")
	require.Equal(t, 1, rows["event"])
	syncs := dbsyncRuns(t, m, units)

	step(t, "origin cloud:bionic-rocky", func(t *testing.T) {
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"openstack-origin": "cloud:bionic-rocky"}, nil))
		settle(t, m)
		if !c.actionManaged {
			return
		}
		for _, u := range units {
			assertRelease(t, m, u, queens, py2Packages(), py3Packages())
			st, msg := workload(t, m, u)
			assert.Equal(t, [2]string{"active", pendingUpgrade}, [2]string{st, msg}, u)
		}
		assert.Equal(t, "queens", leaderSetting(t, m, "panko", "db-synced"))
	})

	if c.actionManaged {
		step(t, "openstack-upgrade on the leader", func(t *testing.T) {
			res := runAction(t, m, "panko/0", "openstack-upgrade", "completed")
			assert.Equal(t, map[string]any{"outcome": "success, upgraded from queens to rocky"}, charmResults(res))
			assertRelease(t, m, "panko/0", rocky, py3Packages(), py2Packages())
			assert.Equal(t, "rocky", leaderSetting(t, m, "panko", "db-synced"))
			settle(t, m)
			requireReady(t, m, "panko/0")
			for _, u := range units[1:] {
				assertRelease(t, m, u, queens, py2Packages(), py3Packages())
				st, msg := workload(t, m, u)
				assert.Equal(t, [2]string{"active", pendingUpgrade}, [2]string{st, msg}, "%s serves on until its own upgrade", u)
				assert.Equal(t, allServices(running), serviceStates(t, m, u), u)
			}
		})
		step(t, "openstack-upgrade on the others", func(t *testing.T) {
			for _, u := range units[1:] {
				res := runAction(t, m, u, "openstack-upgrade", "completed")
				assert.Equal(t, map[string]any{"outcome": "success, upgraded from queens to rocky"}, charmResults(res), u)
			}
			settle(t, m)
		})
	}

	step(t, "every unit on rocky, synced once by the leader", func(t *testing.T) {
		requireReady(t, m, units...)
		for _, u := range units {
			assert.True(t, sawStatus(unitState(t, m, u), "maintenance", "Running openstack upgrade"), "%s showed the upgrade", u)
			assertRelease(t, m, u, rocky, py3Packages(), py2Packages())
			assert.Equal(t, "5.0.0", unitState(t, m, u).WorkloadVersion, u)
			upgrades := 0
			for _, c := range commandsRun(t, m, u) {
				line := strings.Join(c.Argv, " ")
				if strings.HasPrefix(line, "apt-get ") && strings.Contains(line, " dist-upgrade ") {
					upgrades++
					assert.Contains(t, line, "--force-confnew", "%s: the release upgrade takes the new configuration files", u)
				}
			}
			assert.Equal(t, 1, upgrades, "%s: one dist-upgrade", u)
			// Purging libapache2-mod-wsgi disabled the module (dh_apache2's
			// postrm): the charm enabled it again.
			_, err := os.Lstat(filepath.Join(unitRoot(t, m, u), "etc/apache2/mods-enabled/wsgi.load"))
			assert.NoError(t, err, "%s: mod_wsgi enabled", u)
		}
		assert.Equal(t, "rocky", leaderSetting(t, m, "panko", "db-synced"))
		after := dbsyncRuns(t, m, units)
		assert.Equal(t, map[string]int{"panko/0": syncs["panko/0"] + 1, "panko/1": 0, "panko/2": 0}, after, "one sync, by the leader")
		assert.Equal(t, pankoTables(), tablesOf(t, db, "panko"))
		assert.Equal(t, rows, rowCounts(t, db, "panko"), "the stored event survives the upgrade")
	})

	step(t, "going back is refused", func(t *testing.T) {
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"openstack-origin": "cloud:bionic-queens"}, nil))
		settle(t, m)
		for _, u := range units {
			st, msg := workload(t, m, u)
			assert.Equal(t, [2]string{"blocked", "openstack-origin 'cloud:bionic-queens' gives queens but rocky is installed: moving backwards is not supported"},
				[2]string{st, msg}, u)
			assertRelease(t, m, u, rocky, py3Packages(), py2Packages())
		}
	})
}

// sawStatus reports whether a unit's workload status history holds the
// status.
func sawStatus(u *localjuju.Unit, status, message string) bool {
	for _, h := range u.History {
		if h.Status == status && h.Message == message {
			return true
		}
	}
	return false
}
