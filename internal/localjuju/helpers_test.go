package localjuju

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/agentbin"
)

// testToolsEnv names the cmd/localjuju-tools binary TestMain built for the
// test models ("" when it could not: the test binary serves instead).
const testToolsEnv = "LOCALJUJU_TEST_TOOLS"

// testAgentEnv names the directory of the unit agent and jujuc TestMain
// built ("" when it could not).
const testAgentEnv = "LOCALJUJU_TEST_AGENT"

// TestMain lets the test binary serve as the machine commands the model
// links to it (or as a recorded hook, see TestRecordedHookToolCalls),
// builds cmd/localjuju-tools, which the test models link to instead
// because it starts faster, and the unit agent.
func TestMain(m *testing.M) {
	if code, ok := Multicall(os.Args, os.Stdin, os.Stdout, os.Stderr); ok {
		os.Exit(code)
	}
	if calls := os.Getenv(recordedHookEnv); calls != "" {
		os.Exit(replayCalls(calls))
	}
	if name := os.Getenv(conformanceEnv); name != "" {
		os.Exit(runConformanceHook(name))
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "localjuju-tools-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "no temporary directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "localjuju-tools")
	cmd := exec.Command("go", "build", "-o", out, "../../cmd/localjuju-tools")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot build cmd/localjuju-tools (the test binary serves the hook tools): %v\n%s", err, msg)
		out = ""
	}
	os.Setenv(testToolsEnv, out)
	agentDir, err := agentbin.Build()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
	}
	os.Setenv(testAgentEnv, agentDir)
	return m.Run()
}

// tinyCharm is the scripted test charm (testdata/tiny).
func tinyCharm(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("testdata/tiny")
	require.NoError(t, err)
	return p
}

// fakeSims records what fake simulators were told.
type fakeSims struct {
	mu       sync.Mutex
	departed []int
}

// newSim builds fake simulated applications: "httpd" provides http on
// "web"; "sidecar" is a subordinate offering "host" (container scope).
func (f *fakeSims) newSim(charm string, config map[string]string, env sim.Env) (sim.App, error) {
	switch charm {
	case "httpd":
		return &fakeSim{owner: f, charm: charm, eps: map[string]sim.Endpoint{
			"web": {Interface: "http", Role: "provides", Scope: "global"},
		}}, nil
	case "sidecar":
		return &fakeSim{owner: f, charm: charm, sub: true, eps: map[string]sim.Endpoint{
			"host": {Interface: "sidecar", Role: "provides", Scope: "container"},
		}}, nil
	}
	return nil, &unknownCharmError{charm}
}

type unknownCharmError struct{ charm string }

func (e *unknownCharmError) Error() string { return "no simulator for charm " + e.charm }

type fakeSim struct {
	owner *fakeSims
	charm string
	sub   bool
	eps   map[string]sim.Endpoint
}

func (s *fakeSim) Charm() string                      { return s.charm }
func (s *fakeSim) Subordinate() bool                  { return s.sub }
func (s *fakeSim) Endpoints() map[string]sim.Endpoint { return s.eps }

// Respond publishes, per unit, which remote units it sees and the greeting
// of the first one; the leader sets an app bag.
func (s *fakeSim) Respond(ctx context.Context, units []string, leader string, rel sim.Relation) (sim.Response, error) {
	remote := sortedKeys(rel.RemoteUnits)
	resp := sim.Response{Units: map[string]map[string]string{}}
	for _, u := range units {
		bag := copyBag(rel.Units[u])
		bag["sim"] = s.charm
		bag["sees"] = strings.Join(remote, " ")
		if len(remote) > 0 {
			bag["echo"] = rel.RemoteUnits[remote[0]]["greeting"]
		}
		resp.Units[u] = bag
	}
	for _, u := range units {
		if u == leader {
			resp.AppData = map[string]string{"leader": leader}
		}
	}
	return resp, nil
}

func (s *fakeSim) Departed(ctx context.Context, rel sim.Relation) error {
	s.owner.mu.Lock()
	defer s.owner.mu.Unlock()
	s.owner.departed = append(s.owner.departed, rel.ID)
	return nil
}

