package sandbox

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// startSandbox starts a sandbox over root, or skips (fails under CI=true) when
// this machine cannot run one.
func startSandbox(t *testing.T, opts Options) *Sandbox {
	t.Helper()
	if err := Available(); err != nil {
		need.Skip(t, "sandbox unavailable: %v", err)
	}
	opts.Work = t.TempDir()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSandboxShowsTheUnitOverTheMachine: the unit's file appears in /etc
// next to the machine's own, a write stays in the sandbox, and the
// sandbox's addresses are not the machine's.
func TestSandboxShowsTheUnitOverTheMachine(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc", "sandboxtest"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "sandboxtest", "unit.conf"), []byte("from the unit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startSandbox(t, Options{Root: root, Overlay: []string{"/etc"}, Addrs: []string{"10.99.0.10"}})
	ctx := context.Background()

	out, err := s.Run(ctx, nil, "cat", "/etc/sandboxtest/unit.conf", "/etc/hostname")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	host, _ := os.ReadFile("/etc/hostname")
	if want := "from the unit\n" + string(host); string(out) != want {
		t.Errorf("sandbox reads %q, want the unit's file then the machine's %q", out, want)
	}
	if out, err := s.Run(ctx, nil, "sh", "-c", "echo x > /etc/sandboxtest/written"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, p := range []string{"/etc/sandboxtest", filepath.Join(root, "etc", "sandboxtest", "written")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists outside the sandbox", p)
		}
	}
	out, err = s.Run(ctx, nil, "ip", "-4", "-o", "addr", "show", "dev", "lo")
	if err != nil || !strings.Contains(string(out), "10.99.0.10/32") {
		t.Errorf("sandbox loopback: %s (%v), want 10.99.0.10", out, err)
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if strings.HasPrefix(a.String(), "10.99.0.10/") {
				t.Error("the machine has the sandbox's address")
			}
		}
	}
}

// TestSandboxDialListenForward: a server inside answers a client that
// dials through the sandbox, and a forward carries the sandbox's
// connections to a machine server.
func TestSandboxDialListenForward(t *testing.T) {
	s := startSandbox(t, Options{Root: t.TempDir(), Addrs: []string{"10.99.0.11"}})
	l, err := s.Listen("tcp", "10.99.0.11:7000")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go echoOnce(l, "inside")

	machine, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer machine.Close()
	go echoOnce(machine, "machine")
	if err := s.Forward("127.0.0.1:7001", machine.Addr().String()); err != nil {
		t.Fatal(err)
	}

	for addr, want := range map[string]string{"10.99.0.11:7000": "inside", "127.0.0.1:7001": "machine"} {
		c, err := s.DialContext(context.Background(), "tcp", addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || line != want+"\n" {
			t.Errorf("%s answered %q (%v), want %q", addr, line, err, want)
		}
	}
}

// echoOnce answers one connection with name.
func echoOnce(l net.Listener, name string) {
	c, err := l.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	c.Write([]byte(name + "\n"))
}

// TestSandboxCloseStopsItsServices: a spawned service and everything in
// the namespace are gone after Close.
func TestSandboxCloseStopsItsServices(t *testing.T) {
	s := startSandbox(t, Options{Root: t.TempDir()})
	if err := s.Spawn("sleeper", nil, "sh", "-c", "sleep 600 & sleep 600"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(s.members()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(s.members()); n < 2 {
		t.Fatalf("%d processes in the sandbox, want the service's two", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(s.members()); n != 0 {
		t.Errorf("%d processes left in the sandbox after Close", n)
	}
	if !s.Exited("sleeper") {
		t.Error("the service still runs after Close")
	}
}
