package hooktools

import (
	"errors"
	"fmt"
	"strings"
)

// errNotLeader is returned for application-level operations on a minion.
var errNotLeader = errors.New("this unit is not the leader")

// validStatuses are the workload statuses a charm may set.
func validStatuses() []string { return []string{"maintenance", "blocked", "waiting", "active"} }

// statusGet implements status-get.
type statusGet struct {
	c           *Context
	out         output
	includeData bool
	application bool
}

func newStatusGet(c *Context) tool { return &statusGet{c: c} }

func (t *statusGet) info() toolInfo {
	return toolInfo{
		name:    "status-get",
		args:    "[--include-data] [--application]",
		purpose: "Print status information.",
		doc: `
Prints the unit's workload status. With --include-data the message and the
status data are printed too. --application prints the application's status
and the status of its units; only the leader may use it.
`,
	}
}

func (t *statusGet) setFlags(fs *flagSet) {
	t.out.addFlags(fs, "smart")
	fs.boolVar(&t.includeData, "print all status data", "include-data")
	fs.boolVar(&t.application, "print status for all units of this application if this unit is the leader", "application")
}

func (t *statusGet) init(args []string) error { return checkEmpty(args) }

// statusDetails is the map status-get prints for one status.
func statusDetails(s Status, includeData bool) map[string]any {
	d := map[string]any{"status": s.Status}
	if includeData {
		data := map[string]any{}
		for k, v := range s.Data {
			data[k] = v
		}
		d["status-data"] = data
		d["message"] = s.Message
	}
	return d
}

func (t *statusGet) run(rc *runContext) error {
	if !t.application {
		if !t.includeData && t.out.format == "smart" {
			return t.out.write(rc, t.c.unitStatus.Status)
		}
		return t.out.write(rc, statusDetails(t.c.unitStatus, t.includeData))
	}
	if !t.c.initial.Leader {
		return fmt.Errorf("finding application status: %w", errNotLeader)
	}
	if !t.includeData && t.out.format == "smart" {
		return t.out.write(rc, t.c.appStatus.Status)
	}
	details := statusDetails(t.c.appStatus, t.includeData)
	details["units"] = map[string]any{
		"unit-" + strings.ReplaceAll(t.c.unit, "/", "-"): statusDetails(t.c.unitStatus, t.includeData),
	}
	return t.out.write(rc, map[string]any{"application-status": details})
}

// statusSet implements status-set.
type statusSet struct {
	c           *Context
	application bool
	status      string
	message     string
}

func newStatusSet(c *Context) tool { return &statusSet{c: c} }

func (t *statusSet) info() toolInfo {
	return toolInfo{
		name:    "status-set",
		args:    "<maintenance | blocked | waiting | active> [message]",
		purpose: "Set status information.",
		doc: `
Sets the unit's workload status and an optional message (or, with
--application and only on the leader, the application's status). The change
is visible at once, even if the hook fails later.
`,
	}
}

func (t *statusSet) setFlags(fs *flagSet) {
	fs.boolVar(&t.application, "set this status for the application to which the unit belongs if the unit is the leader", "application")
}

func (t *statusSet) init(args []string) error {
	if len(args) < 1 {
		return errors.New("invalid args, require <status> [message]")
	}
	valid := false
	for _, s := range validStatuses() {
		if s == args[0] {
			valid = true
		}
	}
	if !valid {
		return fmt.Errorf("invalid status %q, expected one of %v", args[0], validStatuses())
	}
	t.status = args[0]
	if len(args) > 1 {
		t.message = args[1]
		return checkEmpty(args[2:])
	}
	return nil
}

func (t *statusSet) run(rc *runContext) error {
	s := Status{Status: t.status, Message: t.message}
	if t.application {
		if !t.c.initial.Leader {
			return errNotLeader
		}
		t.c.appStatus = s
		return nil
	}
	t.c.unitStatus = s
	t.c.unitStatuses = append(t.c.unitStatuses, s)
	return nil
}

// applicationVersionSet implements application-version-set.
type applicationVersionSet struct {
	c       *Context
	version string
}

func newApplicationVersionSet(c *Context) tool { return &applicationVersionSet{c: c} }

func (t *applicationVersionSet) info() toolInfo {
	return toolInfo{
		name:    "application-version-set",
		args:    "<new-version>",
		purpose: "Specify which version of the application is deployed.",
		doc: `
Records the version of the workload software (a package version, a git
hash, ...) shown by "juju status". It takes effect at once.
`,
	}
}

func (t *applicationVersionSet) setFlags(*flagSet) {}

func (t *applicationVersionSet) init(args []string) error {
	if len(args) < 1 {
		return errors.New("no version specified")
	}
	t.version = args[0]
	return checkEmpty(args[1:])
}

func (t *applicationVersionSet) run(*runContext) error {
	t.c.workloadVersion = t.version
	return nil
}
