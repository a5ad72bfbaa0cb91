package localjuju

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

// AddUnit adds n units to an application and returns their names.
func (m *Model) AddUnit(ctx context.Context, app string, n int) ([]string, error) {
	a, err := m.st.app(app)
	if err != nil {
		return nil, err
	}
	if a.Subordinate {
		return nil, fmt.Errorf("cannot add unit to %q: it is a subordinate application (units follow its principals)", app)
	}
	if err := checkAlive(a); err != nil {
		return nil, fmt.Errorf("cannot add unit to %q: %w", app, err)
	}
	if n <= 0 {
		n = 1
	}
	var names []string
	for i := 0; i < n; i++ {
		u, err := m.addUnit(a, "")
		if err != nil {
			return names, fmt.Errorf("add unit to %s: %w", app, err)
		}
		names = append(names, u.Name)
	}
	return names, m.save()
}

// addUnit creates a unit; principal is set for subordinate units.
func (m *Model) addUnit(a *Application, principal string) (*Unit, error) {
	u := &Unit{
		Name:      fmt.Sprintf("%s/%d", a.Name, a.NextUnit),
		App:       a.Name,
		Number:    a.NextUnit,
		Life:      lifeAlive,
		Principal: principal,
		Relations: map[int]*UnitRelation{},
	}
	if principal != "" {
		p := m.st.findUnit(principal)
		if p == nil {
			return nil, fmt.Errorf("principal unit %q not found", principal)
		}
		u.Machine, u.Address = p.Machine, p.Address
	} else {
		subnet := cmp.Or(m.st.Subnet, defaultSubnet)
		if m.st.NextMachine+10 > 254 {
			return nil, fmt.Errorf("no addresses left in %s.0/24", subnet)
		}
		u.Machine = strconv.Itoa(m.st.NextMachine)
		u.Address = fmt.Sprintf("%s.%d", subnet, 10+m.st.NextMachine)
		m.st.NextMachine++
	}
	a.NextUnit++
	now := m.now()
	if a.Kind == KindCharm {
		u.Workload = StatusInfo{Kind: "workload", Status: "waiting", Message: "waiting for machine", Since: now}
		u.Agent = StatusInfo{Kind: "juju-unit", Status: "allocating", Since: now}
		if err := m.expandCharm(a, u.Name); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(m.unitRoot(u.Name), 0o755); err != nil {
			return nil, fmt.Errorf("create root of %s: %w", u.Name, err)
		}
		if err := machine.Install(m.unitRoot(u.Name), m.toolsLink(), a.Series); err != nil {
			return nil, fmt.Errorf("prepare root of %s: %w", u.Name, err)
		}
	} else {
		u.Installed, u.Started = true, true
		u.Workload = StatusInfo{Kind: "workload", Status: "active", Since: now}
		u.Agent = StatusInfo{Kind: "juju-unit", Status: "idle", Since: now}
	}
	u.History = append(u.History, u.Workload, u.Agent)
	a.Units = append(a.Units, u)
	if a.Leader == "" {
		a.Leader = u.Name
	}
	for _, r := range m.st.Relations {
		if _, ok := r.endpointOf(a.Name); !ok || r.Life != lifeAlive {
			continue
		}
		m.initUnitBag(r, u)
		r.SimDirty = true
	}
	if principal == "" {
		if err := m.addSubordinates(u); err != nil {
			return nil, err
		}
	}
	m.logf(u.Name, "model", "INFO", "unit %s added (machine %s, address %s)", u.Name, u.Machine, u.Address)
	return u, nil
}

// jujuKeys are the settings Juju itself writes into every unit bag.
func jujuKeys(address string) map[string]string {
	return map[string]string{
		"private-address": address,
		"ingress-address": address,
		"egress-subnets":  address + "/32",
	}
}

func (m *Model) initUnitBag(r *Relation, u *Unit) {
	if _, ok := r.UnitData[u.Name]; ok {
		return
	}
	r.UnitData[u.Name] = jujuKeys(u.Address)
	r.UnitVersion[u.Name] = 1
}

// addSubordinates creates the subordinate units a principal unit needs for
// every container-scoped relation to a subordinate application.
func (m *Model) addSubordinates(p *Unit) error {
	for _, r := range m.st.Relations {
		if r.Scope != scopeContainer || r.Life != lifeAlive || r.Peer() {
			continue
		}
		if _, ok := r.endpointOf(p.App); !ok {
			continue
		}
		other := m.st.Applications[r.otherEndpoint(p.App).App]
		if other == nil || !other.Subordinate {
			continue
		}
		if m.subordinateOf(other, p.Name) != nil {
			continue
		}
		if _, err := m.addUnit(other, p.Name); err != nil {
			return fmt.Errorf("add subordinate %s for %s: %w", other.Name, p.Name, err)
		}
	}
	return nil
}

func (m *Model) subordinateOf(sub *Application, principal string) *Unit {
	for _, u := range sub.Units {
		if u.Principal == principal {
			return u
		}
	}
	return nil
}

// RemoveUnit starts the removal of units: each runs relation-departed for
// every member, relation-broken for non-peer relations, stop and remove.
// Leadership passes to the lowest remaining unit.
func (m *Model) RemoveUnit(ctx context.Context, units ...string) error {
	for _, name := range units {
		a, u, err := m.st.unit(name)
		if err != nil {
			return err
		}
		if u.Principal != "" {
			return fmt.Errorf("cannot remove unit %q: it is a subordinate unit (remove the relation or its principal)", name)
		}
		if u.Life == lifeDying {
			continue
		}
		m.killUnit(a, u)
	}
	return m.save()
}

// killUnit marks a unit dying (real charms) or removes it (simulated units).
func (m *Model) killUnit(a *Application, u *Unit) {
	u.Life = lifeDying
	m.logf(u.Name, "model", "INFO", "unit %s is dying", u.Name)
	m.markRelationsDirty(a.Name)
	for _, sa := range m.st.Applications {
		if !sa.Subordinate {
			continue
		}
		if sub := m.subordinateOf(sa, u.Name); sub != nil {
			m.killUnit(sa, sub)
		}
	}
	if m.electLeader(a, u) {
		m.logf(a.Leader, "model", "INFO", "%s is now the leader of %s", a.Leader, a.Name)
	}
	if a.Kind == KindSim || !u.Installed {
		m.dropUnit(a, u)
	}
}

// electLeader passes the leadership of a away from u, when u holds it, to
// the first unit alive (none if none is); it reports whether one took it.
func (m *Model) electLeader(a *Application, u *Unit) bool {
	if a.Leader != u.Name {
		return false
	}
	a.Leader = ""
	for _, o := range a.Units {
		if o.Life == lifeAlive {
			a.Leader = o.Name
			return true
		}
	}
	return false
}

// dropUnit deletes a unit from the model.
func (m *Model) dropUnit(a *Application, u *Unit) {
	a.Units = slices.DeleteFunc(a.Units, func(o *Unit) bool { return o == u })
	m.electLeader(a, u)
	m.markRelationsDirty(a.Name)
	if a.Kind == KindCharm {
		// The unit's directory is kept for inspection under removed/.
		dst := m.removedUnitDir(u.Name)
		os.RemoveAll(dst)
		err := os.MkdirAll(filepath.Dir(dst), 0o755)
		if err == nil {
			err = os.Rename(m.unitDir(u.Name), dst)
		}
		if err != nil {
			m.logf(u.Name, "model", "WARNING", "keep the directory of removed unit: %v", err)
		}
	}
	m.logf(u.Name, "model", "INFO", "unit %s removed", u.Name)
}
