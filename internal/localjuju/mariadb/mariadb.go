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
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	unlock, err := lockDir(l.lock())
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

// Running returns the server already running for dir, or nil (and no
// error) when none is; it never starts one.
func Running(ctx context.Context, dir string) (*Server, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("mariadb dir %s: %w", dir, err)
	}
	l := layout{dir: abs}
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	unlock, err := lockDir(l.lock())
	if err != nil {
		return nil, err
	}
	defer unlock()
	return reuse(ctx, l, Options{StartTimeout: 10 * time.Second})
}

// runUser validates Options.User; it returns the --user value or "".
func runUser(name string) (string, error) {
	if os.Geteuid() != 0 {
		if name != "" {
			if u, err := user.Current(); err != nil || u.Username != name {
				return "", fmt.Errorf("mariadb: running as user %q needs root", name)
			}
		}
		return "", nil
	}
	if name == "" {
		return "root", nil
	}
	if _, err := user.Lookup(name); err != nil {
		return "", fmt.Errorf("mariadb user %s: %w", name, err)
	}
	return name, nil
}

// chownTree gives the server directory to the account mariadbd runs as.
func chownTree(dir, account string) error {
	if account == "" || account == "root" {
		return nil
	}
	u, err := user.Lookup(account)
	if err != nil {
		return fmt.Errorf("look up %s: %w", account, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, uid, gid); err != nil {
			return fmt.Errorf("chown %s: %w", p, err)
		}
		return nil
	})
}

// lockDir takes an exclusive flock on path; the returned func releases it.
func lockDir(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
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

// initialise creates the data directory, the root password and the TLS CA
// on first use.
func initialise(ctx context.Context, installDB string, l layout, runAs string) error {
	if _, err := os.Stat(filepath.Join(l.data(), "mysql")); err == nil {
		if _, err := os.Stat(l.rootPW()); err != nil {
			return fmt.Errorf("data directory %s exists without %s: remove %s to start afresh", l.data(), l.rootPW(), l.dir)
		}
		return nil
	}
	_ = os.RemoveAll(l.data())
	pw, err := randomPassword(32)
	if err != nil {
		return err
	}
	initSQL := filepath.Join(l.dir, "init.sql")
	// Only the password hash goes into the bootstrap SQL.
	sqlText := fmt.Sprintf("DELETE FROM mysql.global_priv WHERE User='root' AND Host NOT IN ('localhost','127.0.0.1','::1');\n"+
		"UPDATE mysql.global_priv SET priv=JSON_SET(priv, '$.plugin', 'mysql_native_password', '$.authentication_string', '%s') WHERE User='root';\n",
		nativeHash(pw))
	if err := os.WriteFile(initSQL, []byte(sqlText), 0o600); err != nil {
		return fmt.Errorf("write init sql: %w", err)
	}
	defer os.Remove(initSQL)
	if err := chownTree(l.dir, runAs); err != nil {
		return err
	}
	args := []string{"--no-defaults"}
	if runAs != "" {
		args = append(args, "--user="+runAs)
	}
	args = append(args,
		"--datadir="+l.data(),
		"--tmpdir="+l.tmp(),
		"--auth-root-authentication-method=normal",
		"--skip-test-db",
		"--skip-name-resolve",
		"--extra-file="+initSQL,
	)
	args = append(args, tuning()...)
	out, err := exec.CommandContext(ctx, installDB, args...).CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(l.data())
		return fmt.Errorf("mariadb-install-db: %w: %s", err, errorLines(out, 10))
	}
	if err := atomicfile.Write(l.rootPW(), []byte(pw), 0o600); err != nil {
		_ = os.RemoveAll(l.data())
		return err
	}
	return nil
}

// tuning are the server options shared by bootstrap and normal runs: small
// buffers for a test server, UTF-8 by default.
func tuning() []string {
	return []string{
		"--innodb-buffer-pool-size=64M",
		"--innodb-log-file-size=16M",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
	}
}

