package tests

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

// pankoTables are the tables panko-dbsync creates.
func pankoTables() []string {
	return []string{"event", "event_type", "trait_datetime", "trait_float", "trait_int", "trait_text"}
}

// settle runs every pending hook and requires that no unit is in error.
func settle(t *testing.T, m *localjuju.Model) {
	t.Helper()
	require.NoError(t, m.Settle(context.Background()))
	require.Empty(t, m.ErroredUnits(), "units in error")
}

// unitsOf lists an application's units, sorted by number.
func unitsOf(t *testing.T, m *localjuju.Model, app string) []string {
	t.Helper()
	st, err := m.State()
	require.NoError(t, err)
	a, ok := st.Applications[app]
	require.True(t, ok, "application %s", app)
	var out []string
	for _, u := range a.Units {
		out = append(out, u.Name)
	}
	sort.Slice(out, func(i, j int) bool { return unitNumber(out[i]) < unitNumber(out[j]) })
	return out
}

func unitNumber(unit string) int {
	n := 0
	for _, c := range unit[strings.IndexByte(unit, '/')+1:] {
		n = n*10 + int(c-'0')
	}
	return n
}

// leaderOf returns an application's leader unit.
func leaderOf(t *testing.T, m *localjuju.Model, app string) string {
	t.Helper()
	st, err := m.State()
	require.NoError(t, err)
	require.NotEmpty(t, st.Applications[app].Leader, "%s has a leader", app)
	return st.Applications[app].Leader
}

// unitState returns a unit's state record.
func unitState(t *testing.T, m *localjuju.Model, unit string) *localjuju.Unit {
	t.Helper()
	st, err := m.State()
	require.NoError(t, err)
	for _, a := range st.Applications {
		for _, u := range a.Units {
			if u.Name == unit {
				return u
			}
		}
	}
	t.Fatalf("unit %s not found", unit)
	return nil
}

// workload returns a unit's workload status and message.
func workload(t *testing.T, m *localjuju.Model, unit string) (string, string) {
	t.Helper()
	u := unitState(t, m, unit)
	return u.Workload.Status, u.Workload.Message
}

// unitRoot returns a real-charm unit's filesystem root.
func unitRoot(t *testing.T, m *localjuju.Model, unit string) string {
	t.Helper()
	root, err := m.UnitRoot(unit)
	require.NoError(t, err)
	return root
}

// machineState returns a unit's machine state (packages, services,
// restart counters).
func machineState(t *testing.T, m *localjuju.Model, unit string) machine.State {
	t.Helper()
	st, err := machine.LoadState(unitRoot(t, m, unit))
	require.NoError(t, err)
	return st
}

// commandsRun returns the machine commands a unit ran.
func commandsRun(t *testing.T, m *localjuju.Model, unit string) []machine.LoggedCommand {
	t.Helper()
	cmds, err := machine.CommandLog(unitRoot(t, m, unit))
	require.NoError(t, err)
	return cmds
}

// countCommand counts the commands named name (argv[0]).
func countCommand(cmds []machine.LoggedCommand, name string) int {
	n := 0
	for _, c := range cmds {
		if len(c.Argv) > 0 && c.Argv[0] == name {
			n++
		}
	}
	return n
}

// changingCommands lists (as "systemctl restart apache2" and the like) the
// commands that change the machine: every command except the read-only
// queries.
func changingCommands(cmds []machine.LoggedCommand) []string {
	var out []string
	for _, c := range cmds {
		if len(c.Argv) == 0 {
			continue
		}
		switch c.Argv[0] {
		case "dpkg-query":
			continue
		case "systemctl":
			if len(c.Argv) > 1 && (c.Argv[1] == "is-active" || c.Argv[1] == "is-enabled" || c.Argv[1] == "show" || c.Argv[1] == "status") {
				continue
			}
		}
		out = append(out, strings.Join(c.Argv, " "))
	}
	return out
}

// unitFile reads a file of a unit root (path as on the unit: /etc/...).
func unitFile(t *testing.T, m *localjuju.Model, unit, p string) string {
	t.Helper()
	return readAll(t, filepath.Join(unitRoot(t, m, unit), p))
}

// iniFile is an INI file: section -> key -> value.
type iniFile map[string]map[string]string

// parseINI reads the oslo.config style INI files the charm renders.
func parseINI(t *testing.T, text string) iniFile {
	t.Helper()
	out := iniFile{}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			if out[section] == nil {
				out[section] = map[string]string{}
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "INI line without '=' in section [%s]", section)
			require.NotEmpty(t, section, "INI key outside a section")
			out[section][strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// dbURL is a parsed `[database] connection` value.
type dbURL struct {
	Scheme, User, Password, Host, Port, Database string
	Query                                        url.Values
}

// parseConnection parses an SQLAlchemy URL without ever printing it.
func parseConnection(t *testing.T, raw string) dbURL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err, "[database] connection is a URL")
	pw, _ := u.User.Password()
	host, port, err := net.SplitHostPort(u.Host)
	require.NoError(t, err, "[database] connection has host:port")
	return dbURL{
		Scheme: u.Scheme, User: u.User.Username(), Password: pw, Host: host, Port: port,
		Database: strings.TrimPrefix(u.Path, "/"), Query: u.Query(),
	}
}

