package hooktools

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func transportState() State {
	return State{
		Unit:      "panko/0",
		Model:     "m",
		ModelUUID: "deadbeef-0bad-400d-8000-4b1d0d06f00d",
		Leader:    true,
		Relations: []Relation{{
			ID: 1, Endpoint: "shared-db", RemoteApp: "mysql",
			RemoteUnits:   map[string]map[string]string{"mysql/0": {"db_host": "10.0.0.50"}},
			LocalUnitData: map[string]string{"private-address": "10.0.0.10"},
			Life:          "alive",
		}},
	}
}

func TestServeAndClientMain(t *testing.T) {
	tests := []struct {
		name       string
		contextID  string // JUJU_CONTEXT_ID given to the client ("" = unset)
		tool       string
		args       []string
		stdin      string
		wantExit   int
		wantStdout string
		wantStderr string
		wantUnit   map[string]string // shared-db local unit data after Finish(0)
	}{
		{
			name: "relation-get over the socket", contextID: "ctx-1",
			tool: "relation-get", args: []string{"-r", "shared-db:1", "--format=json", "db_host", "mysql/0"},
			wantStdout: "\"10.0.0.50\"\n",
			wantUnit:   map[string]string{"private-address": "10.0.0.10"},
		},
		{
			name: "stdin is sent with the call", contextID: "ctx-1",
			tool: "/var/lib/juju/tools/unit-panko-0/relation-set", args: []string{"-r", "1", "--file", "-"},
			stdin:    "database: panko\n",
			wantUnit: map[string]string{"private-address": "10.0.0.10", "database": "panko"},
		},
		{
			name: "tool errors keep their exit code", contextID: "ctx-1",
			tool: "status-set", args: []string{"bogus"},
			wantExit:   2,
			wantStderr: "ERROR invalid status \"bogus\", expected one of [maintenance blocked waiting active]\n",
			wantUnit:   map[string]string{"private-address": "10.0.0.10"},
		},
		{
			name: "wrong context id is refused", contextID: "other",
			tool: "is-leader", wantExit: 1,
			wantStderr: "ERROR bad request: wrong context ID; got \"other\"\n",
			wantUnit:   map[string]string{"private-address": "10.0.0.10"},
		},
		{
			name: "unknown command is refused", contextID: "ctx-1",
			tool: "no-such-tool", wantExit: 1,
			wantStderr: "ERROR bad request: unknown command: no-such-tool\n",
			wantUnit:   map[string]string{"private-address": "10.0.0.10"},
		},
		{
			name: "missing context id", tool: "is-leader", wantExit: 1,
			wantStderr: "ERROR JUJU_CONTEXT_ID not set\n",
			wantUnit:   map[string]string{"private-address": "10.0.0.10"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "agent.socket")
			ln, err := net.Listen("unix", sock)
			if err != nil {
				t.Fatalf("listen: %v", err)
			}
			c := NewContext(nil, transportState(), nil)
			stop := Serve(ln, "ctx-1", c)
			defer stop()

			env := map[string]string{
				"JUJU_AGENT_SOCKET_ADDRESS": sock,
				"JUJU_AGENT_SOCKET_NETWORK": "unix",
			}
			if tt.contextID != "" {
				env["JUJU_CONTEXT_ID"] = tt.contextID
			}
			var stdout, stderr bytes.Buffer
			exit := ClientMain(tt.tool, tt.args, func(k string) string { return env[k] },
				strings.NewReader(tt.stdin), &stdout, &stderr)
			if exit != tt.wantExit {
				t.Errorf("exit = %d, want %d", exit, tt.wantExit)
			}
			if stdout.String() != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.wantStdout)
			}
			if stderr.String() != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.wantStderr)
			}
			stop()
			after := c.Finish(0)
			if got := after.Relations[0].LocalUnitData; !equalStrings(got, tt.wantUnit) {
				t.Errorf("local unit data = %v, want %v", got, tt.wantUnit)
			}
		})
	}
}

func TestClientAfterStop(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "agent.socket")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	stop := Serve(ln, "ctx-1", NewContext(nil, transportState(), nil))
	stop()
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file still present after stop: %v", err)
	}
	env := map[string]string{"JUJU_CONTEXT_ID": "ctx-1", "JUJU_AGENT_SOCKET_ADDRESS": sock}
	var stdout, stderr bytes.Buffer
	exit := ClientMain("is-leader", nil, func(k string) string { return env[k] }, nil, &stdout, &stderr)
	if exit != 1 || !strings.HasPrefix(stderr.String(), "ERROR dial unix ") {
		t.Errorf("exit %d, stderr %q; want 1 and a dial error", exit, stderr.String())
	}
}

func equalStrings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