// launch starts mariadbd, retrying on the next free address when an
// automatically chosen one was taken meanwhile.
func launch(ctx context.Context, mariadbd string, l layout, opts Options, runAs string) (*Server, error) {
	pwRaw, err := os.ReadFile(l.rootPW())
	if err != nil {
		return nil, fmt.Errorf("read root password: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		st, err := pickAddresses(opts, l)
		if err != nil {
			return nil, err
		}
		caFile, err := ensureTLS(l.tlsDir(), st.Addr, st.RouterAddr)
		if err != nil {
			return nil, err
		}
		if err := chownTree(l.dir, runAs); err != nil {
			return nil, err
		}
		s, err := spawn(ctx, mariadbd, l, opts, runAs, st, string(pwRaw))
		if err == nil {
			s.CAFile = caFile
			raw, _ := json.MarshalIndent(st, "", "  ")
			if err := atomicfile.Write(l.state(), raw, 0o600); err != nil {
				_ = s.Stop()
				return nil, err
			}
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, ErrAddrInUse) || (opts.Addr != "" && opts.RouterPort != 0) {
			break
		}
	}
	return nil, lastErr
}

// ErrAddrInUse is returned (wrapped) when an address the server must listen
// on is taken, e.g. 127.0.0.1:3306 with Options.LoopbackRouter.
var ErrAddrInUse = errors.New("address already in use")

// spawn runs mariadbd detached (own session, so it outlives this process)
// and waits until it answers.
func spawn(ctx context.Context, mariadbd string, l layout, opts Options, runAs string, st state, pw string) (*Server, error) {
	bind := st.Addr
	if st.RouterAddr != st.Addr {
		bind += "," + st.RouterAddr
	}
	args := []string{"--no-defaults"}
	if runAs != "" {
		args = append(args, "--user="+runAs)
	}
	tlsDir := l.tlsDir()
	args = append(args,
		"--datadir="+l.data(),
		"--tmpdir="+l.tmp(),
		"--socket="+st.Socket,
		"--pid-file="+l.pidFile(),
		"--bind-address="+bind,
		"--port="+strconv.Itoa(st.Port),
		"--extra-port="+strconv.Itoa(st.RouterPort),
		"--extra-max-connections=100",
		"--skip-name-resolve",
		"--log-error="+l.errorLog(),
		"--ssl-ca="+filepath.Join(tlsDir, "ca.pem"),
		"--ssl-cert="+filepath.Join(tlsDir, "server.pem"),
		"--ssl-key="+filepath.Join(tlsDir, "server-key.pem"),
	)
	args = append(args, tuning()...)
	logStart := fileSize(l.errorLog())
	cmd := exec.Command(mariadbd, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start mariadbd: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s := newServer(l, st, pw, cmd.Process.Pid)
	s.done = done
	if err := waitReady(ctx, s, startTimeout(opts), done); err != nil {
		_ = s.Stop()
		logTail := readTail(l.errorLog(), logStart, 8)
		if strings.Contains(logTail, "Address already in use") {
			return nil, fmt.Errorf("mariadbd on %s:%d: %w", st.Addr, st.Port, ErrAddrInUse)
		}
		return nil, fmt.Errorf("mariadbd did not start: %w; %s:\n%s", err, l.errorLog(), logTail)
	}
	return s, nil
}

// newServer describes a server listening as st.
func newServer(l layout, st state, pw string, pid int) *Server {
	c := mysql.NewConfig()
	c.User = "root"
	c.Passwd = pw
	c.Net = "tcp"
	c.Addr = net.JoinHostPort(st.Addr, strconv.Itoa(st.Port))
	c.Timeout = 5 * time.Second
	return &Server{
		DSN:        c.FormatDSN(),
		Addr:       st.Addr,
		Port:       st.Port,
		RouterAddr: st.RouterAddr,
		RouterPort: st.RouterPort,
		Socket:     st.Socket,
		Dir:        l.dir,
		CAFile:     filepath.Join(l.tlsDir(), "ca.pem"),
		PID:        pid,
	}
}

// SocketDSN returns the root DSN over the unix socket; it holds the root
// password: never log it.
func (s *Server) SocketDSN() string {
	c, err := mysql.ParseDSN(s.DSN)
	if err != nil {
		return ""
	}
	c.Net = "unix"
	c.Addr = s.Socket
	return c.FormatDSN()
}

// startTimeout is Options.StartTimeout or its default.
func startTimeout(opts Options) time.Duration {
	if opts.StartTimeout > 0 {
		return opts.StartTimeout
	}
	return 60 * time.Second
}

// waitReady pings the server over TCP until it answers, the child exits
// (done closed) or the timeout passes.
func waitReady(ctx context.Context, s *Server, timeout time.Duration, done <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	db, err := sql.Open("mysql", s.DSN)
	if err != nil {
		return fmt.Errorf("open root connection: %w", err)
	}
	defer db.Close()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		err = db.PingContext(pctx)
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return errors.New("mariadbd exited")
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s:%d: %w", s.Addr, s.Port, err)
		case <-tick.C:
		}
	}
}

