// Package toolwire is the wire protocol between the local model's hook-tool
// server and the tool processes a charm runs: one JSON request and one JSON
// response per connection on the unit's agent socket. It is kept free of
// heavy imports so the tool binary starts fast.
package toolwire

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
)

// Request is one tool call sent by ClientMain.
type Request struct {
	ContextID string   `json:"context_id"`
	Dir       string   `json:"dir"`
	Argv      []string `json:"argv"`
	Stdin     []byte   `json:"stdin"`
}

// Response is the result of a tool call, or a request error.
type Response struct {
	Exit   int    `json:"exit"`
	Stdout []byte `json:"stdout,omitempty"`
	Stderr []byte `json:"stderr,omitempty"`
	Error  string `json:"error,omitempty"`
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
	req := Request{
		ContextID: contextID,
		Dir:       dir,
		Argv:      append([]string{filepath.Base(tool)}, args...),
		Stdin:     input,
	}
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return fail("%v", err)
	}
	var resp Response
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
