// Package mariadb runs a private MariaDB server (mariadbd) for the local
// model and the tests: its own data directory, socket, TLS certificates and
// loopback addresses, never touching the machine's system server.
//
// Layout of a server directory:
//
//	data/          the data directory (mariadb-install-db)
//	mysqld.sock    unix socket (or a short path under the temp dir when too long)
//	mysqld.pid     pid file
//	error.log      mariadbd's error log
//	tmp/           the server's private tmpdir
//	tls/           CA, server certificate and key (crypto/x509)
//	root.pw        root password (0600)
//	server.json    where the running server listens
//
// Addresses. Clients of the percona flavour assume port 3306, so the server
// listens on a dedicated loopback address (Options.Addr, by default the
// first of 127.0.10.1–127.0.10.254 whose port 3306 is free) at port 3306.
// A second TCP port (MariaDB's extra_port) serves the mysql-router flavour.
// MariaDB binds every port on every bind address, so listening on
// 127.0.0.1:<router port> means also listening on 127.0.0.1:3306; that is
// only done with Options.LoopbackRouter, because 127.0.0.1:3306 is often
// taken by a system server and can be held by one private server at a time.
// Without it the router port is on the dedicated address.
//
// Layer localjuju (see internal/layers): it imports the local model, the host
// double and only the charm packages internal/layers lists with a reason;
// only the local model's commands, cmd/bench and tests import it, never the
// charm.
package mariadb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// DefaultPort is the port clients assume when a server sends no db_port.
const DefaultPort = 3306

// ErrNotInstalled is returned (wrapped) when the MariaDB binaries are absent.
var ErrNotInstalled = errors.New("MariaDB server binaries not found: install them with 'apt-get install -y mariadb-server'")

// Options tune Start. The zero value is a good default.
type Options struct {
	// Addr is the loopback address the server listens on at Port. Empty
	// picks the first address of 127.0.10.1–127.0.10.254 whose Port is free.
	Addr string
	// Port is the main TCP port; 0 means 3306.
	Port int
	// RouterPort is the second TCP port (extra_port); 0 picks a free one.
	RouterPort int
	// LoopbackRouter also binds 127.0.0.1 (on both ports) so the router
	// flavour can answer db_host=127.0.0.1. It needs 127.0.0.1:<Port> free.
	LoopbackRouter bool
	// User is the account mariadbd runs as when started by root: empty or
	// "root" runs it as root (--user=root); another account (e.g. "mysql")
	// gets the server directory chowned to it and needs every parent
	// directory to be searchable.
	User string
	// StartTimeout bounds the wait for the server to accept connections;
	// 0 means 60 s.
	StartTimeout time.Duration
}

// Server is a running private mariadbd.
type Server struct {
	DSN        string // root DSN over TCP to Addr:Port; holds the root password: never log it
	Addr       string // dedicated loopback address
	Port       int    // main port (3306)
	RouterAddr string // address of the router port: 127.0.0.1 with LoopbackRouter, else Addr
	RouterPort int    // second port (MariaDB extra_port)
	Socket     string // unix socket path
	Dir        string // server directory given to Start
	CAFile     string // PEM of the CA that signed the server's TLS certificate
	PID        int    // mariadbd's process id
	Reused     bool   // Start found the server already running

	done chan struct{} // closed when the child started by this process exits; nil when reused
}

// layout is where a server keeps its files.
type layout struct{ dir string }

func (l layout) data() string     { return filepath.Join(l.dir, "data") }
func (l layout) pidFile() string  { return filepath.Join(l.dir, "mysqld.pid") }
func (l layout) errorLog() string { return filepath.Join(l.dir, "error.log") }
func (l layout) rootPW() string   { return filepath.Join(l.dir, "root.pw") }
func (l layout) state() string    { return filepath.Join(l.dir, "server.json") }
func (l layout) tlsDir() string   { return filepath.Join(l.dir, "tls") }
func (l layout) lock() string     { return filepath.Join(l.dir, ".lock") }
func (l layout) tmp() string      { return filepath.Join(l.dir, "tmp") }

// socket returns the socket path, moved under the temp dir when the natural
// path would exceed the unix socket limit.
func (l layout) socket() string {
	p := filepath.Join(l.dir, "mysqld.sock")
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(l.dir))
	return filepath.Join(os.TempDir(), "mariadb-"+hex.EncodeToString(sum[:6])+".sock")
}

