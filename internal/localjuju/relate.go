package localjuju

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// parseEndpointArg splits "app[:endpoint]".
func parseEndpointArg(s string) (app, ep string) {
	app, ep, _ = strings.Cut(s, ":")
	return app, ep
}

// Relate adds a relation between two applications ("app" or "app:endpoint")
// and returns its id.
func (m *Model) Relate(ctx context.Context, a, b string) (int, error) {
	eps, err := m.resolveRelation(a, b)
	if err != nil {
		return 0, err
	}
	for _, r := range m.st.Relations {
		if r.Life == lifeAlive && !r.Peer() && r.Key() == (&Relation{Endpoints: eps}).Key() {
			return 0, fmt.Errorf("cannot relate %s and %s: relation %q already exists", a, b, r.Key())
		}
	}
	r := m.addRelation(eps)
	if r.Scope == scopeContainer {
		for _, e := range eps {
			pa := m.st.Applications[e.App]
			if pa.Subordinate {
				continue
			}
			for _, u := range pa.Units {
				if u.Life == lifeAlive {
					if err := m.addSubordinates(u); err != nil {
						return r.ID, err
					}
				}
			}
		}
	}
	m.logf("", "model", "INFO", "relation %d added: %s", r.ID, r.Key())
	return r.ID, m.save()
}

// addRelation creates a relation with empty app bags and Juju's keys in
// every existing unit's bag.
func (m *Model) addRelation(eps []RelationEndpoint) *Relation {
	r := &Relation{
		ID:          m.st.NextRelation,
		Interface:   eps[0].Interface,
		Scope:       scopeGlobal,
		Endpoints:   eps,
		Life:        lifeAlive,
		AppData:     map[string]map[string]string{},
		AppVersion:  map[string]int64{},
		UnitData:    map[string]map[string]string{},
		UnitVersion: map[string]int64{},
		SimDirty:    true,
	}
	m.st.NextRelation++
	for _, e := range eps {
		if e.Scope == scopeContainer {
			r.Scope = scopeContainer
		}
		r.AppData[e.App] = map[string]string{}
		r.AppVersion[e.App] = 0
		for _, u := range m.st.Applications[e.App].Units {
			if u.Life == lifeAlive {
				m.initUnitBag(r, u)
			}
		}
	}
	m.st.Relations = append(m.st.Relations, r)
	return r
}

// resolveRelation finds the endpoint pair for "a[:ep]" and "b[:ep]".
func (m *Model) resolveRelation(a, b string) ([]RelationEndpoint, error) {
	appA, epA := parseEndpointArg(a)
	appB, epB := parseEndpointArg(b)
	A, err := m.st.app(appA)
	if err != nil {
		return nil, fmt.Errorf("cannot relate %s and %s: %w", a, b, err)
	}
	B, err := m.st.app(appB)
	if err != nil {
		return nil, fmt.Errorf("cannot relate %s and %s: %w", a, b, err)
	}
	if appA == appB {
		return nil, fmt.Errorf("cannot relate %s and %s: an application cannot be related to itself (peer relations are created at deploy)", a, b)
	}
	for _, x := range []*Application{A, B} {
		if err := checkAlive(x); err != nil {
			return nil, fmt.Errorf("cannot relate %s and %s: %w", a, b, err)
		}
	}
	for _, x := range []struct {
		app *Application
		ep  string
	}{{A, epA}, {B, epB}} {
		if x.ep == "" {
			continue
		}
		e, ok := x.app.Endpoints[x.ep]
		if !ok {
			return nil, fmt.Errorf("cannot relate %s and %s: application %q has no endpoint %q (endpoints: %s)", a, b, x.app.Name, x.ep, describeEndpoints(x.app))
		}
		if e.Role == rolePeers {
			return nil, fmt.Errorf("cannot relate %s and %s: %s:%s is a peer endpoint", a, b, x.app.Name, x.ep)
		}
	}
	type pair struct{ a, b RelationEndpoint }
	var found []pair
	for _, na := range sortedEndpointNames(A) {
		ea := A.Endpoints[na]
		if (epA != "" && na != epA) || ea.Role == rolePeers {
			continue
		}
		for _, nb := range sortedEndpointNames(B) {
			eb := B.Endpoints[nb]
			if (epB != "" && nb != epB) || eb.Role == rolePeers {
				continue
			}
			if ea.Interface != eb.Interface || ea.Role == eb.Role {
				continue
			}
			found = append(found, pair{
				RelationEndpoint{App: A.Name, Name: na, Interface: ea.Interface, Role: ea.Role, Scope: ea.Scope},
				RelationEndpoint{App: B.Name, Name: nb, Interface: eb.Interface, Role: eb.Role, Scope: eb.Scope},
			})
		}
	}
	switch {
	case len(found) == 0 && epA != "" && epB != "":
		ea, eb := A.Endpoints[epA], B.Endpoints[epB]
		if ea.Interface != eb.Interface {
			return nil, fmt.Errorf("cannot relate %s and %s: interfaces do not match (%s:%s has %q, %s:%s has %q)", a, b, appA, epA, ea.Interface, appB, epB, eb.Interface)
		}
		return nil, fmt.Errorf("cannot relate %s and %s: both endpoints have role %q", a, b, ea.Role)
	case len(found) == 0 && epA != "":
		ea := A.Endpoints[epA]
		return nil, fmt.Errorf("cannot relate %s and %s: %s:%s (interface %q, %s) has no matching endpoint on %s (endpoints: %s)", a, b, appA, epA, ea.Interface, ea.Role, appB, describeEndpoints(B))
	case len(found) == 0 && epB != "":
		eb := B.Endpoints[epB]
		return nil, fmt.Errorf("cannot relate %s and %s: %s:%s (interface %q, %s) has no matching endpoint on %s (endpoints: %s)", a, b, appB, epB, eb.Interface, eb.Role, appA, describeEndpoints(A))
	case len(found) == 0:
		return nil, fmt.Errorf("cannot relate %s and %s: no relations found (%s: %s; %s: %s)", a, b, appA, describeEndpoints(A), appB, describeEndpoints(B))
	case len(found) > 1:
		var opts []string
		for _, p := range found {
			opts = append(opts, fmt.Sprintf("%q", p.a.String()+" "+p.b.String()))
		}
		return nil, fmt.Errorf("ambiguous relation: %q could refer to %s", a+" "+b, strings.Join(opts, "; "))
	}
	p := found[0]
	if p.a.Scope == scopeContainer || p.b.Scope == scopeContainer {
		if !A.Subordinate && !B.Subordinate {
			return nil, fmt.Errorf("cannot relate %s and %s: the container-scoped relation needs a subordinate application", a, b)
		}
	}
	if p.a.Role == roleRequires {
		return []RelationEndpoint{p.b, p.a}, nil
	}
	return []RelationEndpoint{p.a, p.b}, nil
}

