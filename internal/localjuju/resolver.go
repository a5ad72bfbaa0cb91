package localjuju

import (
	"maps"
	"slices"
	"sort"
)

// Hook kinds.
const (
	hookInstall               = "install"
	hookStart                 = "start"
	hookStop                  = "stop"
	hookRemove                = "remove"
	hookConfigChanged         = "config-changed"
	hookUpgradeCharm          = "upgrade-charm"
	hookUpdateStatus          = "update-status"
	hookLeaderElected         = "leader-elected"
	hookLeaderSettingsChanged = "leader-settings-changed"
	hookRelationCreated       = "relation-created"
	hookRelationJoined        = "relation-joined"
	hookRelationChanged       = "relation-changed"
	hookRelationDeparted      = "relation-departed"
	hookRelationBroken        = "relation-broken"
)

// nextHook decides the next hook of a real-charm unit, following the order
// of Juju 3.6's uniter resolvers: install; queued hooks (start after the
// first config-changed, config-changed after upgrade-charm, fired hooks);
// relation-created; leader-elected / leader-settings-changed; teardown when
// dying; config-changed; relation hooks.
func (m *Model) nextHook(a *Application, u *Unit) (Hook, bool) {
	if u.Failed != nil {
		if u.Retry {
			return *u.Failed, true
		}
		return Hook{}, false
	}
	if !u.Installed {
		return Hook{Kind: hookInstall}, true
	}
	if len(u.Queue) > 0 {
		h := u.Queue[0]
		h.Queued = true
		return h, true
	}
	alive := u.Life == lifeAlive
	if alive {
		for _, r := range m.relationsOf(a.Name) {
			if r.Life != lifeAlive {
				continue
			}
			if ls := u.Relations[r.ID]; ls == nil || !ls.Created {
				return Hook{Kind: hookRelationCreated, RelationID: r.ID, RemoteApp: r.otherEndpoint(a.Name).App}, true
			}
		}
		isLeader := a.Leader == u.Name
		switch {
		case isLeader && !u.Leader:
			return Hook{Kind: hookLeaderElected, Version: a.LeaderVersion}, true
		case !isLeader && u.Leader:
			// Leadership is resigned silently (3.6 never runs leader-deposed).
			u.Leader = false
		}
		if !isLeader && u.LeaderSeen != a.LeaderVersion {
			return Hook{Kind: hookLeaderSettingsChanged, Version: a.LeaderVersion}, true
		}
	}
	if !alive {
		if h, ok := m.nextRelationHook(a, u); ok {
			return h, true
		}
		if !u.Stopped {
			return Hook{Kind: hookStop}, true
		}
		return Hook{Kind: hookRemove}, true
	}
	if hash := m.configHash(a, u); hash != u.ConfigHash {
		return Hook{Kind: hookConfigChanged, Hash: hash}, true
	}
	return m.nextRelationHook(a, u)
}

