package jujutest

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/juju"
)

const charmDir = "testdata/charm"

// fakeTB records Fatalf and Errorf instead of failing the test.
type fakeTB struct {
	testing.TB
	fatals, errs []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// recorded loads the Juju 3.6.11 tool outputs kept for the juju package.
func recorded(t *testing.T) map[string]struct {
	Exit   int    `json:"exit"`
	Stderr string `json:"stderr"`
} {
	t.Helper()
	data, err := os.ReadFile("../testdata/recorded.json")
	require.NoError(t, err)
	var f struct {
		Calls map[string]struct {
			Exit   int    `json:"exit"`
			Stderr string `json:"stderr"`
		} `json:"calls"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	return f.Calls
}

func dbRelation() Relation {
	return Relation{
		ID: "shared-db:1",
		RemoteUnits: map[string]map[string]string{
			"mysql/0": {"db_host": "10.0.0.50", "password": "s3cr3t-db"},
		},
		LocalUnit: map[string]string{"database": "panko"},
	}
}

func TestNewRejectsWhatTheCharmDoesNotDeclare(t *testing.T) {
	tests := []struct {
		name  string
		dir   string
		st    State
		fatal string
	}{
		{"unknown option", charmDir, State{Config: map[string]any{"bogus": 1}}, `config: unknown option "bogus"`},
		{"option of the wrong type", charmDir, State{Config: map[string]any{"api-port": "many"}}, `option "api-port" expected int`},
		{"unknown endpoint", charmDir, State{Relations: []Relation{{ID: "database:1", RemoteApp: "mysql"}}}, `endpoint "database" is not in metadata.yaml`},
		{"bad relation id", charmDir, State{Relations: []Relation{{ID: "shared-db", RemoteApp: "mysql"}}}, `relation id "shared-db" is not <endpoint>:<number>`},
		{"duplicate relation number", charmDir, State{Relations: []Relation{{ID: "shared-db:1", RemoteApp: "mysql"}, {ID: "ha:1", RemoteApp: "hacluster"}}}, "number 1 already used"},
		{"no remote app", charmDir, State{Relations: []Relation{{ID: "shared-db:1"}}}, "no RemoteApp"},
		{"unit of another app", charmDir, State{Relations: []Relation{{ID: "shared-db:1", RemoteApp: "mysql", RemoteUnits: map[string]map[string]string{"keystone/0": nil}}}}, `"keystone/0" is not a remote unit of "mysql"`},
		{"peer bags differ", charmDir, State{Relations: []Relation{{ID: "cluster:3", RemoteAppData: map[string]string{"a": "1"}, LocalApp: map[string]string{"a": "2"}}}}, "RemoteAppData and LocalApp differ"},
		{"peer with foreign app", charmDir, State{Relations: []Relation{{ID: "cluster:3", RemoteApp: "other"}}}, `peer relation with remote application "other"`},
		{"unknown binding", charmDir, State{Networks: map[string]juju.NetworkInfo{"storage": {}}}, `network binding "storage"`},
		{"bad port", charmDir, State{OpenedPorts: []string{"80/sctp"}}, `opened port "80/sctp": invalid protocol "sctp"`},
		{"unknown action", charmDir, State{Action: "restart"}, `action "restart" is not in actions.yaml`},
		{"param of the wrong type", charmDir, State{Action: "diagnose", ActionParams: map[string]any{"depth": "deep"}}, `action "diagnose" params: validation failed`},
		{"param not in schema", charmDir, State{Action: "diagnose", ActionParams: map[string]any{"bogus": 1}}, `additional property "bogus" is not allowed`},
		{"params without action", charmDir, State{ActionParams: map[string]any{"a": 1}}, "ActionParams given without Action"},
		{"bad initial status", charmDir, State{Status: "error"}, `initial status "error"`},
		{"bad unit name", charmDir, State{Unit: "panko"}, `unit "panko" is not <application>/<number>`},
		{"no charm", t.TempDir(), State{}, "no metadata.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTB{TB: t}
			b := New(ft, tt.dir, tt.st)
			assert.Nil(t, b)
			require.Len(t, ft.fatals, 1)
			assert.Contains(t, ft.fatals[0], tt.fatal)
		})
	}
}

func TestConfigGetFillsDefaults(t *testing.T) {
	tests := []struct {
		name   string
		config map[string]any
		want   map[string]any
	}{
		{"defaults only; option without default left out", nil, map[string]any{
			"debug": false, "region": "RegionOne", "ssl_cert": "", "api-port": int64(8977), "worker-multiplier": 0.25,
		}},
		{"set values win; whole float reads as int64", map[string]any{"region": "RegionTwo", "api-port": 9000, "worker-multiplier": 1, "vip": "10.0.0.100"}, map[string]any{
			"debug": false, "region": "RegionTwo", "ssl_cert": "", "api-port": int64(9000), "worker-multiplier": int64(1), "vip": "10.0.0.100",
		}},
		{"nil means default", map[string]any{"region": nil, "vip": nil}, map[string]any{
			"debug": false, "region": "RegionOne", "ssl_cert": "", "api-port": int64(8977), "worker-multiplier": 0.25,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(t, charmDir, State{Config: tt.config})
			got, err := b.ConfigGet(t.Context())
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			got["region"] = "changed"
			again, _ := b.ConfigGet(t.Context())
			assert.NotEqual(t, "changed", again["region"], "ConfigGet must return a copy")
			assert.Equal(t, map[string]int{"config-get": 2}, b.Calls())
		})
	}
}

func TestLeaderRules(t *testing.T) {
	rec := recorded(t)
	rels := []Relation{
		dbRelation(),
		{ID: "event-service:5", RemoteApp: "ceilometer", RemoteAppData: map[string]string{"consumer": "ceilometer"}, LocalApp: map[string]string{"url": "http://old"}},
		{ID: "cluster:3", RemoteUnits: map[string]map[string]string{"panko/1": {}}, LocalApp: map[string]string{"cluster-key": "k3y"}},
	}
	tests := []struct {
		name     string
		leader   bool
		do       func(b *Backend) error
		wantErr  string // key into recorded.json; "" = success
		is       error
		wantApp  map[string]string // this app's bag on event-service:5 afterwards
		wantLead map[string]string
	}{
		{"leader writes app bag", true,
			func(b *Backend) error {
				return b.RelationSet(t.Context(), "event-service:5", true, map[string]string{"url": "http://new"})
			},
			"", nil, map[string]string{"url": "http://new"}, map[string]string{"token": "abc"}},
		{"non-leader cannot write app bag", false,
			func(b *Backend) error {
				return b.RelationSet(t.Context(), "event-service:5", true, map[string]string{"url": "http://x"})
			},
			"relation-set-app-nonleader", juju.ErrNotLeader, map[string]string{"url": "http://old"}, map[string]string{"token": "abc"}},
		{"non-leader cannot write peer app bag", false,
			func(b *Backend) error {
				return b.RelationSet(t.Context(), "cluster:3", true, map[string]string{"k": "v"})
			},
			"relation-set-app-nonleader", juju.ErrNotLeader, map[string]string{"url": "http://old"}, map[string]string{"token": "abc"}},
		{"non-leader writes own unit bag", false,
			func(b *Backend) error {
				return b.RelationSet(t.Context(), "event-service:5", false, map[string]string{"a": "b"})
			},
			"", nil, map[string]string{"url": "http://old"}, map[string]string{"token": "abc"}},
		{"leader sets and deletes leader data", true,
			func(b *Backend) error { return b.LeaderSet(t.Context(), map[string]string{"token": "", "new": "v"}) },
			"", nil, map[string]string{"url": "http://old"}, map[string]string{"new": "v"}},
		{"non-leader cannot leader-set", false,
			func(b *Backend) error { return b.LeaderSet(t.Context(), map[string]string{"foo": "bar"}) },
			"leader-set-nonleader", juju.ErrNotLeader, map[string]string{"url": "http://old"}, map[string]string{"token": "abc"}},
		{"non-leader cannot read own app bag", false,
			func(b *Backend) error {
				_, err := b.RelationGet(t.Context(), "event-service:5", "panko", true)
				return err
			},
			"relation-get-own-app-nonleader", juju.ErrPermissionDenied, map[string]string{"url": "http://old"}, map[string]string{"token": "abc"}},
		{"non-leader reads peer app bag", false,
			func(b *Backend) error {
				got, err := b.RelationGet(t.Context(), "cluster:3", "panko", true)
				if err == nil && got["cluster-key"] != "k3y" {
					return fmt.Errorf("peer app bag %v", got)
				}
				return err
			},
			"", nil, map[string]string{"url": "http://old"}, map[string]string{"token": "abc"}},
		{"non-leader reads remote app bag", false,
			func(b *Backend) error {
				got, err := b.RelationGet(t.Context(), "event-service:5", "ceilometer/1", true)
				if err == nil && got["consumer"] != "ceilometer" {
					return fmt.Errorf("remote app bag %v", got)
				}
				return err
			},
			"", nil, map[string]string{"url": "http://old"}, map[string]string{"token": "abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(t, charmDir, State{Leader: tt.leader, Relations: rels, LeaderData: map[string]string{"token": "abc"}})
			err := tt.do(b)
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.is)
				var te *juju.ToolError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, rec[tt.wantErr].Stderr, te.Stderr, "same stderr as Juju")
				assert.Equal(t, rec[tt.wantErr].Exit, te.Code, "same exit code as Juju")
			}
			_, app := b.RelationData("event-service:5")
			assert.Equal(t, tt.wantApp, app)
			assert.Equal(t, tt.wantLead, b.LeaderData())
		})
	}
}

func TestRelations(t *testing.T) {
	rec := recorded(t)
	b := New(t, charmDir, State{Relations: []Relation{
		{ID: "event-service:5", RemoteUnits: map[string]map[string]string{"ceilometer/1": {}, "ceilometer/0": {"x": "y"}}},
		dbRelation(),
	}})

	ids, err := b.RelationIDs(t.Context(), "shared-db")
	require.NoError(t, err)
	assert.Equal(t, []string{"shared-db:1"}, ids)
	ids, err = b.RelationIDs(t.Context(), "certificates")
	require.NoError(t, err)
	assert.Equal(t, []string{}, ids)

	units, err := b.RelationList(t.Context(), "event-service:5")
	require.NoError(t, err)
	assert.Equal(t, []string{"ceilometer/0", "ceilometer/1"}, units)

	bag, err := b.RelationGet(t.Context(), "shared-db:1", "mysql/0", false)
	require.NoError(t, err)
	assert.True(t, bag["password"] == "s3cr3t-db" && bag["db_host"] == "10.0.0.50", "remote unit bag")

	_, err = b.RelationGet(t.Context(), "shared-db:1", "keystone/0", false)
	assert.ErrorIs(t, err, juju.ErrPermissionDenied)
	var te *juju.ToolError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, rec["relation-get-denied"].Stderr, te.Stderr)

	_, err = b.RelationGet(t.Context(), "shared-db:1", "mysql", false)
	assert.EqualError(t, err, `relation-get: expected unit name, got application name "mysql" (exit status 2)`)

	_, err = b.RelationList(t.Context(), "99")
	assert.ErrorIs(t, err, juju.ErrRelationNotFound)
	require.ErrorAs(t, err, &te)
	assert.Equal(t, rec["relation-list-unknown"].Stderr, te.Stderr)
	_, err = b.RelationGet(t.Context(), "bogus:xyz", "mysql/0", false)
	assert.EqualError(t, err, `relation-get: invalid value "bogus:xyz" for option -r: invalid relation id (exit status 2)`)

	require.NoError(t, b.RelationSet(t.Context(), "shared-db:1", false, map[string]string{"database": "", "username": "panko"}))
	unit, _ := b.RelationData("shared-db:1")
	assert.Equal(t, map[string]string{"username": "panko"}, unit)
	own, err := b.RelationGet(t.Context(), "shared-db:1", "panko/0", false)
	require.NoError(t, err)
	assert.Equal(t, unit, own)

	assert.Equal(t, map[string]int{"relation-ids": 2, "relation-list": 2, "relation-get": 5, "relation-set": 1}, b.Calls())
}

func TestUndeclaredUseIsATestError(t *testing.T) {
	ft := &fakeTB{TB: t}
	b := New(ft, charmDir, State{})
	ids, err := b.RelationIDs(t.Context(), "shared_db")
	require.NoError(t, err)
	assert.Empty(t, ids)
	_, _ = b.RelationData("shared-db:7")
	assert.Equal(t, []string{`jujutest: relation-ids: endpoint "shared_db" is not in metadata.yaml`}, ft.errs)
	require.Len(t, ft.fatals, 1)
	assert.Contains(t, ft.fatals[0], "relation not found")
}

func TestStatus(t *testing.T) {
	rec := recorded(t)
	b := New(t, charmDir, State{Status: "maintenance", StatusMessage: "installing", Version: "13.0.0"})
	s, m := b.Status()
	assert.Equal(t, []string{"maintenance", "installing"}, []string{s, m})

	for _, bad := range []string{"error", "unknown", "Active", "bogus"} {
		err := b.StatusSet(t.Context(), bad, "x")
		var te *juju.ToolError
		require.ErrorAs(t, err, &te, bad)
		assert.Equal(t, 2, te.Code, bad)
		assert.Equal(t, fmt.Sprintf("ERROR invalid status %q, expected one of [maintenance blocked waiting active]\n", bad), te.Stderr)
		if bad == "error" {
			assert.Equal(t, rec["status-set-invalid"].Stderr, te.Stderr, "same stderr as Juju")
		}
	}

	require.NoError(t, b.StatusSet(t.Context(), "waiting", "Waiting for db"))
	require.NoError(t, b.StatusSet(t.Context(), "active", ""))
	require.NoError(t, b.ApplicationVersionSet(t.Context(), "14.0.0"))
	s, m, err := b.StatusGet(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"active", ""}, []string{s, m})
	assert.Equal(t, []StatusEntry{{"waiting", "Waiting for db"}, {"active", ""}}, b.StatusHistory())
	assert.Equal(t, "14.0.0", b.Version())
	assert.Equal(t, map[string]int{"status-set": 6, "status-get": 1, "application-version-set": 1}, b.Calls())
}

func TestPorts(t *testing.T) {
	b := New(t, charmDir, State{OpenedPorts: []string{"8977/tcp"}})
	steps := []struct {
		spec    string
		wantErr string
	}{
		{"8977/tcp", ""},
		{"8978", ""},
		{"1000-2000/UDP", ""},
		{"icmp", ""},
		{"icmp/8", ""},
		{"99999/tcp", "port range bounds must be between 0 and 65535, got 99999-99999"},
		{"80/sctp", `invalid protocol "sctp", expected "tcp", "udp", or "icmp"`},
		{"2000-1000/tcp", "invalid port range 2000-1000/tcp"},
		{"abc", `invalid port "abc": strconv.Atoi: parsing "abc": invalid syntax`},
		{"80/icmp", `protocol "icmp" doesn't support any ports; got "80"`},
		{"", "no port or range specified"},
		{"443/tcp", ""},
	}
	for _, s := range steps {
		err := b.OpenPort(t.Context(), s.spec)
		if s.wantErr == "" {
			assert.NoError(t, err, s.spec)
			continue
		}
		var te *juju.ToolError
		if assert.ErrorAs(t, err, &te, s.spec) {
			assert.Equal(t, juju.ToolError{Tool: "open-port", Code: 2, Stderr: "ERROR " + s.wantErr + "\n"}, *te)
		}
	}
	got, err := b.OpenedPorts(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"icmp", "443/tcp", "8977/tcp", "8978/tcp", "1000-2000/udp"}, got)
	assert.Equal(t, got, b.Opened())
}

