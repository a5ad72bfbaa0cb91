package machine

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

func TestSchemaStatements(t *testing.T) {
	stmts, err := schemaStatements(pankoSchema)
	require.NoError(t, err)
	var created []string
	for _, s := range stmts {
		assert.NotContains(t, s, "DROP")
		assert.NotContains(t, s, "AUTO_INCREMENT=")
		assert.False(t, strings.HasPrefix(s, "/*M!"), "MariaDB sandbox marker is not sent")
		if strings.HasPrefix(s, "CREATE TABLE") {
			name := strings.TrimPrefix(s, "CREATE TABLE IF NOT EXISTS `")
			require.NotEqual(t, s, name, "every CREATE TABLE is idempotent: %.50s", s)
			name, _, _ = strings.Cut(name, "`")
			created = append(created, name)
		} else {
			assert.True(t, strings.HasPrefix(s, "/*!"), s)
			assert.Contains(t, s, " SET ")
		}
	}
	assert.ElementsMatch(t, pankoTables(), created)
	assert.Contains(t, pankoSchema, "`value` bigint(20) DEFAULT NULL", "trait_int.value is bigint")
}

func TestSchemaStatementsRejectsOtherStatements(t *testing.T) {
	tests := []struct {
		name, dump, wantErr string
	}{
		{"insert", "CREATE TABLE `a` (x int);\nINSERT INTO a VALUES (1);\n", "unexpected statement in schema: INSERT INTO a VALUES (1)"},
		{"drop database", "DROP DATABASE panko;\n", "unexpected statement in schema: DROP DATABASE panko"},
		{"truncate in a comment", "/*!40101 TRUNCATE event */;\n", "unexpected statement in schema: /*!40101 TRUNCATE event */"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schemaStatements(tt.dump)
			assert.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestDBConfig(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "/etc/panko/ca.pem", string(newCA(t).certPEM))
	writeFile(t, root, "/etc/panko/empty.pem", "")
	const secret = "s3cr3t-Pa55"
	tests := []struct {
		name     string
		url      string
		wantAddr string
		wantUser string
		wantDB   string
		wantTLS  bool
		wantDSN  string // a part of the driver DSN (the charset)
		wantErr  string
	}{
		{name: "percona-cluster form", url: "mysql+pymysql://panko:" + secret + "@10.0.0.5/panko?charset=utf8",
			wantAddr: "10.0.0.5:3306", wantUser: "panko", wantDB: "panko", wantDSN: "charset=utf8"},
		{name: "mysql-router form", url: "mysql+pymysql://panko:" + secret + "@127.0.0.1:3306/panko?charset=utf8&ssl_ca=/etc/panko/ca.pem",
			wantAddr: "127.0.0.1:3306", wantUser: "panko", wantDB: "panko", wantTLS: true, wantDSN: "charset=utf8"},
		{name: "port and ipv6", url: "mysql://panko:" + secret + "@[::1]:3307/events",
			wantAddr: "[::1]:3307", wantUser: "panko", wantDB: "events"},
		{name: "escaped password", url: "mysql+pymysql://panko:a%40b%2Fc@db/panko", wantAddr: "db:3306", wantUser: "panko", wantDB: "panko"},
		{name: "sqlite", url: "sqlite:////var/lib/panko/panko.db", wantErr: `unsupported dialect "sqlite"`},
		{name: "no database", url: "mysql+pymysql://panko:" + secret + "@db", wantErr: "needs a host and a database name"},
		{name: "bad url", url: "mysql+pymysql://panko:" + secret + "@db:port/panko", wantErr: "[database] connection is not a valid URL"},
		{name: "missing ca", url: "mysql+pymysql://panko:" + secret + "@db/panko?ssl_ca=/etc/panko/nope.pem", wantErr: "read ssl_ca"},
		{name: "empty ca", url: "mysql+pymysql://panko:" + secret + "@db/panko?ssl_ca=/etc/panko/empty.pem",
			wantErr: "ssl_ca /etc/panko/empty.pem holds no certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, target, err := dbConfig(tt.url, root)
			if tt.wantErr != "" {
				require.Error(t, err)
				assertNoSecret(t, err.Error(), secret, "error")
				assert.Contains(t, redact(err.Error(), secret), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantAddr, cfg.Addr)
			assert.Equal(t, tt.wantUser, cfg.User)
			assert.Equal(t, tt.wantDB, cfg.DBName)
			assert.Equal(t, tt.wantTLS, cfg.TLS != nil)
			if tt.wantDSN != "" {
				assert.True(t, strings.Contains(cfg.FormatDSN(), tt.wantDSN), "DSN has %s", tt.wantDSN)
			}
			assert.False(t, strings.Contains(target.String(), secret))
			assert.Equal(t, dialTimeout, cfg.Timeout)
		})
	}
}

func TestParseDBSyncArgs(t *testing.T) {
	tests := []struct {
		args    []string
		want    dbsyncArgs
		wantErr string
	}{
		{nil, dbsyncArgs{configFiles: []string{"/etc/panko/panko.conf"}}, ""},
		{[]string{"--log-file=/var/log/panko/panko-upgrade.log"},
			dbsyncArgs{configFiles: []string{"/etc/panko/panko.conf"}, logFile: "/var/log/panko/panko-upgrade.log"}, ""},
		{[]string{"--config-file", "/a.conf", "--config-file=/b.conf", "--log-file", "/l", "-d"},
			dbsyncArgs{configFiles: []string{"/a.conf", "/b.conf"}, logFile: "/l"}, ""},
		{[]string{"--config-file"}, dbsyncArgs{}, "argument --config-file: expected one argument"},
		{[]string{"--drop"}, dbsyncArgs{}, "unrecognized arguments: --drop"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parseDBSyncArgs(tt.args)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// mariaDB is a private MariaDB server for one test.
type mariaDB struct {
	port  int
	sock  string
	admin *sql.DB
}

// lookSbin finds a program on $PATH or in /usr/sbin.
func lookSbin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin"} {
		if p := filepath.Join(d, name); isExecutableFile(p) {
			return p
		}
	}
	return ""
}

// isExecutableFile reports whether p is an executable regular file.
func isExecutableFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// freePort returns a TCP port free on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMariaDB runs mariadbd on 127.0.0.1 with its data in a temporary directory, stopped when the
// test ends. It skips the test only when MariaDB is not installed.
func startMariaDB(t *testing.T, extraArgs ...string) *mariaDB {
	t.Helper()
	daemon, installDB := lookSbin("mariadbd"), lookSbin("mariadb-install-db")
	if daemon == "" || installDB == "" {
		need.Skip(t, "mariadbd is not installed (apt-get install mariadb-server): skipping the real-database test")
	}
	dir, err := os.MkdirTemp("", "pankodb") // short: socket paths are limited to 107 bytes
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	data := filepath.Join(dir, "data")
	userArg := []string{}
	if os.Geteuid() == 0 {
		userArg = []string{"--user=root"}
	}
	args := append([]string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve"}, userArg...)
	out, err := exec.Command(installDB, args...).CombinedOutput()
	require.NoError(t, err, "mariadb-install-db: %s", out)

	db := &mariaDB{port: freePort(t), sock: filepath.Join(dir, "mysqld.sock")}
	errLog := filepath.Join(dir, "error.log")
	dargs := append([]string{"--no-defaults", "--datadir=" + data, "--socket=" + db.sock,
		fmt.Sprintf("--port=%d", db.port), "--bind-address=127.0.0.1", "--skip-name-resolve",
		"--pid-file=" + filepath.Join(dir, "mysqld.pid"), "--log-error=" + errLog,
		"--innodb-buffer-pool-size=32M", "--skip-log-bin"}, userArg...)
	cmd := exec.Command(daemon, append(dargs, extraArgs...)...)
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	admin, err := sql.Open("mysql", "root@unix("+db.sock+")/?interpolateParams=true")
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err = admin.Ping(); err == nil {
			break
		}
		select {
		case werr := <-exited:
			logText, _ := os.ReadFile(errLog)
			t.Fatalf("mariadbd exited (%v): %s", werr, logText)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			logText, _ := os.ReadFile(errLog)
			t.Fatalf("mariadbd did not come up: %v\n%s", err, logText)
		}
	}
	db.admin = admin
	return db
}

// addDatabase creates database name and a user of the same name with a random password, which it
// returns. requireSSL makes the account refuse unencrypted connections.
func (db *mariaDB) addDatabase(t *testing.T, name string, requireSSL bool) string {
	t.Helper()
	buf := make([]byte, 16)
	_, err := rand.Read(buf)
	require.NoError(t, err)
	password := hex.EncodeToString(buf)
	require1 := ""
	if requireSSL {
		require1 = " REQUIRE SSL"
	}
	for _, q := range []string{
		"CREATE DATABASE " + name,
		"CREATE USER '" + name + "'@'%' IDENTIFIED BY '" + password + "'" + require1,
		"GRANT ALL PRIVILEGES ON " + name + ".* TO '" + name + "'@'%'",
	} {
		_, err := db.admin.Exec(q)
		require.NoError(t, err, "set up database %s", name)
	}
	return password
}

// pankoUnit is a focal unit with panko installed whose panko.conf points at url.
func pankoUnit(t *testing.T, url string) string {
	t.Helper()
	root := newUnit(t, "focal")
	mustRun(t, root, "apt-get", "install", "-y", "python3-panko")
	writeFile(t, root, "/etc/panko/panko.conf", "[DEFAULT]\ndebug = False\n\n[database]\nconnection = "+url+"\n")
	return root
}

// tableColumnType returns the column type of db.table.column.
func tableColumnType(t *testing.T, admin *sql.DB, db, table, column string) string {
	t.Helper()
	var typ string
	require.NoError(t, admin.QueryRow("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=? AND TABLE_NAME=? AND COLUMN_NAME=?",
		db, table, column).Scan(&typ))
	return typ
}

// tables lists the tables of database db.
func tables(t *testing.T, admin *sql.DB, db string) []string {
	t.Helper()
	rows, err := admin.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA=? ORDER BY TABLE_NAME", db)
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

// redact blanks secret out of s, for failure messages.
func redact(s, secret string) string {
	return strings.ReplaceAll(s, secret, "***")
}

// assertNoSecret fails when secret occurs in s, without printing either.
func assertNoSecret(t *testing.T, s, secret, what string) {
	t.Helper()
	assert.False(t, strings.Contains(s, secret), "%s contains the database password", what)
}

func TestPankoDBSync(t *testing.T) {
	db := startMariaDB(t)
	password := db.addDatabase(t, "panko", false)
	url := fmt.Sprintf("mysql+pymysql://panko:%s@127.0.0.1:%d/panko?charset=utf8", password, db.port)
	root := pankoUnit(t, url)
	logPath := "/var/log/panko/panko-upgrade.log"

	// First run creates the six tables.
	r := run(t, root, "panko-dbsync", "--log-file="+logPath)
	require.Equal(t, 0, r.code, "stderr: %s", redact(r.stderr, password))
	assert.Equal(t, pankoTables(), tables(t, db.admin, "panko"))
	assert.Equal(t, "bigint(20)", tableColumnType(t, db.admin, "panko", "trait_int", "value"))
	logText, err := os.ReadFile(filepath.Join(root, logPath))
	require.NoError(t, err)
	assertNoSecret(t, string(logText), password, "log")
	assert.Contains(t, redact(string(logText), password), "INFO panko.cmd.storage [-] panko schema current in database panko on 127.0.0.1:")

	// Data survives a second run.
	_, err = db.admin.Exec("INSERT INTO panko.event_type (`desc`) VALUES ('compute.instance.create.end')")
	require.NoError(t, err)
	_, err = db.admin.Exec("INSERT INTO panko.event (message_id, generated, raw, event_type_id) VALUES ('m1', 1700000000.5, '{}', 1)")
	require.NoError(t, err)
	_, err = db.admin.Exec("INSERT INTO panko.trait_int (event_id, `key`, value) VALUES (1, 'n', 9007199254740993)")
	require.NoError(t, err)
	r = run(t, root, "panko-dbsync", "--config-file", "/etc/panko/panko.conf", "--log-file", logPath)
	require.Equal(t, 0, r.code, "stderr: %s", redact(r.stderr, password))
	var events, traits int
	require.NoError(t, db.admin.QueryRow("SELECT COUNT(*) FROM panko.event").Scan(&events))
	require.NoError(t, db.admin.QueryRow("SELECT COUNT(*) FROM panko.trait_int WHERE value = 9007199254740993").Scan(&traits))
	assert.Equal(t, 1, events)
	assert.Equal(t, 1, traits)

	// Without --log-file, oslo logs to stderr.
	r = run(t, root, "panko-dbsync")
	require.Equal(t, 0, r.code)
	assertNoSecret(t, r.stderr, password, "stderr")
	assert.Contains(t, redact(r.stderr, password), "INFO panko.cmd.storage")
}

func TestPankoDBSyncFailures(t *testing.T) {
	db := startMariaDB(t)
	password := db.addDatabase(t, "panko", false)
	wrong := password + "x"
	tests := []struct {
		name    string
		conf    string
		wantErr string
		secret  string
	}{
		{"wrong password", fmt.Sprintf("[database]\nconnection = mysql+pymysql://panko:%s@127.0.0.1:%d/panko\n", wrong, db.port),
			"Access denied for user 'panko'", password},
		{"unreachable", fmt.Sprintf("[database]\nconnection = mysql+pymysql://panko:%s@127.0.0.1:%d/panko\n", password, freePort(t)),
			"database panko on 127.0.0.1:", password},
		{"unknown database", fmt.Sprintf("[database]\nconnection = mysql+pymysql://panko:%s@127.0.0.1:%d/nosuch\n", password, db.port),
			"database nosuch on 127.0.0.1:", password},
		{"no connection", "[database]\n", "[database] connection is not set", password},
		{"not a url", "[database]\nconnection = mysql+pymysql://panko:" + password + "@127.0.0.1:xx/panko\n",
			"[database] connection is not a valid URL", password},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := pankoUnit(t, "unused")
			writeFile(t, root, "/etc/panko/panko.conf", tt.conf)
			r := run(t, root, "panko-dbsync", "--log-file=/var/log/panko/panko-upgrade.log")
			assert.Equal(t, 1, r.code)
			assertNoSecret(t, r.stderr, tt.secret, "stderr")
			assert.Contains(t, redact(r.stderr, tt.secret), tt.wantErr)
			logText, err := os.ReadFile(filepath.Join(root, "var/log/panko/panko-upgrade.log"))
			require.NoError(t, err)
			assertNoSecret(t, string(logText), tt.secret, "log")
			assert.Contains(t, redact(string(logText), tt.secret), " ERROR panko.cmd.storage [-] ")
		})
	}
	assert.Empty(t, tables(t, db.admin, "panko"), "nothing was created by failed runs")
}

// testCA is a certificate authority and a server certificate for 127.0.0.1 it signed.
type testCA struct {
	certPEM, serverCertPEM, serverKeyPEM []byte
}

// newCA creates a CA and a server certificate with IP SAN 127.0.0.1.
func newCA(t *testing.T) testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "panko test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return testCA{
		certPEM:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		serverCertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		serverKeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}

func TestPankoDBSyncOverTLS(t *testing.T) {
	ca := newCA(t)
	dir := t.TempDir()
	files := map[string][]byte{"ca.pem": ca.certPEM, "server.pem": ca.serverCertPEM, "server.key": ca.serverKeyPEM}
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
	}
	db := startMariaDB(t, "--ssl-ca="+filepath.Join(dir, "ca.pem"), "--ssl-cert="+filepath.Join(dir, "server.pem"),
		"--ssl-key="+filepath.Join(dir, "server.key"))
	password := db.addDatabase(t, "panko", true)

	tests := []struct {
		name     string
		query    string
		wantCode int
		wantErr  string
	}{
		{"plain connection refused by REQUIRE SSL", "charset=utf8", 1, "Access denied for user 'panko'"},
		{"verified TLS with ssl_ca", "charset=utf8&ssl_ca=/etc/mysql/ca.pem", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := pankoUnit(t, fmt.Sprintf("mysql+pymysql://panko:%s@127.0.0.1:%d/panko?%s", password, db.port, tt.query))
			writeFile(t, root, "/etc/mysql/ca.pem", string(ca.certPEM))
			r := run(t, root, "panko-dbsync")
			assertNoSecret(t, r.stderr, password, "stderr")
			assert.Equal(t, tt.wantCode, r.code, redact(r.stderr, password))
			if tt.wantErr != "" {
				assert.Contains(t, redact(r.stderr, password), tt.wantErr)
			}
		})
	}
	assert.Equal(t, pankoTables(), tables(t, db.admin, "panko"))
}

