package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cliResult is one localjuju invocation.
type cliResult struct {
	code           int
	stdout, stderr string
}

// localjujuCLI builds cmd/localjuju and returns a runner bound to a model
// directory.
func localjujuCLI(t *testing.T, model string) func(args ...string) cliResult {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "localjuju")
	goBuild(t, "./cmd/localjuju", bin)
	return func(args ...string) cliResult {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--model", model}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		res := cliResult{stdout: out.String(), stderr: errb.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			res.code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return res
	}
}

// TestStoryCLI drives the real charm through the localjuju binary: deploy,
// refused duplicates and mismatched interfaces, juju-shaped status and
// show-unit JSON, actions, root, log and destroy.
func TestStoryCLI(t *testing.T) {
	t.Parallel()
	charm := buildPankoCharm(t)
	model := filepath.Join(t.TempDir(), "model")
	run := localjujuCLI(t, model)
	t.Cleanup(func() { run("destroy") })

	steps := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{args: []string{"deploy", "panko", "--charm", charm}},
		{args: []string{"deploy", "panko", "--charm", charm}, wantCode: 1, wantStderr: `cannot add application "panko": application already exists`},
		{args: []string{"deploy", "keystone"}},
		{args: []string{"relate", "panko:event-service", "keystone"}, wantCode: 1, wantStderr: `interface "event-service"`},
		{args: []string{"relate", "panko", "nosuch"}, wantCode: 1, wantStderr: `application "nosuch" not found`},
		{args: []string{"relate", "panko:nosuch", "keystone"}, wantCode: 1, wantStderr: `application "panko" has no endpoint "nosuch"`},
		{args: []string{"run", "panko/0", "nosuch"}, wantCode: 1, wantStderr: `action "nosuch" not defined on unit "panko/0"`},
		{args: []string{"run", "panko/0", "restart-services", "bogus=1"}, wantCode: 1, wantStderr: `additional property "bogus" is not allowed`},
		{args: []string{"show-unit", "panko/9"}, wantCode: 1, wantStderr: `unit "panko/9" not found`},
		{args: []string{"bogus"}, wantCode: 2, wantStderr: "unrecognized command"},
		{args: []string{"status"}, wantStdout: "panko/0*"},
	}
	for _, s := range steps {
		res := run(s.args...)
		assert.Equal(t, s.wantCode, res.code, "localjuju %s\nstdout: %s\nstderr: %s", strings.Join(s.args, " "), res.stdout, res.stderr)
		assert.Contains(t, res.stdout, s.wantStdout, "localjuju %s", strings.Join(s.args, " "))
		assert.Contains(t, res.stderr, s.wantStderr, "localjuju %s", strings.Join(s.args, " "))
	}

	res := run("status", "--format", "json")
	require.Equal(t, 0, res.code, res.stderr)
	var status struct {
		Applications map[string]struct {
			ApplicationStatus struct{ Current, Message string } `json:"application-status"`
			Units             map[string]struct {
				WorkloadStatus struct{ Current, Message string } `json:"workload-status"`
				JujuStatus     struct{ Current string }          `json:"juju-status"`
				Leader         bool
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &status))
	pu := status.Applications["panko"].Units["panko/0"]
	assert.Equal(t, "blocked", pu.WorkloadStatus.Current)
	assert.Equal(t, "idle", pu.JujuStatus.Current)
	assert.True(t, pu.Leader)
	assert.Equal(t, "blocked", status.Applications["panko"].ApplicationStatus.Current)
	assert.Contains(t, status.Applications, "keystone")

	res = run("show-unit", "panko/0", "--format", "json")
	require.Equal(t, 0, res.code, res.stderr)
	var show map[string]struct {
		RelationInfo []struct {
			Endpoint        string `json:"endpoint"`
			RelatedEndpoint string `json:"related-endpoint"`
		} `json:"relation-info"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &show))
	require.NotEmpty(t, show["panko/0"].RelationInfo)
	assert.Equal(t, "cluster", show["panko/0"].RelationInfo[0].Endpoint)
	assert.Equal(t, "cluster", show["panko/0"].RelationInfo[0].RelatedEndpoint)

	res = run("root", "panko/0")
	require.Equal(t, 0, res.code, res.stderr)
	root := strings.TrimSpace(res.stdout)
	assert.True(t, fileExists(filepath.Join(root, "etc", "os-release")), "the unit root is prepared: %s", root)

	res = run("log", "panko/0")
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stdout, "install")

	res = run("destroy")
	require.Equal(t, 0, res.code, res.stderr)
	_, err := os.Stat(model)
	assert.True(t, os.IsNotExist(err), "destroy removes the model directory")
}
