package jujutest

import (
	"maps"
	"slices"
)

// Status returns the unit's current workload status.
func (b *Backend) Status() (status, msg string) {
	return b.status.Status, b.status.Message
}

// StatusHistory returns every status set during the run, in order.
func (b *Backend) StatusHistory() []StatusEntry {
	return slices.Clone(b.history)
}

// RelationData returns this unit's and this application's bags on relID
// (matched by its number, as -r does). An unknown relID fails the test.
func (b *Backend) RelationData(relID string) (unit, app map[string]string) {
	b.t.Helper()
	r, err := b.relation("relation-get", relID)
	if err != nil {
		b.t.Fatalf("jujutest: RelationData: %v", err)
		return nil, nil
	}
	return cloneStrings(r.localUnit), cloneStrings(r.localApp)
}

// Opened returns the open ports in Juju's order: icmp, tcp, udp, by port.
func (b *Backend) Opened() []string {
	out := make([]string, 0, len(b.ports))
	for _, p := range b.ports {
		out = append(out, p.String())
	}
	return out
}

// Logs returns the juju-log messages in order.
func (b *Backend) Logs() []LogEntry {
	return slices.Clone(b.logs)
}

// ActionResults returns the action-set result tree (values are strings or
// nested maps).
func (b *Backend) ActionResults() map[string]any {
	out, err := jsonRoundTrip(b.actionResults)
	if err != nil {
		b.t.Fatalf("jujutest: copy action results: %v", err)
	}
	return out
}

// ActionFailed reports whether action-fail was called, and its message.
func (b *Backend) ActionFailed() (failed bool, message string) {
	return b.actionFailed, b.actionMessage
}

// ActionLogs returns the action-log messages in order.
func (b *Backend) ActionLogs() []string {
	return slices.Clone(b.actionLogs)
}

// Calls returns how many times each hook tool would have been run.
func (b *Backend) Calls() map[string]int {
	return maps.Clone(b.calls)
}

// Version returns the workload version.
func (b *Backend) Version() string {
	return b.version
}

// LeaderData returns the leader settings.
func (b *Backend) LeaderData() map[string]string {
	return cloneStrings(b.leaderData)
}

// Next returns the unit's world after the run, for the next hook: the state
// it started from with the leader data, own bags, ports, charm state, status
// and version the run left, and no action. Chaining hooks is then
// next := run(b.Next(), hook), as Juju carries them from hook to hook.
func (b *Backend) Next() State {
	st := b.initial
	st.Action, st.ActionParams = "", nil
	st.LeaderData, st.CharmState = b.LeaderData(), b.CharmState()
	st.OpenedPorts = b.Opened()
	st.Status, st.StatusMessage, st.Version = b.status.Status, b.status.Message, b.version
	st.Relations = make([]Relation, 0, len(b.initial.Relations))
	for _, r := range b.initial.Relations {
		for _, rel := range b.rels {
			if rel.id == r.ID {
				r.LocalUnit, r.LocalApp = cloneStrings(rel.localUnit), cloneStrings(rel.localApp)
				if rel.peer {
					r.RemoteAppData = nil
				}
			}
		}
		st.Relations = append(st.Relations, r)
	}
	return st
}

// CharmState returns the charm state store.
func (b *Backend) CharmState() map[string]string {
	return cloneStrings(b.charmState)
}
