package localjuju

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/unitstate"
)

// network returns network-get's answer for a unit address: eth0 in the
// address's /24.
func network(u *Unit) unitstate.NetworkInfo {
	return unitstate.NetworkInfo{
		BindAddresses: []unitstate.BindAddress{{
			MACAddress:    macFor(u),
			InterfaceName: "eth0",
			Addresses:     []unitstate.InterfaceAddress{{Value: u.Address, CIDR: u.Address[:strings.LastIndexByte(u.Address, '.')] + ".0/24"}},
		}},
		EgressSubnets:    []string{u.Address + "/32"},
		IngressAddresses: []string{u.Address},
	}
}

func macFor(u *Unit) string {
	var n int
	fmt.Sscanf(u.Machine, "%d", &n)
	return fmt.Sprintf("00:16:3e:05:%02x:%02x", (n>>8)&0xff, n&0xff)
}

// hookStatus is a status as the hook tools see it.
func hookStatus(s *StatusInfo) *unitstate.Status {
	if s == nil {
		return nil
	}
	return &unitstate.Status{Status: s.Status, Message: s.Message, Data: s.Data}
}

// buildHookState assembles a unit's world for a hook or action.
func (m *Model) buildHookState(a *Application, u *Unit) (unitstate.State, error) {
	cfg, err := m.hookConfig(a)
	if err != nil {
		return unitstate.State{}, err
	}
	st := unitstate.State{
		Unit:            u.Name,
		Model:           m.st.Name,
		ModelUUID:       m.st.UUID,
		ModelType:       "iaas",
		MachineID:       u.Machine,
		Leader:          a.Leader == u.Name,
		Config:          cfg,
		UnitStatus:      hookStatus(&u.Workload),
		AppStatus:       hookStatus(a.Status),
		WorkloadVersion: u.WorkloadVersion,
		LeaderSettings:  copyBag(a.LeaderSettings),
		CharmState:      copyBag(u.CharmState),
		PublicAddress:   u.Address,
		PrivateAddress:  u.Address,
		Networks:        map[string]unitstate.NetworkInfo{"": network(u)},
		OpenedPorts:     map[string][]string{},
	}
	if st.AppStatus == nil {
		st.AppStatus = &unitstate.Status{Status: "unknown"}
	}
	if st.Resources, err = m.unitResources(a, u); err != nil {
		return unitstate.State{}, err
	}
	for ep, ports := range u.OpenedPorts {
		st.OpenedPorts[ep] = append([]string(nil), ports...)
	}
	for ep := range a.Endpoints {
		st.Networks[ep] = network(u)
	}
	for _, b := range a.ExtraBindings {
		st.Networks[b] = network(u)
	}
	for _, r := range m.relationsOf(a.Name) {
		ls := u.Relations[r.ID]
		if ls == nil {
			continue
		}
		local, _ := r.endpointOf(a.Name)
		remote := r.otherEndpoint(a.Name)
		hr := unitstate.Relation{
			ID:             r.ID,
			Endpoint:       local.Name,
			Interface:      r.Interface,
			RemoteApp:      remote.App,
			RemoteEndpoint: remote.Name,
			RemoteUnits:    map[string]map[string]string{},
			RemoteAppData:  copyBag(r.AppData[remote.App]),
			LocalUnitData:  copyBag(r.UnitData[u.Name]),
			LocalAppData:   copyBag(r.AppData[a.Name]),
			Life:           r.Life,
		}
		for n := range ls.Members {
			hr.RemoteUnits[n] = copyBag(r.UnitData[n])
		}
		st.Relations = append(st.Relations, hr)
	}
	st.GoalState = m.goalState(a, u)
	return st, nil
}

// adjustForHook narrows the relation view for the running hook: the joining
// unit is a member during relation-joined; the departing unit is no member
// during relation-departed, but its bag stays readable; a broken relation
// has no members.
func adjustForHook(st *unitstate.State, h Hook, r *Relation) {
	if r == nil {
		return
	}
	for i := range st.Relations {
		hr := &st.Relations[i]
		if hr.ID != h.RelationID {
			continue
		}
		switch h.Kind {
		case hookRelationJoined, hookRelationChanged:
			if h.RemoteUnit != "" {
				hr.RemoteUnits[h.RemoteUnit] = copyBag(r.UnitData[h.RemoteUnit])
			}
		case hookRelationDeparted:
			// Juju keeps the departing unit's bag readable, not listed.
			if bag, ok := r.UnitData[h.RemoteUnit]; ok {
				hr.DepartedUnits = map[string]map[string]string{h.RemoteUnit: copyBag(bag)}
			}
			delete(hr.RemoteUnits, h.RemoteUnit)
		case hookRelationBroken:
			hr.RemoteUnits = map[string]map[string]string{}
			hr.Life = lifeDying
		}
	}
}

type goalEntry struct {
	Status string    `json:"Status"`
	Since  time.Time `json:"Since"`
}

type goalState struct {
	Units     map[string]goalEntry            `json:"Units"`
	Relations map[string]map[string]goalEntry `json:"Relations"`
}

// goalState computes goal-state: the application's units and, per
// endpoint, the related applications and their units.
func (m *Model) goalState(a *Application, self *Unit) json.RawMessage {
	g := goalState{Units: map[string]goalEntry{}, Relations: map[string]map[string]goalEntry{}}
	unitGoal := func(u *Unit) goalEntry {
		st := "active"
		if u.Life != lifeAlive {
			st = "dying"
		} else if !u.Started {
			st = "waiting"
		}
		return goalEntry{Status: st, Since: u.Workload.Since}
	}
	for _, u := range a.Units {
		g.Units[u.Name] = unitGoal(u)
	}
	for _, r := range m.relationsOf(a.Name) {
		local, _ := r.endpointOf(a.Name)
		remote := r.otherEndpoint(a.Name)
		oa := m.st.Applications[remote.App]
		if oa == nil {
			continue
		}
		entries := g.Relations[local.Name]
		if entries == nil {
			entries = map[string]goalEntry{}
			g.Relations[local.Name] = entries
		}
		if !r.Peer() {
			st := "joined"
			if r.Life != lifeAlive {
				st = "dying"
			}
			var since time.Time
			for _, ou := range oa.Units {
				if since.IsZero() || ou.Workload.Since.Before(since) {
					since = ou.Workload.Since
				}
			}
			entries[oa.Name] = goalEntry{Status: st, Since: since}
		}
		for _, ou := range oa.Units {
			if r.Peer() && ou.Name == self.Name {
				continue
			}
			entries[ou.Name] = unitGoal(ou)
		}
	}
	data, err := json.Marshal(g)
	if err != nil {
		return nil
	}
	return data
}

// portsEqual compares opened-port maps.
func portsEqual(a, b map[string][]string) bool {
	return maps.EqualFunc(a, b, func(v, w []string) bool {
		return slices.Equal(slices.Sorted(slices.Values(v)), slices.Sorted(slices.Values(w)))
	})
}
