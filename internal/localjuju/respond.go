package localjuju

import (
	"context"
	"fmt"
	"sort"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
)

// simView builds a relation as a simulated application sees it.
func (m *Model) simView(r *Relation, sa *Application, units, remote []string) sim.Relation {
	local, _ := r.endpointOf(sa.Name)
	other := r.otherEndpoint(sa.Name)
	v := sim.Relation{
		ID:          r.ID,
		Endpoint:    local.Name,
		RemoteApp:   other.App,
		RemoteUnits: map[string]map[string]string{},
		Units:       map[string]map[string]string{},
	}
	for _, n := range units {
		v.Units[n] = copyBag(r.UnitData[n])
	}
	for _, n := range remote {
		v.RemoteUnits[n] = copyBag(r.UnitData[n])
	}
	return v
}

// remoteOfSim lists the units on the other side that a simulated
// application (or one of its subordinate units) sees in scope.
func (m *Model) remoteOfSim(r *Relation, sa *Application, subUnit *Unit) []string {
	other := m.st.Applications[r.otherEndpoint(sa.Name).App]
	if other == nil || r.Life != lifeAlive {
		return nil
	}
	var out []string
	for _, ou := range other.Units {
		if !m.unitInScope(r, other, ou) {
			continue
		}
		if subUnit != nil && r.Scope == scopeContainer && ou.Name != subUnit.Principal {
			continue
		}
		out = append(out, ou.Name)
	}
	sort.Strings(out)
	return out
}

func aliveUnits(a *Application) []string {
	var out []string
	for _, u := range a.Units {
		if u.Life == lifeAlive {
			out = append(out, u.Name)
		}
	}
	return out
}

// respondSims lets simulated applications answer every relation whose data
// or membership changed. Their changed bags make the real units run
// relation-changed.
func (m *Model) respondSims(ctx context.Context) error {
	for round := 0; ; round++ {
		var dirty []*Relation
		for _, r := range m.st.Relations {
			if r.SimDirty {
				dirty = append(dirty, r)
			}
		}
		if len(dirty) == 0 {
			return nil
		}
		if round >= maxSimRounds {
			return fmt.Errorf("simulated applications kept changing relation data after %d rounds", maxSimRounds)
		}
		for _, r := range dirty {
			r.SimDirty = false
			if r.Life != lifeAlive || r.Peer() {
				continue
			}
			for _, e := range r.Endpoints {
				sa := m.st.Applications[e.App]
				if sa == nil || sa.Kind != KindSim {
					continue
				}
				changed, err := m.respondOne(ctx, r, sa)
				if err != nil {
					r.SimDirty = true // ask again on the next Settle
					return err
				}
				other := m.st.Applications[r.otherEndpoint(sa.Name).App]
				if changed && other != nil && other.Kind == KindSim {
					r.SimDirty = true
				}
				if changed && sa.Subordinate {
					m.markOtherRelationsDirty(sa.Name, r.ID)
				}
			}
		}
	}
}

// respondOne asks one simulated side of a relation for its bags.
func (m *Model) respondOne(ctx context.Context, r *Relation, sa *Application) (bool, error) {
	s, err := m.simFor(ctx, sa)
	if err != nil {
		return false, err
	}
	type call struct {
		units  []string
		remote []string
	}
	var calls []call
	if sa.Subordinate && r.Scope == scopeContainer {
		for _, su := range sa.Units {
			if su.Life == lifeAlive {
				calls = append(calls, call{[]string{su.Name}, m.remoteOfSim(r, sa, su)})
			}
		}
	} else {
		calls = append(calls, call{aliveUnits(sa), m.remoteOfSim(r, sa, nil)})
	}
	// A subordinate application's units answer one at a time from state
	// the simulator shares between them (hacluster counts its nodes), so
	// an answer that changed may change what the units asked before it
	// would say: ask them all again until a pass changes nothing.
	passes := 1
	if len(calls) > 1 {
		passes = len(calls) + 1
	}
	if sa.Charm == "nrpe" {
		for _, c := range calls {
			if err := m.installNRPEPlugins(c.remote); err != nil {
				return false, err
			}
		}
	}
	changed := false
	for pass := 0; pass < passes; pass++ {
		passChanged := false
		for _, c := range calls {
			ch, err := m.applyResponse(ctx, s, r, sa, c.units, c.remote)
			if err != nil {
				return changed, err
			}
			passChanged = passChanged || ch
		}
		changed = changed || passChanged
		if !passChanged {
			break
		}
	}
	return changed, nil
}