// state is what server.json records about a running server.
type state struct {
	Addr       string `json:"addr"`
	Port       int    `json:"port"`
	RouterAddr string `json:"router_addr"`
	RouterPort int    `json:"router_port"`
	Socket     string `json:"socket"`
}

// FindBinaries locates mariadbd and mariadb-install-db (or their mysqld /
// mysql_install_db names). The error wraps ErrNotInstalled.
func FindBinaries() (mariadbd, installDB string, err error) {
	find := func(names ...string) string {
		for _, n := range names {
			if p, err := exec.LookPath(n); err == nil {
				return p
			}
			for _, d := range []string{"/usr/sbin", "/usr/bin", "/usr/libexec", "/usr/local/mysql/bin"} {
				p := filepath.Join(d, n)
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
					return p
				}
			}
		}
		return ""
	}
	mariadbd = find("mariadbd", "mysqld")
	installDB = find("mariadb-install-db", "mysql_install_db")
	switch {
	case mariadbd == "":
		return "", "", fmt.Errorf("find mariadbd: %w", ErrNotInstalled)
	case installDB == "":
		return "", "", fmt.Errorf("find mariadb-install-db: %w", ErrNotInstalled)
	}
	return mariadbd, installDB, nil
}

// Start runs a private mariadbd for dir (created if needed), initialising
// the data directory on first use, or reuses the server already running for
// dir (pid file and a successful ping). It returns once the server accepts
// connections.
func Start(ctx context.Context, dir string, opts Options) (*Server, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("mariadb dir %s: %w", dir, err)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	l := layout{dir: abs}
	mariadbd, installDB, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	runAs, err := runUser(opts.User)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(l.tmp(), 0o700); err != nil {
		return nil, fmt.Errorf("create mariadb dir: %w", err)
	}
	unlock, err := atomicfile.Lock(l.lock())
	if err != nil {
		return nil, err
	}
	defer unlock()

	if s, err := reuse(ctx, l, opts); s != nil || err != nil {
		return s, err
	}
	if err := initialise(ctx, installDB, l, runAs); err != nil {
		return nil, err
	}
	return launch(ctx, mariadbd, l, opts, runAs)
}

// validate checks the options that do not depend on the machine's state.
func (o Options) validate() error {
	if o.Addr != "" {
		if ip := net.ParseIP(o.Addr); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("mariadb address %q is not a loopback address", o.Addr)
		}
	}
	port := o.Port
	if port == 0 {
		port = DefaultPort
	}
	if port < 0 || port > 65535 || o.RouterPort < 0 || o.RouterPort > 65535 {
		return fmt.Errorf("mariadb ports %d/%d out of range", port, o.RouterPort)
	}
	if o.RouterPort == port {
		return fmt.Errorf("router port %d equals the main port", o.RouterPort)
	}
	return nil
}

// reuse returns the server already running for l, or nil when none is.
func reuse(ctx context.Context, l layout, opts Options) (*Server, error) {
	pid, alive := serverPID(l)
	if !alive {
		_ = os.Remove(l.pidFile())
		return nil, nil
	}
	var st state
	raw, err := os.ReadFile(l.state())
	if err == nil {
		err = json.Unmarshal(raw, &st)
	}
	if err != nil {
		return nil, fmt.Errorf("mariadbd (pid %d) runs for %s but its state is unreadable: %w", pid, l.dir, err)
	}
	pw, err := os.ReadFile(l.rootPW())
	if err != nil {
		return nil, fmt.Errorf("read root password: %w", err)
	}
	s := newServer(l, st, string(pw), pid)
	s.Reused = true
	if err := waitReady(ctx, s, startTimeout(opts), nil); err != nil {
		return nil, fmt.Errorf("mariadbd (pid %d) runs for %s but does not answer: %w", pid, l.dir, err)
	}
	return s, nil
}

// serverPID reads the pid file and reports whether that process is a live
// mariadbd serving l's data directory.
func serverPID(l layout) (int, bool) {
	raw, err := os.ReadFile(l.pidFile())
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, isServer(pid, l)
}

// isServer reports whether pid is a live (not zombie) process whose command
// line names l's data directory.
func isServer(pid int, l layout) bool {
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil || !bytes.Contains(cmdline, []byte("--datadir="+l.data()+"\x00")) {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
		return false
	}
	return true
}

// OpenTLS opens dsn over TLS trusting only caPEM, with a connector of its
// own (not the driver's global TLS registry).
func OpenTLS(dsn string, caPEM []byte) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DSN: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no CA certificate in the PEM")
	}
	cfg.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("connector: %w", err)
	}
	return sql.OpenDB(connector), nil
}
