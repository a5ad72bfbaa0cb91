package charm

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io/fs"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host"
	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/shareddb"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

const (
	charmDir   = "../.."
	dbPassword = "Zx9vT4kqW2mN8rB6yH3jLcPfGs7dR5tE"
	ksPassword = "kspw-3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f"
)

// fakeDB answers database checks without a server.
type fakeDB struct {
	pingErr error
	pings   int
	schema  bool
	// traitInt is trait_int.value's type when schema is set ("" is bigint).
	traitInt string
}

func (f *fakeDB) Ping(context.Context, shareddb.Reply) error { f.pings++; return f.pingErr }
func (f *fakeDB) Schema(context.Context, shareddb.Reply) (Schema, error) {
	if !f.schema {
		return Schema{Missing: schemaTables()}, nil
	}
	if f.traitInt != "" {
		return Schema{TraitIntValue: f.traitInt}, nil
	}
	return Schema{TraitIntValue: "bigint"}, nil
}

// world is one unit before a hook: Juju's view, the machine and the database.
type world struct {
	juju jujutest.State
	host hosttest.State
	db   fakeDB
	now  time.Time
	http fakeHTTP
	// departing is JUJU_DEPARTING_UNIT.
	departing string
	// lookups counts the reverse-DNS lookups of runResolving.
	lookups int
	// dbsync, when set, answers panko-dbsync instead of creating the schema.
	dbsync func(argv []string) (host.Result, error)
}

func netInfoCIDR(addr, cidr string) juju.NetworkInfo {
	return juju.NetworkInfo{
		BindAddresses:    []juju.BindAddress{{MACAddress: "00:16:3e:00:00:02", InterfaceName: "eth1", Addresses: []juju.Address{{Value: addr, CIDR: cidr}}}},
		IngressAddresses: []string{addr},
	}
}

// pemDecode returns the DER bytes of the first PEM block.
func pemDecode(b []byte) ([]byte, []byte) {
	block, rest := pem.Decode(b)
	if block == nil {
		return nil, rest
	}
	return block.Bytes, rest
}

func netInfo(addr string) juju.NetworkInfo {
	return juju.NetworkInfo{
		BindAddresses:    []juju.BindAddress{{MACAddress: "00:16:3e:00:00:01", InterfaceName: "eth0", Addresses: []juju.Address{{Value: addr, CIDR: "10.5.0.0/24"}}}},
		IngressAddresses: []string{addr},
	}
}

func sharedDBReady() jujutest.Relation {
	return jujutest.Relation{ID: "shared-db:1", RemoteUnits: map[string]map[string]string{
		"mysql/0": {"db_host": "10.5.0.2", "password": dbPassword, "allowed_units": "panko/0 panko/1"},
	}}
}

func keystoneReady() jujutest.Relation {
	return jujutest.Relation{ID: "identity-service:2", RemoteUnits: map[string]map[string]string{
		"keystone/0": {
			"service_host": "10.5.0.3", "service_port": "5000", "service_protocol": "http",
			"auth_host": "10.5.0.3", "auth_port": "35357", "auth_protocol": "http",
			"internal_host": "10.5.0.3", "internal_port": "5000", "internal_protocol": "http",
			"service_tenant": "services", "service_tenant_id": "abc123", "service_username": "panko",
			"service_password": ksPassword, "service_domain": "service_domain", "api_version": "3",
			"service_type": "event",
		},
	}}
}

// newWorld is a focal unit (distro = ussuri) with nothing related.
func newWorld(leader bool, rels ...jujutest.Relation) *world {
	return &world{
		juju: jujutest.State{
			Unit:      "panko/0",
			Leader:    leader,
			Relations: rels,
			Networks:  map[string]juju.NetworkInfo{"": netInfo("10.5.0.10")},
		},
		host: hosttest.State{
			Files: map[string]hosttest.File{
				OSRelease: {Data: []byte("NAME=\"Ubuntu\"\nVERSION_CODENAME=focal\n"), Mode: 0o644, Owner: "root", Group: "root"},
			},
			Available: available("1:8.0.0-0ubuntu1"),
			CPUs:      2,
		},
		db: fakeDB{schema: true},
	}
}

