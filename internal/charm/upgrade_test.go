package charm

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// queensUnit is a ready bionic unit running queens (the Python 2 set) whose
// apt source now offers rocky.
func queensUnit(t *testing.T, leader bool, origin string, managed bool) *world {
	w := ready(t, leader)
	w.host.Files[OSRelease] = hosttest.File{Data: []byte("VERSION_CODENAME=bionic\n"), Mode: 0o644, Owner: "root", Group: "root"}
	w.juju.Config = map[string]any{"openstack-origin": "distro"}
	w.host.Available = available("2:4.0.0-0ubuntu1~cloud0")
	if !leader {
		w.juju.LeaderData = map[string]string{"db-synced": "queens"}
	}
	tools, h, err := w.run(t, hook("install"))
	require.NoError(t, err)
	st, msg := tools.Status()
	require.Equal(t, "active", st, msg)
	require.NotEmpty(t, h.State().Packages["python-panko"], "queens installs the Python 2 set")
	w.carry(tools, h)
	w.host.Available = available("2:5.0.0-0ubuntu1~cloud0")
	w.juju.Config = map[string]any{"openstack-origin": origin, "action-managed-upgrade": managed}
	return w
}

func TestActionManagedUpgrade(t *testing.T) {
	w := queensUnit(t, true, "cloud:bionic-rocky", true)

	// config-changed alone does not upgrade.
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	assert.Equal(t, "2:4.0.0-0ubuntu1~cloud0", h.State().Packages["panko-api"])
	st, _ := tools.Status()
	assert.Equal(t, "active", st)

	// The action does.
	w.juju.Action = "openstack-upgrade"
	tools, h, err = w.run(t, juju.Event{Kind: juju.Action, Name: "openstack-upgrade"})
	require.NoError(t, err)
	failed, msg := tools.ActionFailed()
	require.False(t, failed, msg)
	assert.Equal(t, map[string]any{"outcome": "success, upgraded from queens to rocky"}, tools.ActionResults())
	state := h.State()
	assert.Equal(t, "2:5.0.0-0ubuntu1~cloud0", state.Packages["panko-api"])
	assert.NotEmpty(t, state.Packages["python3-panko"], "Python 3 set installed")
	assert.Empty(t, state.Packages["python-panko"], "Python 2 set purged")
	// Purging libapache2-mod-wsgi disables the wsgi module its py3
	// flavour had just enabled (dh_apache2's postrm): the charm enables it
	// again, and Apache restarts once.
	assert.Equal(t, "../mods-available/wsgi.load", state.Links["/etc/apache2/mods-enabled/wsgi.load"], "mod_wsgi enabled")
	assert.Equal(t, 1, h.RestartsOf("apache2"))
	assert.Equal(t, 1, h.Runs("panko-dbsync"))
	assert.Equal(t, "rocky", tools.LeaderData()["db-synced"])
	assert.Equal(t, "5.0.0", tools.Version())
	st, msg = tools.Status()
	assert.Equal(t, "active", st, msg)
	history := tools.StatusHistory()
	assert.Equal(t, "Running openstack upgrade", history[0].Message)
}

func TestUpgradeActionRefusedWithoutActionManagedUpgrade(t *testing.T) {
	w := queensUnit(t, true, "cloud:bionic-rocky", false)
	w.juju.Action = "openstack-upgrade"
	tools, _, err := w.run(t, juju.Event{Kind: juju.Action, Name: "openstack-upgrade"})
	require.NoError(t, err)
	failed, msg := tools.ActionFailed()
	assert.True(t, failed)
	assert.Contains(t, msg, "action-managed-upgrade is false")
}

func TestAutomaticUpgrade(t *testing.T) {
	w := queensUnit(t, false, "cloud:bionic-rocky", false)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	assert.Equal(t, "2:5.0.0-0ubuntu1~cloud0", h.State().Packages["panko-api"])
	assert.Zero(t, h.Runs("panko-dbsync"), "only the leader syncs")
	st, msg := tools.Status()
	assert.Equal(t, "waiting", st)
	assert.Equal(t, "Waiting for database sync by the leader", msg)
}

