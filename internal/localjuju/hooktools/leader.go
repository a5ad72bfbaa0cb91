package hooktools

import (
	"errors"
	"fmt"
	"strings"
)

// isLeader implements is-leader.
type isLeader struct {
	c   *Context
	out output
}

func newIsLeader(c *Context) tool { return &isLeader{c: c} }

func (t *isLeader) info() toolInfo {
	return toolInfo{
		name:    "is-leader",
		purpose: "Print application leadership status.",
		doc: `
Prints whether this unit is the application's leader (True/False, or
true/false with --format=json or yaml).
`,
	}
}

func (t *isLeader) setFlags(fs *flagSet) { t.out.addFlags(fs, "smart") }

func (t *isLeader) init(args []string) error { return checkEmpty(args) }

func (t *isLeader) run(rc *runContext) error { return t.out.write(rc, t.c.initial.Leader) }

// leaderGet implements leader-get.
type leaderGet struct {
	c   *Context
	out output
	key string
}

func newLeaderGet(c *Context) tool { return &leaderGet{c: c} }

func (t *leaderGet) info() toolInfo {
	return toolInfo{
		name:    "leader-get",
		args:    "[<key>]",
		purpose: "Print application leadership settings.",
		doc: `
Prints one leadership setting, or all of them when no key (or "-") is given.
Every unit may read them.
`,
	}
}

func (t *leaderGet) setFlags(fs *flagSet) { t.out.addFlags(fs, "smart") }

func (t *leaderGet) init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	key := args[0]
	if key == "-" {
		key = ""
	} else if strings.Contains(key, "=") {
		return fmt.Errorf("invalid key %q", key)
	}
	t.key = key
	return checkEmpty(args[1:])
}

func (t *leaderGet) run(rc *runContext) error {
	settings := copyStrings(t.c.leaderSettings)
	if settings == nil {
		settings = map[string]string{}
	}
	if t.key == "" {
		return t.out.write(rc, settings)
	}
	if v, ok := settings[t.key]; ok {
		return t.out.write(rc, v)
	}
	return t.out.write(rc, nil)
}

// leaderSet implements leader-set.
type leaderSet struct {
	c        *Context
	settings map[string]string
}

func newLeaderSet(c *Context) tool { return &leaderSet{c: c} }

func (t *leaderSet) info() toolInfo {
	return toolInfo{
		name:    "leader-set",
		args:    "<key>=<value> [...]",
		purpose: "Write application leadership settings.",
		doc: `
Writes key=value pairs to the application's leadership settings at once
(not only when the hook succeeds); an empty value removes the key. Only the
leader may write them; the other units are told about the change.
`,
	}
}

func (t *leaderSet) setFlags(*flagSet) {}

func (t *leaderSet) init(args []string) error {
	settings, err := parseKeyValues(args)
	t.settings = settings
	return err
}

func (t *leaderSet) run(*runContext) error {
	if !t.c.initial.Leader {
		return errors.New("cannot write leadership settings: cannot write settings: not the leader")
	}
	if t.c.leaderSettings == nil && len(t.settings) > 0 {
		t.c.leaderSettings = map[string]string{}
	}
	for k, v := range t.settings {
		if v == "" {
			delete(t.c.leaderSettings, k)
		} else {
			t.c.leaderSettings[k] = v
		}
	}
	return nil
}
