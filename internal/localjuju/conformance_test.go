package localjuju

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/unitstate"
)

// The charm's unit tests run against jujutest, the in-memory juju.Tools.
// TestJujutestAnswersAsJujusTools holds it to Juju's own hook tools: the
// same script of juju.Tools calls runs in-process against jujutest and, in
// a hook process under the unit agent, through internal/juju's real client
// against Juju 3.6.11's jujuc. Every answer (value, or error text) and the
// unit's state afterwards must be the same.

// conformanceEnv, when set, makes the test binary a hook that runs the
// named scenario's script through juju.NewExecTools and writes the answers
// to $LOCALJUJU_CONFORMANCE_OUT.
const conformanceEnv = "LOCALJUJU_CONFORMANCE"

// answer is what one call returned.
type answer struct {
	Call  string          `json:"call"`
	Value json.RawMessage `json:"value,omitempty"`
	Err   string          `json:"err,omitempty"`
}

// step is one call of a script.
type step struct {
	name string
	call func(ctx context.Context, tools juju.Tools) (any, error)
}

func call0(name string, f func(ctx context.Context, tools juju.Tools) error) step {
	return step{name, func(ctx context.Context, tools juju.Tools) (any, error) { return nil, f(ctx, tools) }}
}

func call1[T any](name string, f func(ctx context.Context, tools juju.Tools) (T, error)) step {
	return step{name, func(ctx context.Context, tools juju.Tools) (any, error) { return f(ctx, tools) }}
}

// conformanceScenario is a unit's state and the script run on it.
type conformanceScenario struct {
	state  jujutest.State
	script []step
}

func conformanceNetwork() juju.NetworkInfo {
	return juju.NetworkInfo{
		BindAddresses:    []juju.BindAddress{{MACAddress: "00:16:3e:05:00:01", InterfaceName: "eth0", Addresses: []juju.Address{{Value: "10.5.0.10", CIDR: "10.5.0.0/24"}}}},
		EgressSubnets:    []string{"10.5.0.10/32"},
		IngressAddresses: []string{"10.5.0.10"},
	}
}

