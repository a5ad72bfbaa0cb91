package tests

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/sandbox"
)

// recordAtScript stores an event generated at an ISO time through Panko's
// storage API. argv: panko.conf, message id, event type, generated.
const recordAtScript = `import sys
from oslo_utils import timeutils
from panko import service, storage
from panko.storage import models
conf = service.prepare_service(argv=[], config_files=[sys.argv[1]])
conn = storage.get_connection_from_config(conf)
conn.record_events([models.Event(sys.argv[2], sys.argv[3], timeutils.parse_isotime(sys.argv[4]).replace(tzinfo=None),
                                 [models.Trait('host', models.Trait.TEXT_TYPE, 'compute-1')], {})])
`

// TestStoryExpirerDeletesOldEvents sets event-time-to-live on a two-unit
// victoria application: the leader, and only the leader, gets the
// expirer's timer. One scheduled run (the command of the unit's rendered
// service, as user panko, with the real panko-expirer 9.0.0 against the
// model's MariaDB) deletes the events older than the TTL, keeps the
// newer ones, logs to its own file (panko's) and records its result for
// diagnose. When the leader goes, the new leader runs it; the TTL back to
// -1 removes it.
func TestStoryExpirerDeletesOldEvents(t *testing.T) {
	ctx, charm, m := story(t, requireRealStack)

	step(t, "TTL of a day: the leader alone has the expirer's timer", func(t *testing.T) {
		deployRelated(t, ctx, m, localjuju.DeployArgs{Name: "panko", CharmPath: charm, Units: 2,
			Config: map[string]string{"openstack-origin": "cloud:focal-victoria", "event-time-to-live": "86400"}}, "mysql", "keystone")
		for _, u := range []string{"panko/0", "panko/1"} {
			st, msg := workload(t, m, u)
			require.Equal(t, "active: Unit is ready", st+": "+msg, u)
		}
		timer := machineState(t, m, "panko/0").Services["panko-expirer.timer"]
		assert.True(t, timer.Active && timer.Enabled, "leader's timer: %+v", timer)
		assert.NotContains(t, machineState(t, m, "panko/1").Services, "panko-expirer.timer")
	})

	step(t, "one scheduled run: older events gone, newer kept, result recorded", func(t *testing.T) {
		root := unitRoot(t, m, "panko/0")
		db := unitDB(t, root)
		old := time.Now().UTC().Add(-48 * time.Hour).Format("2006-01-02T15:04:05")
		fresh := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05")
		own := filepath.Join(t.TempDir(), "panko.conf")
		conf := parseINI(t, readAll(t, filepath.Join(root, "etc/panko/panko.conf")))
		require.NoError(t, os.WriteFile(own, []byte("[database]\nconnection = "+conf["database"]["connection"]+"\n"), 0o600))
		for _, e := range [][3]string{{"aaaaaaaa-0000-4000-8000-000000000001", "expiry.old", old}, {"aaaaaaaa-0000-4000-8000-000000000002", "expiry.fresh", fresh}} {
			out, err := exec.Command("/usr/bin/python3", "-c", recordAtScript, own, e[0], e[1], e[2]).CombinedOutput()
			require.NoError(t, err, "record an event: %s", out)
		}
		require.Equal(t, 1, countEvents(t, db, "expiry.old"))

		sb, err := sandbox.Start(sandbox.Options{
			Root:    root,
			Overlay: []string{"/etc", "/var/lib", "/var/log"},
			Bind:    map[string]string{pankoPackageDir: patchedPanko(t, t.TempDir())},
			Addrs:   []string{unitState(t, m, "panko/0").Address},
			Work:    filepath.Join(t.TempDir(), "sandbox"),
		})
		require.NoError(t, err)
		t.Cleanup(func() { sb.Close() })
		c := parseConnection(t, conf["database"]["connection"])
		dbAddr := net.JoinHostPort(c.Host, c.Port)
		require.NoError(t, sb.Forward(dbAddr, dbAddr))

		argv := expirerCommand(t, root)
		run, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		out, err := sb.Run(run, []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
			"/usr/bin/setpriv", append([]string{"--reuid=panko", "--regid=panko", "--init-groups", "--"}, argv...)...)
		require.NoError(t, err, "the expirer's run: %s", out)

		assert.Zero(t, countEvents(t, db, "expiry.old"), "older than the TTL: deleted")
		assert.Equal(t, 1, countEvents(t, db, "expiry.fresh"), "newer: kept")
		record, err := sb.Run(ctx, nil, "/bin/cat", "/var/lib/panko/expirer-last-run")
		require.NoError(t, err, "%s", record)
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 0\n$`, string(record), "when it ran, and exit 0")
		owner, err := sb.Run(ctx, nil, "/usr/bin/stat", "-c", "%U %a", "/var/log/panko/panko-expirer.log")
		require.NoError(t, err, "%s", owner)
		assert.Equal(t, "panko 640", strings.TrimSpace(string(owner)), "its own log, the charm's")
		apiLog, err := sb.Run(ctx, nil, "/usr/bin/stat", "-c", "%U", "/var/log/panko/panko-api.log")
		require.NoError(t, err, "%s", apiLog)
		assert.Equal(t, "panko", strings.TrimSpace(string(apiLog)), "panko-api.log is still panko's")
	})

	step(t, "the leader goes: the new leader runs the expirer", func(t *testing.T) {
		require.NoError(t, m.RemoveUnit(ctx, "panko/0"))
		settle(t, m)
		timer := machineState(t, m, "panko/1").Services["panko-expirer.timer"]
		assert.True(t, timer.Active && timer.Enabled, "new leader's timer: %+v", timer)
	})

	step(t, "event-time-to-live -1: the timer goes", func(t *testing.T) {
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"event-time-to-live": "-1"}, nil))
		settle(t, m)
		assert.NotContains(t, machineState(t, m, "panko/1").Services, "panko-expirer.timer")
		assert.Error(t, fileMissing(filepath.Join(unitRoot(t, m, "panko/1"), "etc/systemd/system/panko-expirer.timer")))
	})
}

// expirerCommand is the ExecStart of the unit's rendered expirer service,
// with its script copied where user panko can read it.
func expirerCommand(t *testing.T, root string) []string {
	t.Helper()
	for _, line := range strings.Split(readAll(t, filepath.Join(root, "etc/systemd/system/panko-expirer.service")), "\n") {
		if cmd, ok := strings.CutPrefix(line, "ExecStart="); ok {
			argv := strings.Fields(cmd)
			require.Len(t, argv, 2)
			require.Equal(t, "/usr/lib/charm-panko/panko-expirer-run", argv[1])
			argv[1] = readableCopy(t, filepath.Join(root, argv[1]))
			return argv
		}
	}
	t.Fatal("the expirer's service has no ExecStart")
	return nil
}

// readableCopy copies a file of the model (root's alone) where any user
// can read and run it.
func readableCopy(t *testing.T, src string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "panko-prog-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	dst := filepath.Join(dir, filepath.Base(src))
	require.NoError(t, os.WriteFile(dst, []byte(readAll(t, src)), 0o755))
	return dst
}
