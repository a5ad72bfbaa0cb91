// Command localjuju-tools is the local model's small multi-call binary for
// machine commands: invoked through a unit root's usr/bin under a
// command's name (dpkg-query, systemctl, ...) it is that unit's stand-in
// for the command. It does what the localjuju binary does under those
// names, but starts much faster: it links neither the model's command line
// nor the charm and simulator code. (The hook tools are Juju's own jujuc,
// served by the unit agent: internal/localjuju/agent.)
//
// `make localjuju` builds it next to bin/localjuju, where the model finds
// it (see localjuju.Options.ToolsBinary).
//
// Layer localjuju (see internal/layers): it imports the local model, the host
// double and only the charm packages internal/layers lists with a reason;
// only the local model's commands, cmd/bench and tests import it, never the
// charm.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches on the base name of argv[0].
func run(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
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
	fmt.Fprintf(stderr, "%s: not a machine command of the local model (localjuju-tools runs under those names; the model links them to it)\n", name)
	return 2
}
