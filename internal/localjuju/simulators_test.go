package localjuju

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// quorumSims builds "quorum", a subordinate simulator that answers
// ready=yes on a unit once its principal has written "unit" and at least
// size of its units have seen that: like hacluster's clustered, the
// answer of one unit depends on what the others answered before.
type quorumSims struct {
	size int
	mu   sync.Mutex
	seen map[string]bool
}

func (q *quorumSims) newSim(charm string, config map[string]string, env sim.Env) (sim.App, error) {
	if charm != "quorum" {
		return nil, &unknownCharmError{charm}
	}
	return q, nil
}

func (q *quorumSims) Charm() string     { return "quorum" }
func (q *quorumSims) Subordinate() bool { return true }
func (q *quorumSims) Endpoints() map[string]sim.Endpoint {
	return map[string]sim.Endpoint{"host": {Interface: "sidecar", Role: "provides", Scope: "container"}}
}
func (q *quorumSims) Departed(context.Context, sim.Relation) error { return nil }

func (q *quorumSims) Respond(_ context.Context, units []string, _ string, rel sim.Relation) (sim.Response, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	resp := sim.Response{Units: map[string]map[string]string{}}
	for _, u := range units {
		for _, bag := range rel.RemoteUnits {
			if bag["unit"] != "" {
				q.seen[u] = true
			}
		}
		if q.seen[u] && len(q.seen) >= q.size {
			bag := copyBag(rel.Units[u])
			bag["ready"] = "yes"
			resp.Units[u] = bag
		}
	}
	return resp, nil
}

func TestSubordinateSimulatorAnswersEveryUnitOnceReady(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		units     int
		size      int
		wantReady int
	}{
		{"quorum reached by the last unit", 3, 3, 3},
		{"quorum reached early", 3, 2, 3},
		{"quorum never reached", 2, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := &quorumSims{size: tt.size, seen: map[string]bool{}}
			m, _ := newTestModel(t, func(o *Options) { o.NewSim = q.newSim })
			ctx := context.Background()
			deployTiny(t, m, "tiny", tt.units, nil)
			require.NoError(t, m.Deploy(ctx, DeployArgs{Charm: "quorum"}))
			_, err := m.Relate(ctx, "tiny:sidecar", "quorum")
			require.NoError(t, err)
			settle(t, m)
			ready := 0
			for i := 0; i < tt.units; i++ {
				unit := "tiny/" + string(rune('0'+i))
				info, err := m.ShowUnit(unit)
				require.NoError(t, err)
				sub := "quorum/" + string(rune('0'+i))
				for _, ri := range info[unit].RelationInfo {
					if ri.Endpoint != "sidecar" {
						continue
					}
					if ri.RelatedUnits[sub].Data["ready"] == "yes" {
						ready++
						// The unit ran relation-changed for the answer.
						st, err := m.State()
						require.NoError(t, err)
						_, u, err := st.unit(unit)
						require.NoError(t, err)
						assert.Equal(t, st.relation(ri.RelationID).UnitVersion[sub], u.Relations[ri.RelationID].Members[sub], unit)
					}
				}
			}
			assert.Equal(t, tt.wantReady, ready)
		})
	}
}

// simCharm writes a scripted charm with the endpoints the hacluster, vault
// and ceilometer simulators serve: on joined/changed it sends a minimal
// Pacemaker request, a certificate request and an event publisher, and
// records the remote bag of every relation-changed in the unit's root.
func simCharm(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "simcharm")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, f := range []string{"config.yaml", "manifest.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/tiny", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	meta := `name: simcharm
summary: A scripted charm for the local model's simulators
description: Talks to the hacluster, vault and ceilometer simulators.
requires:
  ha:
    interface: hacluster
    scope: container
  certificates:
    interface: tls-certificates
provides:
  events:
    interface: event-service
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte(meta), 0o644))
	dispatch := `#!/bin/sh
set -eu
root="$PANKO_HOST_ROOT"
name="${JUJU_DISPATCH_PATH#*/}"
echo "$name|${JUJU_REMOTE_UNIT-}" >> "$root/hooks.log"
n="${JUJU_UNIT_NAME#*/}"
case "$name" in
ha-relation-joined)
	relation-set 'json_resources={"res_simcharm_haproxy": "lsb:haproxy"}' \
		'json_clones={"cl_res_simcharm_haproxy": "res_simcharm_haproxy"}'
	;;
