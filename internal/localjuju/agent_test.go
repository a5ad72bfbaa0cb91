package localjuju

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/unitstate"
)

// The hook-tool vectors in testdata/hooktool-vectors.json were recorded from
// Juju 3.6.11's hook-tool code (see its README in the design fixtures):
// 298 calls in five hooks and actions. Run through the unit agent (Juju's
// own jujuc server and client over our Context) every call must print the
// same bytes and exit with the same code, and the committed state and
// juju-log messages after the hook must match.

type vectorFile struct {
	JujuVersion string `json:"juju_version"`
	Charm       struct {
		Config map[string]any `json:"config"`
	} `json:"charm"`
	Contexts []vectorContext `json:"contexts"`
}

type vectorContext struct {
	Name         string              `json:"name"`
	Env          map[string]string   `json:"env"`
	HookExitCode int                 `json:"hook_exit_code"`
	State        json.RawMessage     `json:"state"`
	Calls        []vectorCall        `json:"calls"`
	StateAfter   json.RawMessage     `json:"state_after"`
	JujuLog      []unitstate.LogLine `json:"juju_log"`
}

type vectorCall struct {
	Argv   []string `json:"argv"`
	Stdin  *string  `json:"stdin"`
	Exit   int      `json:"exit"`
	Stdout string   `json:"stdout"`
	Stderr string   `json:"stderr"`
}

// recordedHookEnv, when set, makes the test binary a hook that makes the
// calls of the named JSON file ([]vectorCall), writes what each printed
// to <file>.out and exits with $LOCALJUJU_REPLAY_EXIT.
const recordedHookEnv = "LOCALJUJU_REPLAY_CALLS"

// replayCalls is the recorded hook: see recordedHookEnv.
func replayCalls(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 99
	}
	var calls []vectorCall
	if err := json.Unmarshal(data, &calls); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 99
	}
	for i, c := range calls {
		cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
		if c.Stdin != nil {
			cmd.Stdin = strings.NewReader(*c.Stdin)
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exitErr *exec.ExitError
		if err != nil && !errors.As(err, &exitErr) {
			fmt.Fprintln(os.Stderr, err)
			return 99
		}
		calls[i] = vectorCall{Argv: c.Argv, Exit: cmd.ProcessState.ExitCode(), Stdout: stdout.String(), Stderr: stderr.String()}
	}
	if data, err = json.Marshal(calls); err == nil {
		err = os.WriteFile(path+".out", data, 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 99
	}
	code, _ := strconv.Atoi(os.Getenv("LOCALJUJU_REPLAY_EXIT"))
	return code
}

func TestRecordedHookToolCalls(t *testing.T) {
	t.Parallel()
	agentDir := os.Getenv(testAgentEnv)
	require.NotEmpty(t, agentDir, "the unit agent was not built (see the start of the test output)")
	data, err := os.ReadFile(filepath.Join("testdata", "hooktool-vectors.json"))
	require.NoError(t, err)
	var vf vectorFile
	require.NoError(t, json.Unmarshal(data, &vf))
	require.Equal(t, "3.6.11", vf.JujuVersion)
	total := 0
	for _, vc := range vf.Contexts {
		total += len(vc.Calls)
	}
	require.Equal(t, 298, total, "calls recorded")
	require.Len(t, vf.Contexts, 5)

	charmDir := t.TempDir()
	config, err := json.Marshal(vf.Charm.Config) // JSON is YAML
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(charmDir, "config.yaml"), config, 0o644))
	self, err := os.Executable()
	require.NoError(t, err)

	for _, vc := range vf.Contexts {
		t.Run(vc.Name, func(t *testing.T) {
			t.Parallel()
			var st unitstate.State
			require.NoError(t, json.Unmarshal(vc.State, &st))
			redact := redactor(vc.State)
			callsPath := filepath.Join(t.TempDir(), "calls.json")
			data, err := json.Marshal(vc.Calls)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(callsPath, data, 0o600))
			env := []string{"PATH=/usr/bin:/bin", "JUJU_CHARM_DIR=" + charmDir,
				recordedHookEnv + "=" + callsPath, "LOCALJUJU_REPLAY_EXIT=" + strconv.Itoa(vc.HookExitCode)}
			for k, v := range vc.Env {
				env = append(env, k+"="+v)
			}
			res, report, err := runUnitAgent(context.Background(), agentDir, st, env, t.TempDir(), self)
			require.NoError(t, err)
			require.Equal(t, vc.HookExitCode, res.exit, "hook exit; stderr: %s", res.stderr)
			require.NotNil(t, report)

			data, err = os.ReadFile(callsPath + ".out")
			require.NoError(t, err)
			var got []vectorCall
			require.NoError(t, json.Unmarshal(data, &got))
			require.Len(t, got, len(vc.Calls))
			for i, want := range vc.Calls {
				g := got[i]
				where := fmt.Sprintf("call %d %q", i, redact(strings.Join(want.Argv, " ")))
				if g.Exit != want.Exit {
					t.Errorf("%s: exit = %d, want %d", where, g.Exit, want.Exit)
				}
				if g.Stdout != want.Stdout {
					t.Errorf("%s: stdout\n got: %q\nwant: %q", where, redact(g.Stdout), redact(want.Stdout))
				}
				if g.Stderr != want.Stderr {
					t.Errorf("%s: stderr\n got: %q\nwant: %q", where, redact(g.Stderr), redact(want.Stderr))
				}
			}

			gotJSON, err := json.Marshal(report.State)
			require.NoError(t, err)
			gotState, wantState := normalizeJSON(t, gotJSON), normalizeJSON(t, vc.StateAfter)
			for _, key := range unionKeys(gotState, wantState) {
				if !reflect.DeepEqual(gotState[key], wantState[key]) {
					g, _ := json.Marshal(gotState[key])
					w, _ := json.Marshal(wantState[key])
					t.Errorf("state_after.%s\n got: %s\nwant: %s", key, redact(string(g)), redact(string(w)))
				}
			}
			if len(vc.JujuLog) == 0 {
				vc.JujuLog = nil
			}
			if !reflect.DeepEqual(report.Logs, vc.JujuLog) {
				t.Errorf("juju-log lines\n got: %v\nwant: %v", report.Logs, vc.JujuLog)
			}
			require.Len(t, report.Calls, len(vc.Calls), "calls the agent counted")
			for i, name := range report.Calls {
				if name != vc.Calls[i].Argv[0] {
					t.Errorf("call %d counted as %s, want %s", i, name, vc.Calls[i].Argv[0])
				}
			}
		})
	}
}

// normalizeJSON decodes a JSON object and drops empty maps, empty lists and
// nulls, so that an absent map equals {}.
func normalizeJSON(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(data, &v))
	out, _ := pruneEmpty(v).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

func pruneEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if p := pruneEmpty(e); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			if out[i] = pruneEmpty(e); out[i] == nil {
				out[i] = map[string]any{}
			}
		}
		return out
	default:
		return v
	}
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	return sortedKeys(seen)
}

// redactor returns a function hiding the values of secret-looking keys of
// a state (passwords, tokens, keys) in failure messages.
func redactor(state json.RawMessage) func(string) string {
	secretKey := regexp.MustCompile(`(?i)pass|secret|token|key`)
	var secrets []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && secretKey.MatchString(k) && s != "" {
					secrets = append(secrets, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var v any
	_ = json.Unmarshal(state, &v)
	walk(v)
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	return func(s string) string {
		for _, secret := range secrets {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
		return s
	}
}
