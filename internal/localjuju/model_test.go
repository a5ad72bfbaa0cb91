package localjuju

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstallSequenceSingleUnit(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 1, nil)
	settle(t, m)

	assert.Equal(t, []string{
		"hooks/install|||",
		"hooks/peer-relation-created||peer:0|",
		"hooks/leader-elected|||",
		"hooks/config-changed|||",
		"hooks/start|||",
	}, paths(hooksOf(t, m, "a/0")))

	st := m.Status()
	u := st.Applications["a"].Units["a/0"]
	assert.Equal(t, "active", u.WorkloadStatus.Current)
	assert.Equal(t, "ran start", u.WorkloadStatus.Message)
	assert.Equal(t, "idle", u.JujuStatus.Current)
	assert.True(t, u.Leader)
	assert.Equal(t, []string{"8080/tcp"}, u.OpenPorts)
	assert.Equal(t, "10.5.0.10", u.PublicAddress)
}

func TestHookEnvironment(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 1, nil)
	deployTiny(t, m, "b", 1, nil)
	_, err := m.Relate(context.Background(), "a:website", "b:backend")
	require.NoError(t, err)
	settle(t, m)

	charmDir := m.unitCharmDir("a/0")
	root := m.unitRoot("a/0")
	tests := []struct {
		hook    string
		want    map[string]string
		present []string
		absent  []string
	}{{
		hook: "install",
		want: map[string]string{
			"JUJU_DISPATCH_PATH":        "hooks/install",
			"JUJU_HOOK_NAME":            "install",
			"JUJU_UNIT_NAME":            "a/0",
			"JUJU_MODEL_NAME":           "local",
			"JUJU_VERSION":              "3.6.11",
			"JUJU_CHARM_DIR":            charmDir,
			"CHARM_DIR":                 charmDir,
			"JUJU_AGENT_SOCKET_NETWORK": "unix",
			"JUJU_MACHINE_ID":           "0",
			"JUJU_PRINCIPAL_UNIT":       "",
			"LANG":                      "C.UTF-8",
			"PANKO_HOST_ROOT":           root,
			"PWD":                       charmDir,
		},
		present: []string{"JUJU_CONTEXT_ID", "JUJU_AGENT_SOCKET_ADDRESS", "JUJU_MODEL_UUID"},
		absent:  []string{"HOME", "USER", "JUJU_RELATION", "JUJU_REMOTE_UNIT", "JUJU_ACTION_NAME"},
	}, {
		hook: "website-relation-joined",
		want: map[string]string{
			"JUJU_DISPATCH_PATH": "hooks/website-relation-joined",
			"JUJU_RELATION":      "website",
			"JUJU_RELATION_ID":   "website:2",
			"JUJU_REMOTE_UNIT":   "b/0",
			"JUJU_REMOTE_APP":    "b",
		},
		absent: []string{"HOME", "JUJU_DEPARTING_UNIT"},
	}, {
		hook: "website-relation-created",
		want: map[string]string{
			"JUJU_RELATION_ID": "website:2",
			"JUJU_REMOTE_UNIT": "",
			"JUJU_REMOTE_APP":  "b",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.hook, func(t *testing.T) {
			env := hookEnv(t, m, "a/0", tt.hook)
			for k, v := range tt.want {
				got, ok := env[k]
				assert.True(t, ok, "%s not set", k)
				assert.Equal(t, v, got, k)
			}
			for _, k := range tt.present {
				assert.NotEmpty(t, env[k], k)
			}
			for _, k := range tt.absent {
				_, ok := env[k]
				assert.False(t, ok, "%s must not be set", k)
			}
			assert.True(t, strings.HasPrefix(env["JUJU_CONTEXT_ID"], "a/0-"+tt.hook+"-"), env["JUJU_CONTEXT_ID"])
			// The agent's directory of jujuc links comes first, as the
			// uniter's tools directory does.
			tools, rest, _ := strings.Cut(env["PATH"], ":")
			assert.Equal(t, root+"/usr/bin:/usr/sbin:/usr/bin:/sbin:/bin", rest)
			target, err := os.Readlink(filepath.Join(tools, "relation-get"))
			if assert.NoError(t, err) {
				assert.Equal(t, "jujuc", filepath.Base(target))
			}
		})
	}
}