func sortedEndpointNames(a *Application) []string { return sortedKeys(a.Endpoints) }

func describeEndpoints(a *Application) string {
	var parts []string
	for _, n := range sortedEndpointNames(a) {
		e := a.Endpoints[n]
		if e.Role == rolePeers {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s, %s)", n, e.Interface, e.Role))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// RemoveRelation starts the removal of a relation given as two
// "app[:endpoint]" arguments, or as one relation id.
func (m *Model) RemoveRelation(ctx context.Context, args ...string) error {
	r, err := m.findRelation(args...)
	if err != nil {
		return err
	}
	if r.Peer() {
		return fmt.Errorf("cannot remove relation %q: peer relations live as long as the application", r.Key())
	}
	if r.Life == lifeDying {
		return nil
	}
	r.Life = lifeDying
	r.SimDirty = true
	m.logf("", "model", "INFO", "relation %d (%s) is dying", r.ID, r.Key())
	return m.save()
}

func (m *Model) findRelation(args ...string) (*Relation, error) {
	if len(args) == 1 {
		id, err := strconv.Atoi(args[0])
		if err != nil {
			return nil, fmt.Errorf("invalid relation id %q", args[0])
		}
		if r := m.st.relation(id); r != nil {
			return r, nil
		}
		return nil, fmt.Errorf("relation %d not found", id)
	}
	if len(args) != 2 {
		return nil, fmt.Errorf("expected a relation id or two application endpoints, got %d arguments", len(args))
	}
	appA, epA := parseEndpointArg(args[0])
	appB, epB := parseEndpointArg(args[1])
	for _, app := range []string{appA, appB} {
		if _, err := m.st.app(app); err != nil {
			return nil, err
		}
	}
	var found []*Relation
	for _, r := range m.st.Relations {
		ea, okA := r.endpointOf(appA)
		eb, okB := r.endpointOf(appB)
		if !okA || !okB || r.Peer() {
			continue
		}
		if (epA != "" && ea.Name != epA) || (epB != "" && eb.Name != epB) {
			continue
		}
		found = append(found, r)
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("relation %q not found", strings.Join(args, " "))
	case 1:
		return found[0], nil
	}
	var keys []string
	for _, r := range found {
		keys = append(keys, fmt.Sprintf("%q", r.Key()))
	}
	return nil, fmt.Errorf("ambiguous relation: %q could refer to %s", strings.Join(args, " "), strings.Join(keys, "; "))
}
