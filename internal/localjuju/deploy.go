package localjuju

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/juju/charm/v12"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

// appNameRule is Juju's application name rule: every hyphen-separated
// segment needs a letter.
var appNameRule = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`)

// DeployArgs describes a deploy.
type DeployArgs struct {
	// Name is the application name (default: the charm name).
	Name string
	// Charm is the simulator charm ("mysql", "keystone", ...) when CharmPath
	// is empty.
	Charm string
	// CharmPath is a charm archive or directory: the real charm is deployed.
	CharmPath string
	// Units is the number of units (default 1; subordinates get none).
	Units int
	// Config holds option values as given on the command line (k=v).
	Config map[string]string
	// Series selects the unit's OS series (real charms).
	Series string
	// Resources maps resource names to files attached at deploy (real
	// charms).
	Resources map[string]string
}

// Deploy adds an application and its units. It does not run hooks; call
// Settle.
func (m *Model) Deploy(ctx context.Context, args DeployArgs) error {
	name := args.Name
	if name == "" {
		name = args.Charm
	}
	if args.CharmPath == "" && args.Charm == "" {
		return fmt.Errorf("deploy: no charm given")
	}
	if args.Units < 0 {
		return fmt.Errorf("deploy %s: invalid number of units %d", name, args.Units)
	}
	if args.Units == 0 {
		args.Units = 1
	}
	var app *Application
	if args.CharmPath != "" {
		var err error
		if app, err = m.newCharmApp(name, args); err != nil {
			return err
		}
	} else {
		var err error
		if app, err = m.newSimApp(ctx, name, args); err != nil {
			return err
		}
	}
	for name, path := range args.Resources {
		if err := m.storeResource(app, name, path); err != nil {
			return fmt.Errorf("deploy %s: %w", app.Name, err)
		}
	}
	m.st.Applications[app.Name] = app
	for ep, e := range app.Endpoints {
		if e.Role == rolePeers {
			m.addRelation([]RelationEndpoint{{App: app.Name, Name: ep, Interface: e.Interface, Role: e.Role, Scope: e.Scope}})
		}
	}
	if !app.Subordinate {
		for i := 0; i < args.Units; i++ {
			if _, err := m.addUnit(app, ""); err != nil {
				return fmt.Errorf("deploy %s: %w", name, err)
			}
		}
	}
	m.logf("", "model", "INFO", "deployed %s (%s, %s)", app.Name, app.Charm, app.Kind)
	return m.save()
}

func validateAppName(name string) error {
	if !appNameRule.MatchString(name) {
		return fmt.Errorf("invalid application name %q: each hyphen-separated part needs a letter and only a-z, 0-9 are allowed", name)
	}
	return nil
}

func (m *Model) checkNewApp(name string) error {
	if err := validateAppName(name); err != nil {
		return err
	}
	if _, ok := m.st.Applications[name]; ok {
		return fmt.Errorf("cannot add application %q: application already exists", name)
	}
	return nil
}

func (m *Model) newCharmApp(name string, args DeployArgs) (*Application, error) {
	if name == "" {
		var err error
		if name, err = charmNameAt(args.CharmPath); err != nil {
			return nil, fmt.Errorf("deploy %s: %w", args.CharmPath, err)
		}
	}
	if err := m.checkNewApp(name); err != nil {
		return nil, err
	}
	archive, info, err := m.importCharm(args.CharmPath, name)
	if err != nil {
		return nil, fmt.Errorf("deploy %s: %w", name, err)
	}
	if info.meta.Subordinate {
		os.Remove(archive)
		return nil, fmt.Errorf("deploy %s: subordinate charms are not supported by the local model", name)
	}
	series, err := chooseSeries(info, args.Series)
	if err != nil {
		os.Remove(archive)
		return nil, fmt.Errorf("deploy %s: %w", name, err)
	}
	if _, err := info.config.ParseSettingsStrings(args.Config); err != nil {
		os.Remove(archive)
		return nil, fmt.Errorf("deploy %s: %w", name, err)
	}
	rev := 0
	if i := strings.LastIndex(archive, "-"); i >= 0 {
		rev, _ = strconv.Atoi(strings.TrimSuffix(archive[i+1:], ".charm"))
	}
	return &Application{
		Name:          name,
		Charm:         info.meta.Name,
		Kind:          KindCharm,
		Archive:       archive,
		Revision:      rev,
		Series:        series,
		Config:        copyBag(args.Config),
		Endpoints:     charmEndpoints(info.meta),
		ExtraBindings: extraBindings(info.meta),
		LeaderVersion: 1,
	}, nil
}

// charmNameAt reads the charm name from a charm archive or directory.
func charmNameAt(path string) (string, error) {
	ch, err := charm.ReadCharm(path)
	if err != nil {
		return "", fmt.Errorf("read charm %s: %w", path, err)
	}
	return ch.Meta().Name, nil
}

func (m *Model) newSimApp(ctx context.Context, name string, args DeployArgs) (*Application, error) {
	if err := m.checkNewApp(name); err != nil {
		return nil, err
	}
	app := &Application{
		Name:          name,
		Charm:         args.Charm,
		Kind:          KindSim,
		Config:        copyBag(args.Config),
		LeaderVersion: 1,
	}
	s, err := m.simFor(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("deploy %s: %w", name, err)
	}
	app.Subordinate = s.Subordinate()
	app.Endpoints = map[string]Endpoint{}
	for ep, e := range s.Endpoints() {
		scope := e.Scope
		if scope == "" {
			scope = scopeGlobal
		}
		app.Endpoints[ep] = Endpoint{Interface: e.Interface, Role: e.Role, Scope: scope}
	}
	return app, nil
}

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
		if m.st.NextMachine+10 > 254 {
			return nil, fmt.Errorf("no addresses left in 10.5.0.0/24")
		}
		u.Machine = strconv.Itoa(m.st.NextMachine)
		u.Address = fmt.Sprintf("10.5.0.%d", 10+m.st.NextMachine)
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
	if a.Leader == u.Name {
		a.Leader = ""
		for _, o := range a.Units {
			if o.Life == lifeAlive {
				a.Leader = o.Name
				m.logf(o.Name, "model", "INFO", "%s is now the leader of %s", o.Name, a.Name)
				break
			}
		}
	}
	if a.Kind == KindSim || !u.Installed {
		m.dropUnit(a, u)
	}
}

// dropUnit deletes a unit from the model.
func (m *Model) dropUnit(a *Application, u *Unit) {
	for i, o := range a.Units {
		if o == u {
			a.Units = append(a.Units[:i], a.Units[i+1:]...)
			break
		}
	}
	if a.Leader == u.Name {
		a.Leader = ""
		for _, o := range a.Units {
			if o.Life == lifeAlive {
				a.Leader = o.Name
				break
			}
		}
	}
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

// RemoveApplication starts the removal of an application, as `juju
// remove-application` does: every relation of the application dies (the
// units on the other side run relation-departed and relation-broken),
// every unit runs its teardown (relation-departed, relation-broken, stop,
// remove) and takes its subordinate units along, and the application
// leaves the model on a later Settle once all of that is done. Simulated
// units go at once; the simulator's state directory goes with the
// application.
func (m *Model) RemoveApplication(ctx context.Context, app string) error {
	a, err := m.st.app(app)
	if err != nil {
		return err
	}
	if a.Life == lifeDying {
		return nil
	}
	a.Life = lifeDying
	for _, r := range m.st.Relations {
		if _, ok := r.endpointOf(a.Name); !ok || r.Peer() || r.Life != lifeAlive {
			continue
		}
		r.Life = lifeDying
		r.SimDirty = true
		m.logf("", "model", "INFO", "relation %d (%s) is dying", r.ID, r.Key())
	}
	for _, u := range append([]*Unit(nil), a.Units...) {
		if u.Life == lifeAlive {
			m.killUnit(a, u)
		}
	}
	m.logf("", "model", "INFO", "application %s is dying", a.Name)
	return m.save()
}

