package localjuju

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
)

// StatusValue is a status as `juju status --format json` prints it.
type StatusValue struct {
	Current string `json:"current"`
	Message string `json:"message,omitempty"`
	Since   string `json:"since,omitempty"`
	Version string `json:"version,omitempty"`
}

// ModelStatus is the "model" section of the status report.
type ModelStatus struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Controller  string      `json:"controller"`
	Cloud       string      `json:"cloud"`
	Version     string      `json:"version"`
	ModelStatus StatusValue `json:"model-status"`
}

// MachineStatus is one machine of the status report.
type MachineStatus struct {
	JujuStatus  StatusValue `json:"juju-status"`
	DNSName     string      `json:"dns-name"`
	IPAddresses []string    `json:"ip-addresses"`
	Base        Base        `json:"base"`
}

// Base is an OS base.
type Base struct {
	Name    string `json:"name"`
	Channel string `json:"channel"`
}

// RelatedApp is one entry of an application's relations in the status.
type RelatedApp struct {
	RelatedApplication string `json:"related-application"`
	Interface          string `json:"interface"`
	Scope              string `json:"scope"`
}

// UnitStatus is one unit of the status report.
type UnitStatus struct {
	WorkloadStatus StatusValue           `json:"workload-status"`
	JujuStatus     StatusValue           `json:"juju-status"`
	Leader         bool                  `json:"leader,omitempty"`
	Machine        string                `json:"machine,omitempty"`
	OpenPorts      []string              `json:"open-ports,omitempty"`
	PublicAddress  string                `json:"public-address"`
	Subordinates   map[string]UnitStatus `json:"subordinates,omitempty"`
}

// ApplicationStatus is one application of the status report.
type ApplicationStatus struct {
	Charm             string                  `json:"charm"`
	CharmOrigin       string                  `json:"charm-origin"`
	CharmName         string                  `json:"charm-name"`
	CharmRev          int                     `json:"charm-rev"`
	Base              *Base                   `json:"base,omitempty"`
	Exposed           bool                    `json:"exposed"`
	ApplicationStatus StatusValue             `json:"application-status"`
	Relations         map[string][]RelatedApp `json:"relations,omitempty"`
	SubordinateTo     []string                `json:"subordinate-to,omitempty"`
	Units             map[string]UnitStatus   `json:"units,omitempty"`
	Version           string                  `json:"version,omitempty"`
	EndpointBindings  map[string]string       `json:"endpoint-bindings,omitempty"`
}

// StatusReport follows the shape of `juju status --format json`.
type StatusReport struct {
	Model        ModelStatus                  `json:"model"`
	Machines     map[string]MachineStatus     `json:"machines"`
	Applications map[string]ApplicationStatus `json:"applications"`
}

// statusSeverity orders workload statuses for the derived application
// status (Juju's core/status severities).
func statusSeverity() map[string]int {
	return map[string]int{
		"error": 100, "blocked": 90, "maintenance": 80, "waiting": 70,
		"active": 60, "terminated": 50, "unknown": 40,
	}
}

func formatSince(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("02 Jan 2006 15:04:05Z07:00")
}

// displayStatus returns the workload and agent status as juju status shows
// them: a hook error turns the workload to error and the agent to idle.
func displayStatus(u *Unit) (workload, agent StatusValue) {
	workload = StatusValue{Current: u.Workload.Status, Message: u.Workload.Message, Since: formatSince(u.Workload.Since)}
	agent = StatusValue{Current: u.Agent.Status, Message: u.Agent.Message, Since: formatSince(u.Agent.Since), Version: JujuVersion}
	if u.Agent.Status == "error" {
		workload = StatusValue{Current: "error", Message: u.Agent.Message, Since: formatSince(u.Agent.Since)}
		agent = StatusValue{Current: "idle", Since: formatSince(u.Agent.Since), Version: JujuVersion}
	}
	return workload, agent
}