// newTestModel opens a model in a temporary directory with fake simulators.
func newTestModel(t *testing.T, tune ...func(*Options)) (*Model, *fakeSims) {
	t.Helper()
	fs := &fakeSims{}
	opts := Options{HookTimeout: 30 * time.Second, NewSim: fs.newSim, ToolsBinary: os.Getenv(testToolsEnv), AgentDir: os.Getenv(testAgentEnv)}
	for _, f := range tune {
		f(&opts)
	}
	m, err := OpenWith(t.TempDir(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m, fs
}

func deployTiny(t *testing.T, m *Model, name string, n int, cfg map[string]string) {
	t.Helper()
	require.NoError(t, m.Deploy(context.Background(), DeployArgs{Name: name, CharmPath: tinyCharm(t), Units: n, Config: cfg}))
}

func settle(t *testing.T, m *Model) {
	t.Helper()
	require.NoError(t, m.Settle(context.Background()))
}

// hookLine is one line the test charm logs per hook.
type hookLine struct {
	Path, Remote, RelID, Departing string
}

func (h hookLine) String() string {
	return strings.Join([]string{h.Path, h.Remote, h.RelID, h.Departing}, "|")
}

// unitFile returns a file under a unit's root (also for removed units).
func unitFile(m *Model, unit, name string) string {
	p := filepath.Join(m.unitRoot(unit), name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return filepath.Join(m.removedUnitDir(unit), "root", name)
}

// hooksOf reads the test charm's hook log of a unit.
func hooksOf(t *testing.T, m *Model, unit string) []hookLine {
	t.Helper()
	f, err := os.Open(unitFile(m, unit, "hooks.log"))
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	defer f.Close()
	var out []hookLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 4)
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		out = append(out, hookLine{parts[0], parts[1], parts[2], parts[3]})
	}
	require.NoError(t, sc.Err())
	return out
}

func paths(lines []hookLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.String()
	}
	return out
}

// hookEnv reads the environment the test charm dumped in a hook.
func hookEnv(t *testing.T, m *Model, unit, hook string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(unitFile(m, unit, "env-"+hook))
	require.NoError(t, err)
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		out[k] = v
	}
	return out
}

// checkJujuOrder asserts the ordering rules of Juju's uniter on one unit's
// hook log.
func checkJujuOrder(t *testing.T, unit string, lines []hookLine) {
	t.Helper()
	require.NotEmpty(t, lines, unit)
	require.Equal(t, "hooks/install", lines[0].Path, "%s: first hook", unit)
	created := map[string]bool{}
	broken := map[string]bool{}
	joined := map[string]map[string]bool{}
	pendingChanged := map[string]string{}
	startSeen, configSeen, leaderSeen := false, false, false
	for i, l := range lines {
		kind := strings.TrimPrefix(l.Path, "hooks/")
		if l.RelID != "" {
			rel := l.RelID
			require.False(t, broken[rel], "%s: hook %d (%s) after relation-broken", unit, i, l)
			if p := pendingChanged[rel]; p != "" {
				require.True(t, strings.HasSuffix(kind, "-relation-changed") && l.Remote == p,
					"%s: hook %d (%s): joined %s must be followed by its changed", unit, i, l, p)
				delete(pendingChanged, rel)
			}
			switch {
			case strings.HasSuffix(kind, "-relation-created"):
				require.False(t, created[rel], "%s: relation-created twice for %s", unit, rel)
				created[rel] = true
				require.Empty(t, l.Remote, "%s: relation-created has no remote unit", unit)
			case strings.HasSuffix(kind, "-relation-joined"):
				require.True(t, created[rel], "%s: joined before created (%s)", unit, l)
				if joined[rel] == nil {
					joined[rel] = map[string]bool{}
				}
				joined[rel][l.Remote] = true
				pendingChanged[rel] = l.Remote
			case strings.HasSuffix(kind, "-relation-changed"):
				require.True(t, created[rel], "%s: changed before created (%s)", unit, l)
				if l.Remote != "" {
					require.True(t, joined[rel][l.Remote], "%s: changed for %s before joined", unit, l.Remote)
				}
			case strings.HasSuffix(kind, "-relation-departed"):
				require.True(t, joined[rel][l.Remote], "%s: departed for %s that never joined", unit, l.Remote)
				delete(joined[rel], l.Remote)
			case strings.HasSuffix(kind, "-relation-broken"):
				require.Empty(t, joined[rel], "%s: broken before every departed (%s)", unit, l)
				require.False(t, strings.HasPrefix(kind, "peer-"), "%s: relation-broken for a peer relation", unit)
				broken[rel] = true
			}
			continue
		}
		switch kind {
		case "leader-elected", "leader-settings-changed":
			leaderSeen = true
		case "config-changed":
			if !configSeen {
				require.True(t, leaderSeen, "%s: first config-changed before leader-elected/leader-settings-changed", unit)
			}
			configSeen = true
		case "start":
			require.True(t, configSeen, "%s: start before config-changed", unit)
			require.False(t, startSeen, "%s: start twice", unit)
			startSeen = true
		}
	}
}

func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