// pickAddresses chooses the listening addresses for a new server.
func pickAddresses(opts Options, l layout) (state, error) {
	st := state{Addr: opts.Addr, Port: opts.Port, RouterPort: opts.RouterPort, Socket: l.socket()}
	if st.Port == 0 {
		st.Port = DefaultPort
	}
	if st.Addr == "" {
		for i := 1; i < 255 && st.Addr == ""; i++ {
			a := fmt.Sprintf("127.0.10.%d", i)
			if free(a, st.Port) {
				st.Addr = a
			}
		}
		if st.Addr == "" {
			return state{}, fmt.Errorf("no free address in 127.0.10.1-127.0.10.254 for port %d", st.Port)
		}
	}
	st.RouterAddr = st.Addr
	if opts.LoopbackRouter && st.Addr != "127.0.0.1" {
		st.RouterAddr = "127.0.0.1"
		if !free(st.RouterAddr, st.Port) {
			return state{}, fmt.Errorf("127.0.0.1:%d (a system MySQL/MariaDB?); LoopbackRouter needs it free: %w", st.Port, ErrAddrInUse)
		}
	}
	if st.RouterPort == 0 {
		for tries := 0; tries < 20 && st.RouterPort == 0; tries++ {
			p, err := freePort(st.Addr)
			if err != nil {
				return state{}, err
			}
			if p != st.Port && free(st.RouterAddr, p) {
				st.RouterPort = p
			}
		}
		if st.RouterPort == 0 {
			return state{}, fmt.Errorf("no free router port on %s", st.RouterAddr)
		}
	}
	return st, nil
}

// free reports whether addr:port can be bound now.
func free(addr string, port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// freePort asks the kernel for a free port on addr.
func freePort(addr string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", addr, err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 60 s) and waits
// for it to exit. Stopping a server that is not running is not an error.
func (s *Server) Stop() error {
	l := layout{dir: s.Dir}
	if s.PID <= 0 || !isServer(s.PID, l) {
		return nil
	}
	if err := syscall.Kill(s.PID, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop mariadbd (pid %d): %w", s.PID, err)
	}
	if s.waitExit(60 * time.Second) {
		return nil
	}
	_ = syscall.Kill(s.PID, syscall.SIGKILL)
	if s.waitExit(10 * time.Second) {
		return fmt.Errorf("mariadbd (pid %d) ignored SIGTERM for 60s and was killed", s.PID)
	}
	return fmt.Errorf("mariadbd (pid %d) does not exit", s.PID)
}

// waitExit waits until the server process is gone.
func (s *Server) waitExit(d time.Duration) bool {
	deadline := time.After(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	l := layout{dir: s.Dir}
	for {
		if s.done != nil {
			select {
			case <-s.done:
				return true
			default:
			}
		} else if !isServer(s.PID, l) {
			return true
		}
		select {
		case <-deadline:
			return false
		case <-tick.C:
		}
	}
}

// nativeHash is the mysql_native_password hash of pw.
func nativeHash(pw string) string {
	h1 := sha1.Sum([]byte(pw))
	h2 := sha1.Sum(h1[:])
	return "*" + strings.ToUpper(hex.EncodeToString(h2[:]))
}

// randomPassword returns n random letters and digits.
func randomPassword(n int) (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", fmt.Errorf("random password: %w", err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b), nil
}

// fileSize is the size of path, 0 when absent.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readTail returns the last n lines written to path after offset from.
func readTail(path string, from int64, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "(no error log)"
	}
	if from > 0 && from <= int64(len(raw)) {
		raw = raw[from:]
	}
	return tail(raw, n)
}

// errorLines returns the lines of out that report errors (at most n), or
// its last n lines when none does; credential lines are dropped.
func errorLines(out []byte, n int) string {
	var errs []string
	for _, ln := range strings.Split(tail(out, 1<<20), "\n") {
		if strings.Contains(strings.ToUpper(ln), "ERROR") {
			errs = append(errs, ln)
		}
	}
	if len(errs) == 0 {
		return tail(out, n)
	}
	if len(errs) > n {
		errs = errs[:n]
	}
	return strings.Join(errs, "\n")
}

// tail returns the last n lines of out, dropping any line that mentions
// credentials.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	kept := lines[:0]
	for _, ln := range lines {
		low := strings.ToLower(ln)
		if strings.Contains(low, "identified") || strings.Contains(low, "authentication_string") {
			continue
		}
		kept = append(kept, ln)
	}
	if len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	return strings.Join(kept, "\n")
}
