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
			assert.Empty(t, strings.TrimSpace(out), "systemd-analyze verify warns")

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

// TestExpirerUnitsVerify checks the rendered expirer timer and service with
// the real `systemd-analyze verify` (which only warns, exit 0, about a
// value it cannot parse: no output is allowed), and the script with
// `sh -n`.
func TestExpirerUnitsVerify(t *testing.T) {
	analyze := needBinary(t, "systemd-analyze", "systemd")
	checked := 0
	for _, sc := range scenarios() {
		if sc.data.Expirer == nil {
			continue
		}
		dir := t.TempDir()
		for _, name := range []string{ExpirerService, ExpirerTimer, ExpirerProgram} {
			out, err := sc.data.Render(name)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), out, 0o644))
		}
		out, err := exec.Command(analyze, "verify", filepath.Join(dir, ExpirerTimer), filepath.Join(dir, ExpirerService)).CombinedOutput()
		assert.NoError(t, err, "%s: systemd-analyze verify: %s", sc.name, out)
		assert.Empty(t, strings.TrimSpace(string(out)), "%s: systemd-analyze verify warns", sc.name)
		out, err = exec.Command("/bin/sh", "-n", filepath.Join(dir, ExpirerProgram)).CombinedOutput()
		assert.NoError(t, err, "%s: sh -n: %s", sc.name, out)
		checked++
	}
	assert.Positive(t, checked)
}
