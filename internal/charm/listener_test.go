package charm

import (
	"io/fs"
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

// amqpFixture is testdata/relations/rabbitmq-server-amqp.json: what
// rabbitmq-server answers and the transport URL charms.openstack builds.
type amqpFixture struct {
	relfixture.Fixture
	Expected struct {
		TransportURL      string `json:"transport_url"`
		TransportURLSSLOn string `json:"transport_url_ssl_on"`
	} `json:"expected_client_view"`
}

// amqpReady is rabbitmq-server related on amqp, its three units answering
// as recorded (variant "" for the base, e.g. "ssl_on").
func amqpReady(tb testing.TB, variant ...string) jujutest.Relation {
	tb.Helper()
	f := relfixture.Load[amqpFixture](tb, "rabbitmq-server-amqp.json")
	units := map[string]map[string]string{}
	for name, bag := range f.Remote.Units {
		b := maps.Clone(bag)
		for _, v := range variant {
			maps.Copy(b, f.Variants[v].RemoteUnitOverrides)
		}
		units[name] = b
	}
	return jujutest.Relation{ID: "amqp:8", RemoteUnits: units}
}

// ceilometerRelated is ceilometer/0 on event-service.
func ceilometerRelated() jujutest.Relation {
	return jujutest.Relation{ID: "event-service:9", RemoteUnits: map[string]map[string]string{"ceilometer/0": {}}}
}

func TestListenerRunsWithAMQP(t *testing.T) {
	fx := relfixture.Load[amqpFixture](t, "rabbitmq-server-amqp.json")
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated(), amqpReady(t))

	tools, h, err := w.run(t, hook("amqp-relation-changed"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active: Unit is ready (storing ceilometer events from rabbitmq-server)", st+": "+msg)
	bag, _ := tools.RelationData("amqp:8")
	assert.Equal(t, "panko", bag["username"])
	assert.Equal(t, "openstack", bag["vhost"])
	state := h.State()
	assert.NotEmpty(t, state.Packages["python3-oslo.messaging"], "oslo.messaging installed")
	svc := state.Services[ListenerService]
	assert.True(t, svc.Active && svc.Enabled, "listener running and enabled: %+v", svc)
	for _, f := range []struct {
		path         string
		owner, group string
		mode         fs.FileMode
	}{
		{ListenerScriptFile, "root", "root", 0o755},
		{ListenerConfFile, "root", "panko", 0o640},
		{ListenerUnitFile, "root", "root", 0o644},
		{ListenerLogFile, "panko", "panko", 0o640},
	} {
		got, ok := h.File(f.path)
		require.True(t, ok, f.path)
		assert.Equal(t, [3]any{f.owner, f.group, f.mode}, [3]any{got.Owner, got.Group, got.Mode}, f.path)
	}
	conf, _ := h.File(ListenerConfFile)
	assert.True(t, strings.Contains(string(conf.Data), "\ntransport_url = "+fx.Expected.TransportURL+"\n"), "transport_url as charms.openstack renders it")
	assert.Contains(t, string(conf.Data), "\ntopics = alarm.all\n", "ussuri's ceilometer publishes events for aodh on alarm.all")
	assert.Contains(t, string(conf.Data), "\nexchange = ceilometer\npool = panko\n")
	assert.NotContains(t, string(conf.Data), "[oslo_messaging_rabbit]")
	script, _ := h.File(ListenerScriptFile)
	assert.True(t, strings.HasPrefix(string(script.Data), "#!/usr/bin/python3\n"))
	assert.Equal(t, 1, h.Runs("systemctl"), "systemd reloaded once for the new unit")
}

func TestListenerIsIdempotent(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated(), amqpReady(t))
	tools, h, err := w.run(t, hook("amqp-relation-changed"))
	require.NoError(t, err)
	w.carry(tools, h)

	_, h, err = w.run(t, hook("config-changed"))

	require.NoError(t, err)
	assert.Zero(t, h.Writes(), "nothing rewritten: %v", h.Calls())
	assert.Zero(t, h.Restarts(), "nothing restarted")
	assert.Zero(t, h.Runs("systemctl"))
}

func TestCeilometerWithoutAMQPIsBlocked(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated())

	tools, h, err := w.run(t, hook("event-service-relation-joined"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked: 'amqp' missing: relate panko to the rabbitmq-server ceilometer uses", st+": "+msg)
	for _, svc := range apiServices() {
		assert.True(t, h.State().Services[svc].Active, "the API still serves: %s", svc)
	}
	assert.NotContains(t, h.State().Services, ListenerService)
}

func TestAMQPWithoutCeilometerStillStoresEvents(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), amqpReady(t))

	tools, h, err := w.run(t, hook("amqp-relation-changed"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active: Unit is ready (storing events from rabbitmq-server)", st+": "+msg)
	assert.True(t, h.State().Services[ListenerService].Active)
}

func TestAMQPIncompleteWaits(t *testing.T) {
	rel := amqpReady(t)
	for _, bag := range rel.RemoteUnits {
		delete(bag, "password")
	}
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated(), rel)

	tools, h, err := w.run(t, hook("amqp-relation-joined"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "waiting: 'amqp' incomplete", st+": "+msg)
	bag, _ := tools.RelationData("amqp:8")
	assert.Equal(t, "panko", bag["username"], "the request goes out before the answer")
	assert.NotContains(t, h.State().Services, ListenerService)
}

func TestListenerWithTLSBroker(t *testing.T) {
	fx := relfixture.Load[amqpFixture](t, "rabbitmq-server-amqp.json")
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated(), amqpReady(t, "ssl_on"))

	_, h, err := w.run(t, hook("amqp-relation-changed"))

	require.NoError(t, err)
	conf, _ := h.File(ListenerConfFile)
	assert.True(t, strings.Contains(string(conf.Data), "\ntransport_url = "+fx.Expected.TransportURLSSLOn+"\n"), "TLS port in the URL")
	assert.Contains(t, string(conf.Data), "[oslo_messaging_rabbit]\nssl = true\nssl_ca_file = "+RabbitCAFile+"\n")
	ca, ok := h.File(RabbitCAFile)
	require.True(t, ok)
	assert.True(t, strings.HasPrefix(string(ca.Data), "-----BEGIN CERTIFICATE-----"))
}

func TestTelemetrySecretRestartsOnlyTheListener(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated(), amqpReady(t))
	tools, h, err := w.run(t, hook("amqp-relation-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Config = map[string]any{"telemetry-secret": "Ceilo-Secret-42"}

	tools, h, err = w.run(t, hook("config-changed"))

	require.NoError(t, err)
	conf, _ := h.File(ListenerConfFile)
	assert.Contains(t, string(conf.Data), "\ntelemetry_secret = Ceilo-Secret-42\n")
	assert.Equal(t, 1, h.RestartsOf(ListenerService))
	assert.Equal(t, 1, h.Restarts(), "only the listener restarts")
	for _, l := range tools.Logs() {
		assert.NotContains(t, l.Message, "Ceilo-Secret-42")
	}
}

func TestRemovingAMQPRetiresTheListener(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated(), amqpReady(t, "ssl_on"))
	tools, h, err := w.run(t, hook("amqp-relation-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Relations = w.juju.Relations[:3]

	tools, h, err = w.run(t, hook("amqp-relation-broken"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked: "+amqpMissing, st+": "+msg)
	assert.NotContains(t, h.State().Services, ListenerService, "stopped, disabled and unknown to systemd")
	for _, f := range listenerFiles() {
		_, ok := h.File(f)
		assert.False(t, ok, "%s removed", f)
	}
	assert.Zero(t, h.Restarts(), "the API is not restarted")
	for _, svc := range apiServices() {
		assert.True(t, h.State().Services[svc].Active, svc)
	}
}

func TestPauseAndResumeIncludeTheListener(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated(), amqpReady(t))
	tools, h, err := w.run(t, hook("amqp-relation-changed"))
	require.NoError(t, err)
	w.carry(tools, h)

	w.juju.Action = "pause"
	tools, h, err = w.run(t, juju.Event{Kind: juju.Action, Name: "pause"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"stopped": "memcached,apache2,haproxy,panko-event-listener"}, tools.ActionResults())
	svc := h.State().Services[ListenerService]
	assert.False(t, svc.Active || svc.Enabled, "paused listener stopped and disabled")
	w.carry(tools, h)

	w.juju.Action = "resume"
	tools, h, err = w.run(t, juju.Event{Kind: juju.Action, Name: "resume"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"started": "memcached,apache2,haproxy,panko-event-listener"}, tools.ActionResults())
	assert.True(t, h.State().Services[ListenerService].Active)
}

func TestDiagnoseReportsTheListener(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated(), amqpReady(t))
	tools, h, err := w.run(t, hook("amqp-relation-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	w.http = fakeHTTP{"http://10.5.0.3:35357": 300, "http://127.0.0.1:8977/": 200}
	w.juju.Action = "diagnose"

	t.Run("no report yet", func(t *testing.T) {
		tools, _, err := w.run(t, action("diagnose"))
		require.NoError(t, err)
		res := tools.ActionResults()
		assert.Equal(t, "fail: no report from the listener yet ("+ListenerStateFile+")", res["listener"])
		assert.Equal(t, "ok: running: memcached, apache2, haproxy, panko-event-listener", res["services"])
	})
	t.Run("the listener's counters", func(t *testing.T) {
		// What the listener program writes (templates/panko-event-listener.tmpl, Counters._write).
		w.host.Files[ListenerStateFile] = hosttest.File{Mode: 0o644, Owner: "panko", Group: "panko",
			Data: []byte(`{"stored": 1000, "bad_signature": 1, "malformed": 0, "requeued": 50, "last_stored": "2026-12-07T16:10:05.123456", "updated": "2026-12-07T16:10:05.200000"}`)}
		tools, _, err := w.run(t, action("diagnose"))
		require.NoError(t, err)
		assert.Equal(t, "ok: stored 1000 events since it started (last 2026-12-07T16:10:05.123456 UTC); dropped 1 with a bad signature and 0 malformed; 50 requeued after database errors",
			tools.ActionResults()["listener"])
	})
}

// TestPankoConfRestartsTheListenerToo: the listener reads [database] from
// panko.conf once, at start (oslo.config), so when the database moves its
// old connection would fail forever: a panko.conf change restarts Apache
// and the listener, and nothing else.
func TestPankoConfRestartsTheListenerToo(t *testing.T) {
	w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometerRelated(), amqpReady(t))
	tools, h, err := w.run(t, hook("amqp-relation-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	for i, r := range w.juju.Relations {
		if r.ID == "shared-db:1" {
			w.juju.Relations[i].RemoteUnits["mysql/0"]["db_host"] = "10.5.0.4"
		}
	}

	tools, h, err = w.run(t, hook("shared-db-relation-changed"))

	require.NoError(t, err)
	st, msg := tools.Status()
	require.Equal(t, "active", st, msg)
	conf, _ := h.File(PankoConf)
	require.Contains(t, string(conf.Data), "@10.5.0.4")
	assert.Equal(t, map[string]int{"apache2": 1, ListenerService: 1, "haproxy": 0, "memcached": 0},
		map[string]int{"apache2": h.RestartsOf("apache2"), ListenerService: h.RestartsOf(ListenerService),
			"haproxy": h.RestartsOf("haproxy"), "memcached": h.RestartsOf("memcached")})
}
