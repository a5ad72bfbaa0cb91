package pacemaker

import (
	"maps"
	"slices"
)

// Cluster is the Pacemaker configuration a hacluster unit builds from the
// requests it applies; a simulator can keep it and show it.
type Cluster struct {
	// Primitives are the configured resources, by name.
	Primitives map[string]Primitive
	// Groups are the configured groups, by name.
	Groups map[string]Group
	// Clones are the configured clones, by name.
	Clones map[string]Clone
}

// Apply returns c after r, the way the hacluster charm applies a request:
//  1. each deletion that names a configured primitive, group or clone
//     removes it (a deleted primitive leaves its group, an emptied group
//     goes too, a deleted group takes its members with it, and a clone goes
//     with what it clones); names Pacemaker does not hold are skipped and
//     returned as missing;
//  2. every primitive is created or replaced by its new definition;
//  3. groups and clones are created only when absent: hacluster does not
//     update an existing group's members or clone's definition.
//
// c is not modified.
func (c Cluster) Apply(r Request) (next Cluster, missing []string) {
	next = Cluster{
		Primitives: maps.Clone(c.Primitives),
		Groups:     maps.Clone(c.Groups),
		Clones:     maps.Clone(c.Clones),
	}
	if next.Primitives == nil {
		next.Primitives = map[string]Primitive{}
	}
	if next.Groups == nil {
		next.Groups = map[string]Group{}
	}
	if next.Clones == nil {
		next.Clones = map[string]Clone{}
	}
	for _, name := range r.Deletes {
		if !next.delete(name) {
			missing = append(missing, name)
		}
	}
	for name, p := range r.Primitives {
		next.Primitives[name] = p
	}
	for name, g := range r.Groups {
		if _, ok := next.Groups[name]; !ok {
			g.Members = slices.Clone(g.Members)
			next.Groups[name] = g
		}
	}
	for name, cl := range r.Clones {
		if _, ok := next.Clones[name]; !ok {
			next.Clones[name] = cl
		}
	}
	return next, missing
}

// delete removes name and what depends on it; false when nothing is
// called name.
func (c Cluster) delete(name string) bool {
	switch {
	case hasKey(c.Clones, name):
		delete(c.Clones, name)
	case hasKey(c.Groups, name):
		for _, m := range c.Groups[name].Members {
			delete(c.Primitives, m)
		}
		delete(c.Groups, name)
		c.dropClonesOf(name)
	case hasKey(c.Primitives, name):
		delete(c.Primitives, name)
		c.dropClonesOf(name)
		for gname, g := range c.Groups {
			if !slices.Contains(g.Members, name) {
				continue
			}
			g.Members = slices.DeleteFunc(slices.Clone(g.Members), func(m string) bool { return m == name })
			if len(g.Members) == 0 {
				delete(c.Groups, gname)
				c.dropClonesOf(gname)
			} else {
				c.Groups[gname] = g
			}
		}
	default:
		return false
	}
	return true
}

func (c Cluster) dropClonesOf(res string) {
	for name, cl := range c.Clones {
		if cl.Resource == res {
			delete(c.Clones, name)
		}
	}
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// Commands returns the crm configure commands that define c: primitives,
// groups, clones, each sorted by name.
func (c Cluster) Commands() []string {
	return Request{Primitives: c.Primitives, Groups: c.Groups, Clones: c.Clones}.Commands()
}
