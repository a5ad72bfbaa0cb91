// Command localjuju-tools is the local model's small multi-call binary:
// invoked under a hook tool's name (through the model's tools directory) it
// sends the call to the running hook's agent socket, as Juju's own tool
// symlinks do, and under a machine command's name (through a unit root's
// usr/bin) it is that unit's stand-in for the command. It does what the
// localjuju binary does under those names, but starts much faster: it
// links neither the model's command line nor the charm and simulator code,
// and the hook-tool client needs only the socket and JSON.
//
// `make localjuju` builds it next to bin/localjuju, where the model finds
// it (see localjuju.Options.ToolsBinary).
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/toolwire"
)

// selfName is the binary's own name; it is neither a tool nor a command.
const selfName = "localjuju-tools"

func main() {
	os.Exit(run(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches on the base name of argv[0].
func run(argv []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "ERROR empty command line")
		return 2
	}
	name := filepath.Base(argv[0])
	for _, cmd := range append(machine.Commands(), machine.Plugins()...) {
		if name == cmd {
			return machine.Main(argv, stdin, stdout, stderr)
		}
	}
	if name == selfName {
		fmt.Fprintf(stderr, "%s is the local model's hook tools and machine commands; it runs under their names (the model links them to it)\n", selfName)
		return 2
	}
	return toolwire.ClientMain(name, argv[1:], getenv, stdin, stdout, stderr)
}