func TestMultiUnitOrderingAndPeers(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 3, nil)
	settle(t, m)

	for _, unit := range []string{"a/0", "a/1", "a/2"} {
		lines := hooksOf(t, m, unit)
		checkJujuOrder(t, unit, lines)
		leaderHook := "hooks/leader-settings-changed|||"
		if unit == "a/0" {
			leaderHook = "hooks/leader-elected|||"
		}
		require.GreaterOrEqual(t, len(lines), 5)
		assert.Equal(t, []string{
			"hooks/install|||",
			"hooks/peer-relation-created||peer:0|",
			leaderHook,
			"hooks/config-changed|||",
			"hooks/start|||",
		}, paths(lines[:5]), unit)
		var joined []string
		for _, l := range lines {
			if l.Path == "hooks/peer-relation-joined" {
				joined = append(joined, l.Remote)
			}
		}
		var others []string
		for _, o := range []string{"a/0", "a/1", "a/2"} {
			if o != unit {
				others = append(others, o)
			}
		}
		assert.Equal(t, others, sortedCopy(joined), "%s joined peers", unit)
	}
	// Only the leader may write the application bag.
	refused, err := os.ReadFile(unitFile(m, "a/1", "app-set.refused"))
	require.NoError(t, err)
	assert.Contains(t, string(refused), "peer-relation-joined")
	_, err = os.Stat(unitFile(m, "a/0", "app-set.refused"))
	assert.True(t, os.IsNotExist(err), "the leader's app-bag writes must succeed")
	r := m.st.relation(0)
	assert.Equal(t, map[string]string{"leader": "a/0"}, r.AppData["a"])
}

func TestRelationLifecycle(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 1, nil)
	deployTiny(t, m, "b", 1, map[string]string{"greeting": "hi from b"})
	settle(t, m)
	id, err := m.Relate(context.Background(), "a", "b:backend")
	require.NoError(t, err)
	settle(t, m)

	aLines := hooksOf(t, m, "a/0")
	checkJujuOrder(t, "a/0", aLines)
	tail := paths(aLines[5:])
	require.GreaterOrEqual(t, len(tail), 3)
	assert.Equal(t, []string{
		"hooks/website-relation-created||website:2|",
		"hooks/website-relation-joined|b/0|website:2|",
		"hooks/website-relation-changed|b/0|website:2|",
	}, tail[:3])

	info, err := m.ShowUnit("a/0")
	require.NoError(t, err)
	var ri *RelationInfo
	for i := range info["a/0"].RelationInfo {
		if info["a/0"].RelationInfo[i].RelationID == id {
			ri = &info["a/0"].RelationInfo[i]
		}
	}
	require.NotNil(t, ri)
	assert.Equal(t, "website", ri.Endpoint)
	assert.Equal(t, "backend", ri.RelatedEndpoint)
	assert.Equal(t, map[string]string{"leader": "b/0"}, ri.ApplicationData)
	assert.Equal(t, map[string]string{
		"greeting": "hi from b", "unit": "b/0",
		"private-address": "10.5.0.11", "ingress-address": "10.5.0.11", "egress-subnets": "10.5.0.11/32",
	}, ri.RelatedUnits["b/0"].Data)

	require.NoError(t, m.RemoveRelation(context.Background(), "a", "b"))
	settle(t, m)
	for _, unit := range []string{"a/0", "b/0"} {
		lines := hooksOf(t, m, unit)
		checkJujuOrder(t, unit, lines)
		n := len(lines)
		ep, remote := "website", "b/0"
		if unit == "b/0" {
			ep, remote = "backend", "a/0"
		}
		assert.Equal(t, []string{
			"hooks/" + ep + "-relation-departed|" + remote + "|" + ep + ":2|" + remote,
			"hooks/" + ep + "-relation-broken||" + ep + ":2|",
		}, paths(lines[n-2:]), unit)
	}
	assert.Nil(t, m.st.relation(id), "the relation is removed once both sides ran relation-broken")
}

func TestCommitRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		config    map[string]string
		failHook  string
		checkDone func(t *testing.T, m *Model)
	}{{
		name:     "failed relation-joined leaves no relation data",
		failHook: "website-relation-joined",
		checkDone: func(t *testing.T, m *Model) {
			r := m.st.relation(2)
			require.NotNil(t, r)
			assert.Equal(t, jujuKeys("10.5.0.10"), r.UnitData["a/0"], "unit bag must hold only Juju's keys")
			assert.Empty(t, r.AppData["a"], "app bag must stay empty")
			info, err := m.ShowUnit("b/0")
			require.NoError(t, err)
			for _, ri := range info["b/0"].RelationInfo {
				if ri.RelationID == 2 {
					assert.Equal(t, jujuKeys("10.5.0.10"), ri.RelatedUnits["a/0"].Data, "b/0 sees nothing from the failed hook")
					assert.Empty(t, ri.ApplicationData)
				}
			}
		},
	}, {
		name:     "failed config-changed discards ports, keeps leader settings and status",
		config:   map[string]string{"leader-key": "k1"},
		failHook: "config-changed",
		checkDone: func(t *testing.T, m *Model) {
			a := m.st.Applications["a"]
			assert.Equal(t, map[string]string{"key": "k1"}, a.LeaderSettings, "leader-set is immediate")
			u := a.Units[0]
			assert.Empty(t, u.OpenedPorts, "open-port is transactional")
			assert.Equal(t, StatusInfo{Kind: "workload", Status: "maintenance", Message: "running config-changed"},
				StatusInfo{Kind: u.Workload.Kind, Status: u.Workload.Status, Message: u.Workload.Message}, "status-set is immediate")
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestModel(t)
			cfg := map[string]string{"fail-hook": tt.failHook}
			for k, v := range tt.config {
				cfg[k] = v
			}
			deployTiny(t, m, "a", 1, cfg)
			deployTiny(t, m, "b", 1, nil)
			_, err := m.Relate(context.Background(), "a:website", "b:backend")
			require.NoError(t, err)
			settle(t, m)

			u := m.st.findUnit("a/0")
			require.NotNil(t, u.Failed, "a/0 must be in error")
			assert.Equal(t, map[string]string{"a/0": `hook failed: "` + tt.failHook + `"`}, m.ErroredUnits())
			ws := m.Status().Applications["a"].Units["a/0"]
			assert.Equal(t, "error", ws.WorkloadStatus.Current)
			assert.Equal(t, `hook failed: "`+tt.failHook+`"`, ws.WorkloadStatus.Message)
			assert.Equal(t, "idle", ws.JujuStatus.Current)
			tt.checkDone(t, m)

			// The unit runs nothing else until resolved.
			before := len(hooksOf(t, m, "a/0"))
			require.NoError(t, m.Fire(context.Background(), "b/0", "update-status", -1, ""))
			settle(t, m)
			assert.Len(t, hooksOf(t, m, "a/0"), before)
			require.Error(t, m.Fire(context.Background(), "a/0", "update-status", -1, ""))

			// Fix the config, resolve: the failed hook is retried and commits.
			require.NoError(t, m.Config(context.Background(), "a", nil, []string{"fail-hook"}))
			require.NoError(t, m.Resolve(context.Background(), "a/0", true))
			settle(t, m)
			lines := hooksOf(t, m, "a/0")
			assert.Equal(t, "hooks/"+tt.failHook, lines[before].Path, "resolve retries the failed hook first")
			checkJujuOrder(t, "a/0", dedupRetry(lines, before))
			assert.Empty(t, m.ErroredUnits())
			r := m.st.relation(2)
			assert.Equal(t, "a/0", r.UnitData["a/0"]["unit"])
			assert.Equal(t, map[string]string{"leader": "a/0"}, r.AppData["a"])
			assert.Equal(t, []string{"8080/tcp"}, m.st.findUnit("a/0").OpenedPorts[""])
		})
	}
}

