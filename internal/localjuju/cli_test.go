package localjuju

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCLI(dir string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := CLI(append([]string{"--model", dir, "--agent-dir", os.Getenv(testAgentEnv)}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLISession(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "model")
	charm := tinyCharm(t)
	steps := []struct {
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{args: []string{"help"}, wantStdout: []string{"Usage: localjuju"}},
		{args: []string{"deploy", "a", "--charm", charm, "-n", "2", "--config", "greeting=hey"}, wantStderr: []string{`Deployed "a" from local charm "tiny", revision 0, series jammy`}},
		{args: []string{"deploy", "--charm", charm, "a"}, wantCode: 1, wantStderr: []string{`ERROR cannot add application "a": application already exists`}},
		{args: []string{"deploy", charm}, wantStderr: []string{`Deployed "tiny" from local charm "tiny"`}},
		{args: []string{"deploy", "c", "--charm", charm, "--series", "xenial"}, wantCode: 1, wantStderr: []string{`series "xenial" not supported by charm "tiny"`}},
		{args: []string{"relate", "a:website", "tiny:backend"}},
		{args: []string{"relate", "a:website", "tiny"}, wantCode: 1, wantStderr: []string{"already exists"}},
		{args: []string{"relate", "a"}, wantCode: 2, wantStderr: []string{"usage: localjuju relate"}},
		{args: []string{"config", "a"}, wantStdout: []string{"application: a", "charm: tiny", "greeting:", "value: hey", "source: user"}},
		{args: []string{"config", "a", "greeting"}, wantStdout: []string{"hey\n"}},
		{args: []string{"config", "a", "nosuch=1"}, wantCode: 1, wantStderr: []string{`unknown option "nosuch"`}},
		{args: []string{"run", "a/0", "do-it", "count=5"}, wantStdout: []string{"result:\n  count: \"5\"\n  unit: a/0\ndid it\n"}, wantStderr: []string{"Running operation 1 with 1 task", "task 2 on unit-a-0"}},
		{args: []string{"run", "a/leader", "do-it", "fail=true"}, wantCode: 1, wantStdout: []string{"Action id 4 failed: exit status 3"}, wantStderr: []string{"failing on purpose", `ERROR the following task failed:` + "\n" + ` - id "4" with return code 3`}},
		{args: []string{"run", "a/0", "do-it", "Bad=1"}, wantCode: 2, wantStderr: []string{`key "Bad" must start and end with lowercase alphanumeric`}},
		{args: []string{"fire", "a/1", "update-status"}},
		{args: []string{"fire", "a/1", "bogus"}, wantCode: 1, wantStderr: []string{"not a hook name"}},
		{args: []string{"resolve", "a/1"}, wantCode: 1, wantStderr: []string{`unit "a/1" is not in an error state`}},
		{args: []string{"show-unit", "tiny/0"}, wantStdout: []string{"tiny/0:\n  machine: \"2\"", "relation-info:\n  - relation-id: 2\n    endpoint: backend\n    related-endpoint: website\n    application-data:\n      leader: a/0"}},
		{args: []string{"status"}, wantStdout: []string{"App   Version  Units  Workload  Message", "a     ", "a/0*", "8080/tcp", "ran "}},
		{args: []string{"remove-relation", "a", "tiny"}},
		{args: []string{"remove-unit", "a/0"}},
		{args: []string{"log", "a/0", "-n", "3"}, wantStdout: []string{"hook.remove"}},
		{args: []string{"root", "a/1"}, wantStdout: []string{filepath.Join("units", "a-1", "root")}},
		{args: []string{"root", "a/0"}, wantCode: 1, wantStderr: []string{`unit "a/0" not found`}},
		{args: []string{"nosuch"}, wantCode: 2, wantStderr: []string{"unrecognized command: localjuju nosuch"}},
	}
	for _, s := range steps {
		code, stdout, stderr := runCLI(dir, s.args...)
		desc := "localjuju " + strings.Join(s.args, " ")
		require.Equal(t, s.wantCode, code, "%s\nstdout: %s\nstderr: %s", desc, stdout, stderr)
		for _, w := range s.wantStdout {
			assert.Contains(t, stdout, w, desc)
		}
		for _, w := range s.wantStderr {
			assert.Contains(t, stderr, w, desc)
		}
	}

	code, stdout, _ := runCLI(dir, "status", "--format", "json")
	require.Equal(t, 0, code)
	var st map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &st))
	unit := st["applications"].(map[string]any)["a"].(map[string]any)["units"].(map[string]any)["a/1"].(map[string]any)
	assert.Equal(t, "active", unit["workload-status"].(map[string]any)["current"])
	assert.Equal(t, "idle", unit["juju-status"].(map[string]any)["current"])
	assert.Equal(t, true, unit["leader"], "leadership passed to a/1")

	code, stdout, _ = runCLI(dir, "destroy")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "destroyed the model")
	_, err := os.Stat(dir)
	assert.True(t, os.IsNotExist(err))
}

func TestParseActionParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		stringArgs bool
		want       map[string]any
		wantErr    string
	}{
		{args: []string{"time=1000", "mode=fast", "flag=true", "y=y"}, want: map[string]any{"time": 1000, "mode": "fast", "flag": true, "y": true}},
		{args: []string{"a.b=1", "a.c=x"}, want: map[string]any{"a": map[string]any{"b": 1, "c": "x"}}},
		{args: []string{"time=1000"}, stringArgs: true, want: map[string]any{"time": "1000"}},
		{args: []string{"v=b=c", "e="}, want: map[string]any{"v": "b=c", "e": ""}},
		{args: []string{"novalue"}, wantErr: `argument "novalue" must be of the form key...=value`},
		{args: []string{"under_score=1"}, wantErr: `key "under_score" must start and end`},
		{args: []string{"a..b=1"}, wantErr: `key "" must start and end`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := ParseActionParams(tt.args, tt.stringArgs)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseArgsInterspersed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		wantPos []string
		wantN   int
		wantCfg []string
	}{
		{[]string{"panko", "--charm", "x", "-n", "3"}, []string{"panko"}, 3, nil},
		{[]string{"--config", "a=1", "mysql", "db", "--config", "b=2"}, []string{"mysql", "db"}, 1, []string{"a=1", "b=2"}},
		{[]string{"-n", "2", "--", "-weird"}, []string{"-weird"}, 2, nil},
	}
	for _, tt := range tests {
		fs := newFlagSet("t")
		n := fs.Int("n", 1, "")
		fs.String("charm", "", "")
		var cfg stringList
		fs.Var(&cfg, "config", "")
		pos, err := parseArgs(fs, tt.args)
		require.NoError(t, err)
		assert.Equal(t, tt.wantPos, pos)
		assert.Equal(t, tt.wantN, *n)
		assert.Equal(t, tt.wantCfg, []string(cfg))
	}
}

// TestWriteYAML: the JSON field order of structs is kept at every depth,
// map keys are sorted, and values print as the juju client's yaml.v2 does.
func TestWriteYAML(t *testing.T) {
	type inner struct {
		Zeta  string         `json:"zeta"`
		Alpha []any          `json:"alpha"`
		Extra map[string]any `json:"extra,omitempty"`
	}
	v := struct {
		Name   string  `json:"name"`
		Count  int     `json:"count"`
		Ratio  float64 `json:"ratio"`
		Inner  inner   `json:"inner"`
		Absent *inner  `json:"absent"`
	}{Name: "yes", Count: -3, Ratio: 1.5, Inner: inner{Zeta: "2024-01-01", Alpha: []any{1, "a b", map[string]int{"y": 2, "x": 1}},
		Extra: map[string]any{"b": []string{}, "a": map[string]string{}}}}
	var out bytes.Buffer
	require.NoError(t, writeYAML(&out, v))
	assert.Equal(t, `name: "yes"
count: -3
ratio: 1.5
inner:
  zeta: "2024-01-01"
  alpha:
  - 1
  - a b
  - x: 1
    "y": 2
  extra:
    a: {}
    b: []
absent: null
`, out.String())
}
