// Package status turns the facts a reconcile collects into the one workload
// status a unit shows, with the wording OpenStack operators know.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package status

import (
	"sort"
	"strings"
)

// Workload status values accepted by Juju's status-set.
const (
	Active      = "active"
	Waiting     = "waiting"
	Maintenance = "maintenance"
	Blocked     = "blocked"
)

// ReadyMessage is the active message of a healthy unit.
const ReadyMessage = "Unit is ready"

// priority orders statuses: the highest wins.
func priority(s string) int {
	switch s {
	case Blocked:
		return 4
	case Maintenance:
		return 3
	case Waiting:
		return 2
	case Active:
		return 1
	}
	return 0
}

// Status is one workload status with its message.
type Status struct {
	Name    string
	Message string
}

// Collector gathers the statuses found during a hook; Result picks one.
type Collector struct {
	items []Status
}

// Add records a status with its message.
func (c *Collector) Add(name, message string) {
	c.items = append(c.items, Status{Name: name, Message: message})
}

// Missing records a required relation that is not related at all.
func (c *Collector) Missing(endpoint string) {
	c.Add(Blocked, "'"+endpoint+"' missing")
}

// Incomplete records a required relation whose data is not complete yet.
func (c *Collector) Incomplete(endpoint string) {
	c.Add(Waiting, "'"+endpoint+"' incomplete")
}

// Result returns the status of the highest priority (blocked > maintenance >
// waiting > active), joining the messages of that priority with ", " in the
// order they were added. With nothing collected the unit is active and ready.
func (c *Collector) Result() Status {
	if len(c.items) == 0 {
		return Status{Name: Active, Message: ReadyMessage}
	}
	items := append([]Status(nil), c.items...)
	sort.SliceStable(items, func(i, j int) bool { return priority(items[i].Name) > priority(items[j].Name) })
	top := items[0].Name
	var msgs []string
	seen := map[string]bool{}
	for _, it := range items {
		if it.Name != top {
			break
		}
		if it.Message != "" && !seen[it.Message] {
			seen[it.Message] = true
			msgs = append(msgs, it.Message)
		}
	}
	return Status{Name: top, Message: strings.Join(msgs, ", ")}
}
