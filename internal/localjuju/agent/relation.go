package main

import (
	"fmt"
	"sort"

	"github.com/juju/errors"
	"github.com/juju/names/v5"

	"github.com/juju/juju/cmd/localjuju-agent/unitstate"
	"github.com/juju/juju/core/life"
	corerelation "github.com/juju/juju/core/relation"
	"github.com/juju/juju/internal/worker/uniter/runner/jujuc"
	"github.com/juju/juju/rpc/params"
)

// settings is a working copy of one of the unit's own data bags.
type settings map[string]string

// Map returns a copy of the bag.
func (s settings) Map() params.Settings { return params.Settings(copyMap(s)) }

// Set sets a key.
func (s settings) Set(k, v string) { s[k] = v }

// Delete removes a key.
func (s settings) Delete(k string) { delete(s, k) }

// relation is one relation of the unit as jujuc.ContextRelation.
type relation struct {
	c    *hookContext
	r    *unitstate.Relation
	peer bool
	unit settings // working copy of the unit's bag
	app  settings // working copy of the application's bag
}

var _ jujuc.ContextRelation = (*relation)(nil)

// Id returns the relation id.
func (r *relation) Id() int { return r.r.ID }

// Name returns the local endpoint.
func (r *relation) Name() string { return r.r.Endpoint }

// FakeId returns "endpoint:id".
func (r *relation) FakeId() string { return fmt.Sprintf("%s:%d", r.r.Endpoint, r.r.ID) }

// RelationTag returns the relation's tag, built from its key.
func (r *relation) RelationTag() names.RelationTag {
	key := r.c.app + ":" + r.r.Endpoint
	if !r.peer {
		remote := r.r.RemoteEndpoint
		if remote == "" {
			remote = r.r.Endpoint
		}
		key += " " + r.r.RemoteApp + ":" + remote
	}
	return names.NewRelationTag(key)
}

// Settings returns the unit's own bag.
func (r *relation) Settings() (jujuc.Settings, error) { return r.unit, nil }

// ApplicationSettings returns the application's own bag (the tool checks
// leadership).
func (r *relation) ApplicationSettings() (jujuc.Settings, error) { return r.app, nil }

// UnitNames returns the remote units in the relation, sorted.
func (r *relation) UnitNames() []string {
	units := make([]string, 0, len(r.r.RemoteUnits))
	for u := range r.r.RemoteUnits {
		units = append(units, u)
	}
	sort.Strings(units)
	return units
}

// ReadSettings returns a remote unit's bag; departed units stay readable.
func (r *relation) ReadSettings(unit string) (params.Settings, error) {
	if bag, ok := r.r.RemoteUnits[unit]; ok {
		return params.Settings(copyMap(bag)), nil
	}
	if bag, ok := r.r.DepartedUnits[unit]; ok {
		return params.Settings(copyMap(bag)), nil
	}
	return nil, errors.New("permission denied") // the controller's answer
}

// ReadApplicationSettings returns the remote application's bag.
func (r *relation) ReadApplicationSettings(app string) (params.Settings, error) {
	if app == r.r.RemoteApp {
		return params.Settings(copyMap(r.r.RemoteAppData)), nil
	}
	return nil, errors.New("permission denied")
}

// Suspended reports false: relations here are never suspended.
func (r *relation) Suspended() bool { return false }

// SetStatus is not supported (cross-model relations only).
func (r *relation) SetStatus(corerelation.Status) error {
	return errors.NotSupportedf("relation status")
}

// RemoteApplicationName returns the remote application.
func (r *relation) RemoteApplicationName() string { return r.r.RemoteApp }

// RemoteModelUUID returns the remote model's UUID, if given.
func (r *relation) RemoteModelUUID() string { return r.r.RemoteModelUUID }

// Life returns the relation's life (alive unless given).
func (r *relation) Life() life.Value {
	if r.r.Life == "" {
		return life.Alive
	}
	return life.Value(r.r.Life)
}

// Relation returns the relation with the given id.
func (c *hookContext) Relation(id int) (jujuc.ContextRelation, error) {
	if r, ok := c.relations[id]; ok {
		return r, nil
	}
	return nil, errors.NotFoundf("relation")
}

// broken reports what the uniter's context factory calls a broken
// relation: not a peer relation, not alive, and without members. It stays
// readable with -r but is left out of relation-ids.
func (r *relation) broken() bool {
	return !r.peer && r.Life() != life.Alive && len(r.r.RemoteUnits) == 0
}

// RelationIds returns the ids of the relations that are not broken, sorted.
func (c *hookContext) RelationIds() ([]int, error) {
	ids := make([]int, 0, len(c.relations))
	for id, r := range c.relations {
		if !r.broken() {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	return ids, nil
}

// HookRelation returns the relation of a relation hook.
func (c *hookContext) HookRelation() (jujuc.ContextRelation, error) { return c.Relation(c.hookRelID) }

// RemoteUnitName returns the hook's remote unit.
func (c *hookContext) RemoteUnitName() (string, error) {
	if c.remoteUnit == "" {
		return "", errors.NotFoundf("remote unit")
	}
	return c.remoteUnit, nil
}

// RemoteApplicationName returns the hook's remote application.
func (c *hookContext) RemoteApplicationName() (string, error) {
	if c.remoteApp == "" {
		return "", errors.NotFoundf("saas application")
	}
	return c.remoteApp, nil
}