// conformanceScenarios are the scenarios by name.
func conformanceScenarios() map[string]conformanceScenario {
	relations := []jujutest.Relation{
		{ID: "shared-db:1", RemoteUnits: map[string]map[string]string{"mysql/0": {"db_host": "10.5.0.50", "panko_password": "pw"}},
			RemoteAppData: map[string]string{"app-key": "v"}, LocalUnit: map[string]string{"database": "panko"}},
		{ID: "identity-service:2", RemoteUnits: map[string]map[string]string{"keystone/0": {"service_host": "10.5.0.60"}, "keystone/1": {}}},
		{ID: "cluster:3", RemoteUnits: map[string]map[string]string{"panko/1": {"private-address": "10.5.0.11"}},
			LocalApp: map[string]string{"shared": "yes"}},
	}
	common := []step{
		call1("config-get", func(ctx context.Context, tl juju.Tools) (map[string]any, error) { return tl.ConfigGet(ctx) }),
		call1("is-leader", func(ctx context.Context, tl juju.Tools) (bool, error) { return tl.IsLeader(ctx) }),
		call1("leader-get", func(ctx context.Context, tl juju.Tools) (map[string]string, error) { return tl.LeaderGet(ctx) }),
		call0("leader-set", func(ctx context.Context, tl juju.Tools) error {
			return tl.LeaderSet(ctx, map[string]string{"db-synced": "wallaby", "old": ""})
		}),
		call1("leader-get again", func(ctx context.Context, tl juju.Tools) (map[string]string, error) { return tl.LeaderGet(ctx) }),
		call1("relation-ids shared-db", func(ctx context.Context, tl juju.Tools) ([]string, error) { return tl.RelationIDs(ctx, "shared-db") }),
		call1("relation-ids cluster", func(ctx context.Context, tl juju.Tools) ([]string, error) { return tl.RelationIDs(ctx, "cluster") }),
		call1("relation-ids ha", func(ctx context.Context, tl juju.Tools) ([]string, error) { return tl.RelationIDs(ctx, "ha") }),
		call1("relation-list", func(ctx context.Context, tl juju.Tools) ([]string, error) {
			return tl.RelationList(ctx, "identity-service:2")
		}),
		call1("relation-list unknown", func(ctx context.Context, tl juju.Tools) ([]string, error) { return tl.RelationList(ctx, "shared-db:9") }),
		call1("relation-get remote unit", func(ctx context.Context, tl juju.Tools) (map[string]string, error) {
			return tl.RelationGet(ctx, "shared-db:1", "mysql/0", false)
		}),
		call1("relation-get empty remote unit", func(ctx context.Context, tl juju.Tools) (map[string]string, error) {
			return tl.RelationGet(ctx, "identity-service:2", "keystone/1", false)
		}),
		call1("relation-get remote app", func(ctx context.Context, tl juju.Tools) (map[string]string, error) {
			return tl.RelationGet(ctx, "shared-db:1", "mysql", true)
		}),
		call1("relation-get own unit", func(ctx context.Context, tl juju.Tools) (map[string]string, error) {
			return tl.RelationGet(ctx, "shared-db:1", "panko/0", false)
		}),
		call0("relation-set own unit", func(ctx context.Context, tl juju.Tools) error {
			return tl.RelationSet(ctx, "shared-db:1", false, map[string]string{"hostname": "10.5.0.10", "database": ""})
		}),
		call1("relation-get own unit again", func(ctx context.Context, tl juju.Tools) (map[string]string, error) {
			return tl.RelationGet(ctx, "shared-db:1", "panko/0", false)
		}),
		call1("relation-get peer app", func(ctx context.Context, tl juju.Tools) (map[string]string, error) {
			return tl.RelationGet(ctx, "cluster:3", "panko", true)
		}),
		call0("relation-set peer app", func(ctx context.Context, tl juju.Tools) error {
			return tl.RelationSet(ctx, "cluster:3", true, map[string]string{"token": "t1"})
		}),
		call1("relation-get peer app again", func(ctx context.Context, tl juju.Tools) (map[string]string, error) {
			return tl.RelationGet(ctx, "cluster:3", "panko", true)
		}),
		call1("relation-get unknown relation", func(ctx context.Context, tl juju.Tools) (map[string]string, error) {
			return tl.RelationGet(ctx, "shared-db:9", "mysql/0", false)
		}),
		call1("status-get", func(ctx context.Context, tl juju.Tools) ([]string, error) {
			s, m, err := tl.StatusGet(ctx)
			return []string{s, m}, err
		}),
		call0("status-set", func(ctx context.Context, tl juju.Tools) error { return tl.StatusSet(ctx, "active", "Unit is ready") }),
		call1("status-get again", func(ctx context.Context, tl juju.Tools) ([]string, error) {
			s, m, err := tl.StatusGet(ctx)
			return []string{s, m}, err
		}),
		call0("application-version-set", func(ctx context.Context, tl juju.Tools) error { return tl.ApplicationVersionSet(ctx, "9.0.0") }),
		call0("open-port", func(ctx context.Context, tl juju.Tools) error { return tl.OpenPort(ctx, "8978/tcp") }),
		call0("open-port bad", func(ctx context.Context, tl juju.Tools) error { return tl.OpenPort(ctx, "99999/tcp") }),
		call1("opened-ports", func(ctx context.Context, tl juju.Tools) ([]string, error) { return tl.OpenedPorts(ctx) }),
		call1("network-get endpoint", func(ctx context.Context, tl juju.Tools) (juju.NetworkInfo, error) {
			return tl.NetworkGet(ctx, "shared-db")
		}),
		call1("network-get extra binding", func(ctx context.Context, tl juju.Tools) (juju.NetworkInfo, error) {
			return tl.NetworkGet(ctx, "public")
		}),
		call1("state-get", func(ctx context.Context, tl juju.Tools) (map[string]string, error) { return tl.StateGet(ctx) }),
		call0("state-set", func(ctx context.Context, tl juju.Tools) error {
			return tl.StateSet(ctx, map[string]string{"k2": "v2", "empty": ""})
		}),
		call1("state-get again", func(ctx context.Context, tl juju.Tools) (map[string]string, error) { return tl.StateGet(ctx) }),
		call0("juju-log", func(ctx context.Context, tl juju.Tools) error { return tl.Log(ctx, juju.LevelWarning, "careful") }),
		call1("resource-get missing", func(ctx context.Context, tl juju.Tools) (string, error) {
			return tl.ResourceGet(ctx, "policyd-override")
		}),
	}
	notAction := []step{
		call1("action-get outside an action", func(ctx context.Context, tl juju.Tools) (map[string]any, error) { return tl.ActionGet(ctx) }),
		call0("action-set outside an action", func(ctx context.Context, tl juju.Tools) error {
			return tl.ActionSet(ctx, map[string]string{"a": "b"})
		}),
	}
	base := func(leader bool) jujutest.State {
		return jujutest.State{
			Unit: "panko/0", Leader: leader,
			Config:      map[string]any{"debug": true, "haproxy-server-timeout": 1000000, "worker-multiplier": 0.5, "region": "RegionTwo"},
			LeaderData:  map[string]string{"old": "x"},
			Relations:   relations,
			Networks:    map[string]juju.NetworkInfo{"": conformanceNetwork()},
			OpenedPorts: []string{"8977/tcp"},
			CharmState:  map[string]string{"k1": "v1"},
			Status:      "maintenance", StatusMessage: "installing",
			Version: "8.1.0",
		}
	}
	action := base(true)
	action.Action, action.ActionParams = "diagnose", map[string]any{}
	return map[string]conformanceScenario{
		"leader":     {state: base(true), script: append(append([]step{}, common...), notAction...)},
		"non-leader": {state: base(false), script: append(append([]step{}, common...), notAction...)},
		"action": {state: action, script: []step{
			call1("action-get", func(ctx context.Context, tl juju.Tools) (map[string]any, error) { return tl.ActionGet(ctx) }),
			call0("action-set", func(ctx context.Context, tl juju.Tools) error {
				return tl.ActionSet(ctx, map[string]string{"db.status": "ok", "count": "3"})
			}),
			call0("action-set reserved", func(ctx context.Context, tl juju.Tools) error {
				return tl.ActionSet(ctx, map[string]string{"stdout": "x"})
			}),
			call0("action-log", func(ctx context.Context, tl juju.Tools) error { return tl.ActionLog(ctx, "step 1") }),
			call0("action-fail", func(ctx context.Context, tl juju.Tools) error { return tl.ActionFail(ctx, "broken") }),
		}},
	}
}