func TestActions(t *testing.T) {
	b := New(t, charmDir, State{Action: "diagnose", ActionParams: map[string]any{"target": "db"}})
	params, err := b.ActionGet(t.Context())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"target": "db", "depth": int64(1)}, params, "defaults inserted, numbers as int64")

	require.NoError(t, b.ActionSet(t.Context(), map[string]string{"result": "ok", "a.b": "c", "a.d": "e"}))
	require.NoError(t, b.ActionSet(t.Context(), map[string]string{"a.b.c": "deep"}))
	err = b.ActionSet(t.Context(), map[string]string{"fine": "1", "under_score": "1"})
	assert.ErrorIs(t, err, juju.ErrInvalidActionKey)
	assert.ErrorContains(t, err, `key "under_score" must start and end with lowercase alphanumeric`)
	assert.ErrorIs(t, b.ActionSet(t.Context(), map[string]string{"stdout": "x"}), juju.ErrInvalidActionKey)
	require.NoError(t, b.ActionLog(t.Context(), "step 1 done"))
	require.NoError(t, b.ActionFail(t.Context(), ""))

	assert.Equal(t, map[string]any{"result": "ok", "a": map[string]any{"b": map[string]any{"c": "deep"}, "d": "e"}}, b.ActionResults())
	failed, msg := b.ActionFailed()
	assert.True(t, failed)
	assert.Equal(t, "action failed without reason given, check action for errors", msg)
	require.NoError(t, b.ActionFail(t.Context(), "db unreachable"))
	_, msg = b.ActionFailed()
	assert.Equal(t, "db unreachable", msg)
	assert.Equal(t, []string{"step 1 done"}, b.ActionLogs())
	assert.Equal(t, map[string]int{"action-get": 1, "action-set": 2, "action-log": 1, "action-fail": 2}, b.Calls(), "invalid keys make no call")
}

