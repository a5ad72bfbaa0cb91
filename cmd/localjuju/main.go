// Command localjuju is the local Juju model: invoked under a hook tool's
// name it is that hook tool (talking to the running hook's context), under
// a machine command's name it is the unit's stand-in for that command, and
// otherwise it is the model's command line. When the smaller
// cmd/localjuju-tools binary sits next to it (make localjuju builds both),
// the model links the hook tools and machine commands to that one instead,
// because it starts faster.
package main

import (
	"os"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

func main() {
	os.Exit(localjuju.Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
