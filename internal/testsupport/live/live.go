// Package live runs real servers (apache2, haproxy) and stand-ins for the
// services behind them on loopback addresses, for tests that check a
// rendered configuration by serving traffic through it.
//
// Layer testsupport (see internal/layers): it imports no project package
// outside testsupport; only tests and cmd/bench import it, never code that
// ships or the local model.
package live

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StopGrace is how long a server has to exit after SIGTERM, and then for
// the rest of its process group to follow, before it is killed.
const StopGrace = 5 * time.Second

// buffer collects a child process's output while a test reads it. It is
// safe for concurrent use.
type buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Server is a server process a test started with Start.
type Server struct {
	name     string
	cmd      *exec.Cmd
	output   buffer
	diagnose func(output string) string
	exited   chan struct{}
	err      error // of cmd.Wait, set before exited is closed
}

// Start starts cmd in a process group of its own, its standard output and
// error collected, and stops it when the test ends: SIGTERM to the server,
// then SIGKILL to its whole group when it has not exited within StopGrace;
// the test fails when the server had to be killed or a process of its group
// outlives it. diagnose turns the collected output into what failure
// messages show (to add a log file, or to hide secrets); nil shows the
// output as it is.
func Start(t testing.TB, cmd *exec.Cmd, diagnose func(output string) string) *Server {
	t.Helper()
	if diagnose == nil {
		diagnose = func(output string) string { return output }
	}
	s := &Server{name: filepath.Base(cmd.Path), cmd: cmd, diagnose: diagnose, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &s.output, &s.output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Children that outlive the server keep its output open; the server
	// counts as exited without waiting for them (stop reports them).
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", s.name, err)
		return nil
	}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// Diagnostics returns the server's output as failure messages show it.
func (s *Server) Diagnostics() string {
	return s.diagnose(s.output.String())
}

// WaitListening polls accepts(addr) every 50 ms until it reports true, and
// fails the test when the server exits first or deadline passes.
func (s *Server) WaitListening(t testing.TB, addr string, deadline time.Time, accepts func(addr string) bool) {
	t.Helper()
	for !accepts(addr) {
		select {
		case <-s.exited:
			t.Fatalf("%s exited: %v\n%s", s.name, s.err, s.Diagnostics())
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s\n%s", s.name, addr, s.Diagnostics())
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the server and checks that no process of its group is left.
func (s *Server) stop(t testing.TB) {
	pgid := s.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(StopGrace):
		t.Errorf("%s did not stop within %s of SIGTERM; killing its process group", s.name, StopGrace)
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.exited
	}
	deadline := time.Now().Add(StopGrace)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			t.Errorf("%s children still running after the parent stopped; killing them", s.name)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// CanRunAs reports whether a server this process starts can switch to the
// account name and group: the process runs as root and both exist.
func CanRunAs(name, group string) bool {
	if os.Geteuid() != 0 {
		return false
	}
	if _, err := user.Lookup(name); err != nil {
		return false
	}
	_, err := user.LookupGroup(group)
	return err == nil
}

// AcceptsTCP reports whether a TCP connection to addr opens within a
// second.
func AcceptsTCP(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Get makes one GET request for url with client, giving up after timeout,
// and returns the response with its whole body (the body is closed).
func Get(client *http.Client, url string, timeout time.Duration) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// ServeHTTP serves h on l until the test ends or stop is called. stop
// closes the listener and every connection, so the port refuses
// connections from then on; calling it again does nothing.
func ServeHTTP(t testing.TB, l net.Listener, h http.Handler) (stop func()) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	stop = sync.OnceFunc(func() { _ = srv.Close() })
	t.Cleanup(stop)
	return stop
}
