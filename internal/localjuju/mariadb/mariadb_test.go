package mariadb

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// startServer starts a server in a fresh directory and stops it at cleanup.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if _, _, err := FindBinaries(); errors.Is(err, ErrNotInstalled) {
		need.Skip(t, "%s", err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, t.TempDir(), opts)
	if opts.LoopbackRouter && errors.Is(err, ErrAddrInUse) {
		need.Skip(t, "127.0.0.1:3306 is taken (another server or test): %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Stop()) })
	return s
}

// dsn builds a DSN for user at addr:port.
func dsn(user, pw, addr string, port int, db, tlsName string) string {
	c := mysql.NewConfig()
	c.User, c.Passwd, c.Net, c.DBName, c.TLSConfig = user, pw, "tcp", db, tlsName
	c.Addr = net.JoinHostPort(addr, strconv.Itoa(port))
	c.Timeout = 5 * time.Second
	return c.FormatDSN()
}

func mustExec(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	defer db.Close()
	for i, s := range stmts {
		_, err := db.Exec(s)
		require.NoError(t, err, "statement %d", i)
	}
}

func queryString(t *testing.T, dsn, q string) string {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	defer db.Close()
	var name, v sql.NullString
	row := db.QueryRow(q)
	cols := 1
	if strings.HasPrefix(strings.ToUpper(q), "SHOW") {
		cols = 2
	}
	if cols == 2 {
		require.NoError(t, row.Scan(&name, &v))
	} else {
		require.NoError(t, row.Scan(&v))
	}
	return v.String
}

func TestFindBinaries(t *testing.T) {
	d, inst, err := FindBinaries()
	if errors.Is(err, ErrNotInstalled) {
		need.Skip(t, "%s", err.Error())
	}
	require.NoError(t, err)
	for _, p := range []string{d, inst} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.NotZero(t, fi.Mode()&0o111, "%s is not executable", p)
	}
}

func TestStartServesBothPortsWithTLS(t *testing.T) {
	s := startServer(t, Options{})

	ip := net.ParseIP(s.Addr)
	require.NotNil(t, ip)
	assert.True(t, ip.IsLoopback())
	assert.Equal(t, DefaultPort, s.Port)
	assert.Equal(t, s.Addr, s.RouterAddr)
	assert.NotEqual(t, DefaultPort, s.RouterPort)
	assert.NotContains(t, s.Dir, "..")

	mustExec(t, s.DSN,
		"CREATE DATABASE IF NOT EXISTS probe",
		"CREATE USER IF NOT EXISTS 'probe'@'127.0.0.1' IDENTIFIED BY 'probe-pw-123'",
		"GRANT ALL PRIVILEGES ON probe.* TO 'probe'@'127.0.0.1'",
	)
	// Connections to the dedicated address arrive from 127.0.0.1.
	assert.Equal(t, "probe@127.0.0.1", queryString(t, dsn("probe", "probe-pw-123", s.Addr, s.Port, "probe", ""), "SELECT CURRENT_USER()"))
	assert.Equal(t, "probe", queryString(t, dsn("probe", "probe-pw-123", s.RouterAddr, s.RouterPort, "probe", ""), "SELECT DATABASE()"))

	caPEM, err := os.ReadFile(s.CAFile)
	require.NoError(t, err)
	db, err := OpenTLS(dsn("probe", "probe-pw-123", s.Addr, s.Port, "probe", ""), caPEM)
	require.NoError(t, err)
	defer db.Close()
	var name, cipher string
	require.NoError(t, db.QueryRow("SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher))
	assert.NotEmpty(t, cipher, "connection is not encrypted")
	assert.Equal(t, s.CAFile, queryString(t, s.DSN, "SELECT @@ssl_ca"))
	assert.Equal(t, strconv.Itoa(s.RouterPort), queryString(t, s.DSN, "SELECT @@extra_port"))
	assert.Less(t, s.RouterPort, 32768, "the router port is below the ephemeral range, so no client's source port holds it at a restart")

	pwMode, err := os.Stat(filepath.Join(s.Dir, "root.pw"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), pwMode.Mode().Perm())
}

func TestStartReusesThenRestarts(t *testing.T) {
	s := startServer(t, Options{})
	mustExec(t, s.DSN, "CREATE DATABASE IF NOT EXISTS kept")
	ctx := context.Background()

	again, err := Start(ctx, s.Dir, Options{})
	require.NoError(t, err)
	assert.True(t, again.Reused)
	assert.Equal(t, s.PID, again.PID)
	assert.True(t, again.DSN == s.DSN, "reused server has another DSN")
	assert.Equal(t, s.RouterPort, again.RouterPort)

	found, err := Running(ctx, s.Dir)
	require.NoError(t, err)
	require.NotNil(t, found)
	assert.Equal(t, s.PID, found.PID)

	require.NoError(t, again.Stop())
	found, err = Running(ctx, s.Dir)
	require.NoError(t, err)
	assert.Nil(t, found, "stopped server still found")
	assert.False(t, isServer(s.PID, layout{dir: s.Dir}), "process still running")
	db, err := sql.Open("mysql", s.DSN)
	require.NoError(t, err)
	assert.Error(t, db.Ping())
	db.Close()
	require.NoError(t, s.Stop(), "stopping a stopped server")

	restarted, err := Start(ctx, s.Dir, Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, restarted.Stop()) })
	assert.False(t, restarted.Reused)
	assert.NotEqual(t, s.PID, restarted.PID)
	assert.Equal(t, "kept", queryString(t, restarted.DSN, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='kept'"))
}

func TestRunningWithoutServer(t *testing.T) {
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "absent")} {
		s, err := Running(context.Background(), dir)
		require.NoError(t, err)
		assert.Nil(t, s)
	}
}