// available lists every package the charm may install, Panko's at version.
func available(version string) map[string]string {
	m := map[string]string{}
	for _, release := range []string{"queens", "wallaby"} {
		install, purge := openstack.Packages(release)
		for _, p := range append(append(install, purge...), openstack.ListenerPackages(release)...) {
			m[p] = "2.4.0-1"
		}
	}
	for _, p := range []string{"panko-api", "python3-panko", "python-panko", "panko-common"} {
		m[p] = version
	}
	m["ubuntu-cloud-keyring"] = "2021.03.26"
	return m
}

// run fires ev on w and returns the backends to inspect.
func (w *world) run(t *testing.T, ev juju.Event) (*jujutest.Backend, *hosttest.Fake, error) {
	t.Helper()
	tools := jujutest.New(t, charmDir, w.juju)
	h := hosttest.New(w.host)
	// panko-dbsync creates the schema (metadata.create_all, idempotent).
	h.HandleCommand("panko-dbsync", func(argv []string) (host.Result, error) { w.db.schema = true; return host.Result{}, nil })
	if w.dbsync != nil {
		h.HandleCommand("panko-dbsync", w.dbsync)
	}
	err := Run(context.Background(), ev, Deps{
		Tools:  tools,
		Host:   h,
		Env:    juju.Env{Unit: w.juju.Unit, App: "panko", DepartingUnit: w.departing},
		DB:     &w.db,
		Random: func(n int) []byte { return make([]byte, n) },
		Now: func() time.Time {
			if w.now.IsZero() {
				return time.Now()
			}
			return w.now
		},
		LookupAddr: func(context.Context, string) ([]string, error) { return nil, errors.New("no reverse DNS in tests") },
		HTTP:       w.http,
	})
	return tools, h, err
}

func hook(name string) juju.Event { return juju.Event{Kind: juju.Hook, Name: name} }