// checkAlive refuses changes to an application that is being removed.
func checkAlive(a *Application) error {
	if a.Life == lifeDying {
		return fmt.Errorf("application %q is being removed", a.Name)
	}
	return nil
}

// reapApplications deletes dying applications that have no units and no
// relation other than their own peer relations left.
func (m *Model) reapApplications() {
	for _, name := range m.st.sortedAppNames() {
		a := m.st.Applications[name]
		if a.Life != lifeDying || len(a.Units) > 0 {
			continue
		}
		held := false
		for _, r := range m.st.Relations {
			if _, ok := r.endpointOf(a.Name); ok && !r.Peer() {
				held = true
				break
			}
		}
		if held {
			continue
		}
		var keep []*Relation
		for _, r := range m.st.Relations {
			if _, ok := r.endpointOf(a.Name); !ok {
				keep = append(keep, r)
			}
		}
		m.st.Relations = keep
		if a.Kind == KindSim {
			if err := os.RemoveAll(m.simStateDir(a.Name)); err != nil {
				m.logf("", "model", "WARNING", "remove the simulator state of %s: %v", a.Name, err)
			}
		}
		delete(m.st.Applications, a.Name)
		m.logf("", "model", "INFO", "application %s removed", a.Name)
	}
}

func (m *Model) markRelationsDirty(app string) {
	for _, r := range m.st.Relations {
		if _, ok := r.endpointOf(app); ok {
			r.SimDirty = true
		}
	}
}

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

func sortedEndpointNames(a *Application) []string {
	names := make([]string, 0, len(a.Endpoints))
	for n := range a.Endpoints {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

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