// applyResponse asks a simulator for its bags on r as seen by units and
// stores them, reporting whether any bag changed.
func (m *Model) applyResponse(ctx context.Context, s sim.App, r *Relation, sa *Application, units, remote []string) (bool, error) {
	resp, err := s.Respond(ctx, units, sa.Leader, m.simView(r, sa, units, remote))
	if err != nil {
		return false, fmt.Errorf("simulator %s on relation %d (%s): %w", sa.Name, r.ID, r.Key(), err)
	}
	allowed := map[string]bool{}
	for _, n := range units {
		allowed[n] = true
	}
	changed := false
	for _, n := range sortedKeys(resp.Units) {
		if !allowed[n] {
			m.logf(sa.Name, "model", "WARNING", "simulator %s answered for unit %s it does not own; ignored", sa.Name, n)
			continue
		}
		bag := copyBag(resp.Units[n])
		if u := m.st.findUnit(n); u != nil {
			for k, v := range jujuKeys(u.Address) {
				if _, ok := bag[k]; !ok {
					bag[k] = v
				}
			}
		}
		if r.setUnitBag(n, bag) {
			changed = true
		}
	}
	if resp.AppData != nil && r.setAppBag(sa.Name, resp.AppData) {
		changed = true
	}
	return changed, nil
}

// markOtherRelationsDirty makes the simulator of app answer again on its
// live relations other than except: a subordinate simulator's state is
// shared by all its relations.
func (m *Model) markOtherRelationsDirty(app string, except int) {
	for _, r := range m.st.Relations {
		if _, ok := r.endpointOf(app); ok && r.ID != except && r.Life == lifeAlive && !r.Peer() {
			r.SimDirty = true
		}
	}
}

// Renew reissues every certificate the vault simulator application app has
// issued (as charm-vault's reissue-certificates action does), lets it
// publish them on its relations and settles the model, so that the
// requesting units run relation-changed with the new certificates.
func (m *Model) Renew(ctx context.Context, app string) error {
	a, err := m.st.app(app)
	if err != nil {
		return err
	}
	if a.Kind != KindSim || a.Charm != "vault" {
		what := "a real charm"
		if a.Kind == KindSim {
			what = "a " + a.Charm + " simulator"
		}
		return fmt.Errorf("cannot renew %s: only a vault simulator issues certificates, and %s is %s", app, app, what)
	}
	if err := checkAlive(a); err != nil {
		return fmt.Errorf("cannot renew %s: %w", app, err)
	}
	if err := sim.RenewVault(m.simStateDir(a.Name), a.Name); err != nil {
		return err
	}
	m.markRelationsDirty(a.Name)
	m.logf("", "model", "INFO", "renewed the certificates issued by %s", app)
	if err := m.save(); err != nil {
		return err
	}
	return m.Settle(ctx)
}

// reap deletes relations whose removal every unit has processed, telling
// simulators, and removes subordinate units left without a container
// relation.
func (m *Model) reap(ctx context.Context) error {
	var keep []*Relation
	for _, r := range m.st.Relations {
		if r.Life == lifeAlive || m.relationHeld(r) {
			keep = append(keep, r)
			continue
		}
		for _, e := range r.Endpoints {
			sa := m.st.Applications[e.App]
			if sa == nil || sa.Kind != KindSim {
				continue
			}
			s, err := m.simFor(ctx, sa)
			if err != nil {
				return err
			}
			if err := s.Departed(ctx, m.simView(r, sa, aliveUnits(sa), nil)); err != nil {
				return fmt.Errorf("simulator %s leaving relation %d: %w", sa.Name, r.ID, err)
			}
		}
		m.logf("", "model", "INFO", "relation %d (%s) removed", r.ID, r.Key())
	}
	m.st.Relations = keep
	for _, name := range m.st.sortedAppNames() {
		sa := m.st.Applications[name]
		if !sa.Subordinate {
			continue
		}
		for _, su := range append([]*Unit(nil), sa.Units...) {
			if su.Principal != "" && !m.hasContainerRelation(sa.Name, su.Principal) {
				m.dropUnit(sa, su)
			}
		}
	}
	m.reapApplications()
	return nil
}

// relationHeld reports whether some real unit still has local state for
// the relation (it has not yet run relation-broken).
func (m *Model) relationHeld(r *Relation) bool {
	for _, e := range r.Endpoints {
		a := m.st.Applications[e.App]
		if a == nil {
			continue
		}
		for _, u := range a.Units {
			if u.Relations[r.ID] != nil {
				return true
			}
		}
	}
	return false
}

func (m *Model) hasContainerRelation(subApp, principal string) bool {
	p := m.st.findUnit(principal)
	if p == nil || p.Life != lifeAlive {
		return false
	}
	for _, r := range m.st.Relations {
		if r.Scope != scopeContainer || r.Life != lifeAlive {
			continue
		}
		_, okS := r.endpointOf(subApp)
		_, okP := r.endpointOf(p.App)
		if okS && okP {
			return true
		}
	}
	return false
}
