package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/hooktools"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

// hookState is the hook context both clients talk to.
func hookState() hooktools.State {
	return hooktools.State{
		Unit:      "panko/0",
		Model:     "m",
		ModelUUID: "deadbeef-0bad-400d-8000-4b1d0d06f00d",
		Leader:    true,
		Config:    map[string]any{"debug": true, "region": "RegionOne"},
		Relations: []hooktools.Relation{{
			ID: 1, Endpoint: "shared-db", RemoteApp: "mysql",
			RemoteUnits:   map[string]map[string]string{"mysql/0": {"db_host": "10.0.0.50"}},
			LocalUnitData: map[string]string{"private-address": "10.0.0.10"},
			Life:          "alive",
		}},
	}
}

// callResult is what one tool call printed and left behind.
type callResult struct {
	Exit           int
	Stdout, Stderr string
	After          string // the context's committed state, as JSON
}

// serveAndCall serves a fresh hook context on a socket and makes one call
// with call, returning what the client printed and the committed state.
func serveAndCall(t *testing.T, env map[string]string, call func(getenv func(string) string, stdout, stderr *bytes.Buffer) int) callResult {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "agent.socket")
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	c := hooktools.NewContext(nil, hookState(), nil)
	stop := hooktools.Serve(ln, "ctx-1", c)
	full := map[string]string{"JUJU_AGENT_SOCKET_ADDRESS": sock, "JUJU_AGENT_SOCKET_NETWORK": "unix"}
	for k, v := range env {
		full[k] = v
	}
	var stdout, stderr bytes.Buffer
	exit := call(func(k string) string { return full[k] }, &stdout, &stderr)
	stop()
	after, err := json.Marshal(c.Finish(0))
	require.NoError(t, err)
	return callResult{Exit: exit, Stdout: stdout.String(), Stderr: stderr.String(), After: string(after)}
}

// TestToolCallsMatchHooktoolsClient checks that the small client speaks
// hooktools' protocol exactly as hooktools.ClientMain does: same output,
// exit code and committed state for every call.
func TestToolCallsMatchHooktoolsClient(t *testing.T) {
	tests := []struct {
		name     string
		argv0    string
		args     []string
		stdin    string
		env      map[string]string
		wantExit int
	}{
		{name: "relation-get", argv0: "relation-get", args: []string{"-r", "shared-db:1", "--format=json", "db_host", "mysql/0"}},
		{name: "config-get by full path", argv0: "/var/lib/juju/tools/unit-panko-0/config-get", args: []string{"--format=json"}},
		{name: "relation-set from stdin", argv0: "relation-set", args: []string{"-r", "1", "--file", "-"}, stdin: "database: panko\n"},
		{name: "tool error keeps its exit code", argv0: "status-set", args: []string{"bogus"}, wantExit: 2},
		{name: "wrong context id", argv0: "is-leader", env: map[string]string{"JUJU_CONTEXT_ID": "other"}, wantExit: 1},
		{name: "unknown command", argv0: "no-such-tool", wantExit: 1},
		{name: "no context id", argv0: "is-leader", env: map[string]string{"JUJU_CONTEXT_ID": ""}, wantExit: 1},
		{name: "no socket", argv0: "is-leader", env: map[string]string{"JUJU_AGENT_SOCKET_ADDRESS": ""}, wantExit: 1},
		{name: "socket gone", argv0: "is-leader", env: map[string]string{"JUJU_AGENT_SOCKET_ADDRESS": "/nonexistent/agent.socket"}, wantExit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"JUJU_CONTEXT_ID": "ctx-1"}
			for k, v := range tt.env {
				env[k] = v
			}
			want := serveAndCall(t, env, func(getenv func(string) string, stdout, stderr *bytes.Buffer) int {
				return hooktools.ClientMain(filepath.Base(tt.argv0), tt.args, getenv, strings.NewReader(tt.stdin), stdout, stderr)
			})
			got := serveAndCall(t, env, func(getenv func(string) string, stdout, stderr *bytes.Buffer) int {
				return run(append([]string{tt.argv0}, tt.args...), getenv, strings.NewReader(tt.stdin), stdout, stderr)
			})
			assert.Equal(t, tt.wantExit, got.Exit)
			assert.Equal(t, want, got)
		})
	}
}

func TestMachineCommandsAndOwnName(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, machine.Install(root, "/bin/true", "jammy"))
	tests := []struct {
		name       string
		argv       []string
		wantExit   int
		wantStderr string
	}{
		{"dpkg-query in a unit root", []string{filepath.Join(root, "usr/bin/dpkg-query"), "-W", "no-such-package"}, 1, "dpkg-query: no packages found matching no-such-package\n"},
		{"systemctl outside a unit root", []string{"/usr/bin/systemctl", "is-active", "x"}, 2, `systemctl: refusing to act on "/usr/bin/systemctl": not inside a local model unit root` + "\n"},
		{"its own name", []string{"/somewhere/localjuju-tools"}, 2, "localjuju-tools is the local model's hook tools and machine commands; it runs under their names (the model links them to it)\n"},
		{"no argv", nil, 2, "ERROR empty command line\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			exit := run(tt.argv, os.Getenv, strings.NewReader(""), &stdout, &stderr)
			assert.Equal(t, tt.wantExit, exit)
			assert.Equal(t, tt.wantStderr, stderr.String())
			if len(tt.argv) > 0 && strings.Contains(tt.argv[0], root) {
				var wantOut, wantErr bytes.Buffer
				wantExit := machine.Main(tt.argv, strings.NewReader(""), &wantOut, &wantErr)
				assert.Equal(t, wantExit, exit)
				assert.Equal(t, wantOut.String(), stdout.String())
			}
		})
	}
}