certificates-relation-joined)
	relation-set "unit_name=simcharm_$n" "common_name=simcharm-$n.example.com" 'sans=["10.5.0.99"]'
	;;
events-relation-joined)
	relation-set publisher=panko://
	;;
esac
case "$name" in
*-relation-changed)
	relation-get --format=json - "$JUJU_REMOTE_UNIT" > "$root/$name.json"
	;;
esac
status-set active "ran $name"
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dispatch"), []byte(dispatch), 0o755))
	return dir
}

// simulatorModel deploys simcharm -n units with the real hacluster, vault
// and ceilometer simulators, related and settled.
func simulatorModel(t *testing.T, units int) *Model {
	t.Helper()
	m, _ := newTestModel(t, func(o *Options) { o.NewSim = sim.New })
	ctx := context.Background()
	require.NoError(t, m.Deploy(ctx, DeployArgs{CharmPath: simCharm(t), Units: units}))
	for _, charm := range []string{"hacluster", "vault", "ceilometer"} {
		require.NoError(t, m.Deploy(ctx, DeployArgs{Charm: charm}))
		_, err := m.Relate(ctx, "simcharm", charm)
		require.NoError(t, err)
	}
	settle(t, m)
	require.Empty(t, m.ErroredUnits())
	return m
}

// remoteBag reads the remote bag a unit recorded in its last run of hook.
func remoteBag(t *testing.T, m *Model, unit, hook string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(unitFile(m, unit, hook+".json"))
	require.NoError(t, err)
	var bag map[string]string
	require.NoError(t, json.Unmarshal(data, &bag))
	return bag
}

func TestHAClusterClusteredReachesEveryPrincipal(t *testing.T) {
	t.Parallel()
	m := simulatorModel(t, 3)
	for _, unit := range []string{"simcharm/0", "simcharm/1", "simcharm/2"} {
		bag := remoteBag(t, m, unit, "ha-relation-changed")
		assert.Equal(t, "yes", bag["clustered"], "%s saw no clustered=yes", unit)
	}
	info, err := m.ShowUnit("hacluster/1")
	require.NoError(t, err)
	shown, ok := info["hacluster/1"].Simulator["hacluster"].(sim.HAClusterStatus)
	require.True(t, ok, "show-unit hacluster/1 has no simulator.hacluster: %#v", info["hacluster/1"].Simulator)
	assert.Equal(t, []string{"hacluster/0", "hacluster/1", "hacluster/2"}, shown.Nodes)
	require.Len(t, shown.Principals, 1)
	assert.Equal(t, []string{"hacluster/0", "hacluster/1", "hacluster/2"}, shown.Principals[0].Clustered)
	assert.Empty(t, shown.Principals[0].Errors)
	assert.NotEmpty(t, shown.Principals[0].Commands)
}

// certSerials returns the serial of every certificate the vault simulator
// shows, by unit key and CN.
func certSerials(t *testing.T, m *Model) map[string]string {
	t.Helper()
	info, err := m.ShowUnit("vault/0")
	require.NoError(t, err)
	v, ok := info["vault/0"].Simulator["vault"].(sim.VaultStatus)
	require.True(t, ok, "show-unit vault/0 has no simulator.vault: %#v", info["vault/0"].Simulator)
	out := map[string]string{}
	for _, c := range v.Certificates {
		out[c.Unit+" "+c.CN] = c.Serial
	}
	return out
}

