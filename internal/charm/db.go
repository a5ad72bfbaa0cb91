package charm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/openstack-charmers/charm-panko/internal/relation/shareddb"
)

// Database checks the Panko database over the network.
type Database interface {
	// Ping connects and runs a trivial query.
	Ping(ctx context.Context, r shareddb.Reply) error
	// SchemaCurrent reports whether the schema panko-dbsync creates is in
	// place: the six tables exist and trait_int.value is a bigint.
	SchemaCurrent(ctx context.Context, r shareddb.Reply) (bool, error)
}

// schemaTables are the tables panko-dbsync creates.
var schemaTables = []string{"event", "event_type", "trait_datetime", "trait_float", "trait_int", "trait_text"}

// dbTimeout bounds every check but the reachability probe.
const dbTimeout = 5 * time.Second

// probeTimeout bounds the reachability probe every reconciling hook makes:
// a database host that drops packets costs at most this much per hook.
const probeTimeout = 2 * time.Second

// mysqlDatabase is Database over github.com/go-sql-driver/mysql.
type mysqlDatabase struct{}

func (mysqlDatabase) open(r shareddb.Reply) (*sql.DB, error) {
	tlsName := ""
	if len(r.SSLCA) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(r.SSLCA) {
			return nil, fmt.Errorf("database CA is not PEM")
		}
		tlsName = "panko-db"
		if err := mysql.RegisterTLSConfig(tlsName, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}); err != nil {
			return nil, fmt.Errorf("register database TLS: %w", err)
		}
	}
	db, err := sql.Open("mysql", r.DSN(shareddb.Username, shareddb.Database, tlsName))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Ping implements Database.
func (m mysqlDatabase) Ping(ctx context.Context, r shareddb.Reply) error {
	db, err := m.open(r)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	return db.PingContext(ctx)
}

// SchemaCurrent implements Database.
func (m mysqlDatabase) SchemaCurrent(ctx context.Context, r shareddb.Reply) (bool, error) {
	db, err := m.open(r)
	if err != nil {
		return false, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = ?`, shareddb.Database)
	if err != nil {
		return false, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return false, fmt.Errorf("list tables: %w", err)
		}
		have[name] = true
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("list tables: %w", err)
	}
	for _, t := range schemaTables {
		if !have[t] {
			return false, nil
		}
	}
	var typ string
	err = db.QueryRowContext(ctx, `SELECT data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = 'trait_int' AND column_name = 'value'`, shareddb.Database).Scan(&typ)
	if err != nil {
		return false, fmt.Errorf("read trait_int.value type: %w", err)
	}
	return typ == "bigint", nil
}