// runScript runs a script and returns its answers.
func runScript(ctx context.Context, tools juju.Tools, script []step) []answer {
	out := make([]answer, 0, len(script))
	for _, s := range script {
		v, err := s.call(ctx, tools)
		a := answer{Call: s.name}
		if err != nil {
			a.Err = err.Error()
		} else if v != nil {
			a.Value, _ = json.Marshal(v)
		}
		out = append(out, a)
	}
	return out
}

// runConformanceHook is the hook side: see conformanceEnv.
func runConformanceHook(name string) int {
	sc, ok := conformanceScenarios()[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "no scenario %q\n", name)
		return 99
	}
	data, err := json.Marshal(runScript(context.Background(), juju.NewExecTools(), sc.script))
	if err == nil {
		err = os.WriteFile(os.Getenv(conformanceEnv+"_OUT"), data, 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 99
	}
	return 0
}

// agentState is the unit state the agent serves for a jujutest state; the
// network of "" answers for every binding of the charm, as Juju gives every
// binding one.
func agentState(t *testing.T, charmDir string, js jujutest.State) unitstate.State {
	t.Helper()
	app, _, _ := strings.Cut(js.Unit, "/")
	f, err := os.Open(filepath.Join(charmDir, "metadata.yaml"))
	require.NoError(t, err)
	defer f.Close()
	meta, err := charm.ReadMeta(f)
	require.NoError(t, err)
	net := func(n juju.NetworkInfo) unitstate.NetworkInfo {
		data, err := json.Marshal(n)
		require.NoError(t, err)
		var out unitstate.NetworkInfo
		require.NoError(t, json.Unmarshal(data, &out))
		return out
	}
	config, err := asJSON(js.Config)
	require.NoError(t, err)
	st := unitstate.State{
		Unit: js.Unit, Leader: js.Leader, Config: config,
		LeaderSettings: copyBag(js.LeaderData), CharmState: copyBag(js.CharmState),
		UnitStatus:      &unitstate.Status{Status: js.Status, Message: js.StatusMessage},
		WorkloadVersion: js.Version, Resources: js.Resources,
		Networks:    map[string]unitstate.NetworkInfo{},
		OpenedPorts: map[string][]string{"": js.OpenedPorts},
	}
	for _, b := range append(sortedKeys(meta.CombinedRelations()), sortedKeys(meta.ExtraBindings)...) {
		st.Networks[b] = net(js.Networks[""])
	}
	for _, r := range js.Relations {
		ep, num, _ := strings.Cut(r.ID, ":")
		id, err := strconv.Atoi(num)
		require.NoError(t, err)
		_, peer := meta.Peers[ep]
		hr := unitstate.Relation{ID: id, Endpoint: ep, RemoteUnits: r.RemoteUnits, RemoteAppData: r.RemoteAppData,
			LocalUnitData: r.LocalUnit, LocalAppData: r.LocalApp}
		switch {
		case peer:
			hr.RemoteApp, hr.RemoteAppData = app, r.LocalApp
		default:
			for u := range r.RemoteUnits {
				hr.RemoteApp, _, _ = strings.Cut(u, "/")
			}
		}
		st.Relations = append(st.Relations, hr)
	}
	if js.Action != "" {
		st.Action = &unitstate.Action{Name: js.Action, ID: "1", Params: js.ActionParams}
	}
	return st
}

