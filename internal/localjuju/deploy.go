package localjuju

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/juju/charm/v12"
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