// dedupRetry drops the failed first attempt of a retried hook (the line
// just before index retry).
func dedupRetry(lines []hookLine, retry int) []hookLine {
	out := append([]hookLine(nil), lines[:retry-1]...)
	return append(out, lines[retry:]...)
}

func TestRemoveUnitPassesLeadership(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 2, nil)
	deployTiny(t, m, "b", 1, nil)
	_, err := m.Relate(context.Background(), "a:website", "b:backend")
	require.NoError(t, err)
	settle(t, m)
	before1 := len(hooksOf(t, m, "a/1"))

	require.NoError(t, m.RemoveUnit(context.Background(), "a/0"))
	settle(t, m)

	a0 := hooksOf(t, m, "a/0")
	checkJujuOrder(t, "a/0", a0)
	n := len(a0)
	assert.Equal(t, []string{
		"hooks/website-relation-departed|b/0|website:2|a/0",
		"hooks/website-relation-broken||website:2|",
		"hooks/peer-relation-departed|a/1|peer:0|a/0",
		"hooks/stop|||",
		"hooks/remove|||",
	}, paths(a0[n-5:]), "teardown: departed, broken (never for peers), stop, remove")

	a1 := hooksOf(t, m, "a/1")
	checkJujuOrder(t, "a/1", a1)
	assert.Contains(t, paths(a1[before1:]), "hooks/peer-relation-departed|a/0|peer:0|a/0")
	assert.Contains(t, paths(a1[before1:]), "hooks/leader-elected|||")
	b0 := hooksOf(t, m, "b/0")
	assert.Contains(t, paths(b0), "hooks/backend-relation-departed|a/0|backend:2|a/0")

	st := m.Status()
	assert.NotContains(t, st.Applications["a"].Units, "a/0")
	assert.True(t, st.Applications["a"].Units["a/1"].Leader)
	assert.Equal(t, "a/1", m.st.Applications["a"].Leader)
}