func TestActionToolsOutsideAnAction(t *testing.T) {
	rec := recorded(t)
	b := New(t, charmDir, State{})
	_, errGet := b.ActionGet(t.Context())
	for name, err := range map[string]error{
		"action-get":  errGet,
		"action-set":  b.ActionSet(t.Context(), map[string]string{"k": "v"}),
		"action-fail": b.ActionFail(t.Context(), "msg"),
		"action-log":  b.ActionLog(t.Context(), "msg"),
	} {
		assert.ErrorIs(t, err, juju.ErrNotInAction, name)
		var te *juju.ToolError
		if assert.ErrorAs(t, err, &te, name) {
			assert.Equal(t, rec["action-get-outside"].Stderr, te.Stderr, name)
			assert.Equal(t, name, te.Tool)
		}
	}
	failed, _ := b.ActionFailed()
	assert.False(t, failed)
}

func TestNetworkGet(t *testing.T) {
	rec := recorded(t)
	public := juju.NetworkInfo{
		BindAddresses:    []juju.BindAddress{{MACAddress: "00:16:3e:00:00:02", InterfaceName: "eth1", Addresses: []juju.Address{{Value: "203.0.113.10", CIDR: "203.0.113.0/24"}}}},
		IngressAddresses: []string{"203.0.113.10"},
	}
	def := juju.NetworkInfo{BindAddresses: []juju.BindAddress{{InterfaceName: "eth0", Addresses: []juju.Address{{Value: "10.0.0.10"}}}}}
	tests := []struct {
		name    string
		nets    map[string]juju.NetworkInfo
		binding string
		want    string // ingress address
		wantErr string
	}{
		{"listed binding", map[string]juju.NetworkInfo{"public": public, "": def}, "public", "203.0.113.10", ""},
		{"default for an unlisted binding", map[string]juju.NetworkInfo{"public": public, "": def}, "shared-db", "10.0.0.10", ""},
		{"undeclared binding", map[string]juju.NetworkInfo{"": def}, "nosuch", "", rec["network-get-unknown"].Stderr},
		{"declared binding without info", map[string]juju.NetworkInfo{"public": public}, "admin", "", "ERROR no network config found for binding \"admin\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(t, charmDir, State{Networks: tt.nets})
			got, err := b.NetworkGet(t.Context(), tt.binding)
			if tt.wantErr != "" {
				var te *juju.ToolError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, tt.wantErr, te.Stderr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.IngressAddress())
			got.BindAddresses[0].Addresses[0].Value = "changed"
			again, _ := b.NetworkGet(t.Context(), tt.binding)
			assert.NotEqual(t, "changed", again.BindAddresses[0].Addresses[0].Value, "NetworkGet must return a copy")
		})
	}
}