// openAsPanko connects to the database with the credentials of a unit's
// `[database] connection`, verifying the server with the unit's ssl_ca file
// when the URL names one (the file is read from the unit's root).
func openAsPanko(t *testing.T, root string, u dbURL) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = u.User, u.Password
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", net.JoinHostPort(u.Host, u.Port), u.Database
	cfg.Timeout = 5 * time.Second
	if ca := u.Query.Get("ssl_ca"); ca != "" {
		pem, err := os.ReadFile(filepath.Join(root, ca))
		require.NoError(t, err, "the ssl_ca file of the connection URL exists on the unit")
		pool := x509.NewCertPool()
		require.True(t, pool.AppendCertsFromPEM(pem), "ssl_ca holds PEM certificates")
		cfg.TLS = &tls.Config{RootCAs: pool, ServerName: u.Host, MinVersion: tls.VersionTLS12}
	}
	conn, err := mysql.NewConnector(cfg)
	require.NoError(t, err)
	db := sql.OpenDB(conn)
	// One connection, reused: MariaDB's extra_port (the router flavour's
	// port) accepts very few connections at a time. Callers close db as
	// soon as they are done with it.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	t.Cleanup(func() { db.Close() })
	err = db.Ping()
	for deadline := time.Now().Add(10 * time.Second); isTooManyConnections(err) && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond) // a connection closed just before is still counted
		err = db.Ping()
	}
	require.True(t, err == nil, "connect as %s to %s with the unit's credentials: %v", u.User, cfg.Addr, redactErr(err, u.Password))
	return db
}

// isTooManyConnections reports MariaDB's error 1040.
func isTooManyConnections(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1040
}

// redactErr returns err's text with secret masked.
func redactErr(err error, secret string) string {
	if err == nil {
		return "<nil>"
	}
	if secret == "" {
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), secret, "<redacted>")
}

// tablesOf lists the tables of a database (information_schema).
func tablesOf(t *testing.T, db *sql.DB, schema string) []string {
	t.Helper()
	rows, err := db.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", schema)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	require.NoError(t, rows.Err())
	return out
}

// columnType returns a column's type (information_schema).
func columnType(t *testing.T, db *sql.DB, schema, table, column string) string {
	t.Helper()
	var typ string
	require.NoError(t, db.QueryRow("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?",
		schema, table, column).Scan(&typ))
	return typ
}

// rowCounts counts the rows of every panko table.
func rowCounts(t *testing.T, db *sql.DB, schema string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range pankoTables() {
		var n int
		require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM `"+schema+"`.`"+table+"`").Scan(&n))
		out[table] = n
	}
	return out
}

// storeEvent writes one event with a text trait, as Panko's storage driver
// would, through the given connection.
func storeEvent(t *testing.T, db *sql.DB, messageID string) {
	t.Helper()
	res, err := db.Exec("INSERT INTO event_type (`desc`) VALUES (?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)", "compute.instance.create.end")
	require.NoError(t, err)
	typeID, err := res.LastInsertId()
	require.NoError(t, err)
	res, err = db.Exec("INSERT INTO event (message_id, generated, raw, event_type_id) VALUES (?, ?, ?, ?)", messageID, 1700000000.5, "{}", typeID)
	require.NoError(t, err)
	eventID, err := res.LastInsertId()
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO trait_text (event_id, `key`, value) VALUES (?, ?, ?)", eventID, "tenant_id", "demo")
	require.NoError(t, err)
}

// catalogEvent returns the keystone catalog's entry of type event.
func catalogEvent(t *testing.T, m *localjuju.Model) (entry struct{ Service, Region, Public, Internal, Admin, By string }) {
	t.Helper()
	cat, err := m.Catalog()
	require.NoError(t, err)
	n := 0
	for _, e := range cat {
		if e.Type == "event" {
			n++
			entry.Service, entry.Region, entry.By = e.Service, e.Region, e.RegisteredBy
			entry.Public, entry.Internal, entry.Admin = e.PublicURL, e.InternalURL, e.AdminURL
		}
	}
	require.Equal(t, 1, n, "one catalog entry of type event")
	return entry
}

// assertURL checks a URL's scheme, host and port.
func assertURL(t *testing.T, raw, scheme, host, port string) {
	t.Helper()
	u, err := url.Parse(raw)
	if !assert.NoError(t, err, "URL %q", raw) {
		return
	}
	assert.Equal(t, scheme, u.Scheme, "scheme of %s", raw)
	assert.Equal(t, host, u.Hostname(), "host of %s", raw)
	assert.Equal(t, port, u.Port(), "port of %s", raw)
}
