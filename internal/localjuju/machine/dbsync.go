package machine

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// pankoSchema is the schema the real panko-dbsync (Panko 10, metadata.create_all) creates on
// MariaDB, as dumped by mariadb-dump. schemaStatements makes it idempotent. It serves as the
// stand-in for the releases whose Panko cannot be installed here (see standInSchema); the
// release installed here (Debian's python3-panko) runs the real panko-dbsync.
//
//go:embed panko-schema.sql
var pankoSchema string

// pankoTables are the tables of the panko schema.
func pankoTables() []string {
	return []string{"event", "event_type", "trait_datetime", "trait_float", "trait_int", "trait_text"}
}

// Database timeouts: the stand-in fails fast where oslo.db would retry for minutes.
const (
	dialTimeout = 5 * time.Second
	ioTimeout   = 30 * time.Second
	syncTimeout = 60 * time.Second
)

// createTable matches the start of a dumped CREATE TABLE.
var createTable = regexp.MustCompile("^CREATE TABLE `")

// autoIncrementOption matches the AUTO_INCREMENT=N table option of a dump.
var autoIncrementOption = regexp.MustCompile(` AUTO_INCREMENT=\d+`)

// schemaStatements splits a mariadb-dump schema into statements and makes it safe to run again
// and again: DROP TABLE statements are left out, CREATE TABLE becomes CREATE TABLE IF NOT EXISTS
// and dumped AUTO_INCREMENT counters are dropped. Only connection-level SET statements (in executable
// comments) and CREATE TABLE statements are accepted; anything else is an error, so that a
// refreshed dump cannot slip in a statement that destroys data.
func schemaStatements(dump string) ([]string, error) {
	var out []string
	for _, raw := range strings.Split(dump, ";\n") {
		stmt := stripPlainComments(strings.TrimSpace(raw))
		switch {
		case stmt == "":
		case strings.HasPrefix(stmt, "DROP TABLE IF EXISTS "):
		case strings.HasPrefix(stmt, "/*!") && strings.HasSuffix(stmt, "*/") &&
			strings.HasPrefix(strings.TrimLeft(stmt[3:], "0123456789"), " SET "):
			out = append(out, stmt)
		case createTable.MatchString(stmt):
			stmt = createTable.ReplaceAllString(stmt, "CREATE TABLE IF NOT EXISTS `")
			out = append(out, autoIncrementOption.ReplaceAllString(stmt, ""))
		default:
			first, _, _ := strings.Cut(stmt, "\n")
			return nil, fmt.Errorf("unexpected statement in schema: %.60s", first)
		}
	}
	return out, nil
}

// stripPlainComments removes leading comments that MariaDB does not execute ("/* … */" and
// MariaDB's version-gated "/*M!999999 … */" sandbox marker), keeping "/*!NNNNN …*/".
func stripPlainComments(s string) string {
	for strings.HasPrefix(s, "/*") && !strings.HasPrefix(s, "/*!") {
		end := strings.Index(s, "*/")
		if end < 0 {
			return s
		}
		s = strings.TrimSpace(s[end+2:])
	}
	return s
}

// dbsyncArgs are panko-dbsync's options.
type dbsyncArgs struct {
	configFiles []string
	logFile     string
}

// parseDBSyncArgs parses oslo.config style options.
func parseDBSyncArgs(args []string) (dbsyncArgs, error) {
	var a dbsyncArgs
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(arg, "=")
		switch name {
		case "--config-file", "--log-file":
			if !hasValue {
				if i+1 >= len(args) {
					return a, fmt.Errorf("argument %s: expected one argument", name)
				}
				i++
				value = args[i]
			}
			if name == "--config-file" {
				a.configFiles = append(a.configFiles, value)
			} else {
				a.logFile = value
			}
		case "-d", "--debug", "-v", "--verbose", "--nodebug", "--noverbose", "--skip-metering-database",
			"--skip-event-database":
		default:
			return a, fmt.Errorf("unrecognized arguments: %s", arg)
		}
	}
	if len(a.configFiles) == 0 {
		a.configFiles = []string{"/etc/panko/panko.conf"}
	}
	return a, nil
}

// iniValue returns section.key from INI files read in order (later files win), like oslo.config.
func iniValue(files []string, section, key string) (string, error) {
	value := ""
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		sc := bufio.NewScanner(f)
		cur := ""
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			switch {
			case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
			case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
				cur = strings.TrimSpace(line[1 : len(line)-1])
			case cur == section:
				k, v, ok := strings.Cut(line, "=")
				if ok && strings.TrimSpace(k) == key {
					value = strings.TrimSpace(v)
				}
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return "", err
		}
	}
	return value, nil
}

// dbTarget is where panko-dbsync connects, for messages (never the password).
type dbTarget struct {
	user, addr, db string
}

// String names the target without secrets.
func (t dbTarget) String() string {
	return fmt.Sprintf("database %s on %s as %s", t.db, t.addr, t.user)
}