func TestCharmStateAndLog(t *testing.T) {
	b := New(t, charmDir, State{CharmState: map[string]string{"installed": "true", "paused": "yes"}})
	require.NoError(t, b.StateSet(t.Context(), map[string]string{"release": "wallaby", "empty": ""}))
	require.NoError(t, b.StateSet(t.Context(), nil))
	got, err := b.StateGet(t.Context())
	require.NoError(t, err)
	want := map[string]string{"installed": "true", "paused": "yes", "release": "wallaby", "empty": ""}
	assert.Equal(t, want, got)
	assert.Equal(t, want, b.CharmState())

	require.NoError(t, b.Log(t.Context(), juju.LevelWarning, "careful"))
	require.NoError(t, b.Log(t.Context(), juju.LevelDebug, "detail"))
	assert.Equal(t, []LogEntry{{juju.LevelWarning, "careful"}, {juju.LevelDebug, "detail"}}, b.Logs())
	assert.Equal(t, map[string]int{"state-set": 1, "state-get": 1, "juju-log": 2}, b.Calls())
}

func TestRepositoryCharm(t *testing.T) {
	// The charm at the repository root must load: metadata.yaml and
	// actions.yaml parse, and every relation endpoint the charm uses exists.
	b := New(t, "../../..", State{Relations: []Relation{
		{ID: "shared-db:1", RemoteApp: "mysql"},
		{ID: "identity-service:2", RemoteApp: "keystone"},
		{ID: "cluster:3"},
		{ID: "ha:4", RemoteApp: "hacluster"},
		{ID: "certificates:5", RemoteApp: "vault"},
		{ID: "event-service:6", RemoteApp: "ceilometer"},
	}, Action: "pause"})
	_, err := b.ActionGet(t.Context())
	assert.NoError(t, err)
}
