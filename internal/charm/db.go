package charm

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/shareddb"
)

// Database checks the Panko database over the network.
type Database interface {
	// Ping connects and runs a trivial query.
	Ping(ctx context.Context, r shareddb.Reply) error
	// Schema reads what the database holds of the schema panko-dbsync
	// creates.
	Schema(ctx context.Context, r shareddb.Reply) (Schema, error)
}

// Schema is what the database holds of the schema panko-dbsync creates.
type Schema struct {
	// Missing lists the panko tables that do not exist.
	Missing []string
	// TraitIntValue is the data type of trait_int.value ("" without the
	// table).
	TraitIntValue string
}

// CurrentFor says whether s is the schema the panko-dbsync of release
// creates: the six tables, and trait_int.value a bigint from Pike (Panko
// 3.0.0's "support big integer traits" migration); Ocata's Panko 2.0.0
// creates an int, and a bigint left by a later release also serves it.
func (s Schema) CurrentFor(release string) bool {
	if len(s.Missing) > 0 {
		return false
	}
	if openstack.Compare(release, "pike") < 0 {
		return s.TraitIntValue == "int" || s.TraitIntValue == "bigint"
	}
	return s.TraitIntValue == "bigint"
}

// schemaTables returns the tables panko-dbsync creates.
func schemaTables() []string {
	return []string{"event", "event_type", "trait_datetime", "trait_float", "trait_int", "trait_text"}
}

// dbTimeout bounds every check but the reachability probe.
const dbTimeout = 5 * time.Second

// probeTimeout bounds the reachability probe every reconciling hook makes:
// a database host that drops packets costs at most this much per hook.
const probeTimeout = 2 * time.Second

// mysqlDatabase is Database over github.com/go-sql-driver/mysql.
type mysqlDatabase struct{}

func (mysqlDatabase) open(r shareddb.Reply) (*sql.DB, error) {
	cfg, err := r.MySQLConfig(shareddb.Username, shareddb.Database)
	if err != nil {
		return nil, fmt.Errorf("database configuration: %w", err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sql.OpenDB(connector)
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

// Schema implements Database.
func (m mysqlDatabase) Schema(ctx context.Context, r shareddb.Reply) (Schema, error) {
	db, err := m.open(r)
	if err != nil {
		return Schema{}, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = ?`, shareddb.Database)
	if err != nil {
		return Schema{}, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return Schema{}, fmt.Errorf("list tables: %w", err)
		}
		have[name] = true
	}
	if err := rows.Err(); err != nil {
		return Schema{}, fmt.Errorf("list tables: %w", err)
	}
	var s Schema
	for _, t := range schemaTables() {
		if !have[t] {
			s.Missing = append(s.Missing, t)
		}
	}
	if !have["trait_int"] {
		return s, nil
	}
	err = db.QueryRowContext(ctx, `SELECT data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = 'trait_int' AND column_name = 'value'`, shareddb.Database).Scan(&s.TraitIntValue)
	if err != nil {
		return Schema{}, fmt.Errorf("read trait_int.value type: %w", err)
	}
	return s, nil
}