// dbConfig turns an SQLAlchemy URL (mysql+pymysql://user:pass@host[:port]/db?charset=utf8
// [&ssl_ca=/path][&ssl_cert=…&ssl_key=…]) into a driver configuration. Certificate paths are in
// the unit's view and read under root. Errors never quote the URL (it holds the password).
func dbConfig(conn, root string) (*mysql.Config, dbTarget, error) {
	u, err := url.Parse(conn)
	if err != nil {
		return nil, dbTarget{}, errors.New("[database] connection is not a valid URL")
	}
	switch u.Scheme {
	case "mysql", "mysql+pymysql", "mysql+mysqldb", "mysql+mysqlconnector":
	default:
		return nil, dbTarget{}, fmt.Errorf("[database] connection: unsupported dialect %q", u.Scheme)
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(u.Hostname(), port)
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = dialTimeout, ioTimeout, ioTimeout
	target := dbTarget{user: cfg.User, addr: cfg.Addr, db: cfg.DBName}
	if u.Hostname() == "" || cfg.DBName == "" {
		return nil, target, errors.New("[database] connection needs a host and a database name")
	}
	q := u.Query()
	if cs := q.Get("charset"); cs != "" {
		if err := cfg.Apply(mysql.Charset(cs, "")); err != nil {
			return nil, target, fmt.Errorf("[database] connection charset: %w", err)
		}
	}
	if ca := q.Get("ssl_ca"); ca != "" {
		pem, err := os.ReadFile(filepath.Join(root, filepath.Clean("/"+ca)))
		if err != nil {
			return nil, target, fmt.Errorf("read ssl_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, target, fmt.Errorf("ssl_ca %s holds no certificate", ca)
		}
		cfg.TLS = &tls.Config{RootCAs: pool, ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
		if cert, key := q.Get("ssl_cert"), q.Get("ssl_key"); cert != "" && key != "" {
			pair, err := tls.LoadX509KeyPair(filepath.Join(root, filepath.Clean("/"+cert)),
				filepath.Join(root, filepath.Clean("/"+key)))
			if err != nil {
				return nil, target, fmt.Errorf("load ssl_cert/ssl_key: %w", err)
			}
			cfg.TLS.Certificates = []tls.Certificate{pair}
		}
	}
	return cfg, target, nil
}

// applySchema creates the panko tables of the schema dump that are missing
// and checks the result.
func applySchema(ctx context.Context, cfg *mysql.Config, schema string) error {
	stmts, err := schemaStatements(schema)
	if err != nil {
		return err
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return fmt.Errorf("configure driver: %w", err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			first, _, _ := strings.Cut(s, "\n")
			return fmt.Errorf("execute %.60s: %w", first, err)
		}
	}
	var n int
	err = conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "+
		"AND TABLE_NAME IN ('"+strings.Join(pankoTables(), "','")+"')").Scan(&n)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	if n != len(pankoTables()) {
		return fmt.Errorf("check schema: %d of %d panko tables present", n, len(pankoTables()))
	}
	return nil
}

// pankoDBSync is panko-dbsync [--config-file F]… [--log-file F]. When the unit's Panko is the
// one installed on this machine, it runs the real panko-dbsync on the unit's files; otherwise it
// reads [database] connection and creates the stand-in schema of the unit's release in that
// database. It never prints the password.
func (m *machine) pankoDBSync(args []string) int {
	a, err := parseDBSyncArgs(args)
	if err != nil {
		fmt.Fprintf(m.stderr, "usage: panko-dbsync [--config-file CONFIG_FILE] [--log-file LOG_FILE]\npanko-dbsync: error: %v\n", err)
		return 2
	}
	logw := m.stderr
	if a.logFile != "" {
		p := m.path(a.logFile)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintf(m.stderr, "panko-dbsync: open log file: %v\n", err)
			return 1
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if err != nil {
			fmt.Fprintf(m.stderr, "panko-dbsync: open log file: %v\n", err)
			return 1
		}
		defer f.Close()
		logw = f
	}
	files := make([]string, len(a.configFiles))
	for i, f := range a.configFiles {
		files[i] = m.path(f)
	}
	conn, err := iniValue(files, "database", "connection")
	if err != nil {
		return m.dbsyncFail(logw, "", fmt.Errorf("read configuration: %w", err))
	}
	if conn == "" {
		return m.dbsyncFail(logw, "", errors.New("[database] connection is not set"))
	}
	cfg, target, err := dbConfig(conn, m.root)
	if err != nil {
		return m.dbsyncFail(logw, "", err)
	}
	major := 0
	if st, err := m.snapshot(); err == nil {
		major = unitPankoMajor(st)
	}
	if major != 0 && major == hostPankoMajor() {
		return m.realDBSync(a, files, conn, cfg.Passwd)
	}
	schema, err := standInSchema(major)
	if err != nil {
		return m.dbsyncFail(logw, "", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	start := time.Now()
	if err := applySchema(ctx, cfg, schema); err != nil {
		return m.dbsyncFail(logw, cfg.Passwd, fmt.Errorf("%s: %w", target, err))
	}
	dbsyncLog(logw, "INFO", fmt.Sprintf("panko schema current in %s (%d tables, %s; stand-in schema of Panko %s)", target,
		len(pankoTables()), time.Since(start).Round(time.Millisecond), standInName(major)))
	return 0
}

// dbsyncFail logs err (with the password blanked out, in case a driver quoted it) to the log and
// to stderr, and returns exit code 1.
func (m *machine) dbsyncFail(logw io.Writer, password string, err error) int {
	msg := err.Error()
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "***")
	}
	dbsyncLog(logw, "ERROR", msg)
	if logw != m.stderr {
		fmt.Fprintf(m.stderr, "panko-dbsync: %s\n", msg)
	}
	return 1
}

// dbsyncLog writes one oslo.log style line.
func dbsyncLog(w io.Writer, level, msg string) {
	fmt.Fprintf(w, "%s %d %s panko.cmd.storage [-] %s\n", time.Now().UTC().Format("2006-01-02 15:04:05.000"),
		os.Getpid(), level, msg)
}
