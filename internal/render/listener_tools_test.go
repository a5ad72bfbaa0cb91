package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListenerUnitVerifies checks every scenario's rendered systemd unit
// with the real `systemd-analyze verify` (the interpreter it names must
// exist: python3 here) and that a unit naming a missing interpreter fails.
func TestListenerUnitVerifies(t *testing.T) {
	analyze := needBinary(t, "systemd-analyze", "systemd")
	verify := func(t *testing.T, unit []byte) (string, error) {
		dir := t.TempDir()
		path := filepath.Join(dir, "panko-event-listener.service")
		require.NoError(t, os.WriteFile(path, unit, 0o644))
		out, err := exec.Command(analyze, "verify", path).CombinedOutput()
		return string(out), err
	}
	checked := 0
	for _, sc := range scenarios() {
		if sc.data.Listener == nil || !strings.HasSuffix(sc.data.Listener.Python, "python3") {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			unit, err := sc.data.Render(ListenerUnit)
			require.NoError(t, err)
			out, err := verify(t, unit)
			assert.NoError(t, err, "systemd-analyze verify: %s", out)

			broken := sc.data
			l := *sc.data.Listener
			l.Python = "/usr/bin/python3.0-absent"
			broken.Listener = &l
			unit, err = broken.Render(ListenerUnit)
			require.NoError(t, err)
			out, err = verify(t, unit)
			assert.Error(t, err, "a unit naming a missing interpreter must fail: %s", out)
		})
		checked++
	}
	assert.Positive(t, checked)
}

// TestListenerProgramCompiles compiles the rendered listener with the real
// python3 (its syntax, for the Python 3 releases).
func TestListenerProgramCompiles(t *testing.T) {
	python := needBinary(t, "/usr/bin/python3", "python3")
	for _, sc := range scenarios() {
		if sc.data.Listener == nil || !strings.HasSuffix(sc.data.Listener.Python, "python3") {
			continue
		}
		prog, err := sc.data.Render(ListenerScript)
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "panko-event-listener")
		require.NoError(t, os.WriteFile(path, prog, 0o755))
		out, err := exec.Command(python, "-c", "import sys, py_compile; py_compile.compile(sys.argv[1], doraise=True)", path).CombinedOutput()
		assert.NoError(t, err, "%s: %s", sc.name, out)
	}
}