func TestUpgradeRefusals(t *testing.T) {
	// Skipping a release, whether the upgrade is automatic or waits for
	// the action.
	for _, managed := range []bool{false, true} {
		w := queensUnit(t, true, "cloud:bionic-stein", managed)
		tools, h, err := w.run(t, hook("config-changed"))
		require.NoError(t, err)
		st, msg := tools.Status()
		assert.Equal(t, "blocked", st, "action-managed-upgrade=%v", managed)
		assert.Equal(t, "openstack-origin 'cloud:bionic-stein' skips rocky: upgrade one release at a time (queens to rocky next)", msg)
		assert.Zero(t, h.Writes())
		assert.Zero(t, h.Restarts())
	}

	// Backwards: rocky installed, origin back to queens.
	w := queensUnit(t, true, "cloud:bionic-rocky", false)
	_, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.host = h.State()
	w.juju.Config = map[string]any{"openstack-origin": "distro"}
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked", st)
	assert.Equal(t, "openstack-origin 'distro' gives queens but rocky is installed: moving backwards is not supported", msg)
	assert.Zero(t, h.Writes())
}

func TestPauseSurvivesHooks(t *testing.T) {
	tests := []struct {
		name string
		ha   bool
		// stopped is the pause result; haproxy stays with pacemaker when an
		// ha relation manages it.
		stopped string
	}{
		{"alone", false, "memcached,apache2,haproxy"},
		{"with hacluster", true, "memcached,apache2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ready(t, true)
			if tt.ha {
				w.juju.Relations = append(w.juju.Relations, haRelation(true))
				w.juju.Config = map[string]any{"vip": "10.5.0.100"}
			}
			tools, h, err := w.run(t, hook("config-changed"))
			require.NoError(t, err)
			w.carry(tools, h)

			w.juju.Action = "pause"
			tools, h, err = w.run(t, juju.Event{Kind: juju.Action, Name: "pause"})
			require.NoError(t, err)
			assert.Equal(t, map[string]any{"stopped": tt.stopped}, tools.ActionResults())
			w.host = h.State()
			w.juju.Action = ""
			stopped := strings.Split(tt.stopped, ",")
			for _, ev := range []string{"config-changed", "update-status", "upgrade-charm", "shared-db-relation-changed"} {
				tools, h, err = w.run(t, hook(ev))
				require.NoError(t, err, ev)
				for _, svc := range apiServices() {
					state := h.State().Services[svc]
					if slices.Contains(stopped, svc) {
						assert.False(t, state.Active, "%s started by %s", svc, ev)
						assert.True(t, state.Masked, "%s unmasked by %s", svc, ev)
						assert.False(t, state.Enabled, "%s enabled by %s", svc, ev)
					} else {
						assert.True(t, state.Active, "%s stopped by %s", svc, ev)
						assert.False(t, state.Masked, "%s masked by %s", svc, ev)
					}
				}
				st, msg := tools.Status()
				if ev != "update-status" || st != "" {
					assert.Equal(t, "maintenance", st, ev)
					assert.Equal(t, "Paused. Use 'resume' action to resume normal service.", msg, ev)
				}
				w.host = h.State()
			}

			w.juju.Action = "resume"
			tools, h, err = w.run(t, juju.Event{Kind: juju.Action, Name: "resume"})
			require.NoError(t, err)
			failed, msg := tools.ActionFailed()
			require.False(t, failed, msg)
			assert.Equal(t, map[string]any{"started": "memcached,apache2,haproxy"}, tools.ActionResults())
			for _, svc := range apiServices() {
				assert.True(t, h.State().Services[svc].Active, "%s resumed", svc)
			}
			st, _ := tools.Status()
			assert.Equal(t, "active", st)
		})
	}
}

