package jujutest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// RelationIDs returns the ids of the relations on endpoint. An endpoint not
// in metadata.yaml is reported as a test error (Juju would answer nothing).
func (b *Backend) RelationIDs(ctx context.Context, endpoint string) ([]string, error) {
	b.call("relation-ids")
	if !b.endpoints[endpoint] {
		b.t.Errorf("jujutest: relation-ids: endpoint %q is not in metadata.yaml", endpoint)
	}
	ids := []string{}
	for _, r := range b.rels {
		if r.endpoint == endpoint {
			ids = append(ids, r.id)
		}
	}
	return ids, nil
}

// relation finds relID the way -r does: by the number after the last ':'.
func (b *Backend) relation(tool, relID string) (*relation, error) {
	_, numText, _ := cutLast(relID, ":")
	n, err := strconv.Atoi(numText)
	if err != nil {
		return nil, toolErr(tool, 2, fmt.Sprintf("invalid value %q for option -r: invalid relation id", relID))
	}
	for _, r := range b.rels {
		if r.num == n {
			return r, nil
		}
	}
	return nil, toolErr(tool, 2, fmt.Sprintf("invalid value %q for option -r: relation not found", relID))
}

// RelationList returns the remote units of relID, sorted.
func (b *Backend) RelationList(ctx context.Context, relID string) ([]string, error) {
	b.call("relation-list")
	r, err := b.relation("relation-list", relID)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(r.remoteUnits)), nil
}

// RelationGet returns a bag on relID with Juju's access rules: units outside
// the relation, and this application's bag on a non-peer relation for a
// non-leader, are refused with "permission denied".
func (b *Backend) RelationGet(ctx context.Context, relID, unitOrApp string, app bool) (map[string]string, error) {
	if unitOrApp == "" {
		return nil, errors.New("relation-get: no unit or application given")
	}
	b.call("relation-get")
	r, err := b.relation("relation-get", relID)
	if err != nil {
		return nil, err
	}
	denied := toolErr("relation-get", 1, "permission denied")
	if !app {
		if !strings.Contains(unitOrApp, "/") {
			return nil, toolErr("relation-get", 2, fmt.Sprintf("expected unit name, got application name %q", unitOrApp))
		}
		if unitOrApp == b.unit {
			return cloneStrings(r.localUnit), nil
		}
		bag, ok := r.remoteUnits[unitOrApp]
		if !ok {
			return nil, denied
		}
		return cloneStrings(bag), nil
	}
	name, _, _ := strings.Cut(unitOrApp, "/")
	switch {
	case name == b.app && (r.peer || b.leader):
		return cloneStrings(r.localApp), nil
	case name == r.remoteApp && name != b.app:
		return cloneStrings(r.remoteData), nil
	}
	return nil, denied
}

// RelationSet writes this unit's (or, leader only, this application's) bag
// on relID; an empty value deletes the key.
func (b *Backend) RelationSet(ctx context.Context, relID string, app bool, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	b.call("relation-set")
	r, err := b.relation("relation-set", relID)
	if err != nil {
		return err
	}
	if !app {
		setBag(r.localUnit, data)
		return nil
	}
	if !b.leader {
		return toolErr("relation-set", 1, "cannot write relation settings")
	}
	setBag(r.localApp, data)
	return nil
}

// setBag applies data to bag: an empty value deletes the key.
func setBag(bag, data map[string]string) {
	for k, v := range data {
		if v == "" {
			delete(bag, k)
		} else {
			bag[k] = v
		}
	}
}
