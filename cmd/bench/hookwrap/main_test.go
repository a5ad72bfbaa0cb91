package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/openstack-charmers/charm-panko/cmd/bench/benchwire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCharm is a charm binary that writes $PANKO_HOST_ROOT/etc/out, leaves
// a process behind that writes etc/orphan a second later when ORPHAN is
// set, then becomes "sleep $SLEEP" when SLEEP is set, else exits with $CODE.
const fakeCharm = `#!/bin/sh
mkdir -p "$PANKO_HOST_ROOT/etc"
echo "$JUJU_DISPATCH_PATH" > "$PANKO_HOST_ROOT/etc/out"
if [ -n "$ORPHAN" ]; then (sleep 1; echo done > "$PANKO_HOST_ROOT/etc/orphan") & fi
if [ -n "$SLEEP" ]; then exec sleep "$SLEEP"; fi
exit "${CODE:-0}"
`

// wrapped is a charm directory with hookwrap as dispatch, a unit root and
// a control directory.
type wrapped struct {
	charm, root, control, dispatch string
}

func newWrapped(t *testing.T, measure bool) wrapped {
	t.Helper()
	dir := t.TempDir()
	w := wrapped{charm: filepath.Join(dir, "charm"), root: filepath.Join(dir, "root"), control: filepath.Join(dir, "control")}
	w.dispatch = filepath.Join(w.charm, "dispatch")
	for _, d := range []string{filepath.Join(w.charm, "bin"), w.root, filepath.Join(w.control, killDir)} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(w.charm, charmBinary), []byte(fakeCharm), 0o755))
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	out, err := exec.Command(gobin, "build", "-o", w.dispatch, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	cfg, err := json.Marshal(Config{Control: w.control, Measure: measure})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(w.charm, configFile), cfg, 0o644))
	return w
}

// run runs dispatch for a hook and returns its exit code.
func (w wrapped) run(t *testing.T, dispatchPath string, env ...string) int {
	t.Helper()
	cmd := exec.Command(w.dispatch)
	cmd.Dir = w.charm
	cmd.Env = append([]string{"CHARM_DIR=" + w.charm, "JUJU_DISPATCH_PATH=" + dispatchPath, "JUJU_UNIT_NAME=panko/0",
		"PANKO_HOST_ROOT=" + w.root, "PATH=/usr/bin:/bin"}, env...)
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil {
		require.ErrorAs(t, err, &exitErr)
		return exitErr.ExitCode()
	}
	return 0
}

func (w wrapped) records(t *testing.T) []benchwire.Record {
	t.Helper()
	f, err := os.Open(filepath.Join(w.control, recordsFile))
	require.NoError(t, err)
	defer f.Close()
	var out []benchwire.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r benchwire.Record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		out = append(out, r)
	}
	return out
}

func TestMeasuredRun(t *testing.T) {
	w := newWrapped(t, true)
	require.NoError(t, os.WriteFile(filepath.Join(w.control, phaseFile), []byte("phase one\n"), 0o644))
	assert.Equal(t, 3, w.run(t, "hooks/config-changed", "CODE=3"))
	recs := w.records(t)
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, "panko/0", r.Unit)
	assert.Equal(t, "hooks/config-changed", r.Dispatch)
	assert.Equal(t, "phase one", r.Phase)
	assert.Equal(t, 3, r.Exit)
	assert.Equal(t, []string{"/etc/out"}, r.Written)
	assert.Positive(t, r.WallNS)
	assert.Positive(t, r.PeakRSSKB, "VmHWM read at exit")
	assert.Positive(t, r.CPUTotalUS)
}

func TestKill(t *testing.T) {
	w := newWrapped(t, false)
	require.NoError(t, os.WriteFile(filepath.Join(w.control, killDir, "panko-0"), []byte("200000"), 0o644))
	start := time.Now()
	code := w.run(t, "hooks/config-changed", "SLEEP=20")
	assert.Less(t, time.Since(start), 10*time.Second, "the charm was killed, not waited for")
	assert.Equal(t, 128+9, code)
	recs := w.records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "killed", recs[0].Signal)
	assert.Equal(t, int64(200000), recs[0].KillAfterUS)
	_, err := os.Stat(filepath.Join(w.control, killDir, "panko-0"))
	assert.True(t, os.IsNotExist(err), "the kill order is used once")

	assert.Equal(t, 0, w.run(t, "hooks/config-changed"), "the next run is not killed")
}

func TestSkip(t *testing.T) {
	w := newWrapped(t, false)
	require.NoError(t, os.WriteFile(filepath.Join(w.control, skipFile), []byte("hooks/config-changed\n"), 0o644))
	out := filepath.Join(w.root, "etc", "out")
	tests := []struct {
		dispatch string
		ran      bool
	}{
		{"hooks/update-status", false},
		{"hooks/config-changed", true},
		{"hooks/install", true},
		{"actions/pause", true},
	}
	for _, tt := range tests {
		os.Remove(out)
		assert.Equal(t, 0, w.run(t, tt.dispatch, "CODE=0"), tt.dispatch)
		_, err := os.Stat(out)
		assert.Equal(t, tt.ran, err == nil, "%s ran", tt.dispatch)
	}
	recs := w.records(t)
	require.Len(t, recs, len(tests))
	assert.True(t, recs[0].Skipped)
	assert.False(t, recs[1].Skipped)

	require.NoError(t, os.WriteFile(filepath.Join(w.control, skipFile), []byte(skipInstall+"\n"), 0o644))
	os.Remove(out)
	assert.Equal(t, 0, w.run(t, "hooks/install"))
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "install short-circuited with skip-install")
}

func TestWithoutConfigFails(t *testing.T) {
	w := newWrapped(t, false)
	require.NoError(t, os.Remove(filepath.Join(w.charm, configFile)))
	assert.Equal(t, 1, w.run(t, "hooks/start", "CODE=4"), "the charm's own code would be 4")
}

func TestLeftProcessesAreWaitedFor(t *testing.T) {
	w := newWrapped(t, false)
	require.NoError(t, os.WriteFile(filepath.Join(w.control, killDir, "panko-0"), []byte("300000"), 0o644))
	assert.Equal(t, 128+9, w.run(t, "hooks/config-changed", "ORPHAN=1", "SLEEP=20"))
	data, err := os.ReadFile(filepath.Join(w.root, "etc", "orphan"))
	require.NoError(t, err, "the hook ends after the processes the killed charm left")
	assert.Equal(t, "done\n", string(data))
}

func TestKillOnWrite(t *testing.T) {
	w := newWrapped(t, false)
	require.NoError(t, os.MkdirAll(filepath.Join(w.root, "etc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(w.control, killDir, "panko-0"), []byte("write:100000:/etc,/nonexistent"), 0o644))
	start := time.Now()
	assert.Equal(t, 128+9, w.run(t, "hooks/config-changed", "SLEEP=20"))
	assert.Less(t, time.Since(start), 10*time.Second)
	recs := w.records(t)
	require.Len(t, recs, 1)
	assert.True(t, recs[0].KillOnWrite)
	assert.Equal(t, "killed", recs[0].Signal)
}

func TestParseKill(t *testing.T) {
	tests := []struct {
		in   string
		want killOrder
	}{
		{"250", killOrder{afterUS: 250}},
		{"0", killOrder{afterUS: 1}},
		{"-3", killOrder{}},
		{"soon", killOrder{}},
		{"write:10:/etc/panko,/etc/haproxy", killOrder{afterUS: 10, dirs: []string{"/etc/panko", "/etc/haproxy"}}},
		{"write:10:", killOrder{}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, parseKill(tt.in), tt.in)
	}
}