func TestSeriesUpgrade(t *testing.T) {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)

	tools, h, err = w.run(t, hook("pre-series-upgrade"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked", st)
	assert.Equal(t, "Ready for do-release-upgrade and reboot. Set complete when finished.", msg)
	for _, s := range apiServices() {
		assert.Equal(t, [2]bool{false, false}, [2]bool{h.State().Services[s].Active, h.State().Services[s].Enabled}, "%s stopped and disabled across the reboot", s)
	}
	w.carry(tools, h)
	for _, ev := range []string{"config-changed", "leader-settings-changed", "shared-db-relation-changed", "update-status"} {
		tools, h, err = w.run(t, hook(ev))
		require.NoError(t, err)
		st, msg = tools.Status()
		assert.Equal(t, [2]string{"blocked", "Ready for do-release-upgrade and reboot. Set complete when finished."}, [2]string{st, msg}, "%s keeps the series upgrade status", ev)
		assert.False(t, h.State().Services["apache2"].Active, "%s starts no service during a series upgrade", ev)
		w.carry(tools, h)
	}

	tools, h, err = w.run(t, hook("post-series-upgrade"))
	require.NoError(t, err)
	st, _ = tools.Status()
	assert.Equal(t, "active", st)
	for _, s := range apiServices() {
		assert.Equal(t, [2]bool{true, true}, [2]bool{h.State().Services[s].Active, h.State().Services[s].Enabled}, "%s back after post-series-upgrade", s)
	}
}

func TestPackagesPerRelease(t *testing.T) {
	install, _ := openstack.Packages("queens")
	assert.Contains(t, install, "python-panko")
}

func TestRollingUpgradeKeepsOthersServing(t *testing.T) {
	// The leader upgraded and synced for rocky; this unit still runs queens
	// and waits for its own openstack-upgrade action.
	w := queensUnit(t, false, "cloud:bionic-rocky", true)
	w.juju.LeaderData = map[string]string{"db-synced": "rocky"}
	tools, h, err := w.run(t, hook("leader-settings-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active", st)
	assert.Equal(t, "Unit is ready (rocky available: run the openstack-upgrade action)", msg)
	state := h.State()
	assert.Equal(t, "2:4.0.0-0ubuntu1~cloud0", state.Packages["panko-api"], "no upgrade without the action")
	for _, s := range apiServices() {
		assert.True(t, state.Services[s].Active, "%s keeps serving", s)
	}
	assert.Zero(t, h.Restarts())
	assert.Zero(t, h.Runs("panko-dbsync"))

	// A leader on the older release does not sync backwards either.
	w = queensUnit(t, true, "cloud:bionic-rocky", true)
	w.juju.LeaderData = map[string]string{"db-synced": "rocky"}
	tools, h, err = w.run(t, hook("leader-elected"))
	require.NoError(t, err)
	st, _ = tools.Status()
	assert.Equal(t, "active", st)
	assert.Zero(t, h.Runs("panko-dbsync"))
	assert.Equal(t, "rocky", tools.LeaderData()["db-synced"])
}

func TestPausedUnitWithRunningServiceIsBlocked(t *testing.T) {
	w := readyLeader(t)
	w.juju.Action = "pause"
	_, h, err := w.run(t, juju.Event{Kind: juju.Action, Name: "pause"})
	require.NoError(t, err)
	w.host = h.State()
	w.juju.Action = ""
	// Someone starts apache2 by hand.
	w.host.Services["apache2"] = hosttest.ServiceState{Active: true}
	w.juju.Status = "maintenance"
	tools, h, err := w.run(t, hook("update-status"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked", st)
	assert.Equal(t, "Services should be paused but these services running: apache2", msg)
	assert.Zero(t, h.Writes())
	assert.True(t, h.State().Services["apache2"].Active, "update-status reports, it does not act")
}

// TestUpgradeRestartsWhatRunsPankosCode: ussuri to victoria changes no
// file the charm writes, but the packages replace Panko's code under the
// processes that loaded it (the package scripts only byte-compile):
// Apache's WSGI daemons and the event listener restart once, memcached and
// haproxy do not, and the next hook restarts nothing.
func TestUpgradeRestartsWhatRunsPankosCode(t *testing.T) {
	tests := []struct {
		name      string
		relations []jujutest.Relation
		want      map[string]int
	}{
		{"API", nil, map[string]int{"apache2": 1, "memcached": 0, "haproxy": 0}},
		{"API and listener", []jujutest.Relation{ceilometerRelated(), amqpReady(t)},
			map[string]int{"apache2": 1, "memcached": 0, "haproxy": 0, ListenerService: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(true, append([]jujutest.Relation{sharedDBReady(), keystoneReady()}, tt.relations...)...)
			w.host.Available = available("2:8.0.0-0ubuntu1")
			tools, h, err := w.run(t, hook("install"))
			require.NoError(t, err)
			st, msg := tools.Status()
			require.Equal(t, "active", st, msg)
			w.carry(tools, h)
			w.host.Available = available("2:9.0.0-0ubuntu1~cloud0")
			w.juju.Config = map[string]any{"openstack-origin": "cloud:focal-victoria"}

			tools, h, err = w.run(t, hook("config-changed"))
			require.NoError(t, err)
			st, msg = tools.Status()
			require.Equal(t, "active", st, msg)
			require.Equal(t, "2:9.0.0-0ubuntu1~cloud0", h.State().Packages["python3-panko"])
			got := map[string]int{}
			for name := range tt.want {
				got[name] = h.RestartsOf(name)
			}
			assert.Equal(t, tt.want, got)

			w.carry(tools, h)
			_, h, err = w.run(t, hook("config-changed"))
			require.NoError(t, err)
			assert.Zero(t, h.Restarts(), "the next hook restarts nothing")
		})
	}
}
