package mariadb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

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
		// Below the kernel's ephemeral range (32768 and up): a client's
		// source port can never hold it when the server restarts on it.
		for p := firstRouterPort; p < 32768 && st.RouterPort == 0; p++ {
			if p != st.Port && free(st.Addr, p) && free(st.RouterAddr, p) {
				st.RouterPort = p
			}
		}
		if st.RouterPort == 0 {
			return state{}, fmt.Errorf("no free router port on %s", st.RouterAddr)
		}
	}
	return st, nil
}

// firstRouterPort is where the search for a router port starts.
const firstRouterPort = 13306

// free reports whether addr:port can be bound now.
func free(addr string, port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	ln.Close()
	return true
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
