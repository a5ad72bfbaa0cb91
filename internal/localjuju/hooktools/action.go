package hooktools

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// errNotInAction is returned by the action tools in a hook.
var errNotInAction = errors.New("not running an action")

// actionKeyRule is the rule every dot-separated part of an action-set key
// must match (the same rule as action names).
var actionKeyRule = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// reservedActionKeys may not be set with action-set.
func reservedActionKeys() []string {
	return []string{"stdout", "stdout-encoding", "stderr", "stderr-encoding"}
}

// maxActionLogs is how many action-log messages a task keeps.
const maxActionLogs = 1000

const defaultActionFailMessage = "action failed without reason given, check action for errors"

// actionGet implements action-get.
type actionGet struct {
	c    *Context
	out  output
	keys []string
}

func newActionGet(c *Context) tool { return &actionGet{c: c} }

func (t *actionGet) info() toolInfo {
	return toolInfo{
		name:    "action-get",
		args:    "[<key>[.<key>.<key>...]]",
		purpose: "Get action parameters.",
		doc: `
Prints the action's parameters, or the value at a dotted key path. A missing
key prints nothing (null with --format=json).
`,
	}
}

func (t *actionGet) setFlags(fs *flagSet) { t.out.addFlags(fs, "smart") }

func (t *actionGet) init(args []string) error {
	if len(args) > 0 {
		if err := checkEmpty(args[1:]); err != nil {
			return err
		}
		t.keys = strings.Split(args[0], ".")
	}
	return nil
}

func (t *actionGet) run(rc *runContext) error {
	a := t.c.action
	if a == nil {
		return errNotInAction
	}
	if len(t.keys) == 0 {
		return t.out.write(rc, a.params)
	}
	var value any = a.params
	for _, k := range t.keys {
		m, ok := value.(map[string]any)
		if !ok {
			return t.out.write(rc, nil)
		}
		if value, ok = m[k]; !ok {
			return t.out.write(rc, nil)
		}
	}
	return t.out.write(rc, value)
}

// actionSet implements action-set.
type actionSet struct {
	c    *Context
	args [][]string // key path parts followed by the value
}

func newActionSet(c *Context) tool { return &actionSet{c: c} }

func (t *actionSet) info() toolInfo {
	return toolInfo{
		name:    "action-set",
		args:    "<key>=<value> [<key>=<value> ...]",
		purpose: "Set action results.",
		doc: fmt.Sprintf(`
Adds values to the action's results. Dotted keys build nested results
(a.b=c). Every part of a key must start and end with a lowercase letter or
digit and contain only lowercase letters, digits and hyphens. These keys are
reserved: %s. Values are always strings.
`, strings.Join(reservedActionKeys(), ", ")),
	}
}

func (t *actionSet) setFlags(*flagSet) {}

func (t *actionSet) init(args []string) error {
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("argument %q must be of the form key...=value", arg)
		}
		parts := strings.Split(key, ".")
		for _, p := range parts {
			if !actionKeyRule.MatchString(p) {
				return fmt.Errorf("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", p)
			}
			for _, r := range reservedActionKeys() {
				if r == p {
					return fmt.Errorf("cannot set reserved action key %q", p)
				}
			}
		}
		t.args = append(t.args, append(parts, value))
	}
	return nil
}

func (t *actionSet) run(*runContext) error {
	for _, a := range t.args {
		if t.c.action == nil {
			return errNotInAction
		}
		setNested(t.c.action.results, a[:len(a)-1], a[len(a)-1])
	}
	return nil
}

// setNested stores value at the key path, replacing strings on the way by
// maps (and maps at the end by the value).
func setNested(target map[string]any, keys []string, value any) {
	next := target
	for i, k := range keys {
		if i == len(keys)-1 {
			next[k] = value
			return
		}
		m, ok := next[k].(map[string]any)
		if !ok {
			m = map[string]any{}
			next[k] = m
		}
		next = m
	}
}

// actionFail implements action-fail.
type actionFail struct {
	c       *Context
	message string
}

func newActionFail(c *Context) tool { return &actionFail{c: c} }

func (t *actionFail) info() toolInfo {
	return toolInfo{
		name:    "action-fail",
		args:    `["<failure message>"]`,
		purpose: "Set action fail status with message.",
		doc: `
Marks the action as failed, with the given message or a default one. The
action still runs to its end.
`,
	}
}

func (t *actionFail) setFlags(*flagSet) {}

func (t *actionFail) init(args []string) error {
	if len(args) == 0 {
		t.message = defaultActionFailMessage
		return nil
	}
	t.message = args[0]
	return checkEmpty(args[1:])
}

func (t *actionFail) run(*runContext) error {
	if t.c.action == nil {
		return errNotInAction
	}
	t.c.action.message = t.message
	t.c.action.failed = true
	return nil
}

// actionLog implements action-log.
type actionLog struct {
	c       *Context
	message string
}

func newActionLog(c *Context) tool { return &actionLog{c: c} }

func (t *actionLog) info() toolInfo {
	return toolInfo{name: "action-log", args: "<message>", purpose: "Record a progress message for the current action."}
}

func (t *actionLog) setFlags(*flagSet) {}

func (t *actionLog) init(args []string) error {
	if len(args) == 0 {
		return errors.New("no message specified")
	}
	t.message = strings.Join(args, " ")
	return nil
}

func (t *actionLog) run(*runContext) error {
	if t.c.action == nil {
		return errNotInAction
	}
	if len(t.c.action.logs) < maxActionLogs {
		t.c.action.logs = append(t.c.action.logs, t.message)
	}
	return nil
}

// actionResult builds the final record of the action.
func (c *Context) actionResult(exit int, stdout, stderr []byte) *ActionResult {
	a := c.action
	results := copyAny(a.results)
	results["return-code"] = exit
	for _, out := range []struct {
		key  string
		data []byte
	}{{"stdout", stdout}, {"stderr", stderr}} {
		if len(out.data) == 0 {
			continue
		}
		if utf8.Valid(out.data) {
			results[out.key] = string(out.data)
		} else {
			results[out.key] = base64.StdEncoding.EncodeToString(out.data)
			results[out.key+"-encoding"] = "base64"
		}
	}
	res := &ActionResult{
		Name:    a.name,
		ID:      a.id,
		Params:  copyAny(a.params),
		Status:  "completed",
		Message: a.message,
		Failed:  a.failed,
		Results: results,
		Logs:    append([]string(nil), a.logs...),
	}
	if a.failed {
		res.Status = "failed"
	}
	if exit != 0 {
		res.Status = "failed"
		res.Message = fmt.Sprintf("exit status %d", exit)
	}
	return res
}