// withPanko records the unit's panko-common at version.
func withPanko(t *testing.T, root, version string) {
	t.Helper()
	st, err := readState(root)
	require.NoError(t, err)
	st.Packages["panko-common"] = version
	require.NoError(t, writeState(root, st))
}

// TestPankoDBSyncRunsTheRealOne: a unit with the Panko installed on this
// machine (Debian's python3-panko 9.0.0, Victoria) gets the real
// panko-dbsync: it creates the six tables with trait_int.value a bigint,
// logs into the unit's log file (not the machine's) and never shows the
// password.
func TestPankoDBSyncRunsTheRealOne(t *testing.T) {
	if hostPankoMajor() != 9 {
		need.Skip(t, "the real panko-dbsync (python3-panko 9.0.0) is not installed: run make deps")
	}
	db := startMariaDB(t)
	password := db.addDatabase(t, "panko", false)
	url := fmt.Sprintf("mysql+pymysql://panko:%s@127.0.0.1:%d/panko?charset=utf8", password, db.port)
	root := pankoUnit(t, url)
	withPanko(t, root, "1:9.0.0-0ubuntu1~cloud0")
	const logPath = "/var/log/panko/panko-dbsync-realtest.log"
	_, hostErr := os.Stat(logPath)
	require.True(t, os.IsNotExist(hostErr), "%s must not exist on this machine before the test", logPath)

	r := run(t, root, "panko-dbsync", "--config-file=/etc/panko/panko.conf", "--log-file="+logPath)
	require.Equal(t, 0, r.code, "stderr: %s", redact(r.stderr, password))
	assertNoSecret(t, r.stderr, password, "stderr")
	assert.Equal(t, pankoTables(), tables(t, db.admin, "panko"))
	assert.Equal(t, "bigint(20)", tableColumnType(t, db.admin, "panko", "trait_int", "value"))
	logText, err := os.ReadFile(filepath.Join(root, logPath))
	require.NoError(t, err, "the real panko-dbsync logs into the unit's root")
	assertNoSecret(t, string(logText), password, "log")
	assert.NotContains(t, string(logText), "stand-in", "the real panko-dbsync ran")
	_, hostErr = os.Stat(logPath)
	assert.True(t, os.IsNotExist(hostErr), "nothing is written to this machine's %s", logPath)

	// The stand-in's schema (served to the releases that cannot run
	// here) has the real one's columns and indexes.
	standInPassword := db.addDatabase(t, "standin", false)
	standIn := pankoUnit(t, fmt.Sprintf("mysql+pymysql://standin:%s@127.0.0.1:%d/standin?charset=utf8", standInPassword, db.port))
	r = run(t, standIn, "panko-dbsync")
	require.Equal(t, 0, r.code, "stderr: %s", redact(r.stderr, standInPassword))
	assert.Equal(t, schemaShape(t, db.admin, "panko"), schemaShape(t, db.admin, "standin"))
}

