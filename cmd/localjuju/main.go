// Command localjuju is the local Juju model: under a machine command's name
// it is the unit's stand-in for that command, and otherwise it is the
// model's command line. When the smaller cmd/localjuju-tools binary sits
// next to it (make localjuju builds both), the model links the machine
// commands to that one instead, because it starts faster. Hooks run under
// the unit agent (bin/localjuju-agent, with Juju's own jujuc as every hook
// tool), which make localjuju builds beside it too.
//
// Layer localjuju (see internal/layers): it imports the local model, the host
// double and only the charm packages internal/layers lists with a reason;
// only the local model's commands, cmd/bench and tests import it, never the
// charm.
package main

import (
	"os"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

func main() {
	os.Exit(localjuju.Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