func TestTwoServersGetDistinctAddresses(t *testing.T) {
	a := startServer(t, Options{})
	b := startServer(t, Options{})

	assert.NotEqual(t, a.Addr, b.Addr)
	assert.Equal(t, a.Port, b.Port)
	assert.NotEqual(t, a.PID, b.PID)
}

func TestLoopbackRouter(t *testing.T) {
	// Free ports: the router binds 127.0.0.1 on both, and 3306 there may
	// be taken (a story's router flavour, another server).
	port, router := kernelPort(t), kernelPort(t)
	s := startServer(t, Options{LoopbackRouter: true, Port: port, RouterPort: router})

	assert.Equal(t, "127.0.0.1", s.RouterAddr)
	assert.Contains(t, queryString(t, s.DSN, "SELECT @@bind_address"), "127.0.0.1")
	mustExec(t, s.DSN, "CREATE USER IF NOT EXISTS 'probe'@'127.0.0.1' IDENTIFIED BY 'pw-1234567'")
	assert.Equal(t, "probe@127.0.0.1", queryString(t, dsn("probe", "pw-1234567", "127.0.0.1", s.RouterPort, "", ""), "SELECT CURRENT_USER()"))
}

func TestOptionsRejected(t *testing.T) {
	if _, _, err := FindBinaries(); errors.Is(err, ErrNotInstalled) {
		need.Skip(t, "%s", err.Error())
	}
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"non-loopback address", Options{Addr: "10.0.0.1"}, "not a loopback address"},
		{"router port equals port", Options{Addr: "127.0.10.250", Port: 3306, RouterPort: 3306}, "equals the main port"},
		{"router port equals default port", Options{RouterPort: 3306}, "equals the main port"},
		{"port out of range", Options{Port: 70000}, "out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Start(context.Background(), t.TempDir(), tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestStartAsMySQLAccount(t *testing.T) {
	if os.Geteuid() != 0 {
		need.Skip(t, "needs root")
	}
	acct, err := user.Lookup("mysql")
	if err != nil {
		need.Skip(t, "no mysql account on this machine")
	}
	// t.TempDir's parents are not searchable by other accounts.
	dir, err := os.MkdirTemp("", "mariadb-account-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))

	s, err := Start(context.Background(), filepath.Join(dir, "srv"), Options{User: "mysql"})
	require.NoError(t, err)
	defer func() { assert.NoError(t, s.Stop()) }()

	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.PID), "status"))
	require.NoError(t, err)
	assert.Regexp(t, "(?m)^Uid:\\s+"+acct.Uid+"\\s", string(status))
	fi, err := os.Stat(filepath.Join(dir, "srv", "data"))
	require.NoError(t, err)
	assert.Equal(t, acct.Uid, strconv.Itoa(int(fi.Sys().(*syscall.Stat_t).Uid)))
	assert.Equal(t, "1", queryString(t, s.DSN, "SELECT 1"))
}

func TestEnsureTLSReissuesForNewAddress(t *testing.T) {
	dir := t.TempDir()
	ca1, err := ensureTLS(dir, "127.0.10.1")
	require.NoError(t, err)
	first, _, err := loadPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"))
	require.NoError(t, err)

	_, err = ensureTLS(dir, "127.0.10.1")
	require.NoError(t, err)
	same, _, err := loadPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"))
	require.NoError(t, err)
	assert.Equal(t, first.SerialNumber, same.SerialNumber, "certificate reissued without need")

	ca2, err := ensureTLS(dir, "127.0.10.2")
	require.NoError(t, err)
	assert.Equal(t, ca1, ca2)
	next, _, err := loadPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"))
	require.NoError(t, err)
	assert.True(t, covers(next, []net.IP{net.ParseIP("127.0.10.2"), net.ParseIP("127.0.0.1")}))
	ca, _, err := loadPair(filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem"))
	require.NoError(t, err)
	assert.NoError(t, next.CheckSignatureFrom(ca))
}

func TestTailDropsCredentialLines(t *testing.T) {
	out := []byte("a\nALTER USER x IDENTIFIED BY 'secret'\nb\nc\n")
	assert.Equal(t, "b\nc", tail(out, 2))
	assert.Equal(t, "a\nb\nc", tail(out, 10))
	assert.Equal(t, "b\nc", errorLines(out, 2), "no error lines: the tail")
	withErrors := []byte("x\n[ERROR] one\ny\nERROR: two IDENTIFIED BY 'p'\nERROR 3\nz\n")
	assert.Equal(t, "[ERROR] one\nERROR 3", errorLines(withErrors, 5))
}

// kernelPort is a port the kernel gives as free on 127.0.0.1.
func kernelPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