// schemaShape lists the columns (name, type, nullability) and indexes
// (name, column, position, uniqueness) of database db.
func schemaShape(t *testing.T, admin *sql.DB, db string) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		"SELECT CONCAT_WS(' ', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA=?",
		"SELECT CONCAT_WS(' ', TABLE_NAME, INDEX_NAME, COLUMN_NAME, SEQ_IN_INDEX, NON_UNIQUE) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA=?",
	} {
		rows, err := admin.Query(q, db)
		require.NoError(t, err)
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			out = append(out, line)
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	sort.Strings(out)
	return out
}

// TestPankoDBSyncOcataStandIn: Panko 2.0.0 (Ocata) cannot be installed
// here; its stand-in creates trait_int.value as an int, as Ocata did
// before Pike's "support big integer traits" migration.
func TestPankoDBSyncOcataStandIn(t *testing.T) {
	db := startMariaDB(t)
	password := db.addDatabase(t, "panko", false)
	url := fmt.Sprintf("mysql+pymysql://panko:%s@127.0.0.1:%d/panko?charset=utf8", password, db.port)
	root := pankoUnit(t, url)
	withPanko(t, root, "2:2.0.0-0ubuntu1~cloud0")
	r := run(t, root, "panko-dbsync")
	require.Equal(t, 0, r.code, "stderr: %s", redact(r.stderr, password))
	assert.Equal(t, pankoTables(), tables(t, db.admin, "panko"))
	assert.Equal(t, "int(11)", tableColumnType(t, db.admin, "panko", "trait_int", "value"))
	assert.Contains(t, r.stderr, "stand-in schema of Panko 2.x")
}
