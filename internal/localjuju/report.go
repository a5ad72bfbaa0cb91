package localjuju

import (
	"bytes"
	"fmt"
	"io"
	"slices"
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
			if a.Subordinate && r.Scope == scopeContainer && other.App != a.Name && !slices.Contains(as.SubordinateTo, other.App) {
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
		for _, un := range sim.SortedUnitKeys(a.Units) {
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