func TestRenewReissuesAndRepublishes(t *testing.T) {
	t.Parallel()
	m := simulatorModel(t, 2)
	ctx := context.Background()
	before := certSerials(t, m)
	require.Len(t, before, 2)
	certBefore := remoteBag(t, m, "simcharm/0", "certificates-relation-changed")["simcharm_0.server.cert"]
	require.NotEmpty(t, certBefore)

	require.NoError(t, m.Renew(ctx, "vault"))

	after := certSerials(t, m)
	require.Len(t, after, 2)
	for k, serial := range before {
		assert.NotEqual(t, serial, after[k], "certificate %s was not reissued", k)
	}
	certAfter := remoteBag(t, m, "simcharm/0", "certificates-relation-changed")["simcharm_0.server.cert"]
	assert.True(t, certAfter != "" && certAfter != certBefore, "simcharm/0 did not run certificates-relation-changed with the new certificate")
	assert.Empty(t, m.ErroredUnits())
}

func TestRenewRefusesOtherApplications(t *testing.T) {
	t.Parallel()
	m := simulatorModel(t, 1)
	tests := []struct{ app, want string }{
		{"hacluster", "cannot renew hacluster: only a vault simulator issues certificates, and hacluster is a hacluster simulator"},
		{"simcharm", "cannot renew simcharm: only a vault simulator issues certificates, and simcharm is a real charm"},
		{"nope", `application "nope" not found`},
	}
	for _, tt := range tests {
		err := m.Renew(context.Background(), tt.app)
		require.Error(t, err, tt.app)
		assert.Equal(t, tt.want, err.Error())
	}
}

func TestShowUnitOfSimulators(t *testing.T) {
	t.Parallel()
	m := simulatorModel(t, 1)
	dir := m.Dir()
	require.NoError(t, m.Close())
	tests := []struct {
		unit string
		want []string // substrings of the simulator section (YAML)
		deny []string
	}{
		{"ceilometer/0", []string{"ceilometer:", "event_pipeline.yaml: |", "sinks:- name: simcharm", "error: 'event_pipeline.yaml does not load: yaml: line 11: mapping values are", "release: wallaby"}, nil},
		{"vault/0", []string{"vault:", "certificates:", "cn: simcharm-0.example.com", "serial:"}, []string{"PRIVATE KEY", "BEGIN CERTIFICATE"}},
		{"hacluster/0", []string{"hacluster:", "commands:", "lsb:haproxy", "clustered:"}, nil},
		{"simcharm/0", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.unit, func(t *testing.T) {
			code, out, errOut := runCLI(dir, "show-unit", tt.unit)
			require.Equal(t, 0, code, errOut)
			_, section, found := strings.Cut(out, "\n  simulator:\n")
			require.Equal(t, tt.want != nil, found, "simulator section of %s", tt.unit)
			for _, w := range tt.want {
				assert.Contains(t, section, w)
			}
			for _, d := range tt.deny {
				assert.False(t, strings.Contains(section, d), "the simulator section of %s shows %q", tt.unit, d)
			}
			code, out, errOut = runCLI(dir, "show-unit", tt.unit, "--format", "json")
			require.Equal(t, 0, code, errOut)
			var doc map[string]map[string]any
			require.NoError(t, json.Unmarshal([]byte(out), &doc))
			_, has := doc[tt.unit]["simulator"]
			assert.Equal(t, tt.want != nil, has)
		})
	}
}

