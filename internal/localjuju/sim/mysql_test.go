package sim

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/mariadb"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// startMariaDB starts a private server for the test, skipping the test
// only when the MariaDB binaries are not installed.
func startMariaDB(t *testing.T, opts mariadb.Options) *mariadb.Server {
	t.Helper()
	if _, _, err := mariadb.FindBinaries(); errors.Is(err, mariadb.ErrNotInstalled) {
		need.Skip(t, "%s", err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := mariadb.Start(ctx, t.TempDir(), opts)
	if opts.LoopbackRouter && errors.Is(err, mariadb.ErrAddrInUse) {
		need.Skip(t, "127.0.0.1:3306 is taken (another server or test): %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Stop()) })
	return srv
}

// renamed returns the fixture's request bags asking for database and user
// name, so that cases sharing a server do not share accounts.
func renamed(in bags, name string) bags {
	out := copyBags(in)
	for _, b := range out {
		b["database"] = name
		b["username"] = name
	}
	return out
}

// sharedDB is a shared-db relation seen from the mysql simulator.
func sharedDB(remote bags, own map[string]string) Relation {
	return Relation{ID: 7, Endpoint: "shared-db", RemoteApp: "panko", RemoteUnits: remote, Units: ownBags(own)}
}

// connect opens db as the client would from the reply and runs a write.
func connect(t *testing.T, dsn string) error {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE IF NOT EXISTS probe (id INT PRIMARY KEY)"); err != nil {
		return err
	}
	_, err = db.Exec("INSERT IGNORE INTO probe VALUES (1)")
	return err
}

func TestMySQLWithMariaDB(t *testing.T) {
	srv := startMariaDB(t, mariadb.Options{})
	percona := loadFixture(t, "percona-shared-db")
	router := loadFixture(t, "mysql-router-shared-db")
	innodb := loadFixture(t, "mysql-innodb-cluster-shared-db")
	mysqlUnits := map[string]string{"mysql/0": "10.5.0.30", "mysql/1": "10.5.0.31", "mysql/2": "10.5.0.32"}
	ctx := context.Background()

	t.Run("percona answers every unit and creates db, users and grants", func(t *testing.T) {
		dir := t.TempDir()
		env := Env{StateDir: dir, MySQLDSN: srv.DSN, UnitAddress: addressOf(mysqlUnits)}
		app, err := New("mysql", nil, env)
		require.NoError(t, err)
		rel := sharedDB(renamed(percona.Local.Units, "panko_percona"), mysqlUnits)

		resp, err := app.Respond(ctx, []string{"mysql/0", "mysql/1", "mysql/2"}, "mysql/1", rel)

		require.NoError(t, err)
		require.Len(t, resp.Units, 3)
		want := percona.answeringBag(t)
		first := resp.Units["mysql/0"]
		for u, bag := range resp.Units {
			assert.Equal(t, keysOf(withoutJujuKeys(want)), keysOf(withoutJujuKeys(bag)), u)
			assert.Equal(t, mysqlUnits[u], bag["private-address"], u)
			assert.True(t, bag["password"] == first["password"], "%s copies the leader's password", u)
			assert.Equal(t, srv.Addr, bag["db_host"], u)
			assert.Equal(t, "panko/0 panko/1 panko/2", bag["allowed_units"], u)
		}
		pw := first["password"]
		assert.Len(t, pw, 32)
		assert.True(t, inAlphabet(pw, pwgenAlphabet()), "password outside pwgen's alphabet")

		// A client connects with what the answer holds (percona sends no
		// db_port: MySQL's port).
		assert.NotContains(t, first, "db_port")
		assert.NoError(t, connect(t, answerDSN(first, "panko_percona", "panko_percona", "")))

		// percona's grants: one account per requested hostname (plus loopback).
		root, err := sql.Open("mysql", srv.DSN)
		require.NoError(t, err)
		defer root.Close()
		for _, u := range []string{"panko/0", "panko/1", "panko/2"} {
			var n int
			require.NoError(t, root.QueryRow("SELECT COUNT(*) FROM mysql.db WHERE Db='panko_percona' AND User='panko_percona' AND Host=? AND Select_priv='Y' AND Drop_priv='Y'",
				percona.Local.Units[u]["hostname"]).Scan(&n))
			assert.Equal(t, 1, n, u)
		}

		// Stable: a new simulator on the same state gives the same bags.
		for u, b := range resp.Units {
			rel.Units[u] = b
		}
		app2, err := New("mysql", map[string]string{"flavour": "percona"}, env)
		require.NoError(t, err)
		again, err := app2.Respond(ctx, []string{"mysql/0", "mysql/1", "mysql/2"}, "mysql/1", rel)
		require.NoError(t, err)
		assert.True(t, equalBags(resp.Units, again.Units), "second answer differs")

		// Departure drops nothing.
		require.NoError(t, app.Departed(ctx, rel))
		assert.NoError(t, connect(t, answerDSN(first, "panko_percona", "panko_percona", "")))
	})

	t.Run("percona lists only granted units and waits for a leader", func(t *testing.T) {
		env := Env{StateDir: t.TempDir(), MySQLDSN: srv.DSN}
		app, err := New("mysql", map[string]string{"series-upgrading": "true"}, env)
		require.NoError(t, err)
		remote := renamed(percona.Local.Units, "panko_partial")
		delete(remote["panko/2"], "hostname")
		remote["panko/10"] = copyBag(remote["panko/1"])
		remote["panko/10"]["hostname"] = `["10.20.0.14", "2001:db8::14"]`

		none, err := app.Respond(ctx, []string{"mysql/0"}, "", sharedDB(remote, map[string]string{"mysql/0": "10.5.0.30"}))
		require.NoError(t, err)
		assert.Nil(t, none.Units)

		resp, err := app.Respond(ctx, []string{"mysql/0"}, "mysql/0", sharedDB(remote, map[string]string{"mysql/0": "10.5.0.30"}))
		require.NoError(t, err)
		bag := resp.Units["mysql/0"]
		assert.Equal(t, "panko/0 panko/1 panko/10", bag["allowed_units"])
		assert.Equal(t, "True", bag["cluster-series-upgrading"])
	})

	t.Run("router answers its principal with db_port, wait_timeout and ssl_ca", func(t *testing.T) {
		env := Env{StateDir: t.TempDir(), MySQLDSN: srv.DSN}
		app, err := New("mysql", map[string]string{"flavour": "router", "ssl": "true"}, env)
		require.NoError(t, err)
		require.True(t, app.Subordinate())
		assert.Equal(t, "container", app.Endpoints()["shared-db"].Scope)
		rel := sharedDB(renamed(router.Local.Units, "panko_router"), map[string]string{"panko-mysql-router/0": "10.5.0.11"})

		resp, err := app.Respond(ctx, []string{"panko-mysql-router/0"}, "", rel)

		require.NoError(t, err)
		bag := resp.Units["panko-mysql-router/0"]
		assert.Equal(t, keysOf(withoutJujuKeys(router.answeringBag(t))), keysOf(withoutJujuKeys(bag)))
		assert.Equal(t, srv.RouterAddr, bag["db_host"])
		assert.Equal(t, strconv.Itoa(srv.RouterPort), bag["db_port"])
		assert.NotEqual(t, "3306", bag["db_port"])
		assert.Equal(t, "3600", bag["wait_timeout"])
		assert.Equal(t, "panko/0", bag["allowed_units"])

		caPEM, err := base64.StdEncoding.DecodeString(bag["ssl_ca"])
		require.NoError(t, err, "ssl_ca is base64")
		caFile, err := os.ReadFile(srv.CAFile)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(caFile, caPEM), "ssl_ca is not the server's CA")
		db, err := mariadb.OpenTLS(answerDSN(bag, "panko_router", "panko_router", ""), caPEM)
		require.NoError(t, err)
		defer db.Close()
		_, err = db.Exec("CREATE TABLE IF NOT EXISTS probe (id INT PRIMARY KEY)")
		require.NoError(t, err)
		var name, cipher string
		require.NoError(t, db.QueryRow("SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher))
		assert.NotEmpty(t, cipher, "not encrypted")
	})

	t.Run("router pairs subordinates with principals by address", func(t *testing.T) {
		addrs := map[string]string{"panko/0": "10.5.0.10", "panko/1": "10.5.0.11", "r/0": "10.5.0.11", "r/1": "10.5.0.10", "r/2": "10.5.0.99"}
		env := Env{StateDir: t.TempDir(), MySQLDSN: srv.DSN, UnitAddress: addressOf(addrs)}
		app, err := New("mysql", map[string]string{"flavour": "router"}, env)
		require.NoError(t, err)
		remote := renamed(bags{"panko/0": router.Local.Units["panko/0"], "panko/1": router.Local.Units["panko/0"]}, "panko_pairs")

		resp, err := app.Respond(ctx, []string{"r/0", "r/1", "r/2"}, "r/0", sharedDB(remote, map[string]string{"r/0": "", "r/1": "", "r/2": ""}))

		require.NoError(t, err)
		assert.Equal(t, "panko/1", resp.Units["r/0"]["allowed_units"])
		assert.Equal(t, "panko/0", resp.Units["r/1"]["allowed_units"])
		_, answered := resp.Units["r/2"]
		assert.False(t, answered, "a subordinate without a principal answers nothing")
		_, hasCA := resp.Units["r/0"]["ssl_ca"]
		assert.False(t, hasCA, "ssl_ca without ssl=true")
	})

	t.Run("innodb answers on its leader only", func(t *testing.T) {
		env := Env{StateDir: t.TempDir(), MySQLDSN: srv.DSN}
		app, err := New("mysql", map[string]string{"flavour": "innodb", "ssl": "true", "wait-timeout": "600"}, env)
		require.NoError(t, err)
		units := []string{"mysql-innodb-cluster/0", "mysql-innodb-cluster/1", "mysql-innodb-cluster/2"}
		rel := sharedDB(renamed(innodb.Local.Units, "panko_innodb"), map[string]string{units[0]: "10.5.0.41", units[1]: "10.5.0.42", units[2]: "10.5.0.43"})

		resp, err := app.Respond(ctx, units, units[2], rel)

		require.NoError(t, err)
		require.Len(t, resp.Units, 1)
		bag := resp.Units[units[2]]
		assert.Equal(t, keysOf(withoutJujuKeys(innodb.answeringBag(t))), keysOf(withoutJujuKeys(bag)))
		assert.Equal(t, srv.Addr, bag["db_host"])
		assert.Equal(t, "3306", bag["db_port"])
		assert.Equal(t, "600", bag["wait_timeout"])
		assert.Equal(t, "panko/0 panko/1 panko/2", bag["allowed_units"])
		assert.NoError(t, connect(t, answerDSN(bag, "panko_innodb", "panko_innodb", "")))
	})

	t.Run("malformed request is an error naming the unit", func(t *testing.T) {
		app, err := New("mysql", nil, Env{StateDir: t.TempDir(), MySQLDSN: srv.DSN})
		require.NoError(t, err)
		remote := bags{"panko/0": {"database": "panko'; DROP DATABASE mysql; --", "username": "panko", "hostname": "10.0.0.1"}}

		_, err = app.Respond(ctx, []string{"mysql/0"}, "mysql/0", sharedDB(remote, map[string]string{"mysql/0": ""}))

		require.Error(t, err)
		assert.Contains(t, err.Error(), "panko/0")
	})
}

func TestMySQLRouterOnLoopback(t *testing.T) {
	// Free ports: the router binds 127.0.0.1 on both, and 3306 there may
	// be taken (a story's router flavour, another server).
	srv := startMariaDB(t, mariadb.Options{LoopbackRouter: true, Port: freeLoopbackPort(t), RouterPort: freeLoopbackPort(t)})
	router := loadFixture(t, "mysql-router-shared-db")
	app, err := New("mysql", map[string]string{"flavour": "router"}, Env{StateDir: t.TempDir(), MySQLDSN: srv.DSN})
	require.NoError(t, err)

	resp, err := app.Respond(context.Background(), []string{"panko-mysql-router/0"}, "",
		sharedDB(renamed(router.Local.Units, "panko_loop"), map[string]string{"panko-mysql-router/0": "10.5.0.11"}))

	require.NoError(t, err)
	bag := resp.Units["panko-mysql-router/0"]
	assert.Equal(t, "127.0.0.1", bag["db_host"], "as mysql-router does")
	assert.Equal(t, strconv.Itoa(srv.RouterPort), bag["db_port"])
	assert.NoError(t, connect(t, answerDSN(bag, "panko_loop", "panko_loop", "")))
}

func TestListensOnLoopback(t *testing.T) {
	cases := []struct {
		bind string
		want bool
	}{
		{"", true}, {"*", true}, {"0.0.0.0", true}, {"127.0.10.1,127.0.0.1", true},
		{"127.0.10.1", false}, {"10.0.0.1, ::1", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, listensOnLoopback(tc.bind), tc.bind)
	}
}

func TestSQLQuoting(t *testing.T) {
	assert.Equal(t, `'it\'s \\ ok'`, literal(`it's \ ok`))
	assert.Equal(t, "`a``b`", ident("a`b"))
	assert.False(t, strings.ContainsAny(pwgenAlphabet(), "l0QD1vAEIOUaeiou"))
	assert.Len(t, pwgenAlphabet(), 62-16)
}

func equalBags(a, b bags) bool {
	if len(a) != len(b) {
		return false
	}
	for u, x := range a {
		y, ok := b[u]
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || w != v {
				return false
			}
		}
	}
	return true
}

// freeLoopbackPort returns a TCP port free on 127.0.0.1 just now.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// answerDSN is a DSN built from what a database answer holds: db_host,
// db_port (MySQL's 3306 when absent, as clients assume) and password.
func answerDSN(bag map[string]string, user, db, tlsName string) string {
	c := mysql.NewConfig()
	c.User, c.Passwd, c.DBName, c.Net = user, bag["password"], db, "tcp"
	port := bag["db_port"]
	if port == "" {
		port = "3306"
	}
	c.Addr = net.JoinHostPort(bag["db_host"], port)
	c.TLSConfig = tlsName
	return c.FormatDSN()
}
