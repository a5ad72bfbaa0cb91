package hooktools

import "fmt"

// configGet implements config-get.
type configGet struct {
	c   *Context
	out output
	key string
	all bool
}

func newConfigGet(c *Context) tool { return &configGet{c: c} }

func (t *configGet) info() toolInfo {
	return toolInfo{
		name:    "config-get",
		args:    "[<key>]",
		purpose: "Print application configuration.",
		doc: `
Without a key, prints every configuration option that has a value (set
explicitly or by a default). --all also prints options without a value, as
null. With a key, prints that option's value; an unknown key prints nothing
(null with --format=json) and is not an error. A key and --all cannot be
used together.
`,
	}
}

func (t *configGet) setFlags(fs *flagSet) {
	t.out.addFlags(fs, "smart")
	fs.boolVar(&t.all, "print all keys", "a", "all")
}

func (t *configGet) init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	t.key = args[0]
	if t.key != "" && t.all {
		return fmt.Errorf("cannot use argument --all together with key %q", t.key)
	}
	return checkEmpty(args[1:])
}

func (t *configGet) run(rc *runContext) error {
	if t.key != "" {
		return t.out.write(rc, t.c.config[t.key])
	}
	settings := map[string]any{}
	for k, v := range t.c.config {
		if v != nil || t.all {
			settings[k] = v
		}
	}
	return t.out.write(rc, settings)
}
