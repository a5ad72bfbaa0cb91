package hooktools

import (
	"fmt"
)

// Charm state limits of Juju 3.6 (core/quota).
const (
	maxCharmStateKeySize   = 256
	maxCharmStateValueSize = 64 * 1024
)

// stateGet implements state-get.
type stateGet struct {
	c      *Context
	out    output
	key    string
	strict bool
}

func newStateGet(c *Context) tool { return &stateGet{c: c} }

func (t *stateGet) info() toolInfo {
	return toolInfo{
		name:    "state-get",
		args:    "[<key>]",
		purpose: "Print server-side-state value.",
		doc: `
Prints the value stored under a key in the unit's server-side state, or the
whole state when no key (or "-") is given. A missing key prints nothing
unless --strict is given, which makes it an error.
`,
	}
}

func (t *stateGet) setFlags(fs *flagSet) {
	t.out.addFlags(fs, "smart")
	fs.boolVar(&t.strict, "Return an error if the requested key does not exist", "strict")
}

func (t *stateGet) init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	if t.key = args[0]; t.key == "-" {
		t.key = ""
	}
	return checkEmpty(args[1:])
}

func (t *stateGet) run(rc *runContext) error {
	if t.key == "" {
		var state map[string]string
		if len(t.c.charmState) > 0 {
			state = copyStrings(t.c.charmState)
		}
		return t.out.write(rc, state)
	}
	value, ok := t.c.charmState[t.key]
	if !ok && t.strict {
		return fmt.Errorf("%q not found", t.key)
	}
	return t.out.write(rc, value)
}

// stateSet implements state-set.
type stateSet struct {
	c      *Context
	file   fileFlag
	values map[string]string
}

func newStateSet(c *Context) tool { return &stateSet{c: c} }

func (t *stateSet) info() toolInfo {
	return toolInfo{
		name:    "state-set",
		args:    "key=value [key=value ...]",
		purpose: "Set server-side-state values.",
		doc: fmt.Sprintf(`
Stores key=value pairs in the unit's server-side state. --file reads a YAML
map from a file ("-" for standard input); key=value arguments override keys
from the file. Keys may be at most %d bytes and values at most %d bytes
long. The changes are committed when the hook exits successfully.
`, maxCharmStateKeySize, maxCharmStateValueSize),
	}
}

func (t *stateSet) setFlags(fs *flagSet) {
	fs.stringVar(&t.file.path, "file containing key-value pairs", "file")
}

func (t *stateSet) init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	values, err := parseKeyValues(args)
	if err != nil {
		return err
	}
	t.values = values
	return nil
}

func (t *stateSet) run(rc *runContext) error {
	values := t.values
	if t.file.path != "" {
		data, err := t.file.read(rc)
		if err != nil {
			return err
		}
		fromFile, err := readSettings(data)
		if err != nil {
			return err
		}
		for k, v := range t.values {
			fromFile[k] = v
		}
		values = fromFile
	}
	for _, k := range sortedKeys(values) {
		v := values[k]
		if len(k) > maxCharmStateKeySize {
			return fmt.Errorf("max allowed key length (%d) exceeded", maxCharmStateKeySize)
		}
		if len(v) > maxCharmStateValueSize {
			return fmt.Errorf("max allowed value length (%d) exceeded", maxCharmStateValueSize)
		}
		if t.c.charmState == nil {
			t.c.charmState = map[string]string{}
		}
		t.c.charmState[k] = v
	}
	return nil
}

// stateDelete implements state-delete.
type stateDelete struct {
	c   *Context
	key string
}

func newStateDelete(c *Context) tool { return &stateDelete{c: c} }

func (t *stateDelete) info() toolInfo {
	return toolInfo{
		name:    "state-delete",
		args:    "<key>",
		purpose: "Delete server-side-state key value pair.",
		doc: `
Removes a key from the unit's server-side state; a missing key is not an
error. The change is committed when the hook exits successfully.
`,
	}
}

func (t *stateDelete) setFlags(*flagSet) {}

func (t *stateDelete) init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	t.key = args[0]
	return checkEmpty(args[1:])
}

func (t *stateDelete) run(*runContext) error {
	if t.key != "" {
		delete(t.c.charmState, t.key)
	}
	return nil
}
