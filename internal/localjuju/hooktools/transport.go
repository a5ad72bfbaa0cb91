package hooktools

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// requestTimeout bounds how long a connection may take to send its request.
const requestTimeout = time.Minute

// wireRequest is one tool call sent by ClientMain.
type wireRequest struct {
	ContextID string   `json:"context_id"`
	Dir       string   `json:"dir"`
	Argv      []string `json:"argv"`
	Stdin     []byte   `json:"stdin"`
}

// wireResponse is the result of a tool call, or a request error.
type wireResponse struct {
	Exit   int    `json:"exit"`
	Stdout []byte `json:"stdout,omitempty"`
	Stderr []byte `json:"stderr,omitempty"`
	Error  string `json:"error,omitempty"`
}

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
	var req wireRequest
	var resp wireResponse
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
func checkRequest(req wireRequest, contextID string) string {
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
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "ERROR "+format+"\n", a...)
		return 1
	}
	contextID := getenv("JUJU_CONTEXT_ID")
	if contextID == "" {
		return fail("JUJU_CONTEXT_ID not set")
	}
	addr := getenv("JUJU_AGENT_SOCKET_ADDRESS")
	if addr == "" {
		return fail("JUJU_AGENT_SOCKET_ADDRESS not set")
	}
	network := getenv("JUJU_AGENT_SOCKET_NETWORK")
	if network == "" {
		network = "unix"
	}
	dir, err := os.Getwd()
	if err != nil {
		return fail("cannot get working directory: %v", err)
	}
	var input []byte
	if stdin != nil {
		if input, err = io.ReadAll(stdin); err != nil {
			return fail("cannot read stdin: %v", err)
		}
	}
	conn, err := net.Dial(network, addr)
	if err != nil {
		return fail("%v", err)
	}
	defer conn.Close()
	req := wireRequest{
		ContextID: contextID,
		Dir:       dir,
		Argv:      append([]string{filepath.Base(tool)}, args...),
		Stdin:     input,
	}
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return fail("%v", err)
	}
	var resp wireResponse
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		return fail("%v", err)
	}
	if resp.Error != "" {
		return fail("%s", resp.Error)
	}
	_, _ = stdout.Write(resp.Stdout)
	_, _ = stderr.Write(resp.Stderr)
	return resp.Exit
}
