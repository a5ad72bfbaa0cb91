package tests

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/rabbitmq"
)

// ceilometerPublisher is the module of ceilometer 19's event publisher.
const ceilometerPublisher = "/usr/lib/python3/dist-packages/ceilometer/publisher/messaging.py"

// publishScript publishes events through ceilometer's own
// EventNotifierPublisher to notifier://?topic=alarm.all (its default
// events-publisher, aodh's sink), signed with the telemetry secret given,
// and prints their message ids. argv: ceilometer.conf (transport_url and
// [publisher] telemetry_secret), count, prefix.
const publishScript = `import datetime, json, sys, uuid
from oslo_utils import netutils
from ceilometer import service
from ceilometer.event import models
from ceilometer.publisher import messaging
conf = service.prepare_service(argv=[], config_files=[sys.argv[1]])
pub = messaging.EventNotifierPublisher(conf, netutils.urlsplit('notifier://?topic=alarm.all'))
now = datetime.datetime.utcnow()
events = [models.Event(str(uuid.uuid4()), sys.argv[3] + '.event', now,
                       [models.Trait('seq', models.Trait.INT_TYPE, i),
                        models.Trait('host', models.Trait.TEXT_TYPE, 'compute-1')], {'seq': i})
          for i in range(int(sys.argv[2]))]
for i in range(0, len(events), 50):
    pub.publish_events(events[i:i + 50])
print(json.dumps([e.message_id for e in events]))
`

// aodhScript stands for aodh: a notification listener with its own pool
// on the same topic, counting the event items it receives until it has
// argv[2] of them or 120 s pass. argv: transport URL, count, ready file.
const aodhScript = `import sys, threading, time
from oslo_config import cfg
import oslo_messaging
conf = cfg.ConfigOpts()
conf([])
transport = oslo_messaging.get_notification_transport(conf, url=sys.argv[1])
seen, lock, want = set(), threading.Lock(), int(sys.argv[2])
class Endpoint(object):
    def sample(self, ctxt, publisher_id, event_type, payload, metadata):
        with lock:
            for item in payload:
                seen.add(item['message_id'])
listener = oslo_messaging.get_notification_listener(
    transport, [oslo_messaging.Target(topic='alarm.all', exchange='ceilometer')],
    [Endpoint()], executor='threading', pool='aodh')
listener.start()
open(sys.argv[3], 'w').close()
deadline = time.time() + 120
while time.time() < deadline and len(seen) < want:
    time.sleep(0.2)
listener.stop(); listener.wait()
print(len(seen))
`