func unitPorts(u *Unit) []string {
	seen := map[string]bool{}
	var out []string
	for _, ports := range u.OpenedPorts {
		for _, p := range ports {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// appStatus is the application status: the one the leader set, else the
// most severe unit workload status.
func appStatus(a *Application) StatusValue {
	if a.Status != nil && a.Status.Status != "unknown" && a.Status.Status != "" {
		return StatusValue{Current: a.Status.Status, Message: a.Status.Message, Since: formatSince(a.Status.Since)}
	}
	best := StatusValue{Current: "unknown"}
	bestSev := -1
	for _, u := range a.Units {
		w, _ := displayStatus(u)
		if sev := statusSeverity()[w.Current]; sev > bestSev {
			best, bestSev = w, sev
		}
	}
	if len(a.Units) == 0 && a.Subordinate {
		best = StatusValue{Current: "waiting", Message: "waiting for a principal (relate it over a container-scoped endpoint)"}
	}
	return best
}

func appVersion(a *Application) string {
	for _, u := range a.Units {
		if u.Name == a.Leader && u.WorkloadVersion != "" {
			return u.WorkloadVersion
		}
	}
	for _, u := range a.Units {
		if u.WorkloadVersion != "" {
			return u.WorkloadVersion
		}
	}
	return ""
}

// Status returns the model status in the shape of `juju status --format json`.
func (m *Model) Status() StatusReport {
	rep := StatusReport{
		Model: ModelStatus{
			Name: m.st.Name, Type: "iaas", Controller: "localjuju", Cloud: "localhost",
			Version: JujuVersion, ModelStatus: StatusValue{Current: "available"},
		},
		Machines:     map[string]MachineStatus{},
		Applications: map[string]ApplicationStatus{},
	}
	for _, name := range m.st.sortedAppNames() {
		a := m.st.Applications[name]
		as := ApplicationStatus{
			Charm:             a.Charm,
			CharmName:         a.Charm,
			CharmRev:          a.Revision,
			CharmOrigin:       "local",
			ApplicationStatus: appStatus(a),
			Relations:         map[string][]RelatedApp{},
			Units:             map[string]UnitStatus{},
			Version:           appVersion(a),
			EndpointBindings:  map[string]string{"": "alpha"},
		}
		if a.Kind == KindSim {
			as.CharmOrigin = "simulated"
		} else {
			as.Charm = fmt.Sprintf("local:%s-%d", a.Charm, a.Revision)
			as.Base = &Base{Name: "ubuntu", Channel: channelBySeries(a.Series)}
		}
		for ep := range a.Endpoints {
			as.EndpointBindings[ep] = "alpha"
		}
		for _, b := range a.ExtraBindings {
			as.EndpointBindings[b] = "alpha"
		}
		for _, r := range m.relationsOf(a.Name) {
			local, _ := r.endpointOf(a.Name)
			other := r.otherEndpoint(a.Name)
			as.Relations[local.Name] = append(as.Relations[local.Name], RelatedApp{RelatedApplication: other.App, Interface: r.Interface, Scope: r.Scope})
			if a.Subordinate && r.Scope == scopeContainer && other.App != a.Name && !contains(as.SubordinateTo, other.App) {
				as.SubordinateTo = append(as.SubordinateTo, other.App)
			}
		}
		sort.Strings(as.SubordinateTo)
		if len(as.Relations) == 0 {
			as.Relations = nil
		}
		if !a.Subordinate {
			for _, u := range a.Units {
				as.Units[u.Name] = m.unitStatus(a, u)
				if _, ok := rep.Machines[u.Machine]; !ok {
					ms := MachineStatus{JujuStatus: StatusValue{Current: "started"}, DNSName: u.Address, IPAddresses: []string{u.Address}}
					if a.Kind == KindCharm {
						ms.Base = Base{Name: "ubuntu", Channel: channelBySeries(a.Series)}
					}
					rep.Machines[u.Machine] = ms
				}
			}
		}
		if len(as.Units) == 0 {
			as.Units = nil
		}
		rep.Applications[name] = as
	}
	return rep
}

func (m *Model) unitStatus(a *Application, u *Unit) UnitStatus {
	w, ag := displayStatus(u)
	us := UnitStatus{
		WorkloadStatus: w,
		JujuStatus:     ag,
		Leader:         a.Leader == u.Name,
		Machine:        u.Machine,
		OpenPorts:      unitPorts(u),
		PublicAddress:  u.Address,
	}
	if u.Principal != "" {
		us.Machine = ""
	}
	for _, sa := range m.st.Applications {
		if !sa.Subordinate {
			continue
		}
		if sub := m.subordinateOf(sa, u.Name); sub != nil {
			if us.Subordinates == nil {
				us.Subordinates = map[string]UnitStatus{}
			}
			us.Subordinates[sub.Name] = m.unitStatus(sa, sub)
		}
	}
	return us
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// WriteStatusTable prints a `juju status`-like table.
func WriteStatusTable(w io.Writer, rep StatusReport) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "Model\tController\tCloud/Region\tVersion")
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n\n", rep.Model.Name, rep.Model.Controller, rep.Model.Cloud, rep.Model.Version)
	fmt.Fprintln(tw, "App\tVersion\tUnits\tWorkload\tMessage")
	names := make([]string, 0, len(rep.Applications))
	for n := range rep.Applications {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := rep.Applications[n]
		units := len(a.Units)
		if len(a.SubordinateTo) > 0 {
			units = 0
			for _, pn := range names {
				for _, pu := range rep.Applications[pn].Units {
					for sn := range pu.Subordinates {
						if strings.HasPrefix(sn, n+"/") {
							units++
						}
					}
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", n, a.Version, units, a.ApplicationStatus.Current, a.ApplicationStatus.Message)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "Unit\tWorkload\tAgent\tMachine\tAddress\tPorts\tMessage")
	var row func(name, indent string, u UnitStatus)
	row = func(name, indent string, u UnitStatus) {
		if u.Leader {
			name += "*"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\t%s\n", indent, name, u.WorkloadStatus.Current, u.JujuStatus.Current,
			u.Machine, u.PublicAddress, strings.Join(u.OpenPorts, ","), u.WorkloadStatus.Message)
		for _, sn := range sortedKeys(u.Subordinates) {
			row(sn, indent+"  ", u.Subordinates[sn])
		}
	}
	for _, n := range names {
		a := rep.Applications[n]
		for _, un := range sortedUnitNames(a.Units) {
			row(un, "", a.Units[un])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeTrimmed(w, buf.Bytes())
}

// writeTrimmed writes text without trailing spaces on its lines.
func writeTrimmed(w io.Writer, text []byte) error {
	lines := bytes.Split(text, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, " ")
	}
	_, err := w.Write(bytes.Join(lines, []byte("\n")))
	return err
}

// sortedUnitNames sorts unit names by application, then number.
func sortedUnitNames[V any](units map[string]V) []string {
	names := sortedKeys(units)
	sort.SliceStable(names, func(i, j int) bool {
		ai, ni := splitUnit(names[i])
		aj, nj := splitUnit(names[j])
		if ai != aj {
			return ai < aj
		}
		return ni < nj
	})
	return names
}

func splitUnit(name string) (string, int) {
	app, num, _ := strings.Cut(name, "/")
	var n int
	fmt.Sscanf(num, "%d", &n)
	return app, n
}

// RelatedUnit is a related unit in show-unit.
type RelatedUnit struct {
	InScope bool              `json:"in-scope"`
	Data    map[string]string `json:"data"`
}

// RelationInfo is one relation in show-unit.
type RelationInfo struct {
	RelationID      int                    `json:"relation-id"`
	Endpoint        string                 `json:"endpoint"`
	RelatedEndpoint string                 `json:"related-endpoint"`
	ApplicationData map[string]string      `json:"application-data"`
	LocalUnit       RelatedUnit            `json:"local-unit"`
	RelatedUnits    map[string]RelatedUnit `json:"related-units,omitempty"`
}

// UnitInfo follows the shape of one unit in `juju show-unit --format json`.
type UnitInfo struct {
	WorkloadVersion string         `json:"workload-version,omitempty"`
	Machine         string         `json:"machine"`
	OpenedPorts     []string       `json:"opened-ports"`
	PublicAddress   string         `json:"public-address"`
	Charm           string         `json:"charm"`
	Leader          bool           `json:"leader"`
	Life            string         `json:"life"`
	RelationInfo    []RelationInfo `json:"relation-info,omitempty"`
	// Simulator is what a simulated application keeps and shows (see
	// sim.Show: the hacluster simulator's Pacemaker picture, the vault
	// simulator's certificates, the ceilometer simulator's rendered
	// event_pipeline.yaml); it never holds keys or passwords.
	Simulator map[string]any `json:"simulator,omitempty"`
}

// ShowUnit returns what `juju show-unit` shows for a unit: its relations
// with the related application's data bag and every related unit's bag.
func (m *Model) ShowUnit(unit string) (map[string]UnitInfo, error) {
	a, u, err := m.st.unit(unit)
	if err != nil {
		return nil, err
	}
	info := UnitInfo{
		WorkloadVersion: u.WorkloadVersion,
		Machine:         u.Machine,
		OpenedPorts:     unitPorts(u),
		PublicAddress:   u.Address,
		Charm:           a.Charm,
		Leader:          a.Leader == u.Name,
		Life:            u.Life,
	}
	if info.OpenedPorts == nil {
		info.OpenedPorts = []string{}
	}
	if a.Kind == KindCharm {
		info.Charm = fmt.Sprintf("local:%s-%d", a.Charm, a.Revision)
	}
	for _, r := range m.relationsOf(a.Name) {
		local, _ := r.endpointOf(a.Name)
		other := r.otherEndpoint(a.Name)
		ri := RelationInfo{
			RelationID:      r.ID,
			Endpoint:        local.Name,
			RelatedEndpoint: other.Name,
			ApplicationData: copyBag(r.AppData[other.App]),
			LocalUnit:       RelatedUnit{InScope: m.unitInScope(r, a, u), Data: copyBag(r.UnitData[u.Name])},
			RelatedUnits:    map[string]RelatedUnit{},
		}
		var remote []string
		if a.Kind == KindSim {
			var sub *Unit
			if a.Subordinate {
				sub = u
			}
			remote = m.remoteOfSim(r, a, sub)
		} else {
			remote = m.remoteInScope(r, a, u)
		}
		for _, n := range remote {
			ri.RelatedUnits[n] = RelatedUnit{InScope: true, Data: copyBag(r.UnitData[n])}
		}
		if len(ri.RelatedUnits) == 0 {
			ri.RelatedUnits = nil
		}
		info.RelationInfo = append(info.RelationInfo, ri)
	}
	if a.Kind == KindSim {
		shown, err := sim.Show(m.simStateDir(a.Name), a.Name)
		if err != nil {
			return nil, fmt.Errorf("show-unit %s: %w", unit, err)
		}
		if len(shown) > 0 {
			info.Simulator = shown
		}
	}
	return map[string]UnitInfo{unit: info}, nil
}

// UnitRoot returns a real-charm unit's filesystem root.
func (m *Model) UnitRoot(unit string) (string, error) {
	a, u, err := m.st.unit(unit)
	if err != nil {
		return "", err
	}
	if a.Kind != KindCharm {
		return "", fmt.Errorf("unit %q is simulated and has no filesystem root", unit)
	}
	return m.unitRoot(u.Name), nil
}

// Logs returns the model log (juju-log lines, charm output, hooks run),
// only a unit's lines when unit is not empty.
func (m *Model) Logs(unit string) ([]LogEntry, error) {
	var out []LogEntry
	for _, l := range m.st.Log {
		if unit == "" || l.Unit == unit || strings.HasPrefix(l.Unit, unit+"/") {
			out = append(out, l)
		}
	}
	if unit != "" && len(out) == 0 {
		if _, _, err := m.st.unit(unit); err != nil {
			if _, err2 := m.st.app(unit); err2 != nil {
				return nil, fmt.Errorf("no application or unit %q in the model log", unit)
			}
		}
	}
	return out, nil
}

// Actions returns the recorded action tasks.
func (m *Model) Actions() []*ActionResult {
	out := make([]*ActionResult, len(m.st.Actions))
	copy(out, m.st.Actions)
	return out
}
