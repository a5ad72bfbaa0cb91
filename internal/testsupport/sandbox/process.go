package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
)

// Command returns a command that runs name inside the sandbox. env, when
// not nil, replaces the environment.
func (s *Sandbox) Command(ctx context.Context, env []string, name string, args ...string) *exec.Cmd {
	nsenter, _ := lookPath("nsenter")
	argv := append([]string{"--target", strconv.Itoa(s.anchor.Process.Pid), "--net", "--mount", "--", name}, args...)
	cmd := exec.CommandContext(ctx, nsenter, argv...)
	if env != nil {
		cmd.Env = env
	}
	return cmd
}

// Run runs name inside the sandbox and returns its combined output.
func (s *Sandbox) Run(ctx context.Context, env []string, name string, args ...string) ([]byte, error) {
	out, err := s.Command(ctx, env, name, args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s in the sandbox: %w", name, err)
	}
	return out, nil
}

// Spawn starts a long-running service inside the sandbox under a name; it
// is stopped by Close and its output is kept for Output.
func (s *Sandbox) Spawn(name string, env []string, argv ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sandbox closed")
	}
	if _, ok := s.procs[name]; ok {
		return fmt.Errorf("service %s already started", name)
	}
	cmd := s.Command(context.Background(), env, argv[0], argv[1:]...)
	out := &buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	done := make(chan struct{})
	s.procs[name], s.outputs[name], s.done[name] = cmd, out, done
	go func() { _ = cmd.Wait(); close(done) }()
	return nil
}

// Exited says whether the named service has exited (and was reaped).
func (s *Sandbox) Exited(name string) bool {
	s.mu.Lock()
	done := s.done[name]
	s.mu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// Output is what the named service printed so far.
func (s *Sandbox) Output(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.outputs[name]; b != nil {
		return b.String()
	}
	return ""
}

// buffer collects a process's output; it is safe for concurrent use.
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

// Kill sends SIGKILL to the named service's process group (no chance to
// clean up, as on a crash) and forgets it, so that the name can be spawned
// again.
func (s *Sandbox) Kill(name string) error {
	s.mu.Lock()
	cmd := s.procs[name]
	delete(s.procs, name)
	delete(s.done, name)
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return fmt.Errorf("kill %s: no such service", name)
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s: %w", name, err)
	}
	return nil
}