func TestRemoveApplication(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		remove    string
		wantGone  []string // units that ran their teardown
		wantPeers map[string][]string
	}{
		{
			name: "a real charm: both sides run departed and broken", remove: "front",
			wantGone: []string{"front/0", "front/1"},
			wantPeers: map[string][]string{"back/0": {
				"hooks/website-relation-departed|front/0|website:2|front/0",
				"hooks/website-relation-departed|front/1|website:2|front/1",
				"hooks/website-relation-broken||website:2|",
			}},
		},
		{
			name: "a simulator: the real units run departed and broken", remove: "httpd",
			wantPeers: map[string][]string{"front/0": {
				"hooks/backend-relation-departed|httpd/0|backend:3|httpd/0",
				"hooks/backend-relation-broken||backend:3|",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, _ := newTestModel(t)
			ctx := context.Background()
			deployTiny(t, m, "front", 2, nil)
			deployTiny(t, m, "back", 1, nil)
			require.NoError(t, m.Deploy(ctx, DeployArgs{Charm: "httpd"}))
			_, err := m.Relate(ctx, "back:website", "front:backend")
			require.NoError(t, err)
			_, err = m.Relate(ctx, "front:backend", "httpd")
			require.NoError(t, err)
			settle(t, m)
			mark := map[string]int{}
			for _, u := range []string{"front/0", "front/1", "back/0"} {
				mark[u] = len(hooksOf(t, m, u))
			}

			require.NoError(t, m.RemoveApplication(ctx, tt.remove))
			settle(t, m)

			st, err := m.State()
			require.NoError(t, err)
			assert.NotContains(t, st.Applications, tt.remove)
			for _, r := range st.Relations {
				_, ok := r.endpointOf(tt.remove)
				assert.False(t, ok, "relation %s survived", r.Key())
			}
			assert.NotContains(t, m.Status().Applications, tt.remove)
			for _, u := range tt.wantGone {
				lines := paths(hooksOf(t, m, u))
				require.NotEmpty(t, lines)
				assert.Equal(t, "hooks/remove|||", lines[len(lines)-1], u)
				checkJujuOrder(t, u, hooksOf(t, m, u))
			}
			for u, want := range tt.wantPeers {
				got := paths(hooksOf(t, m, u)[mark[u]:])
				var rel []string
				for _, l := range got {
					if strings.Contains(l, "-relation-departed") || strings.Contains(l, "-relation-broken") {
						rel = append(rel, l)
					}
				}
				assert.Equal(t, want, rel, u)
			}
			assert.Empty(t, m.ErroredUnits())
			// The name is free again.
			if tt.remove == "httpd" {
				require.NoError(t, m.Deploy(ctx, DeployArgs{Charm: "httpd"}))
			} else {
				deployTiny(t, m, tt.remove, 1, nil)
			}
		})
	}
}

func TestRemoveApplicationRefusesChangesWhileDying(t *testing.T) {
	t.Parallel()
	m, _ := newTestModel(t)
	ctx := context.Background()
	deployTiny(t, m, "tiny", 1, map[string]string{"fail-hook": "stop"})
	settle(t, m)
	require.NoError(t, m.RemoveApplication(ctx, "tiny"))
	settle(t, m) // stop fails: the application stays, dying
	_, err := m.AddUnit(ctx, "tiny", 1)
	assert.EqualError(t, err, `cannot add unit to "tiny": application "tiny" is being removed`)
	err = m.Config(ctx, "tiny", map[string]string{"greeting": "x"}, nil)
	assert.EqualError(t, err, `config tiny: application "tiny" is being removed`)
	require.NoError(t, m.Resolve(ctx, "tiny/0", false))
	settle(t, m)
	st, err := m.State()
	require.NoError(t, err)
	assert.NotContains(t, st.Applications, "tiny")
}

func TestCLIAliasesAndNewVerbs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out bytes.Buffer
	code := CLI([]string{"--model", dir, "--agent-dir", os.Getenv(testAgentEnv), "deploy", "tiny", "--charm", tinyCharm(t)}, &out, &out)
	require.Equal(t, 0, code, out.String())
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"upgrade-charm", "tiny", "--path", tinyCharm(t)}, 0, ""},
		{[]string{"upgrade-charm", "tiny"}, 2, "usage: localjuju refresh|upgrade-charm APP --path PATH"},
		{[]string{"renew", "tiny"}, 1, "cannot renew tiny: only a vault simulator issues certificates, and tiny is a real charm"},
		{[]string{"renew"}, 2, "usage: localjuju renew APP"},
		{[]string{"remove-application", "nope"}, 1, `application "nope" not found`},
		{[]string{"remove-application", "tiny"}, 0, "will remove application tiny"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(dir, tt.args...)
		assert.Equal(t, tt.wantCode, code, "%v: %s", tt.args, errOut)
		if tt.wantErr != "" {
			assert.Contains(t, errOut, tt.wantErr, tt.args)
		}
	}
	m, err := Open(dir)
	require.NoError(t, err)
	defer m.Close()
	st, err := m.State()
	require.NoError(t, err)
	assert.Empty(t, st.Applications)
	lines := paths(hooksOf(t, m, "tiny/0"))
	assert.Contains(t, lines, "hooks/upgrade-charm|||")
	assert.Equal(t, "hooks/remove|||", lines[len(lines)-1])
}

