package localjuju

import (
	"fmt"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
)

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