// TestStoryCeilometerEventsReachPanko relates panko to ceilometer and to
// the rabbitmq-server ceilometer uses, then runs the unit's rendered event
// listener (its systemd unit's command line, as user panko) with the real
// Panko 9.0.0 against the model's real RabbitMQ: events published by
// ceilometer 19's own EventNotifierPublisher are stored once each, across
// a SIGKILL of the listener mid-stream; a second pool (aodh) still gets
// every one; events with a wrong signature are dropped; and the operator
// reads them with `openstack event list` through the real API.
func TestStoryCeilometerEventsReachPanko(t *testing.T) {
	requireMariaDB(t)
	requireRealStack(t)
	requireOrSkip(t, "RabbitMQ", rabbitmq.Installed())
	requireOrSkip(t, "ceilometer 19 (python3-ceilometer)", fileMissing(ceilometerPublisher))
	t.Parallel()
	ctx := context.Background()
	charm := buildPankoCharm(t)
	m := newModel(t)
	const unit = "panko/0"
	telemetry := randomSecret(t)
	registerSecrets(t, secret{Label: "telemetry secret", Value: telemetry})

	step(t, "relate ceilometer, then its rabbitmq-server: the listener runs", func(t *testing.T) {
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Name: "panko", CharmPath: charm,
			Config: map[string]string{"openstack-origin": "cloud:focal-victoria", "telemetry-secret": telemetry}}))
		for _, app := range []string{"mysql", "keystone", "ceilometer", "rabbitmq-server"} {
			require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: app}))
		}
		for _, app := range []string{"mysql", "keystone", "ceilometer"} {
			_, err := m.Relate(ctx, "panko", app)
			require.NoError(t, err)
		}
		settle(t, m)
		st, msg := workload(t, m, unit)
		require.Equal(t, "blocked: 'amqp' missing: relate panko to the rabbitmq-server ceilometer uses", st+": "+msg)
		_, err := m.Relate(ctx, "panko", "rabbitmq-server")
		require.NoError(t, err)
		settle(t, m)
		st, msg = workload(t, m, unit)
		require.Equal(t, "active: "+readyWithEvents, st+": "+msg)
		svc := machineState(t, m, unit).Services["panko-event-listener"]
		require.True(t, svc.Active && svc.Enabled, "listener service: %+v", svc)
	})

	root := unitRoot(t, m, unit)
	broker, err := m.RabbitMQ(ctx)
	require.NoError(t, err)
	// The listener reaches the broker at the address of its transport URL
	// (rabbitmq-server/0's), which stands for the model's node.
	lconf := parseINI(t, readAll(t, filepath.Join(root, "etc/panko/event-listener.conf")))
	tu, err := url.Parse(lconf["DEFAULT"]["transport_url"])
	require.NoError(t, err)
	s := startRealStack(t, m, unit, nil, tu.Hostname())
	require.NoError(t, s.sb.Forward(tu.Host, broker.AMQPAddr()))
	argv := listenerCommand(t, root)
	spawnListener := func() {
		require.NoError(t, s.sb.Spawn("listener", []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
			append([]string{"/usr/bin/setpriv", "--reuid=panko", "--regid=panko", "--init-groups", "--"}, argv...)...))
	}
	spawnListener()
	db := unitDB(t, root)
	// ceilometer publishes with its own user on the vhost it shares.
	cpw := randomSecret(t)
	registerSecrets(t, secret{Label: "ceilometer's rabbit password", Value: cpw})
	require.NoError(t, broker.EnsureUser(ctx, "openstack", "ceilometer", cpw))
	ceilometerURL := "rabbit://ceilometer:" + cpw + "@" + broker.AMQPAddr() + "/openstack"
	waitFor(t, "the listener's queue", 90*time.Second, func() bool {
		out, err := broker.Ctl(ctx, "list_queues", "-p", "openstack", "--quiet", "--no-table-headers", "name")
		return err == nil && hasLine(out, "panko") // the pool's queue
	}, func() string { return s.sb.Output("listener") })

	const n = 1000
	var ids []string
	step(t, "ceilometer's publisher, a SIGKILL mid-stream: every event stored once, aodh's pool gets all", func(t *testing.T) {
		ready := filepath.Join(t.TempDir(), "aodh-ready")
		aodh := exec.Command("/usr/bin/python3", "-c", aodhScript, ceilometerURL, fmt.Sprint(n), ready)
		var aodhOut strings.Builder
		aodh.Stdout, aodh.Stderr = &aodhOut, &aodhOut
		require.NoError(t, aodh.Start())
		waitFor(t, "aodh's listener", 60*time.Second, func() bool { return fileMissing(ready) == nil }, aodhOut.String)

		start := time.Now()
		ids = publish(t, ceilometerURL, telemetry, n, "story")
		waitFor(t, "a first part stored", 60*time.Second, func() bool { return countEvents(t, db, "story.event") >= 20 },
			func() string { return s.sb.Output("listener") })
		require.NoError(t, s.sb.Kill("listener"))
		partial := countEvents(t, db, "story.event")
		spawnListener()
		waitFor(t, "every event stored", 120*time.Second, func() bool { return countEvents(t, db, "story.event") >= n },
			func() string { return s.sb.Output("listener") })
		took := time.Since(start)

		rows, distinct := eventRows(t, db, "story.event")
		assert.Equal(t, n, rows, "stored once each")
		assert.Equal(t, n, distinct)
		require.NoError(t, aodh.Wait(), aodhOut.String())
		assert.Equal(t, fmt.Sprint(n), strings.TrimSpace(lastOutputLine(aodhOut.String())), "aodh's own pool received every event")
		t.Logf("%d events: %d stored before the SIGKILL, all %d after the restart in %v (%.0f events/s)",
			n, partial, n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	})

	step(t, "steady rate: a batch published, every event stored", func(t *testing.T) {
		// make bench raises the count (scripts/bench-listener.sh).
		count := 500
		if v, err := strconv.Atoi(os.Getenv("PANKO_BENCH_EVENTS")); err == nil && v > 0 {
			count = v
		}
		start := time.Now()
		publish(t, ceilometerURL, telemetry, count, "steady")
		waitFor(t, "the batch stored", 10*time.Minute, func() bool { return countEvents(t, db, "steady.event") >= count },
			func() string { return s.sb.Output("listener") })
		took := time.Since(start)
		rows, distinct := eventRows(t, db, "steady.event")
		assert.Equal(t, [2]int{count, count}, [2]int{rows, distinct})
		t.Logf("listener rate: %d events published and stored in %v: %.0f events/s", count, took.Round(time.Millisecond), float64(count)/took.Seconds())
	})

	step(t, "an event signed with another secret is dropped and counted", func(t *testing.T) {
		bad := publish(t, ceilometerURL, "not-"+telemetry, 1, "forged")
		publish(t, ceilometerURL, telemetry, 1, "genuine")
		waitFor(t, "the genuine event", 60*time.Second, func() bool { return countEvents(t, db, "genuine.event") == 1 },
			func() string { return s.sb.Output("listener") })
		assert.Zero(t, countEvents(t, db, "forged.event"), "the forged event %s is not stored", bad[0])
		// The report diagnose reads (internal/charm listenerState).
		var state struct {
			Stored       int    `json:"stored"`
			BadSignature int    `json:"bad_signature"`
			LastStored   string `json:"last_stored"`
		}
		waitFor(t, "the listener's counters", 30*time.Second, func() bool {
			raw, err := s.sb.Run(ctx, nil, "/bin/cat", "/var/lib/panko/event-listener.json")
			return err == nil && json.Unmarshal(raw, &state) == nil && state.BadSignature == 1
		}, func() string { return s.sb.Output("listener") })
		assert.Positive(t, state.Stored, "stored since the restart")
		assert.NotEmpty(t, state.LastStored)
	})

	step(t, "the operator lists them: openstack event list", func(t *testing.T) {
		out := s.openstack(t, "event", "list", "--filter", "event_type=genuine.event", "-f", "json")
		var listed []map[string]any
		require.NoError(t, json.Unmarshal(out, &listed), "%s", out)
		require.Len(t, listed, 1)
		out = s.openstack(t, "event", "list", "--filter", "event_type=story.event", "--limit", "1000", "-f", "json")
		require.NoError(t, json.Unmarshal(out, &listed), "%s", out)
		got := map[string]bool{}
		for _, e := range listed {
			got[fmt.Sprint(e["message_id"])] = true
		}
		for _, id := range ids {
			require.True(t, got[id], "event %s listed", id)
		}
	})

	step(t, "remove amqp: the listener is stopped, disabled and removed; the status names amqp", func(t *testing.T) {
		require.NoError(t, m.RemoveRelation(ctx, "panko", "rabbitmq-server"))
		settle(t, m)
		st, msg := workload(t, m, unit)
		assert.Equal(t, "blocked: 'amqp' missing: relate panko to the rabbitmq-server ceilometer uses", st+": "+msg)
		assert.NotContains(t, machineState(t, m, unit).Services, "panko-event-listener", "stopped, disabled, its unit gone")
		for _, f := range []string{"etc/systemd/system/panko-event-listener.service", "etc/panko/event-listener.conf", "usr/lib/charm-panko/panko-event-listener"} {
			assert.Error(t, fileMissing(filepath.Join(root, f)), "%s removed", f)
		}
	})
}