func TestToolsBinaryNextTo(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]os.FileMode // files next to the executable
		want  bool
	}{
		{"present", map[string]os.FileMode{"localjuju": 0o755, "localjuju-tools": 0o755}, true},
		{"absent", map[string]os.FileMode{"localjuju": 0o755}, false},
		{"not executable", map[string]os.FileMode{"localjuju": 0o755, "localjuju-tools": 0o644}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, mode := range tt.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), mode))
			}
			// The executable is found through a symlink, as bin/localjuju is.
			link := filepath.Join(t.TempDir(), "localjuju")
			require.NoError(t, os.Symlink(filepath.Join(dir, "localjuju"), link))
			got := toolsBinaryNextTo(link)
			if tt.want {
				assert.Equal(t, filepath.Join(dir, "localjuju-tools"), got)
			} else {
				assert.Empty(t, got)
			}
		})
	}
}

// builtTools returns the cmd/localjuju-tools binary TestMain built.
func builtTools(t *testing.T) string {
	t.Helper()
	p := os.Getenv(testToolsEnv)
	if p == "" {
		need.Skip(t, "cmd/localjuju-tools could not be built (see the start of the test output)")
	}
	return p
}

func TestModelRunsWithTheToolsBinary(t *testing.T) {
	t.Parallel()
	tools := builtTools(t)
	self, err := os.Executable()
	require.NoError(t, err)
	tests := []struct {
		name      string
		toolsOpt  string
		wantTools string
	}{
		{"the tools binary", tools, tools},
		{"no tools binary: the model binary serves", "", self},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestModel(t, func(o *Options) { o.ToolsBinary = tt.toolsOpt })
			deployTiny(t, m, "a", 2, map[string]string{"leader-key": "k1"})
			settle(t, m)
			require.Empty(t, m.ErroredUnits())
			p := filepath.Join(m.unitRoot("a/1"), "usr/bin/dpkg-query")
			real, err := filepath.EvalSymlinks(p)
			require.NoError(t, err)
			assert.Equal(t, tt.wantTools, real, p)
			st, err := m.State()
			require.NoError(t, err)
			_, u, err := st.unit("a/1")
			require.NoError(t, err)
			assert.Positive(t, u.ToolCalls["config-get"])
			assert.Equal(t, "active", u.Workload.Status)
			data, err := os.ReadFile(unitFile(m, "a/1", "leader-key"))
			require.NoError(t, err)
			assert.Equal(t, "k1\n", string(data))
			// A machine command answers through the link and is recorded.
			out, err := exec.Command(filepath.Join(m.unitRoot("a/1"), "usr/bin/dpkg-query"), "-W", "no-such-package").CombinedOutput()
			var exitErr *exec.ExitError
			require.ErrorAs(t, err, &exitErr)
			assert.Equal(t, 1, exitErr.ExitCode())
			assert.Equal(t, "dpkg-query: no packages found matching no-such-package\n", string(out))
			log, err := os.ReadFile(filepath.Join(m.unitRoot("a/1"), "var/lib/localjuju/commands.log"))
			require.NoError(t, err)
			assert.Contains(t, string(log), `"argv":["dpkg-query","-W","no-such-package"]`)
		})
	}
}
