package juju

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTool puts an executable shell script named name in dir.
func writeTool(t *testing.T, dir, name, script string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script), 0o755))
}

func TestDefaultRunner(t *testing.T) {
	dir := t.TempDir()
	// echo-tool prints its arguments one per line on stdout, its stdin on
	// stderr, and exits with $CODE.
	writeTool(t, dir, "echo-tool", `for a in "$@"; do printf '%s\n' "$a"; done; cat >&2; exit "${CODE:-0}"`)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))

	tests := []struct {
		name       string
		args       []string
		stdin      []byte
		code       string
		wantStdout string
		wantStderr string
		wantCode   int
	}{
		{"args and stdin", []string{"-r", "db:1", "--file", "-"}, []byte(`{"a":"b"}`), "0", "-r\ndb:1\n--file\n-\n", `{"a":"b"}`, 0},
		{"nil stdin reads nothing", []string{"x y"}, nil, "0", "x y\n", "", 0},
		{"non-zero exit is not an error", nil, []byte("ERROR nope\n"), "2", "", "ERROR nope\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CODE", tt.code)
			stdout, stderr, code, err := DefaultRunner(context.Background(), "echo-tool", tt.args, tt.stdin)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStdout, string(stdout))
			assert.Equal(t, tt.wantStderr, string(stderr))
			assert.Equal(t, tt.wantCode, code)
		})
	}
}

func TestDefaultRunnerMissingTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, _, _, err := DefaultRunner(context.Background(), "no-such-tool", nil, nil)
	assert.Error(t, err)
}

func TestExecToolsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	writeTool(t, dir, "relation-get", `printf '{"db_host":"10.0.0.50","port":"3306"}\n'`)
	writeTool(t, dir, "relation-set", `cat > "$(dirname "$0")/relation-set.stdin"; printf '%s ' "$@" > "$(dirname "$0")/relation-set.args"`)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))

	e := NewExecTools()
	got, err := e.RelationGet(t.Context(), "shared-db:1", "mysql/0", false)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"db_host": "10.0.0.50", "port": "3306"}, got)

	require.NoError(t, e.RelationSet(t.Context(), "shared-db:1", true, map[string]string{"k": "v"}))
	args, err := os.ReadFile(filepath.Join(dir, "relation-set.args"))
	require.NoError(t, err)
	assert.Equal(t, "-r shared-db:1 --app --file - ", string(args))
	stdin, err := os.ReadFile(filepath.Join(dir, "relation-set.stdin"))
	require.NoError(t, err)
	assert.Equal(t, "{\"k\":\"v\"}\n", string(stdin))
	assert.Equal(t, map[string]int{"relation-get": 1, "relation-set": 1}, e.Calls())
}

// A hook whose context ends (Juju terminated it, or a deadline passed) stops
// the tool it is waiting for instead of hanging on it.
func TestCancelledContextStopsTheTool(t *testing.T) {
	dir := t.TempDir()
	writeTool(t, dir, "config-get", `exec sleep 30`)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()

	_, err := NewExecTools().ConfigGet(ctx)

	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 10*time.Second, "config-get was not stopped")
}
