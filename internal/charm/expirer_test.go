package charm

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// debianExpirerCron is the job Debian's panko-common 9.0.0 ships.
const debianExpirerCron = "1 0 * * * panko [ -x /usr/bin/panko-expirer ] && /usr/bin/panko-expirer\n"

// expiring is a ready unit whose events expire after a day, with the
// package's cron job on disk.
func expiring(t *testing.T, leader bool) *world {
	w := ready(t, leader)
	w.juju.Config = map[string]any{"event-time-to-live": 86400}
	w.host.Files[PackageCronFile] = hosttest.File{Data: []byte(debianExpirerCron), Mode: 0o644, Owner: "root", Group: "root"}
	return w
}

func TestExpirerRunsOnTheLeader(t *testing.T) {
	w := expiring(t, true)

	tools, h, err := w.run(t, hook("config-changed"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active: Unit is ready", st+": "+msg)
	timer := h.State().Services[ExpirerTimer]
	assert.True(t, timer.Active && timer.Enabled, "timer started and enabled: %+v", timer)
	for _, f := range []struct {
		path         string
		owner, group string
		mode         fs.FileMode
	}{
		{ExpirerTimerFile, "root", "root", 0o644},
		{ExpirerServiceFile, "root", "root", 0o644},
		{ExpirerProgramFile, "root", "root", 0o755},
		{ExpirerLogFile, "panko", "panko", 0o640},
	} {
		got, ok := h.File(f.path)
		require.True(t, ok, f.path)
		assert.Equal(t, [3]any{f.owner, f.group, f.mode}, [3]any{got.Owner, got.Group, got.Mode}, f.path)
	}
	svc, _ := h.File(ExpirerServiceFile)
	assert.Contains(t, string(svc.Data), "\nUser=panko\n", "never as root")
	timerFile, _ := h.File(ExpirerTimerFile)
	assert.Contains(t, string(timerFile.Data), "\nOnUnitActiveSec=60min\nRandomizedDelaySec=15min\n", "hourly by default, random delay")
	_, cron := h.File(PackageCronFile)
	assert.False(t, cron, "the package's job (every unit, same minute) is removed")
	assert.Equal(t, "panko/0", tools.LeaderData()[leaderExpirerUnit])
}

func TestExpirerNotOnOtherUnits(t *testing.T) {
	w := expiring(t, false)
	w.juju.LeaderData = map[string]string{leaderDBSynced: "ussuri", leaderExpirerUnit: "panko/1"}

	_, h, err := w.run(t, hook("config-changed"))

	require.NoError(t, err)
	assert.NotContains(t, h.State().Services, ExpirerTimer)
	_, ok := h.File(ExpirerTimerFile)
	assert.False(t, ok)
	_, cron := h.File(PackageCronFile)
	assert.False(t, cron, "removed on every unit")
}

func TestExpirerMovesWithLeadershipAndGoesWithTheTTL(t *testing.T) {
	tests := []struct {
		name   string
		change func(w *world)
		hook   string
		// restarts: panko.conf's event_time_to_live changes with the TTL.
		restarts int
	}{
		{"leadership moved", func(w *world) {
			w.juju.Leader = false
			w.juju.LeaderData[leaderExpirerUnit] = "panko/1"
		}, "leader-settings-changed", 0},
		{"event-time-to-live back to -1", func(w *world) { w.juju.Config = map[string]any{"event-time-to-live": -1} }, "config-changed", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := expiring(t, true)
			tools, h, err := w.run(t, hook("config-changed"))
			require.NoError(t, err)
			w.carry(tools, h)
			tt.change(w)

			_, h, err = w.run(t, hook(tt.hook))

			require.NoError(t, err)
			assert.NotContains(t, h.State().Services, ExpirerTimer, "stopped, disabled and unknown to systemd")
			for _, f := range expirerFiles() {
				_, ok := h.File(f)
				assert.False(t, ok, "%s removed", f)
			}
			assert.Equal(t, tt.restarts, h.Restarts())
		})
	}
}

func TestExpirerIntervalRestartsOnlyTheTimer(t *testing.T) {
	w := expiring(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)

	_, h, err = w.run(t, hook("config-changed"))
	require.NoError(t, err)
	assert.Zero(t, h.Writes(), "idempotent: %v", h.Calls())

	w.juju.Config["expirer-interval"] = 240
	_, h, err = w.run(t, hook("config-changed"))

	require.NoError(t, err)
	timerFile, _ := h.File(ExpirerTimerFile)
	assert.Contains(t, string(timerFile.Data), "\nOnUnitActiveSec=240min\nRandomizedDelaySec=60min\n")
	assert.Equal(t, 1, h.RestartsOf(ExpirerTimer))
	assert.Equal(t, 1, h.Restarts(), "only the timer")
}

func TestDiagnoseReportsTheExpirer(t *testing.T) {
	w := expiring(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	w.http = fakeHTTP{"http://10.5.0.3:35357": 300, "http://127.0.0.1:8977/": 200}
	w.juju.Action = "diagnose"
	tests := []struct {
		name, record, want string
	}{
		{"not run yet", "", "ok: not run yet (every 60 minutes)"},
		// What the expirer's script writes (templates/panko-expirer-run.tmpl).
		{"succeeded", "2026-12-07T16:00:05Z 0\n", "ok: last run 2026-12-07T16:00:05Z succeeded (every 60 minutes)"},
		{"failed", "2026-12-07T17:00:09Z 1\n", "fail: last run 2026-12-07T17:00:09Z exited 1: see " + ExpirerLogFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delete(w.host.Files, ExpirerStateFile)
			if tt.record != "" {
				w.host.Files[ExpirerStateFile] = hosttest.File{Data: []byte(tt.record), Mode: 0o644, Owner: "panko", Group: "panko"}
			}
			tools, _, err := w.run(t, action("diagnose"))
			require.NoError(t, err)
			assert.Equal(t, tt.want, tools.ActionResults()["expirer"])
		})
	}
}

// TestBatchSizeWithoutBatchesWarns: events_delete_batch_size exists from
// Panko 9.0.0 and in the 7.1.0 and 8.1.0 point releases (openstack/panko
// ec84ed8a and its backports); elsewhere panko-expirer deletes every
// expired event in one go, and the leader says so.
func TestBatchSizeWithoutBatchesWarns(t *testing.T) {
	for _, tt := range []struct {
		version string
		batch   int
		warns   bool
	}{
		{"1:8.0.0-0ubuntu1", 100, true},
		{"1:8.1.0-0ubuntu1", 100, false},
		{"1:8.0.0-0ubuntu1", 0, false},
	} {
		in := planInputs(t, true)
		in.Installed[openstack.VersionPackage] = tt.version
		in.Config.EventTimeToLive = 3600
		in.Config.EventsDeleteBatchSize = tt.batch
		var warned []string
		for _, w := range plan(in).Warnings {
			if strings.HasPrefix(w, "events-delete-batch-size") {
				warned = append(warned, w)
			}
		}
		assert.Equal(t, tt.warns, len(warned) == 1, "%s batch %d: %v", tt.version, tt.batch, warned)
	}
}