// relationsOf lists the relations an application takes part in: non-peer
// relations first, then peer relations, each by id (Juju's order).
func (m *Model) relationsOf(app string) []*Relation {
	var out []*Relation
	for _, r := range m.st.Relations {
		if _, ok := r.endpointOf(app); ok {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Peer() != out[j].Peer() {
			return !out[i].Peer()
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// unitInScope reports whether a unit is in the scope of a relation.
// Simulated units are in scope while alive. A real unit enters scope with
// relation-created and, as in Juju, leaves the scope of a non-peer
// relation only when it commits relation-broken: a dying unit's
// relation-set in its earlier teardown hooks still reaches the other side.
// A dying unit leaves peer relations (which never break) at once.
func (m *Model) unitInScope(r *Relation, a *Application, u *Unit) bool {
	if a.Kind == KindSim {
		return u.Life == lifeAlive
	}
	ls := u.Relations[r.ID]
	if ls == nil || !ls.Created {
		return false
	}
	return u.Life == lifeAlive || !r.Peer()
}

// remoteInScope lists, sorted, the remote units the unit should currently
// see in the relation. For container-scoped relations only the unit's own
// principal or subordinate counts. Nothing is in scope for a dying relation
// or a dying unit.
func (m *Model) remoteInScope(r *Relation, a *Application, u *Unit) []string {
	if r.Life != lifeAlive || u.Life != lifeAlive {
		return nil
	}
	other := m.st.Applications[r.otherEndpoint(a.Name).App]
	if other == nil {
		return nil
	}
	var out []string
	for _, ru := range other.Units {
		if ru.Name == u.Name || !m.unitInScope(r, other, ru) {
			continue
		}
		if r.Scope == scopeContainer && !r.Peer() && ru.Principal != u.Name && u.Principal != ru.Name {
			continue
		}
		out = append(out, ru.Name)
	}
	sort.Strings(out)
	return out
}

// nextRelationHook applies the relation resolver's rules, relation by
// relation: pending changed after joined; departed; broken; app-level
// changed; joined; unit-level changed.
func (m *Model) nextRelationHook(a *Application, u *Unit) (Hook, bool) {
	for _, r := range m.relationsOf(a.Name) {
		ls := u.Relations[r.ID]
		if ls == nil {
			continue
		}
		remoteApp := r.otherEndpoint(a.Name).App
		remote := m.remoteInScope(r, a, u)
		inRemote := map[string]bool{}
		for _, n := range remote {
			inRemote[n] = true
		}
		if p := ls.ChangedPending; p != "" {
			if inRemote[p] {
				return Hook{Kind: hookRelationChanged, RelationID: r.ID, RemoteUnit: p, RemoteApp: remoteApp, Version: r.UnitVersion[p]}, true
			}
			ls.ChangedPending = ""
		}
		members := sortedKeys(ls.Members)
		for _, n := range members {
			if !inRemote[n] {
				departing := n
				if u.Life != lifeAlive {
					departing = u.Name
				}
				return Hook{Kind: hookRelationDeparted, RelationID: r.ID, RemoteUnit: n, RemoteApp: remoteApp, DepartingUnit: departing}, true
			}
		}
		if r.Life != lifeAlive || u.Life != lifeAlive {
			if r.Peer() {
				delete(u.Relations, r.ID)
				continue
			}
			return Hook{Kind: hookRelationBroken, RelationID: r.ID, RemoteApp: remoteApp}, true
		}
		if !ls.Created {
			continue
		}
		if v := r.AppVersion[remoteApp]; v != ls.AppVersion {
			return Hook{Kind: hookRelationChanged, RelationID: r.ID, RemoteApp: remoteApp, Version: v}, true
		}
		for _, n := range remote {
			if _, ok := ls.Members[n]; !ok {
				return Hook{Kind: hookRelationJoined, RelationID: r.ID, RemoteUnit: n, RemoteApp: remoteApp, Version: r.UnitVersion[n]}, true
			}
		}
		for _, n := range members {
			if v := r.UnitVersion[n]; v != ls.Members[n] {
				return Hook{Kind: hookRelationChanged, RelationID: r.ID, RemoteUnit: n, RemoteApp: remoteApp, Version: v}, true
			}
		}
	}
	return Hook{}, false
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// commitHook records a successful hook in the unit agent's state.
func (m *Model) commitHook(a *Application, u *Unit, h Hook) {
	if h.Queued && len(u.Queue) > 0 {
		u.Queue = u.Queue[1:]
	}
	if h.Fired {
		if h.Kind == hookUpgradeCharm {
			u.Queue = append(u.Queue, Hook{Kind: hookConfigChanged})
		}
		return
	}
	switch h.Kind {
	case hookInstall:
		u.Installed = true
	case hookStart:
		u.Started = true
	case hookStop:
		u.Stopped = true
	case hookRemove:
		m.dropUnit(a, u)
	case hookConfigChanged:
		if h.Hash == "" {
			h.Hash = m.configHash(a, u)
		}
		u.ConfigHash = h.Hash
		if !u.Started {
			u.Queue = append(u.Queue, Hook{Kind: hookStart})
		}
	case hookUpgradeCharm:
		u.Queue = append(u.Queue, Hook{Kind: hookConfigChanged})
	case hookLeaderElected:
		u.Leader = true
		u.LeaderSeen = a.LeaderVersion
	case hookLeaderSettingsChanged:
		u.LeaderSeen = h.Version
	case hookRelationCreated:
		ls := u.Relations[h.RelationID]
		if ls == nil {
			ls = &UnitRelation{}
			u.Relations[h.RelationID] = ls
		}
		ls.Created = true
		if r := m.st.relation(h.RelationID); r != nil {
			r.SimDirty = true
		}
	case hookRelationJoined:
		if ls := u.Relations[h.RelationID]; ls != nil {
			if ls.Members == nil {
				ls.Members = map[string]int64{}
			}
			ls.Members[h.RemoteUnit] = h.Version
			ls.ChangedPending = h.RemoteUnit
		}
	case hookRelationChanged:
		if ls := u.Relations[h.RelationID]; ls != nil {
			if h.RemoteUnit == "" {
				ls.AppVersion = h.Version
				break
			}
			if _, ok := ls.Members[h.RemoteUnit]; ok {
				ls.Members[h.RemoteUnit] = h.Version
			}
			if ls.ChangedPending == h.RemoteUnit {
				ls.ChangedPending = ""
			}
		}
	case hookRelationDeparted:
		if ls := u.Relations[h.RelationID]; ls != nil {
			delete(ls.Members, h.RemoteUnit)
			if ls.ChangedPending == h.RemoteUnit {
				ls.ChangedPending = ""
			}
		}
		if r := m.st.relation(h.RelationID); r != nil {
			r.SimDirty = true
		}
	case hookRelationBroken:
		delete(u.Relations, h.RelationID)
		if r := m.st.relation(h.RelationID); r != nil {
			r.SimDirty = true
		}
	}
}