// afterState is what a run leaves on the unit, in one shape for both.
type afterState struct {
	Status, Message string
	Version         string
	Leader          map[string]string
	CharmState      map[string]string
	Ports           []string
	Relations       map[string][2]map[string]string // unit and app bag per relation
}

func TestJujutestAnswersAsJujusTools(t *testing.T) {
	t.Parallel()
	agentDir := os.Getenv(testAgentEnv)
	require.NotEmpty(t, agentDir, "the unit agent was not built (see the start of the test output)")
	charmDir, err := filepath.Abs("../..")
	require.NoError(t, err)
	self, err := os.Executable()
	require.NoError(t, err)
	for name, sc := range conformanceScenarios() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := jujutest.New(t, charmDir, sc.state)
			want := runScript(context.Background(), b, sc.script)

			out := filepath.Join(t.TempDir(), "answers.json")
			env := []string{"PATH=/usr/bin:/bin", "JUJU_CHARM_DIR=" + charmDir, "JUJU_UNIT_NAME=panko/0",
				conformanceEnv + "=" + name, conformanceEnv + "_OUT=" + out}
			res, report, err := runUnitAgent(context.Background(), agentDir, agentState(t, charmDir, sc.state), env, t.TempDir(), self)
			require.NoError(t, err)
			require.Equal(t, 0, res.exit, "hook: %s", res.stderr)
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			var got []answer
			require.NoError(t, json.Unmarshal(data, &got))
			require.Len(t, got, len(want))
			for i := range want {
				assert.Equal(t, got[i], want[i], "%s: Juju's tools (expected) against jujutest (actual)", want[i].Call)
			}

			after := afterState{Relations: map[string][2]map[string]string{}}
			st := report.State
			if st.UnitStatus != nil {
				after.Status, after.Message = st.UnitStatus.Status, st.UnitStatus.Message
			}
			after.Version, after.Leader, after.CharmState = st.WorkloadVersion, nonNil(st.LeaderSettings), nonNil(st.CharmState)
			after.Ports = st.OpenedPorts[""]
			for _, r := range st.Relations {
				after.Relations[r.Endpoint+":"+strconv.Itoa(r.ID)] = [2]map[string]string{nonNil(r.LocalUnitData), nonNil(r.LocalAppData)}
			}
			mem := afterState{Relations: map[string][2]map[string]string{}}
			mem.Status, mem.Message = b.Status()
			mem.Version, mem.Leader, mem.CharmState, mem.Ports = b.Version(), nonNil(b.LeaderData()), nonNil(b.CharmState()), b.Opened()
			for _, r := range sc.state.Relations {
				unit, app := b.RelationData(r.ID)
				mem.Relations[r.ID] = [2]map[string]string{nonNil(unit), nonNil(app)}
			}
			assert.Equal(t, after, mem, "the unit after the run: Juju's tools (expected) against jujutest (actual)")
		})
	}
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