func TestInstallWithoutRelations(t *testing.T) {
	w := newWorld(true)
	tools, h, err := w.run(t, hook("install"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked", st)
	assert.Equal(t, "'shared-db' missing, 'identity-service' missing", msg)
	assert.Equal(t, "maintenance", tools.StatusHistory()[0].Status, "installing shows maintenance first")
	state := h.State()
	for _, pkg := range []string{"python3-panko", "libapache2-mod-wsgi-py3", "apache2", "haproxy", "memcached"} {
		assert.NotEmpty(t, state.Packages[pkg], pkg)
	}
	assert.Empty(t, state.Packages["python-panko"], "focal installs the Python 3 set")
	assert.True(t, state.Services["panko-api"].Masked, "the distro panko-api service is masked")
	assert.False(t, state.Services["panko-api"].Enabled, "and disabled, as charm-helpers' service_pause does")
	assert.Equal(t, []string{"8977/tcp"}, tools.Opened())
	assert.Equal(t, "8.0.0", tools.Version())
	for _, svc := range apiServices() {
		assert.False(t, state.Services[svc].Active, "%s must not run before the relations are complete", svc)
	}
	f, ok := h.File(PankoConf)
	require.True(t, ok)
	assert.Equal(t, "root", f.Owner)
	assert.Equal(t, "panko", f.Group)
	assert.EqualValues(t, 0o640, f.Mode)
	assert.NotContains(t, string(f.Data), "connection =")
}

func TestInvalidConfigBlocksAndChangesNothing(t *testing.T) {
	tests := []struct {
		option string
		value  any
	}{
		{"vip", "10.0.0.300"},
		{"worker-multiplier", -1.0},
		{"vip_cidr", int64(40)},
		{"openstack-origin", "cloud:focal-nonsense"},
		{"haproxy-server-timeout", int64(-5)},
		{"region", ""},
	}
	for _, tt := range tests {
		t.Run(tt.option, func(t *testing.T) {
			w := newWorld(true, sharedDBReady(), keystoneReady())
			w.juju.Config = map[string]any{tt.option: tt.value}
			tools, h, err := w.run(t, hook("config-changed"))
			require.NoError(t, err)
			st, msg := tools.Status()
			assert.Equal(t, "blocked", st)
			assert.Contains(t, msg, tt.option)
			if s, ok := tt.value.(string); ok && s != "" {
				assert.Contains(t, msg, s)
			}
			assert.Zero(t, h.Writes(), "no file may change")
			assert.Empty(t, h.Calls(), "nothing may run on the machine")
			unit, _ := tools.RelationData("shared-db:1")
			assert.Empty(t, unit, "nothing is published")
		})
	}
}

func TestUnsupportedReleaseBlocks(t *testing.T) {
	w := newWorld(true)
	w.host.Files[OSRelease] = hosttest.File{Data: []byte("VERSION_CODENAME=xenial\n"), Mode: 0o644, Owner: "root", Group: "root"}
	tools, h, err := w.run(t, hook("install"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked", st)
	assert.Contains(t, msg, "openstack-origin: 'distro' gives mitaka on xenial")
	assert.Contains(t, msg, "ocata")
	assert.Zero(t, h.Writes())
}

// ready is a leader unit with both relations complete, after install.
func ready(t *testing.T, leader bool) *world {
	w := newWorld(leader, sharedDBReady(), keystoneReady())
	return w
}

func TestLeaderSyncsAndBecomesReady(t *testing.T) {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active", st)
	assert.Equal(t, "Unit is ready", msg)
	assert.Equal(t, 1, h.Runs("panko-dbsync"))
	assert.Equal(t, "ussuri", tools.LeaderData()["db-synced"])
	state := h.State()
	for _, svc := range apiServices() {
		assert.True(t, state.Services[svc].Active, "%s runs", svc)
		assert.True(t, state.Services[svc].Enabled, "%s enabled", svc)
	}
	// haproxy.cfg holds the statistics password: haproxy reads it, nobody
	// else.
	cfg, ok := h.File(HAProxyCfg)
	require.True(t, ok)
	assert.Equal(t, [3]any{"root", "haproxy", fs.FileMode(0o640)}, [3]any{cfg.Owner, cfg.Group, cfg.Mode})
	unit, _ := tools.RelationData("shared-db:1")
	assert.Equal(t, map[string]string{"database": "panko", "username": "panko", "hostname": "10.5.0.10"}, unit)
	ks, _ := tools.RelationData("identity-service:2")
	assert.Equal(t, "panko", ks["service"])
	assert.Equal(t, "RegionOne", ks["region"])
	for _, k := range []string{"public_url", "internal_url", "admin_url"} {
		assert.Equal(t, "http://10.5.0.10:8977", ks[k], k)
	}
	conf, _ := h.File(PankoConf)
	assert.Contains(t, string(conf.Data), "connection = mysql+pymysql://panko:"+dbPassword+"@10.5.0.2:3306/panko?charset=utf8")
	assert.Contains(t, string(conf.Data), "service_type = event")
	assert.Contains(t, string(conf.Data), "enable_proxy_headers_parsing = true")
	assert.True(t, h.Exists(APISiteLink), "site enabled")
	for _, l := range tools.Logs() {
		assert.False(t, strings.Contains(l.Message, dbPassword) || strings.Contains(l.Message, ksPassword), "secret in juju-log")
	}
}

func TestSecondRunChangesNothing(t *testing.T) {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)

	tools, h, err = w.run(t, hook("config-changed"))
	require.NoError(t, err)
	assert.Zero(t, h.Writes(), "no file rewritten: %v", h.Calls())
	assert.Zero(t, h.Restarts(), "no service restarted")
	assert.Zero(t, h.Runs("panko-dbsync"), "schema already synced")
	assert.Zero(t, tools.Calls()["relation-set"], "nothing re-published")
	assert.Zero(t, tools.Calls()["open-port"])
	assert.Zero(t, tools.Calls()["state-set"], "the record of what was published is unchanged")
	assert.Equal(t, 2, tools.Calls()["relation-get"], "only the remote bags are read: the unit's own come from the record")
	assert.Zero(t, tools.Calls()["opened-ports"], "the open ports come from the record")
	st, _ := tools.Status()
	assert.Equal(t, "active", st)
}

// TestPublishedRecord: the record in charm state stands for the unit's own
// bags and ports, except after upgrade-charm (a charm before it may have
// published without keeping one) and when it is missing or unreadable: then
// the bags are read and the record written again.
func TestPublishedRecord(t *testing.T) {
	settled := func(t *testing.T) *world {
		w := newWorld(true, sharedDBReady(), keystoneReady(), robustPeers(map[string]map[string]string{"panko/1": {"private-address": "10.5.0.11"}}))
		tools, h, err := w.run(t, hook("config-changed"))
		require.NoError(t, err)
		require.Equal(t, 1, tools.Calls()["state-set"], "the first hook keeps the record")
		w.carry(tools, h)
		return w
	}
	tests := []struct {
		name     string
		hook     string
		record   func(string) string
		wantRead bool
	}{
		{"kept", "config-changed", func(r string) string { return r }, false},
		{"after upgrade-charm", "upgrade-charm", func(r string) string { return r }, true},
		{"missing", "config-changed", func(string) string { return "" }, true},
		{"unreadable", "config-changed", func(r string) string { return r[:len(r)/2] }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := settled(t)
			w.juju.CharmState[publishedKey] = tt.record(w.juju.CharmState[publishedKey])
			// An own bag that differs from the record: only a unit that
			// reads its bags sees it and puts the right value back.
			w.juju.Relations[0].LocalUnit[shareddb.KeyHostname] = "10.9.9.9"
			tools, _, err := w.run(t, hook(tt.hook))
			require.NoError(t, err)
			unit, _ := tools.RelationData("shared-db:1")
			if !tt.wantRead {
				assert.Equal(t, 3, tools.Calls()["relation-get"], "the remote bags only")
				assert.Equal(t, 7, tools.Calls()["relation-ids"], "the peer relation's id is in the record")
				assert.Equal(t, "10.9.9.9", unit[shareddb.KeyHostname], "the record is trusted")
				assert.Zero(t, tools.Calls()["state-set"])
				return
			}
			assert.Equal(t, 6, tools.Calls()["relation-get"], "own bags read")
			assert.Equal(t, 8, tools.Calls()["relation-ids"])
			assert.Equal(t, 1, tools.Calls()["opened-ports"])
			assert.Equal(t, "10.5.0.10", unit[shareddb.KeyHostname], "the bag is put right")
			var rec published
			require.NoError(t, json.Unmarshal([]byte(tools.CharmState()[publishedKey]), &rec))
			assert.Equal(t, unit, rec.Bags["shared-db:1"], "the record is written again")
			assert.Equal(t, []string{"8977/tcp"}, rec.Ports)
			assert.Equal(t, "cluster:4", rec.Peer)
		})
	}
}

func TestNonLeaderWaitsForSync(t *testing.T) {
	w := ready(t, false)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "waiting", st)
	assert.Equal(t, "Waiting for database sync by the leader", msg)
	assert.Zero(t, h.Runs("panko-dbsync"))
	assert.False(t, h.State().Services["apache2"].Active)

	w.juju.LeaderData = map[string]string{"db-synced": "ussuri"}
	tools, _, err = w.run(t, hook("leader-settings-changed"))
	require.NoError(t, err)
	st, _ = tools.Status()
	assert.Equal(t, "active", st)
}

func TestUnreachableDatabaseWaits(t *testing.T) {
	w := ready(t, true)
	w.db.pingErr = errors.New("dial tcp 10.5.0.2:3306: connection refused")
	tools, h, err := w.run(t, hook("shared-db-relation-changed"))
	require.NoError(t, err, "the hook succeeds so update-status retries")
	st, msg := tools.Status()
	assert.Equal(t, "waiting", st)
	assert.Equal(t, "Database not reachable: 10.5.0.2:3306", msg)
	assert.Zero(t, h.Runs("panko-dbsync"))
}

func TestIncompleteRelations(t *testing.T) {
	w := newWorld(true,
		jujutest.Relation{ID: "shared-db:1", RemoteUnits: map[string]map[string]string{"mysql/0": {"db_host": "10.5.0.2", "password": dbPassword, "allowed_units": "panko/1"}}},
		jujutest.Relation{ID: "identity-service:2", RemoteUnits: map[string]map[string]string{"keystone/0": {}}},
	)
	tools, _, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "waiting", st)
	assert.Equal(t, "'shared-db' incomplete, 'identity-service' incomplete", msg)
}

