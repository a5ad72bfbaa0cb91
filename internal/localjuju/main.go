package localjuju

import (
	"io"
	"path/filepath"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

// Multicall runs the binary as a machine command when
// basename(argv[0]) names one (the model links them to this binary), and
// reports whether it did.
func Multicall(argv []string, stdin io.Reader, stdout, stderr io.Writer) (exit int, handled bool) {
	if len(argv) == 0 {
		return 0, false
	}
	name := filepath.Base(argv[0])
	for _, cmd := range append(machine.Commands(), machine.Plugins()...) {
		if name == cmd {
			return machine.Main(argv, stdin, stdout, stderr), true
		}
	}
	return 0, false
}

// Main is the whole localjuju binary: a machine command or
// the CLI, chosen by basename(argv[0]).
func Main(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if code, ok := Multicall(argv, stdin, stdout, stderr); ok {
		return code
	}
	return CLI(argv[1:], stdout, stderr)
}
