package localjuju

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/hooktools"
)

// The wire* types mirror the JSON shape of hooktools.State (the "state"
// format of the hook-tool vectors). The model talks to the emulator through
// this shape only, converting with JSON.

type wireStatus struct {
	Status  string         `json:"status"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
}

type wireAddress struct {
	Hostname string `json:"hostname"`
	Value    string `json:"value"`
	CIDR     string `json:"cidr"`
}

type wireBindAddress struct {
	MACAddress    string        `json:"mac-address"`
	InterfaceName string        `json:"interface-name"`
	Addresses     []wireAddress `json:"addresses"`
}

type wireNetwork struct {
	BindAddresses    []wireBindAddress `json:"bind-addresses"`
	EgressSubnets    []string          `json:"egress-subnets"`
	IngressAddresses []string          `json:"ingress-addresses"`
}

type wireRelation struct {
	ID             int                          `json:"id"`
	Endpoint       string                       `json:"endpoint"`
	Interface      string                       `json:"interface"`
	RemoteApp      string                       `json:"remote_app"`
	RemoteEndpoint string                       `json:"remote_endpoint"`
	RemoteUnits    map[string]map[string]string `json:"remote_units"`
	RemoteAppData  map[string]string            `json:"remote_app_data"`
	LocalUnitData  map[string]string            `json:"local_unit_data"`
	LocalAppData   map[string]string            `json:"local_app_data"`
	Life           string                       `json:"life"`
}

type wireAction struct {
	Name   string         `json:"name"`
	ID     string         `json:"id"`
	Params map[string]any `json:"params"`
}

type wireActionResult struct {
	Name    string         `json:"name"`
	ID      string         `json:"id"`
	Params  map[string]any `json:"params"`
	Status  string         `json:"status"`
	Message string         `json:"message"`
	Failed  bool           `json:"failed"`
	Results map[string]any `json:"results"`
	Logs    []string       `json:"logs"`
}

type wireState struct {
	Unit            string                 `json:"unit"`
	Model           string                 `json:"model,omitempty"`
	ModelUUID       string                 `json:"model_uuid,omitempty"`
	ModelType       string                 `json:"model_type,omitempty"`
	MachineID       string                 `json:"machine_id,omitempty"`
	Leader          bool                   `json:"leader"`
	Config          map[string]any         `json:"config,omitempty"`
	UnitStatus      *wireStatus            `json:"unit_status,omitempty"`
	AppStatus       *wireStatus            `json:"app_status,omitempty"`
	WorkloadVersion string                 `json:"workload_version,omitempty"`
	LeaderSettings  map[string]string      `json:"leader_settings,omitempty"`
	CharmState      map[string]string      `json:"charm_state,omitempty"`
	PublicAddress   string                 `json:"public_address,omitempty"`
	PrivateAddress  string                 `json:"private_address,omitempty"`
	Networks        map[string]wireNetwork `json:"networks,omitempty"`
	OpenedPorts     map[string][]string    `json:"opened_ports,omitempty"`
	Relations       []wireRelation         `json:"relations,omitempty"`
	GoalState       json.RawMessage        `json:"goal_state,omitempty"`
	Action          *wireAction            `json:"action,omitempty"`
	ActionResult    *wireActionResult      `json:"action_result,omitempty"`
}

func toHookState(w wireState) (hooktools.State, error) {
	var st hooktools.State
	data, err := json.Marshal(w)
	if err != nil {
		return st, fmt.Errorf("encode hook state: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("decode hook state: %w", err)
	}
	return st, nil
}

func fromHookState(st hooktools.State) (wireState, error) {
	var w wireState
	data, err := json.Marshal(st)
	if err != nil {
		return w, fmt.Errorf("encode hook state: %w", err)
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return w, fmt.Errorf("decode hook state: %w", err)
	}
	return w, nil
}

// network returns network-get's answer for a unit address: eth0 in
// 10.5.0.0/24.
func network(u *Unit) wireNetwork {
	return wireNetwork{
		BindAddresses: []wireBindAddress{{
			MACAddress:    macFor(u),
			InterfaceName: "eth0",
			Addresses:     []wireAddress{{Value: u.Address, CIDR: "10.5.0.0/24"}},
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

func statusToWire(s *StatusInfo) *wireStatus {
	if s == nil {
		return nil
	}
	return &wireStatus{Status: s.Status, Message: s.Message, Data: s.Data}
}

// buildWireState assembles a unit's world for a hook or action.
func (m *Model) buildWireState(a *Application, u *Unit) (wireState, error) {
	cfg, err := m.hookConfig(a)
	if err != nil {
		return wireState{}, err
	}
	w := wireState{
		Unit:            u.Name,
		Model:           m.st.Name,
		ModelUUID:       m.st.UUID,
		ModelType:       "iaas",
		MachineID:       u.Machine,
		Leader:          a.Leader == u.Name,
		Config:          cfg,
		UnitStatus:      statusToWire(&u.Workload),
		AppStatus:       statusToWire(a.Status),
		WorkloadVersion: u.WorkloadVersion,
		LeaderSettings:  copyBag(a.LeaderSettings),
		CharmState:      copyBag(u.CharmState),
		PublicAddress:   u.Address,
		PrivateAddress:  u.Address,
		Networks:        map[string]wireNetwork{"": network(u)},
		OpenedPorts:     map[string][]string{},
	}
	if w.AppStatus == nil {
		w.AppStatus = &wireStatus{Status: "unknown"}
	}
	for ep, ports := range u.OpenedPorts {
		w.OpenedPorts[ep] = append([]string(nil), ports...)
	}
	for ep := range a.Endpoints {
		w.Networks[ep] = network(u)
	}
	for _, b := range a.ExtraBindings {
		w.Networks[b] = network(u)
	}
	for _, r := range m.relationsOf(a.Name) {
		ls := u.Relations[r.ID]
		if ls == nil {
			continue
		}
		local, _ := r.endpointOf(a.Name)
		remote := r.otherEndpoint(a.Name)
		wr := wireRelation{
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
			wr.RemoteUnits[n] = copyBag(r.UnitData[n])
		}
		w.Relations = append(w.Relations, wr)
	}
	w.GoalState = m.goalState(a, u)
	return w, nil
}

// adjustForHook narrows the relation view for the running hook: the joining
// unit is a member during relation-joined; the departing unit is gone during
// relation-departed; a broken relation has no members.
func adjustForHook(w *wireState, h Hook, r *Relation) {
	if r == nil {
		return
	}
	for i := range w.Relations {
		wr := &w.Relations[i]
		if wr.ID != h.RelationID {
			continue
		}
		switch h.Kind {
		case hookRelationJoined, hookRelationChanged:
			if h.RemoteUnit != "" {
				wr.RemoteUnits[h.RemoteUnit] = copyBag(r.UnitData[h.RemoteUnit])
			}
		case hookRelationDeparted:
			delete(wr.RemoteUnits, h.RemoteUnit)
		case hookRelationBroken:
			wr.RemoteUnits = map[string]map[string]string{}
			wr.Life = lifeDying
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
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || len(v) != len(w) {
			return false
		}
		x := append([]string(nil), v...)
		y := append([]string(nil), w...)
		sort.Strings(x)
		sort.Strings(y)
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
	}
	return true
}
