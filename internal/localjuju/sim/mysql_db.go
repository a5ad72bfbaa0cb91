package sim

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// server is where the MariaDB server really listens.
type server struct {
	host       string // the DSN's host: the address clients use on port
	port       int
	routerHost string // 127.0.0.1 when the server listens there, else host
	routerPort int    // the server's extra_port, else port
	caFile     string // @@ssl_ca, "" without TLS
}

// ca reads the server's CA chain (PEM) for ssl_ca.
func (s server) ca() ([]byte, error) {
	if s.caFile == "" {
		return nil, fmt.Errorf("ssl=true but the MariaDB server has no ssl_ca configured")
	}
	raw, err := os.ReadFile(s.caFile)
	if err != nil {
		return nil, fmt.Errorf("read the server's CA: %w", err)
	}
	return raw, nil
}

// open connects as root and finds out where the server listens.
func (m *mysqlApp) open(ctx context.Context) (*sql.DB, server, error) {
	cfg, err := mysql.ParseDSN(m.env.MySQLDSN)
	if err != nil {
		return nil, server{}, fmt.Errorf("mysql simulator DSN: %w", err)
	}
	if cfg.Net != "tcp" {
		return nil, server{}, fmt.Errorf("mysql simulator needs a TCP DSN, not %q", cfg.Net)
	}
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, server{}, fmt.Errorf("mysql simulator DSN address: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, server{}, fmt.Errorf("mysql simulator DSN port: %w", err)
	}
	db, err := sql.Open("mysql", m.env.MySQLDSN)
	if err != nil {
		return nil, server{}, fmt.Errorf("open MariaDB connection: %w", err)
	}
	db.SetMaxOpenConns(1)
	srv := server{host: host, port: port, routerHost: host, routerPort: port}
	var caFile sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT @@ssl_ca").Scan(&caFile); err != nil {
		db.Close()
		return nil, server{}, fmt.Errorf("query MariaDB at %s: %w", cfg.Addr, err)
	}
	srv.caFile = caFile.String
	var bind sql.NullString
	var extra sql.NullInt64
	// extra_port is MariaDB's; other servers simply have no second port.
	if err := db.QueryRowContext(ctx, "SELECT @@bind_address, @@extra_port").Scan(&bind, &extra); err == nil {
		if extra.Int64 > 0 {
			srv.routerPort = int(extra.Int64)
		}
		if listensOnLoopback(bind.String) {
			srv.routerHost = "127.0.0.1"
		}
	}
	return db, srv, nil
}

// listensOnLoopback reports whether a bind_address value covers 127.0.0.1.
func listensOnLoopback(bind string) bool {
	if bind == "" {
		return true
	}
	for _, a := range strings.Split(bind, ",") {
		switch strings.TrimSpace(a) {
		case "127.0.0.1", "*", "0.0.0.0", "::":
			return true
		}
	}
	return false
}

// grant creates the database and the user for every requested host plus
// 127.0.0.1 and localhost, and grants it everything on the database, as
// percona-cluster does. Names were validated by readDBRequest.
func grant(ctx context.Context, db *sql.DB, req dbRequest, password string) error {
	if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+ident(req.database)+" CHARACTER SET utf8"); err != nil {
		return fmt.Errorf("create database %s: %w", req.database, err)
	}
	hosts := append([]string{}, req.hostnames...)
	for _, h := range []string{"127.0.0.1", "localhost"} {
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	for _, h := range hosts {
		account := literal(req.username) + "@" + literal(h)
		for _, stmt := range []string{
			"CREATE USER IF NOT EXISTS " + account + " IDENTIFIED BY " + literal(password),
			"ALTER USER " + account + " IDENTIFIED BY " + literal(password),
			"GRANT ALL PRIVILEGES ON " + ident(req.database) + ".* TO " + account,
		} {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("grant %s to %s@%s: %w", req.database, req.username, h, err)
			}
		}
	}
	return nil
}

// granted reports whether the user has a grant on the database for every
// requested host (percona's allowed_units test).
func granted(ctx context.Context, db *sql.DB, req dbRequest) (bool, error) {
	for _, h := range req.hostnames {
		var n int
		err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.db WHERE Db = ? AND User = ? AND Host = ?",
			req.database, req.username, h).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("check grant of %s@%s: %w", req.username, h, err)
		}
		if n == 0 {
			return false, nil
		}
	}
	return true, nil
}

// literal quotes s as an SQL string literal.
func literal(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`).Replace(s) + "'"
}

// ident quotes s as an SQL identifier.
func ident(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}