func TestUpdateStatusIsCheap(t *testing.T) {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.host = h.State()
	w.juju.Status, w.juju.StatusMessage = tools.Status()

	tools, h, err = w.run(t, hook("update-status"))
	require.NoError(t, err)
	total := 0
	for _, n := range tools.Calls() {
		total += n
	}
	assert.LessOrEqual(t, total, 3, "update-status hook-tool calls: %v", tools.Calls())
	assert.Zero(t, h.Writes())
	assert.Zero(t, h.Restarts())

	// A stopped service is reported.
	state := h.State()
	svc := state.Services["apache2"]
	svc.Active = false
	state.Services["apache2"] = svc
	w.host = state
	tools, _, err = w.run(t, hook("update-status"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked", st)
	assert.Equal(t, "Services not running that should be: apache2", msg)
}

func TestDepartedDatabaseBlocksAndStops(t *testing.T) {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Relations = w.juju.Relations[1:]

	tools, h, err = w.run(t, hook("shared-db-relation-broken"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked", st)
	assert.Equal(t, "'shared-db' missing", msg)
	conf, _ := h.File(PankoConf)
	assert.NotContains(t, string(conf.Data), dbPassword, "credentials removed from panko.conf")
	assert.False(t, h.State().Services["apache2"].Active)
}

// carry takes a hook's results into the next hook's state, as Juju and the
// machine would.
func (w *world) carry(tools *jujutest.Backend, h *hosttest.Fake) {
	w.host, w.juju = h.State(), tools.Next()
}

// TestNewEmptyDatabaseGetsSchema: db-synced says ussuri, but the database
// (a new one, after a migration to another cluster) has no tables. The
// leader syncs once; a non-leader waits for it instead of turning ready.
func TestNewEmptyDatabaseGetsSchema(t *testing.T) {
	t.Run("leader", func(t *testing.T) {
		w := ready(t, true)
		w.juju.LeaderData = map[string]string{"db-synced": "ussuri"}
		w.db.schema = false
		tools, h, err := w.run(t, hook("shared-db-relation-changed"))
		require.NoError(t, err)
		assert.Equal(t, 1, h.Runs("panko-dbsync"), "the leader syncs the empty database")
		assert.True(t, w.db.schema)
		assert.NotEmpty(t, tools.LeaderData()["db-synced-at"], "the other units hear of the sync")
		st, msg := tools.Status()
		assert.Equal(t, "active", st)
		assert.Equal(t, "Unit is ready", msg)

		w.carry(tools, h)
		_, h, err = w.run(t, hook("config-changed"))
		require.NoError(t, err)
		assert.Zero(t, h.Runs("panko-dbsync"), "once only")
	})
	t.Run("non-leader", func(t *testing.T) {
		w := ready(t, false)
		w.juju.LeaderData = map[string]string{"db-synced": "ussuri"}
		w.db.schema = false
		tools, h, err := w.run(t, hook("shared-db-relation-changed"))
		require.NoError(t, err)
		assert.Zero(t, h.Runs("panko-dbsync"))
		st, msg := tools.Status()
		assert.Equal(t, "waiting", st)
		assert.Equal(t, "Waiting for database sync by the leader", msg)
	})
}

// TestSchemaCurrentFor: the schema each release's panko-dbsync creates.
// Panko 2.0.0 (Ocata) has trait_int.value as an int; Pike's "support big
// integer traits" migration (c3955547bff2, 2017-07) made it a bigint, the
// type metadata.create_all creates from Panko 3.0.0 on (see the design's
// panko-service.md for the tables).
func TestSchemaCurrentFor(t *testing.T) {
	all := Schema{TraitIntValue: "bigint"}
	ocata := Schema{TraitIntValue: "int"}
	tests := []struct {
		release string
		schema  Schema
		want    bool
	}{
		{"ocata", ocata, true},
		{"ocata", all, true},
		{"pike", ocata, false},
		{"pike", all, true},
		{"wallaby", all, true},
		{"wallaby", ocata, false},
		{"wallaby", Schema{Missing: []string{"trait_int"}}, false},
		{"ocata", Schema{Missing: []string{"event"}, TraitIntValue: "int"}, false},
		{"ussuri", Schema{TraitIntValue: "varchar"}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.schema.CurrentFor(tt.release), "%s with %+v", tt.release, tt.schema)
	}
}

// TestOcataIntTraitsAreCurrent: an Ocata leader whose panko-dbsync made
// trait_int.value an int is ready, and does not sync again on every hook.
func TestOcataIntTraitsAreCurrent(t *testing.T) {
	w := ready(t, true)
	w.host.Files[OSRelease] = hosttest.File{Data: []byte("VERSION_CODENAME=xenial\n"), Mode: 0o644, Owner: "root", Group: "root"}
	w.host.Available = available("2:2.0.0-0ubuntu1~cloud0")
	w.juju.Config = map[string]any{"openstack-origin": "cloud:xenial-ocata"}
	w.db.traitInt = "int"
	tools, h, err := w.run(t, hook("install"))
	require.NoError(t, err)
	assert.Equal(t, 1, h.Runs("panko-dbsync"))
	st, msg := tools.Status()
	assert.Equal(t, "active", st)
	assert.Equal(t, "Unit is ready", msg)

	w.carry(tools, h)
	tools, h, err = w.run(t, hook("update-status"))
	require.NoError(t, err)
	assert.Zero(t, h.Runs("panko-dbsync"), "Ocata's schema is current: no sync on every hook")
	st, msg = tools.Status()
	assert.Equal(t, "active", st)
	assert.Equal(t, "Unit is ready", msg)
}

// TestDatabaseBlipKeepsServing: a ready unit whose database stops
// answering keeps memcached, apache2 and haproxy running (they reconnect by
// themselves) and says waiting; when the database is back the next hook
// says ready, with no restart at any point.
func TestDatabaseBlipKeepsServing(t *testing.T) {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)

	w.db.pingErr = errors.New("dial tcp 10.5.0.2:3306: i/o timeout")
	for _, ev := range []string{"config-changed", "update-status"} {
		tools, h, err = w.run(t, hook(ev))
		require.NoError(t, err, ev)
		st, msg := tools.Status()
		assert.Equal(t, "waiting", st, ev)
		assert.Equal(t, "Database not reachable: 10.5.0.2:3306", msg, ev)
		for _, svc := range apiServices() {
			assert.True(t, h.State().Services[svc].Active, "%s keeps running in %s", svc, ev)
		}
		assert.Zero(t, h.Restarts(), ev)
		w.carry(tools, h)
	}

	w.db.pingErr = nil
	tools, h, err = w.run(t, hook("update-status"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active", st)
	assert.Equal(t, "Unit is ready", msg)
	assert.Zero(t, h.Restarts())
	assert.Zero(t, h.Writes())
}

// TestKeystoneMomentarilyIncompleteKeepsServing: keystone's answer goes
// incomplete (e.g. its leader changes) on a ready unit: the services keep
// running on the working configuration.
func TestKeystoneMomentarilyIncompleteKeepsServing(t *testing.T) {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Relations[1].RemoteUnits = map[string]map[string]string{"keystone/1": {}}
	tools, h, err = w.run(t, hook("identity-service-relation-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "waiting", st)
	assert.Equal(t, "'identity-service' incomplete", msg)
	for _, svc := range apiServices() {
		assert.True(t, h.State().Services[svc].Active, "%s keeps running", svc)
	}
	assert.Zero(t, h.Restarts())
}

// TestDatabaseProbeIsBounded: a database host that accepts the connection
// but never answers (or drops packets) costs a hook at most the probe
// timeout, not the driver's 5 s dial and 10 s read timeouts.
func TestDatabaseProbeIsBounded(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold the connection open, say nothing
		}
	}()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	p, _ := strconv.Atoi(port)
	start := time.Now()
	err = mysqlDatabase{}.Ping(context.Background(), shareddb.Reply{Host: host, Port: p, Password: "x"})
	took := time.Since(start)
	require.Error(t, err)
	assert.Less(t, took, probeTimeout+time.Second, "probe took %s", took)
}

// panko.conf's log_file must be the API's (user panko) before any panko
// command runs as root and creates it; an existing log is never rewritten.
func TestAPILogCreatedForPankoBeforeDBSync(t *testing.T) {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	st, _ := tools.Status()
	require.Equal(t, "active", st)
	f, ok := h.File(APILogFile)
	require.True(t, ok, "%s created", APILogFile)
	assert.Equal(t, [3]any{"panko", "panko", fs.FileMode(0o640)}, [3]any{f.Owner, f.Group, f.Mode})
	calls := h.Calls()
	create := slices.Index(calls, "write "+APILogFile)
	sync := slices.IndexFunc(calls, func(c string) bool { return strings.HasPrefix(c, "run panko-dbsync") })
	require.GreaterOrEqual(t, sync, 0, "the leader synced: %v", calls)
	assert.True(t, create >= 0 && create < sync, "the log is created before panko-dbsync: %v", calls)

	w.carry(tools, h)
	w.host.Files[APILogFile] = hosttest.File{Data: []byte("2026-12-07 a line\n"), Mode: 0o640, Owner: "panko", Group: "panko"}
	_, h, err = w.run(t, hook("config-changed"))
	require.NoError(t, err)
	f, _ = h.File(APILogFile)
	assert.Equal(t, "2026-12-07 a line\n", string(f.Data), "an existing log is kept")
}

// percona-cluster with access-network grants only a hostname inside that
// CIDR and ignores the others (hooks/percona_hooks.py, shared_db_changed);
// charm-helpers' SharedDBContext re-sends hostname from the unit's address
// in the network and uses the database only once it answered again.
func TestSharedDBAccessNetwork(t *testing.T) {
	f := relfixture.Read(t, "percona-shared-db.json")
	v := f.Variants["access_network"]
	bag := maps.Clone(f.Remote.Units["percona-cluster/0"])
	maps.Copy(bag, v.RemoteUnitOverrides)
	bag["allowed_units"] = "panko/0"
	cidr := v.RemoteUnitOverrides["access-network"]
	require.Equal(t, "10.30.0.0/24", cidr)
	percona := jujutest.Relation{ID: "shared-db:1", RemoteUnits: map[string]map[string]string{"percona-cluster/0": bag},
		LocalUnit: map[string]string{"database": "panko", "username": "panko", "hostname": "10.5.0.10"}}
	w := newWorld(true, percona, keystoneReady())
	w.juju.Networks["internal"] = netInfoCIDR("10.30.0.10", cidr)

	tools, h, err := w.run(t, hook("shared-db-relation-changed"))
	require.NoError(t, err)
	own, _ := tools.RelationData("shared-db:1")
	assert.Equal(t, "10.30.0.10", own["hostname"], "hostname from the address inside access-network")
	st, msg := tools.Status()
	assert.Equal(t, "waiting", st)
	assert.Contains(t, msg, "'shared-db' incomplete", "not before percona answered the new hostname")
	assert.Zero(t, h.Runs("panko-dbsync"))

	w.carry(tools, h)
	tools, h, err = w.run(t, hook("shared-db-relation-changed"))
	require.NoError(t, err)
	st, msg = tools.Status()
	assert.Equal(t, [2]string{"active", "Unit is ready"}, [2]string{st, msg})
	conf, _ := h.File(PankoConf)
	assert.True(t, strings.Contains(string(conf.Data), "@10.30.0.130:3306/panko?"), "percona's db_host in the access network (content not shown: it holds passwords)")
}

// TestStopDisablesServices: Juju runs stop before a unit goes, and the
// machine may stay (other units, or a reused machine): the services must
// not come back at its next boot.
func TestStopDisablesServices(t *testing.T) {
	w := ready(t, true)
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)

	_, h, err = w.run(t, hook("stop"))

	require.NoError(t, err)
	for _, svc := range apiServices() {
		st := h.State().Services[svc]
		assert.False(t, st.Active, "%s stopped", svc)
		assert.False(t, st.Enabled, "%s disabled", svc)
	}
}

// TestDBSyncFailureHidesThePassword: a failing panko-dbsync may print the
// connection URL; the hook's error (which Juju logs) must not carry the
// password.
func TestDBSyncFailureHidesThePassword(t *testing.T) {
	w := ready(t, true)
	w.db.schema = false
	w.dbsync = func(argv []string) (host.Result, error) {
		stderr := "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (2003, \"Can't connect\") " +
			"mysql+pymysql://panko:" + dbPassword + "@10.5.0.20/panko"
		return host.Result{ExitCode: 1}, &host.CommandError{Argv: argv, ExitCode: 1, Stderr: stderr}
	}

	tools, _, err := w.run(t, hook("config-changed"))

	require.Error(t, err)
	assert.Contains(t, err.Error(), "panko-dbsync")
	assert.NotContains(t, err.Error(), dbPassword)
	_, msg := tools.Status()
	assert.NotContains(t, msg, dbPassword)
}
