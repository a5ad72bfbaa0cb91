package hooktools

import (
	"errors"
	"fmt"
)

// resourceGet implements resource-get: it prints the path of a resource
// the model attached to the application (State.Resources), and fails as
// Juju does when none was attached.
type resourceGet struct {
	c    *Context
	name string
}

func newResourceGet(c *Context) tool { return &resourceGet{c: c} }

func (t *resourceGet) info() toolInfo {
	return toolInfo{
		name:    "resource-get",
		args:    "<resource name>",
		purpose: "Get the path to the locally cached resource file.",
		doc: `
Downloads the resource (once) and prints the path of the file the unit may
read. It fails when no file was attached to the application.
`,
	}
}

func (t *resourceGet) setFlags(*flagSet) {}

func (t *resourceGet) init(args []string) error {
	if len(args) == 0 {
		return errors.New("missing required resource name")
	}
	t.name = args[0]
	return checkEmpty(args[1:])
}

func (t *resourceGet) run(rc *runContext) error {
	path, ok := t.c.initial.Resources[t.name]
	if !ok {
		return fmt.Errorf("could not download resource: HTTP request failed: resource#%s/%s not found", t.c.app, t.name)
	}
	_, err := fmt.Fprintln(rc.stdout, path)
	return err
}
