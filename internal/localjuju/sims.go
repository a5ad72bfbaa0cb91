package localjuju

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
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
