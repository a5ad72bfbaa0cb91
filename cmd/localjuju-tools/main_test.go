package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

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
		{"its own name", []string{"/somewhere/localjuju-tools"}, 2, "localjuju-tools: not a machine command of the local model (localjuju-tools runs under those names; the model links them to it)\n"},
		{"a hook tool is not its business", []string{"/somewhere/config-get"}, 2, "config-get: not a machine command of the local model (localjuju-tools runs under those names; the model links them to it)\n"},
		{"no argv", nil, 2, "ERROR empty command line\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			exit := run(tt.argv, strings.NewReader(""), &stdout, &stderr)
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
