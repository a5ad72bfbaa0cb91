package localjuju

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/unitstate"
)

// beforeHook sets the statuses the uniter sets before a hook runs.
func (m *Model) beforeHook(u *Unit, h Hook, name string) {
	msg := "running " + name + " hook"
	if h.RemoteUnit != "" {
		msg += " for " + h.RemoteUnit
	}
	if h.Kind != hookUpdateStatus {
		m.setAgent(u, "executing", msg, nil)
	}
	switch h.Kind {
	case hookInstall:
		if !u.CharmSetStatus {
			m.setWorkload(u, "maintenance", "installing charm software", nil)
		}
	case hookStop:
		m.setWorkload(u, "maintenance", "stopping charm software", nil)
	case hookRemove:
		m.setWorkload(u, "maintenance", "cleaning up prior to charm deletion", nil)
	}
}

// afterHook sets the statuses the uniter sets after a successful hook.
func (m *Model) afterHook(u *Unit, h Hook) {
	switch h.Kind {
	case hookStart:
		if !u.CharmSetStatus {
			m.setWorkload(u, "unknown", "", nil)
		}
	case hookStop:
		m.setWorkload(u, "maintenance", "", nil)
	case hookRemove:
		m.setWorkload(u, "terminated", "", nil)
	}
	m.setAgent(u, "idle", "", nil)
}

func (m *Model) failHook(u *Unit, h Hook, name string, res execResult) {
	hh := h
	u.Failed, u.Retry = &hh, false
	data := map[string]any{"hook": name}
	if h.IsRelation() {
		data["relation-id"] = h.RelationID
		data["remote-unit"] = h.RemoteUnit
	}
	m.setAgent(u, "error", fmt.Sprintf("hook failed: %q", name), data)
	why := fmt.Sprintf("exit status %d", res.exit)
	if res.problem != "" {
		why = res.problem
	}
	m.logf(u.Name, "hook", "ERROR", "hook %q failed: %s", name, why)
}

func (m *Model) setWorkload(u *Unit, status, message string, data map[string]any) {
	if u.Workload.Status == status && u.Workload.Message == message {
		return
	}
	u.Workload = StatusInfo{Kind: "workload", Status: status, Message: message, Data: data, Since: m.now()}
	m.addHistory(u, u.Workload)
}

func (m *Model) setAgent(u *Unit, status, message string, data map[string]any) {
	if u.Agent.Status == status && u.Agent.Message == message {
		return
	}
	u.Agent = StatusInfo{Kind: "juju-unit", Status: status, Message: message, Data: data, Since: m.now()}
	if status != "executing" {
		m.addHistory(u, u.Agent)
	}
}

func (m *Model) addHistory(u *Unit, s StatusInfo) {
	u.History = append(u.History, s)
	if len(u.History) > maxStatusHistory {
		u.History = append([]StatusInfo(nil), u.History[len(u.History)-maxStatusHistory:]...)
	}
}

// writeBack stores what a hook or action left behind: statuses, version and
// leader settings always; relation data, ports and charm state as the agent
// committed them (only on exit 0). A nil report (no handler, or the agent
// was killed) changes nothing.
func (m *Model) writeBack(a *Application, u *Unit, report *unitstate.Report, name string) {
	if report == nil {
		return
	}
	after := report.State
	for _, tool := range report.Calls {
		if u.ToolCalls == nil {
			u.ToolCalls = map[string]int{}
		}
		u.ToolCalls[tool]++
	}
	if len(report.UnitStatuses) > 0 {
		u.CharmSetStatus = true
	}
	for _, l := range report.Logs {
		m.st.Log = append(m.st.Log, LogEntry{Time: m.now(), Unit: u.Name, Hook: name, Source: "juju-log", Level: l.Level, Message: l.Message})
	}
	for _, s := range report.UnitStatuses {
		m.setWorkload(u, s.Status, s.Message, s.Data)
	}
	if s := after.UnitStatus; s != nil {
		m.setWorkload(u, s.Status, s.Message, s.Data)
	}
	if s := after.AppStatus; s != nil && a.Leader == u.Name {
		if a.Status == nil || a.Status.Status != s.Status || a.Status.Message != s.Message {
			if !(a.Status == nil && s.Status == "unknown" && s.Message == "") {
				a.Status = &StatusInfo{Kind: "application", Status: s.Status, Message: s.Message, Data: s.Data, Since: m.now()}
			}
		}
	}
	u.WorkloadVersion = after.WorkloadVersion
	if !maps.Equal(a.LeaderSettings, after.LeaderSettings) {
		a.LeaderSettings = copyBag(after.LeaderSettings)
		a.LeaderVersion++
		if a.Leader == u.Name {
			u.LeaderSeen = a.LeaderVersion
		}
	}
	u.CharmState = copyBag(after.CharmState)
	if !portsEqual(u.OpenedPorts, after.OpenedPorts) {
		u.OpenedPorts = map[string][]string{}
		for ep, ports := range after.OpenedPorts {
			if len(ports) > 0 {
				u.OpenedPorts[ep] = append([]string(nil), ports...)
			}
		}
	}
	for _, hr := range after.Relations {
		r := m.st.relation(hr.ID)
		if r == nil {
			continue
		}
		if r.setUnitBag(u.Name, hr.LocalUnitData) {
			r.SimDirty = true
		}
		if a.Leader == u.Name && r.setAppBag(a.Name, hr.LocalAppData) {
			r.SimDirty = true
		}
	}
}

// logOutput records the charm's stdout (DEBUG) and stderr (WARNING) lines.
func (m *Model) logOutput(u *Unit, name string, res execResult) {
	add := func(data []byte, source, level string) {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			m.st.Log = append(m.st.Log, LogEntry{Time: m.now(), Unit: u.Name, Hook: name, Source: source, Level: level, Message: sc.Text()})
		}
	}
	add(res.stdout, "stdout", "DEBUG")
	add(res.stderr, "stderr", "WARNING")
	switch {
	case res.missing:
		m.logf(u.Name, "hook", "INFO", "skipped %q hook (missing)", name)
	case res.exit == 0:
		m.st.Log = append(m.st.Log, LogEntry{Time: m.now(), Unit: u.Name, Hook: name, Source: "hook", Level: "INFO", Message: fmt.Sprintf("ran %q hook (%s)", name, res.duration.Round(time.Millisecond))})
	}
}
