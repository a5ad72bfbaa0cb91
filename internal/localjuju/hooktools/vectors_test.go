package hooktools

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The vectors in testdata/vectors.json were recorded from Juju 3.6.11's
// hook-tool code: for every call the emulator must print the same bytes and
// exit with the same code, and the committed state and juju-log messages
// after the hook must match.

type vectorFile struct {
	JujuVersion string `json:"juju_version"`
	Charm       struct {
		Metadata map[string]any `json:"metadata"`
		Config   map[string]any `json:"config"`
		Actions  map[string]any `json:"actions"`
	} `json:"charm"`
	Contexts []vectorContext `json:"contexts"`
}

type vectorContext struct {
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	Env          map[string]string `json:"env"`
	HookExitCode int               `json:"hook_exit_code"`
	Committed    bool              `json:"committed"`
	State        json.RawMessage   `json:"state"`
	Calls        []vectorCall      `json:"calls"`
	StateAfter   json.RawMessage   `json:"state_after"`
	JujuLog      []LogLine         `json:"juju_log"`
}

type vectorCall struct {
	Argv   []string `json:"argv"`
	Stdin  *string  `json:"stdin"`
	Exit   int      `json:"exit"`
	Stdout string   `json:"stdout"`
	Stderr string   `json:"stderr"`
}

// knownDeviations lists vector calls ("<context>/<index>") whose output the
// emulator deliberately does not reproduce, with the reason. It is empty:
// every recorded call is reproduced byte for byte.
func knownDeviations() map[string]string { return map[string]string{} }

func loadVectors(t *testing.T) (*vectorFile, *Charm) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vectors.json"))
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatalf("decode vectors: %v", err)
	}
	toYAML := func(v map[string]any) []byte {
		out, err := yaml.Marshal(v)
		if err != nil {
			t.Fatalf("encode charm yaml: %v", err)
		}
		return out
	}
	ch, err := CharmFromYAML(toYAML(vf.Charm.Metadata), toYAML(vf.Charm.Config), toYAML(vf.Charm.Actions))
	if err != nil {
		t.Fatalf("load charm: %v", err)
	}
	return &vf, ch
}

func TestVectors(t *testing.T) {
	vf, ch := loadVectors(t)
	if vf.JujuVersion != "3.6.11" {
		t.Fatalf("vectors are for Juju %q, want 3.6.11", vf.JujuVersion)
	}
	total := 0
	for _, vc := range vf.Contexts {
		total += len(vc.Calls)
	}
	if total != 298 || len(vf.Contexts) != 5 {
		t.Fatalf("got %d calls in %d contexts, want 298 in 5", total, len(vf.Contexts))
	}
	for _, vc := range vf.Contexts {
		t.Run(vc.Name, func(t *testing.T) {
			var st State
			if err := json.Unmarshal(vc.State, &st); err != nil {
				t.Fatalf("decode state: %v", err)
			}
			redact := redactor(vc.State)
			c := NewContext(ch, st, vc.Env)
			for i, call := range vc.Calls {
				name := fmt.Sprintf("%03d_%s", i, strings.Join(call.Argv, "_"))
				t.Run(name, func(t *testing.T) {
					if reason, ok := knownDeviations()[fmt.Sprintf("%s/%d", vc.Name, i)]; ok {
						t.Skipf("known deviation: %s", reason)
					}
					var stdin []byte
					if call.Stdin != nil {
						stdin = []byte(*call.Stdin)
					}
					exit, stdout, stderr := c.Run(call.Argv, stdin)
					if exit != call.Exit {
						t.Errorf("exit = %d, want %d", exit, call.Exit)
					}
					if string(stdout) != call.Stdout {
						t.Errorf("stdout mismatch\n got: %q\nwant: %q", redact(string(stdout)), redact(call.Stdout))
					}
					if string(stderr) != call.Stderr {
						t.Errorf("stderr mismatch\n got: %q\nwant: %q", redact(string(stderr)), redact(call.Stderr))
					}
				})
			}

			after := c.Finish(vc.HookExitCode)
			gotJSON, err := json.Marshal(after)
			if err != nil {
				t.Fatalf("encode state: %v", err)
			}
			got, want := normalizeJSON(t, gotJSON), normalizeJSON(t, vc.StateAfter)
			for _, key := range unionKeys(got, want) {
				if !reflect.DeepEqual(got[key], want[key]) {
					g, _ := json.Marshal(got[key])
					w, _ := json.Marshal(want[key])
					t.Errorf("state_after.%s mismatch\n got: %s\nwant: %s", key, redact(string(g)), redact(string(w)))
				}
			}

			logs := c.Logs()
			if len(logs) != len(vc.JujuLog) {
				t.Errorf("got %d juju-log lines, want %d", len(logs), len(vc.JujuLog))
			}
			for i := 0; i < len(logs) && i < len(vc.JujuLog); i++ {
				if logs[i] != vc.JujuLog[i] {
					t.Errorf("juju-log[%d] = %+v, want %+v", i, logs[i], vc.JujuLog[i])
				}
			}

			calls := c.Calls()
			if len(calls) != len(vc.Calls) {
				t.Fatalf("recorded %d calls, want %d", len(calls), len(vc.Calls))
			}
			for i, call := range calls {
				if !reflect.DeepEqual(call.Argv, vc.Calls[i].Argv) || call.Exit != vc.Calls[i].Exit {
					t.Errorf("call %d recorded as %q exit %d", i, redact(strings.Join(call.Argv, " ")), call.Exit)
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
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode json: %v", err)
	}
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
			out[i] = pruneEmpty(e)
			if out[i] == nil {
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
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
