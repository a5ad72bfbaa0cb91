package hooktools

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/toolwire"
)

// requestTimeout bounds how long a connection may take to send its request.
const requestTimeout = time.Minute

// Serve answers tool calls for the context contextID on ln (one JSON
// request and one JSON response per connection) until stop is called.
// stop closes the listener (removing a unix socket file) and waits for
// calls in progress.
func Serve(ln net.Listener, contextID string, c *Context) (stop func()) {
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				select {
				case <-done:
					return
				default:
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveConn(conn, contextID, c)
			}()
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			_ = ln.Close()
			wg.Wait()
		})
	}
}

func serveConn(conn net.Conn, contextID string, c *Context) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(requestTimeout))
	var req toolwire.Request
	var resp toolwire.Response
	if err := json.NewDecoder(conn).Decode(&req); err != nil {
		resp.Error = fmt.Sprintf("bad request: %v", err)
	} else if msg := checkRequest(req, contextID); msg != "" {
		resp.Error = msg
	} else {
		resp.Exit, resp.Stdout, resp.Stderr = c.run(req.Dir, req.Argv, req.Stdin)
	}
	_ = json.NewEncoder(conn).Encode(resp)
}

// checkRequest validates a request the way Juju's hook-tool server does.
func checkRequest(req toolwire.Request, contextID string) string {
	switch {
	case req.ContextID != contextID:
		return fmt.Sprintf("bad request: wrong context ID; got %q", req.ContextID)
	case !filepath.IsAbs(req.Dir):
		return "bad request: Dir is not absolute"
	case len(req.Argv) == 0:
		return "bad request: no command given"
	}
	name := filepath.Base(req.Argv[0])
	if _, ok := toolConstructors()[name]; !ok {
		return fmt.Sprintf("bad request: unknown command: %s", name)
	}
	return ""
}

// ClientMain is the client side of a hook tool: it sends the call (the
// tool name, args, the working directory and all of stdin) to the socket
// named by JUJU_AGENT_SOCKET_ADDRESS for JUJU_CONTEXT_ID, prints the tool's
// stdout and then its stderr, and returns its exit code.
func ClientMain(tool string, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	return toolwire.ClientMain(tool, args, getenv, stdin, stdout, stderr)
}
