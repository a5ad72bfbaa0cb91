package sandbox

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"
)

// DialContext connects to addr inside the sandbox (for http.Transport).
func (s *Sandbox) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := s.inside(func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

// Listen listens on addr inside the sandbox.
func (s *Sandbox) Listen(network, addr string) (net.Listener, error) {
	var l net.Listener
	err := s.inside(func() error {
		var err error
		l, err = net.Listen(network, addr)
		return err
	})
	return l, err
}

// Forward accepts connections on addr inside the sandbox and joins each to
// a connection to target on the machine (a database the sandbox's
// services use, for example).
func (s *Sandbox) Forward(addr, target string) error {
	l, err := s.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("forward %s: %w", addr, err)
	}
	s.mu.Lock()
	s.forwards = append(s.forwards, l)
	s.mu.Unlock()
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go join(in, target)
		}
	}()
	return nil
}

// join copies between in and a new connection to target until either side
// closes.
func join(in net.Conn, target string) {
	defer in.Close()
	out, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		return
	}
	defer out.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(out, in); done <- struct{}{} }()
	go func() { _, _ = io.Copy(in, out); done <- struct{}{} }()
	<-done
}