// listenerCommand is the ExecStart of the unit's rendered systemd unit,
// with the unit's rendered program copied where user panko can read it
// (the sandbox shows the unit's /etc and /var, not its /usr, and the
// model's directory is root's alone).
func listenerCommand(t *testing.T, root string) []string {
	t.Helper()
	for _, line := range strings.Split(readAll(t, filepath.Join(root, "etc/systemd/system/panko-event-listener.service")), "\n") {
		if cmd, ok := strings.CutPrefix(line, "ExecStart="); ok {
			argv := strings.Fields(cmd)
			require.GreaterOrEqual(t, len(argv), 2)
			require.Equal(t, "/usr/lib/charm-panko/panko-event-listener", argv[1])
			argv[1] = readableCopy(t, filepath.Join(root, argv[1]))
			return argv
		}
	}
	t.Fatal("the listener's unit has no ExecStart")
	return nil
}

// unitDB opens the unit's database as its panko.conf names it.
func unitDB(t *testing.T, root string) *sql.DB {
	t.Helper()
	conf := parseINI(t, readAll(t, filepath.Join(root, "etc/panko/panko.conf")))
	return openAsPanko(t, root, parseConnection(t, conf["database"]["connection"]))
}

// eventRows counts the rows and distinct message ids of one event type.
func eventRows(t *testing.T, db *sql.DB, eventType string) (rows, distinct int) {
	t.Helper()
	err := db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT e.message_id) FROM event e JOIN event_type t ON e.event_type_id = t.id WHERE t.desc = ?`, eventType).Scan(&rows, &distinct)
	require.NoError(t, err)
	return rows, distinct
}

func countEvents(t *testing.T, db *sql.DB, eventType string) int {
	rows, _ := eventRows(t, db, eventType)
	return rows
}

// publish sends n events of type <prefix>.event through ceilometer's
// publisher and returns their message ids.
func publish(t *testing.T, transportURL, secret string, n int, prefix string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conf := filepath.Join(t.TempDir(), "ceilometer.conf")
	require.NoError(t, os.WriteFile(conf, []byte("[DEFAULT]\ntransport_url = "+transportURL+"\n\n[publisher]\ntelemetry_secret = "+secret+"\n"), 0o600))
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", "-c", publishScript, conf, fmt.Sprint(n), prefix)
	out, err := cmd.Output()
	require.NoError(t, err, "ceilometer's publisher: %s", out)
	var ids []string
	require.NoError(t, json.Unmarshal([]byte(lastOutputLine(string(out))), &ids))
	require.Len(t, ids, n)
	return ids
}

// waitFor polls ok until it holds or timeout passes, then fails with diag.
func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool, diag func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v\n%s", what, timeout, tail(diag(), 40))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func hasLine(out, want string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}

func lastOutputLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
