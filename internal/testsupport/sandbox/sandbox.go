// Package sandbox runs real services on a unit's rendered files. A sandbox
// is a private network and mount namespace: chosen directories of the
// machine (such as /etc and /var/log) show the unit's files over the
// machine's own, /run is empty, and the unit's addresses sit on the
// sandbox's loopback. Services started in it use the charm's paths, ports
// and addresses unchanged, and nothing they write reaches the machine.
//
// Layer testsupport (see internal/layers): it imports no project package
// outside testsupport; only tests and cmd/bench import it, never code that
// ships or the local model.
package sandbox

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// stopGrace is how long processes have to exit after SIGTERM before they
// are killed.
const stopGrace = 5 * time.Second

// Options say what the sandbox shows.
type Options struct {
	// Root is the unit's filesystem root.
	Root string
	// Overlay lists absolute directories (such as /etc) whose content
	// under Root is shown over the machine's directory of that name.
	Overlay []string
	// Layers maps an overlay directory to a machine directory shown
	// between the unit's files and the machine's (a package's own files,
	// for example).
	Layers map[string]string
	// Bind maps an absolute path in the sandbox to a machine directory
	// mounted over it.
	Bind map[string]string
	// Addrs are IPv4 addresses put on the sandbox's loopback.
	Addrs []string
	// Work is an empty directory for the overlays' upper layers and the
	// services' output.
	Work string
}

// Sandbox is a running private namespace.
type Sandbox struct {
	work   string
	anchor *exec.Cmd
	netns  *os.File
	// nsID names the network namespace (the link of /proc/PID/ns/net).
	nsID string

	mu       sync.Mutex
	procs    map[string]*exec.Cmd
	done     map[string]chan struct{} // closed once the service is reaped
	outputs  map[string]*buffer
	closed   bool
	forwards []net.Listener
}

// Available says why sandboxes cannot run on this machine, or nil.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("a sandbox needs root (mount and network namespaces)")
	}
	for _, bin := range []string{"unshare", "nsenter", "mount", "ip"} {
		if _, err := lookPath(bin); err != nil {
			return err
		}
	}
	return nil
}

// lookPath finds bin on PATH or in the system directories.
func lookPath(bin string) (string, error) {
	if p, err := exec.LookPath(bin); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, bin)
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed", bin)
}

// Start creates the namespace, mounts the overlays and brings its loopback
// up with the addresses.
func Start(opts Options) (*Sandbox, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	script, err := setupScript(opts)
	if err != nil {
		return nil, err
	}
	ready := filepath.Join(opts.Work, "ready")
	unshare, _ := lookPath("unshare")
	cmd := exec.Command(unshare, "--mount", "--net", "--propagation", "private", "--",
		"/bin/sh", "-ec", script+"\n: > "+shellQuote(ready)+"\nexec sleep 2147483647")
	out := &buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the sandbox: %w", err)
	}
	s := &Sandbox{work: opts.Work, anchor: cmd, procs: map[string]*exec.Cmd{}, done: map[string]chan struct{}{}, outputs: map[string]*buffer{}}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("set up the sandbox: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("set up the sandbox: not ready after 20s\n%s", out.String())
		}
	}
	s.nsID, err = os.Readlink(fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid))
	if err == nil {
		s.netns, err = os.Open(fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid))
	}
	if err != nil {
		s.kill()
		return nil, fmt.Errorf("open the sandbox's network namespace: %w", err)
	}
	return s, nil
}

// setupScript is the shell script that builds the namespace's view.
func setupScript(opts Options) (string, error) {
	var b strings.Builder
	b.WriteString("ip link set lo up\n")
	for _, a := range opts.Addrs {
		ip := net.ParseIP(a)
		if ip == nil || ip.To4() == nil {
			return "", fmt.Errorf("sandbox address %q is not IPv4", a)
		}
		if !ip.IsLoopback() {
			fmt.Fprintf(&b, "ip addr add %s/32 dev lo\n", ip)
		}
	}
	for i, dir := range opts.Overlay {
		if !filepath.IsAbs(dir) {
			return "", fmt.Errorf("overlay %q is not absolute", dir)
		}
		lower := filepath.Join(opts.Root, dir)
		if _, err := os.Stat(lower); err != nil {
			return "", fmt.Errorf("overlay %s: %w", dir, err)
		}
		lowers := lower + ":"
		if mid, ok := opts.Layers[dir]; ok {
			lowers += mid + ":"
		}
		lowers += dir
		up := filepath.Join(opts.Work, "overlay", strconv.Itoa(i))
		for _, d := range []string{"upper", "work"} {
			if err := os.MkdirAll(filepath.Join(up, d), 0o755); err != nil {
				return "", fmt.Errorf("overlay %s: %w", dir, err)
			}
		}
		fmt.Fprintf(&b, "mount -t overlay overlay -o %s %s\n",
			shellQuote("lowerdir="+lowers+",upperdir="+filepath.Join(up, "upper")+",workdir="+filepath.Join(up, "work")),
			shellQuote(dir))
	}
	for target, src := range opts.Bind {
		if !filepath.IsAbs(target) {
			return "", fmt.Errorf("bind target %q is not absolute", target)
		}
		fmt.Fprintf(&b, "mount --bind %s %s\n", shellQuote(src), shellQuote(target))
	}
	// An empty /run: pid files, sockets and locks of the sandbox's services.
	b.WriteString("mount -t tmpfs -o mode=0755 tmpfs /run\nmkdir -p /run/lock\n")
	return b.String(), nil
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// inside runs f on an OS thread that has joined the sandbox's network
// namespace. (Because such threads end, no child of this process may rely
// on Pdeathsig, which fires when the thread that started it exits.) Sockets f creates belong to the sandbox. The thread is never
// handed back to the scheduler: it ends with its goroutine.
func (s *Sandbox) inside(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(int(s.netns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("join the sandbox's network: %w", err)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// Close stops every process in the sandbox and releases the namespace.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	procs := make([]*exec.Cmd, 0, len(s.procs))
	for _, p := range s.procs {
		procs = append(procs, p)
	}
	dones := make([]chan struct{}, 0, len(s.done))
	for _, d := range s.done {
		dones = append(dones, d)
	}
	for _, l := range s.forwards {
		l.Close()
	}
	s.mu.Unlock()
	for _, p := range procs {
		syscall.Kill(-p.Process.Pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(stopGrace)
	for time.Now().Before(deadline) && len(s.members()) > 0 {
		time.Sleep(50 * time.Millisecond)
	}
	s.kill()
	// Wait for the services to be reaped, so that Exited is true.
	for _, d := range dones {
		select {
		case <-d:
		case <-time.After(stopGrace):
		}
	}
	if s.netns != nil {
		s.netns.Close()
	}
	return nil
}

// kill kills every process left in the sandbox's network namespace, then
// the namespace's anchor.
func (s *Sandbox) kill() {
	for _, pid := range s.members() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if s.anchor.Process != nil {
		syscall.Kill(-s.anchor.Process.Pid, syscall.SIGKILL)
	}
}

// members lists the processes, other than the anchor, that live in the
// sandbox's network namespace.
func (s *Sandbox) members() []int {
	if s.anchor.Process == nil || s.nsID == "" {
		return nil
	}
	self, ns := s.anchor.Process.Pid, s.nsID
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		// This process is skipped: a thread that joined the namespace
		// to dial may be its main thread.
		if err != nil || pid == self || pid == os.Getpid() {
			continue
		}
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); err == nil && l == ns {
			out = append(out, pid)
		}
	}
	return out
}
