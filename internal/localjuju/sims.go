package localjuju

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/mariadb"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/rabbitmq"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
)

// maxSimRounds caps how often simulators may answer each other within one
// respondSims call (two simulated sides of one relation could ping-pong).
const maxSimRounds = 50

// simFor builds the simulator of an application from its current config.
func (m *Model) simFor(ctx context.Context, a *Application) (sim.App, error) {
	env := sim.Env{
		StateDir:    m.simStateDir(a.Name),
		UnitAddress: m.unitAddress,
	}
	if err := os.MkdirAll(env.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("simulator %s: %w", a.Name, err)
	}
	if a.Charm == "mysql" {
		dsn, err := m.ensureDB(ctx)
		if err != nil {
			return nil, err
		}
		env.MySQLDSN = dsn
	}
	if a.Charm == "rabbitmq-server" {
		srv, err := m.RabbitMQ(ctx)
		if err != nil {
			return nil, err
		}
		env.Broker = srv
	}
	s, err := m.opts.NewSim(a.Charm, copyBag(a.Config), env)
	if err != nil {
		return nil, fmt.Errorf("simulator %s: %w", a.Name, err)
	}
	return s, nil
}

// RabbitMQ returns the model's private RabbitMQ node, the broker every
// rabbitmq-server simulator of the model stands for (started, or reused
// when already running).
func (m *Model) RabbitMQ(ctx context.Context) (*rabbitmq.Server, error) {
	if m.rabbit == nil {
		srv, err := rabbitmq.Start(ctx, m.rabbitDir())
		if err != nil {
			return nil, fmt.Errorf("start the model's RabbitMQ: %w", err)
		}
		m.rabbit = srv
	}
	return m.rabbit, nil
}

// unitAddress returns a unit's address ("" if unknown).
func (m *Model) unitAddress(unit string) string {
	if u := m.st.findUnit(unit); u != nil {
		return u.Address
	}
	return ""
}

// ensureDB returns the root DSN of the database server: the configured one,
// or the model's private MariaDB (started, or reused if already running).
func (m *Model) ensureDB(ctx context.Context) (string, error) {
	if m.st.MySQLDSN != "" {
		return m.st.MySQLDSN, nil
	}
	if m.stopped != nil {
		return "", errors.New("the model's MariaDB is stopped (StopDatabase)")
	}
	if m.db == nil {
		// The mysql-router flavour answers db_host=127.0.0.1 when the server
		// also listens there; that needs 127.0.0.1:3306 free.
		var srv *mariadb.Server
		var err error
		if loopbackPortFree(mariadb.DefaultPort) {
			srv, err = mariadb.Start(ctx, m.mariadbDir(), mariadb.Options{LoopbackRouter: true})
		}
		if srv == nil {
			srv, err = mariadb.Start(ctx, m.mariadbDir(), mariadb.Options{})
		}
		if err != nil {
			return "", fmt.Errorf("start the model's MariaDB (or pass --mysql-dsn): %w", err)
		}
		m.db = srv
	}
	return m.db.DSN, nil
}

// StopDatabase stops the model's private MariaDB, the server every mysql
// application of the model stands for: a database outage. StartDatabase
// brings it back on the same addresses and ports, so the relation data
// stays true.
func (m *Model) StopDatabase(ctx context.Context) error {
	if m.st.MySQLDSN != "" {
		return errors.New("stop database: the model uses an external server (--mysql-dsn)")
	}
	if _, err := m.ensureDB(ctx); err != nil {
		return err
	}
	opts := mariadb.Options{Addr: m.db.Addr, Port: m.db.Port, RouterPort: m.db.RouterPort,
		LoopbackRouter: m.db.RouterAddr != m.db.Addr}
	if err := m.db.Stop(); err != nil {
		return fmt.Errorf("stop database: %w", err)
	}
	m.db, m.stopped = nil, &opts
	return nil
}

// StartDatabase starts the MariaDB StopDatabase stopped.
func (m *Model) StartDatabase(ctx context.Context) error {
	if m.stopped == nil {
		return nil
	}
	srv, err := mariadb.Start(ctx, m.mariadbDir(), *m.stopped)
	if err != nil {
		return fmt.Errorf("start database: %w", err)
	}
	m.db, m.stopped = srv, nil
	return nil
}

// loopbackPortFree reports whether 127.0.0.1:port can be bound.
func loopbackPortFree(port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// stopMariaDB stops the model's private MariaDB server.
func (m *Model) stopMariaDB(ctx context.Context) error {
	if m.db == nil {
		srv, err := mariadb.Start(ctx, m.mariadbDir(), mariadb.Options{})
		if err != nil {
			return fmt.Errorf("stop the model's MariaDB: %w", err)
		}
		m.db = srv
	}
	err := m.db.Stop()
	m.db = nil
	if err != nil {
		return fmt.Errorf("stop the model's MariaDB: %w", err)
	}
	return nil
}

// simView builds a relation as a simulated application sees it.
func (m *Model) simView(r *Relation, sa *Application, units, remote []string) sim.Relation {
	local, _ := r.endpointOf(sa.Name)
	other := r.otherEndpoint(sa.Name)
	v := sim.Relation{
		ID:            r.ID,
		Endpoint:      local.Name,
		RemoteApp:     other.App,
		RemoteUnits:   map[string]map[string]string{},
		RemoteAppData: copyBag(r.AppData[other.App]),
		Units:         map[string]map[string]string{},
		AppData:       copyBag(r.AppData[sa.Name]),
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

// Catalog returns the keystone catalog recorded by every keystone simulator.
func (m *Model) Catalog() ([]sim.CatalogEntry, error) {
	var out []sim.CatalogEntry
	for _, name := range m.st.sortedAppNames() {
		a := m.st.Applications[name]
		if a.Kind != KindSim || a.Charm != "keystone" {
			continue
		}
		entries, err := sim.ReadCatalog(m.simStateDir(a.Name))
		if err != nil {
			return nil, fmt.Errorf("catalog of %s: %w", a.Name, err)
		}
		out = append(out, entries...)
	}
	return out, nil
}

// MySQLDSN returns the root DSN of the model's database server (the one
// given with --mysql-dsn, else the private MariaDB, started if needed). It
// holds the root password: never log or print it.
func (m *Model) MySQLDSN(ctx context.Context) (string, error) {
	return m.ensureDB(ctx)
}