func TestConfigAndLeaderSettings(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 2, nil)
	settle(t, m)
	n0, n1 := len(hooksOf(t, m, "a/0")), len(hooksOf(t, m, "a/1"))

	require.NoError(t, m.Config(context.Background(), "a", map[string]string{"leader-key": "v1"}, nil))
	settle(t, m)
	assert.Equal(t, []string{"hooks/config-changed|||"}, paths(hooksOf(t, m, "a/0")[n0:]))
	assert.Equal(t, []string{"hooks/leader-settings-changed|||", "hooks/config-changed|||"}, paths(hooksOf(t, m, "a/1")[n1:]),
		"the leadership resolver runs before config-changed")
	data, err := os.ReadFile(unitFile(m, "a/1", "leader-key"))
	require.NoError(t, err)
	assert.Equal(t, "v1\n", string(data))

	values, err := m.ConfigValues("a")
	require.NoError(t, err)
	assert.Equal(t, ConfigValue{Type: "string", Description: "When set, the leader writes it with leader-set in config-changed.", Default: "", Source: "user", Value: "v1"}, values["leader-key"])
	assert.Equal(t, "default", values["greeting"].Source)

	for _, tt := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"nosuch": "x"}, `unknown option "nosuch"`},
		{map[string]string{"sleep": "abc"}, `option "sleep" expected int`},
	} {
		err := m.Config(context.Background(), "a", tt.set, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 1, nil)
	deployTiny(t, m, "b", 1, nil)
	settle(t, m)
	tests := []struct {
		name       string
		action     string
		params     map[string]any
		wantErr    string
		wantStatus string
		wantMsg    string
		wantCode   int
		wantCount  string
	}{
		{name: "defaults", action: "do-it", wantStatus: "completed", wantCount: "1"},
		{name: "params", action: "do-it", params: map[string]any{"count": 3}, wantStatus: "completed", wantCount: "3"},
		{name: "failing", action: "do-it", params: map[string]any{"fail": true}, wantStatus: "failed", wantMsg: "exit status 3", wantCode: 3, wantCount: "1"},
		{name: "unknown param", action: "do-it", params: map[string]any{"bogus": 1}, wantErr: `additional property "bogus" is not allowed`},
		{name: "bad type", action: "do-it", params: map[string]any{"count": "x"}, wantErr: "must be of type integer"},
		{name: "unknown action", action: "nope", wantErr: `action "nope" not defined on unit "a/0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := m.RunAction(context.Background(), "a/0", tt.action, tt.params)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, res.Status)
			assert.Equal(t, tt.wantMsg, res.Message)
			assert.Equal(t, tt.wantCode, res.ExitCode)
			assert.Equal(t, float64(tt.wantCode), res.Results["return-code"], "results read as JSON, as after a reload")
			assert.Equal(t, "did it\n", res.Stdout)
			result, _ := res.Results["result"].(map[string]any)
			assert.Equal(t, tt.wantCount, result["count"])
			assert.Equal(t, "a/0", result["unit"])
		})
	}
	assert.Empty(t, m.ErroredUnits(), "a failing action never puts the unit in error")
}

func TestFireAndRefresh(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 1, nil)
	settle(t, m)
	n := len(hooksOf(t, m, "a/0"))
	require.NoError(t, m.Fire(context.Background(), "a/0", "update-status", -1, ""))
	settle(t, m)
	require.NoError(t, m.Refresh(context.Background(), "a", tinyCharm(t)))
	settle(t, m)
	assert.Equal(t, []string{"hooks/update-status|||", "hooks/upgrade-charm|||", "hooks/config-changed|||"},
		paths(hooksOf(t, m, "a/0")[n:]))

	for _, tt := range []struct{ unit, hook, want string }{
		{"a/0", "bogus", "not a hook name"},
		{"a/0", "nosuch-relation-changed", `has no endpoint "nosuch"`},
		{"a/0", "website-relation-changed", `no relation on endpoint "website"`},
		{"a/9", "update-status", `unit "a/9" not found`},
	} {
		err := m.Fire(context.Background(), tt.unit, tt.hook, -1, "")
		require.Error(t, err, tt.hook)
		assert.Contains(t, err.Error(), tt.want)
	}
}

func TestHookTimeoutFailsTheHook(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, func(o *Options) { o.HookTimeout = time.Second })
	deployTiny(t, m, "a", 1, map[string]string{"sleep": "30"})
	start := time.Now()
	settle(t, m)
	assert.Less(t, time.Since(start), 20*time.Second)
	assert.Equal(t, map[string]string{"a/0": `hook failed: "config-changed"`}, m.ErroredUnits())
}

func TestSimulatedPeerApplication(t *testing.T) {
	t.Parallel()
	m, fs := newTestModel(t)
	deployTiny(t, m, "a", 2, nil)
	require.NoError(t, m.Deploy(context.Background(), DeployArgs{Charm: "httpd"}))
	id, err := m.Relate(context.Background(), "a", "httpd")
	require.NoError(t, err)
	settle(t, m)

	r := m.st.relation(id)
	require.NotNil(t, r)
	assert.Equal(t, "a/0 a/1", r.UnitData["httpd/0"]["sees"], "the simulator sees both units in scope")
	assert.Equal(t, "hello", r.UnitData["httpd/0"]["echo"])
	assert.Equal(t, map[string]string{"leader": "httpd/0"}, r.AppData["httpd"])
	for _, unit := range []string{"a/0", "a/1"} {
		lines := hooksOf(t, m, unit)
		checkJujuOrder(t, unit, lines)
		p := paths(lines)
		assert.Contains(t, p, "hooks/backend-relation-joined|httpd/0|backend:1|")
		assert.Contains(t, p, "hooks/backend-relation-changed||backend:1|", "app-level relation-changed for the simulator's app bag")
	}

	// A unit leaving changes what the simulator sees.
	require.NoError(t, m.RemoveUnit(context.Background(), "a/1"))
	settle(t, m)
	assert.Equal(t, "a/0", m.st.relation(id).UnitData["httpd/0"]["sees"])

	require.NoError(t, m.RemoveRelation(context.Background(), "a:backend", "httpd:web"))
	settle(t, m)
	assert.Equal(t, []int{id}, fs.departed)
	assert.Nil(t, m.st.relation(id))
}

func TestSubordinateUnitsFollowPrincipals(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 2, nil)
	require.NoError(t, m.Deploy(context.Background(), DeployArgs{Charm: "sidecar"}))
	assert.Empty(t, m.st.Applications["sidecar"].Units, "a subordinate has no units of its own")
	id, err := m.Relate(context.Background(), "a", "sidecar")
	require.NoError(t, err)
	settle(t, m)

	r := m.st.relation(id)
	assert.Equal(t, "container", r.Scope)
	want := map[string]string{"sidecar/0": "a/0", "sidecar/1": "a/1"}
	for sub, principal := range want {
		u := m.st.findUnit(sub)
		require.NotNil(t, u, sub)
		assert.Equal(t, principal, u.Principal)
		assert.Equal(t, m.st.findUnit(principal).Address, u.Address)
		assert.Equal(t, principal, r.UnitData[sub]["sees"], "%s sees only its principal", sub)
	}
	for principal, sub := range map[string]string{"a/0": "sidecar/0", "a/1": "sidecar/1"} {
		var joined []string
		for _, l := range hooksOf(t, m, principal) {
			if l.Path == "hooks/sidecar-relation-joined" {
				joined = append(joined, l.Remote)
			}
		}
		assert.Equal(t, []string{sub}, joined, "%s sees only its own subordinate", principal)
	}

	names, err := m.AddUnit(context.Background(), "a", 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"a/2"}, names)
	settle(t, m)
	assert.Equal(t, "a/2", m.st.findUnit("sidecar/2").Principal)

	st := m.Status()
	assert.Contains(t, st.Applications["a"].Units["a/2"].Subordinates, "sidecar/2")
	assert.Equal(t, []string{"a"}, st.Applications["sidecar"].SubordinateTo)
	assert.Nil(t, st.Applications["sidecar"].Units)

	require.NoError(t, m.RemoveUnit(context.Background(), "a/1"))
	settle(t, m)
	assert.Nil(t, m.st.findUnit("sidecar/1"), "the subordinate goes with its principal")

	_, err = m.AddUnit(context.Background(), "sidecar", 1)
	require.Error(t, err)
	require.Error(t, m.RemoveUnit(context.Background(), "sidecar/0"))

	require.NoError(t, m.RemoveRelation(context.Background(), "a", "sidecar"))
	settle(t, m)
	assert.Empty(t, m.st.Applications["sidecar"].Units, "subordinates go with the last container relation")
}

func TestDeployAndRelateErrors(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	deployTiny(t, m, "a", 1, nil)
	deployTiny(t, m, "b", 1, nil)
	require.NoError(t, m.Deploy(context.Background(), DeployArgs{Charm: "httpd"}))
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"second deploy", func() error { return m.Deploy(context.Background(), DeployArgs{Name: "a", CharmPath: tinyCharm(t)}) }, `cannot add application "a": application already exists`},
		{"bad name", func() error { return m.Deploy(context.Background(), DeployArgs{Name: "a-2", CharmPath: tinyCharm(t)}) }, `invalid application name "a-2"`},
		{"missing charm", func() error { return m.Deploy(context.Background(), DeployArgs{Name: "c", CharmPath: "/nonexistent"}) }, "read charm /nonexistent"},
		{"unknown simulator", func() error { return m.Deploy(context.Background(), DeployArgs{Charm: "nosuch"}) }, "no simulator for charm nosuch"},
		{"unknown app", func() error { _, err := m.Relate(context.Background(), "a", "zz"); return err }, `application "zz" not found`},
		{"unknown endpoint", func() error { _, err := m.Relate(context.Background(), "a:nosuch", "b"); return err }, `application "a" has no endpoint "nosuch"`},
		{"peer endpoint", func() error { _, err := m.Relate(context.Background(), "a:peer", "b"); return err }, "is a peer endpoint"},
		{"same role", func() error { _, err := m.Relate(context.Background(), "a:website", "b:website"); return err }, `both endpoints have role "provides"`},
		{"interface mismatch", func() error { _, err := m.Relate(context.Background(), "a:sidecar", "httpd:web"); return err }, `interfaces do not match (a:sidecar has "sidecar", httpd:web has "http")`},
		{"no match", func() error { _, err := m.Relate(context.Background(), "a:sidecar", "httpd"); return err }, `a:sidecar (interface "sidecar", requires) has no matching endpoint on httpd`},
		{"ambiguous", func() error { _, err := m.Relate(context.Background(), "a", "b"); return err }, "ambiguous relation"},
		{"same role", func() error { _, err := m.Relate(context.Background(), "a:sidecar", "b:sidecar"); return err }, `both endpoints have role "requires"`},
		{"unknown unit", func() error { return m.RemoveUnit(context.Background(), "a/7") }, `unit "a/7" not found`},
		{"unknown relation", func() error { return m.RemoveRelation(context.Background(), "a", "b") }, `relation "a b" not found`},
		{"peer relation", func() error { return m.RemoveRelation(context.Background(), "0") }, "peer relations live as long as the application"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := m.Relate(context.Background(), "a:website", "b:backend")
	require.NoError(t, err)
	_, err = m.Relate(context.Background(), "b:backend", "a:website")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already exists")
}

func TestStatePersistsAcrossOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fs := &fakeSims{}
	m, err := OpenWith(dir, Options{NewSim: fs.newSim, AgentDir: os.Getenv(testAgentEnv)})
	require.NoError(t, err)
	deployTiny(t, m, "a", 1, nil)
	settle(t, m)
	require.NoError(t, m.Close())

	m2, err := OpenWith(dir, Options{NewSim: fs.newSim, AgentDir: os.Getenv(testAgentEnv)})
	require.NoError(t, err)
	defer m2.Close()
	u := m2.Status().Applications["a"].Units["a/0"]
	assert.Equal(t, "active", u.WorkloadStatus.Current)
	settle(t, m2)
	assert.Len(t, hooksOf(t, m2, "a/0"), 5, "reopening runs no hooks")
	st, err := m2.State()
	require.NoError(t, err)
	assert.Greater(t, st.Applications["a"].Units[0].ToolCalls["status-set"], 0)
	logs, err := m2.Logs("a/0")
	require.NoError(t, err)
	assert.NotEmpty(t, logs)
}

// TestStatusHistoryRecordsEveryStatusSet: Juju records each status-set as it
// happens, not only the status a hook leaves.
func TestStatusHistoryRecordsEveryStatusSet(t *testing.T) {
	m, _ := newTestModel(t)
	deployTiny(t, m, "tiny", 1, nil)
	settle(t, m)
	st, err := m.State()
	require.NoError(t, err)
	var workload []string
	for _, h := range st.Applications["tiny"].Units[0].History {
		if h.Kind == "workload" {
			workload = append(workload, h.Status+" "+h.Message)
		}
	}
	i := indexOfString(workload, "maintenance running install")
	require.GreaterOrEqual(t, i, 0, "history %v", workload)
	require.Greater(t, len(workload), i+1, "history %v", workload)
	assert.Equal(t, "active ran install", workload[i+1], "history %v", workload)
}

func indexOfString(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func TestSubnet(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t, func(o *Options) { o.Subnet = "127.5.0" })
	deployTiny(t, m, "a", 1, nil)
	settle(t, m)
	u := m.st.findUnit("a/0")
	require.NotNil(t, u)
	assert.Equal(t, "127.5.0.10", u.Address)
	assert.Equal(t, "127.5.0.0/24", network(u).BindAddresses[0].Addresses[0].CIDR)

	for _, bad := range []string{"10.5", "10.5.0.0", "300.5.0", "fe80::", "::ffff:10.5.0"} {
		_, err := OpenWith(t.TempDir(), Options{Subnet: bad})
		assert.ErrorContains(t, err, "is not three octets of an IPv4 address", bad)
	}
}
