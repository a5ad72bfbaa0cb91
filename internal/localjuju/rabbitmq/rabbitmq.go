// Package rabbitmq runs the local model's private RabbitMQ node (Debian's
// rabbitmq-server), the broker behind every rabbitmq-server simulator of a
// model: it listens on a free loopback port, keeps its state and Erlang
// cookie in its own directory, and is reused by later processes of the same
// model until Stop.
//
// It imports nothing of the charm and nothing must import it but the local
// model and its tests.
//
// Layer localjuju (see internal/layers): it imports the local model, the host
// double and only the charm packages internal/layers lists with a reason;
// only the local model's commands, cmd/bench and tests import it, never the
// charm.
package rabbitmq

import (
	"context"
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
)

// Binaries of Debian's rabbitmq-server package.
const (
	serverBin = "/usr/lib/rabbitmq/bin/rabbitmq-server"
	ctlBin    = "/usr/lib/rabbitmq/bin/rabbitmqctl"
)

// ErrNotInstalled is wrapped when rabbitmq-server is not installed.
var ErrNotInstalled = errors.New("rabbitmq-server is not installed (Debian package rabbitmq-server)")

// startTimeout bounds a node's start (about 3 s here).
const startTimeout = 90 * time.Second

// Server is a running node.
type Server struct {
	// Addr and Port are where it accepts AMQP connections.
	Addr string `json:"addr"`
	Port int    `json:"port"`
	// Node is the Erlang node name.
	Node string `json:"node"`
	// DistPort is the Erlang distribution port.
	DistPort int `json:"dist_port"`
	// PID is the node's process.
	PID int `json:"pid"`
	dir string
}

// Installed reports whether the broker's binaries are present.
func Installed() error {
	for _, b := range []string{serverBin, ctlBin} {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("%s: %w", b, ErrNotInstalled)
		}
	}
	return nil
}

// Start returns the node kept in dir, started when it is not running.
func Start(ctx context.Context, dir string) (*Server, error) {
	if err := Installed(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("rabbitmq dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("rabbitmq dir: %w", err)
	}
	if s, err := load(abs); err == nil && s.alive(ctx) {
		return s, nil
	}
	s := &Server{Addr: "127.0.0.1", Node: nodeName(abs), dir: abs}
	if s.Port, err = freePort(); err != nil {
		return nil, err
	}
	if s.DistPort, err = freePort(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(abs, "enabled_plugins"), []byte("[].\n"), 0o600); err != nil {
		return nil, fmt.Errorf("rabbitmq plugins file: %w", err)
	}
	if err := os.WriteFile(filepath.Join(abs, "rabbitmq.conf"), []byte("loopback_users = none\n"), 0o600); err != nil {
		return nil, fmt.Errorf("rabbitmq config: %w", err)
	}
	logf, err := os.OpenFile(filepath.Join(abs, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("rabbitmq log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(serverBin)
	cmd.Env = s.env()
	cmd.Dir = abs
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start rabbitmq-server: %w", err)
	}
	s.PID = cmd.Process.Pid
	go func() { _ = cmd.Wait() }()
	// await_startup fails at once while the node is not yet reachable.
	deadline := time.Now().Add(startTimeout)
	for {
		_, err := s.ctl(ctx, "await_startup")
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("rabbitmq-server did not start: %w (see %s)", err, filepath.Join(abs, "server.log"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("rabbitmq state: %w", err)
	}
	if err := os.WriteFile(filepath.Join(abs, "server.json"), raw, 0o600); err != nil {
		return nil, fmt.Errorf("rabbitmq state: %w", err)
	}
	return s, nil
}

// AMQPAddr is host:port of the node's AMQP listener.
func (s *Server) AMQPAddr() string { return net.JoinHostPort(s.Addr, strconv.Itoa(s.Port)) }

// EnsureUser creates vhost and user (or sets its password) and grants it
// everything on vhost, as rabbitmq-server's charm does for a client.
func (s *Server) EnsureUser(ctx context.Context, vhost, user, password string) error {
	out, err := s.ctl(ctx, "list_vhosts", "--quiet", "--no-table-headers")
	if err != nil {
		return err
	}
	if !hasLine(out, vhost) {
		if _, err := s.ctl(ctx, "add_vhost", vhost); err != nil {
			return err
		}
	}
	users, err := s.ctl(ctx, "list_users", "--quiet", "--no-table-headers")
	if err != nil {
		return err
	}
	verb := "add_user"
	for _, line := range strings.Split(users, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == user {
			verb = "change_password"
		}
	}
	if _, err := s.ctl(ctx, verb, user, password); err != nil {
		return fmt.Errorf("%s %s: %w", verb, user, err)
	}
	_, err = s.ctl(ctx, "set_permissions", "-p", vhost, user, ".*", ".*", ".*")
	return err
}

// Stop stops the node and forgets it.
func (s *Server) Stop(ctx context.Context) error {
	_, err := s.ctl(ctx, "stop")
	if err != nil && s.PID > 0 {
		if p, ferr := os.FindProcess(s.PID); ferr == nil {
			_ = p.Kill()
		}
	}
	_ = os.Remove(filepath.Join(s.dir, "server.json"))
	return err
}

// Ctl runs rabbitmqctl against the node and returns its output.
func (s *Server) Ctl(ctx context.Context, args ...string) (string, error) { return s.ctl(ctx, args...) }

func (s *Server) ctl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, ctlBin, append([]string{"-n", s.Node}, args...)...)
	cmd.Env = s.env()
	cmd.Dir = s.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		// The output never holds a password: rabbitmqctl does not echo it.
		return string(out), fmt.Errorf("rabbitmqctl %s: %w: %s", args[0], err, lastLine(string(out)))
	}
	return string(out), nil
}

// env is the environment of the node and of rabbitmqctl: everything in dir.
func (s *Server) env() []string {
	d := s.dir
	return []string{
		"PATH=/usr/lib/rabbitmq/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + d,
		"LANG=C.UTF-8",
		"RABBITMQ_NODENAME=" + s.Node,
		"RABBITMQ_NODE_IP_ADDRESS=" + s.Addr,
		"RABBITMQ_NODE_PORT=" + strconv.Itoa(s.Port),
		"RABBITMQ_DIST_PORT=" + strconv.Itoa(s.DistPort),
		"RABBITMQ_MNESIA_BASE=" + filepath.Join(d, "mnesia"),
		"RABBITMQ_LOG_BASE=" + filepath.Join(d, "log"),
		"RABBITMQ_PID_FILE=" + filepath.Join(d, "rabbitmq.pid"),
		"RABBITMQ_ENABLED_PLUGINS_FILE=" + filepath.Join(d, "enabled_plugins"),
		"RABBITMQ_CONFIG_FILE=" + filepath.Join(d, "rabbitmq"),
		"RABBITMQ_ADVANCED_CONFIG_FILE=" + filepath.Join(d, "advanced.config"),
		"RABBITMQ_CONF_ENV_FILE=" + filepath.Join(d, "rabbitmq-env.conf"),
	}
}

// alive reports whether the recorded node answers.
func (s *Server) alive(ctx context.Context) bool {
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := s.ctl(c, "status")
	return err == nil
}

func load(dir string) (*Server, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "server.json"))
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir}
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, err
	}
	return s, nil
}

// nodeName is a node name unique to dir.
func nodeName(dir string) string {
	h := uint32(2166136261)
	for _, c := range []byte(dir) {
		h = (h ^ uint32(c)) * 16777619
	}
	return fmt.Sprintf("localjuju-%08x@localhost", h)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func hasLine(out, want string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == want {
			return true
		}
	}
	return false
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
