// Command localjuju-tools is the local model's small multi-call binary:
// invoked under a hook tool's name (through the model's tools directory) it
// sends the call to the running hook's agent socket, as Juju's own tool
// symlinks do, and under a machine command's name (through a unit root's
// usr/bin) it is that unit's stand-in for the command. It does what the
// localjuju binary does under those names, but starts much faster: it
// links neither the model's command line nor the charm and simulator code,
// and the hook-tool client needs only the socket and JSON.
//
// `make localjuju` builds it next to bin/localjuju, where the model finds
// it (see localjuju.Options.ToolsBinary).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

// selfName is the binary's own name; it is neither a tool nor a command.
const selfName = "localjuju-tools"

func main() {
	os.Exit(run(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches on the base name of argv[0].
func run(argv []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "ERROR empty command line")
		return 2
	}
	name := filepath.Base(argv[0])
	for _, cmd := range machine.Commands() {
		if name == cmd {
			return machine.Main(argv, stdin, stdout, stderr)
		}
	}
	if name == selfName {
		fmt.Fprintf(stderr, "%s is the local model's hook tools and machine commands; it runs under their names (the model links them to it)\n", selfName)
		return 2
	}
	return callTool(name, argv[1:], getenv, stdin, stdout, stderr)
}

// toolRequest is one hook-tool call on the agent socket.
type toolRequest struct {
	ContextID string   `json:"context_id"`
	Dir       string   `json:"dir"`
	Argv      []string `json:"argv"`
	Stdin     []byte   `json:"stdin"`
}

// toolResponse is the agent's answer to a call, or why it refused it.
type toolResponse struct {
	Exit   int    `json:"exit"`
	Stdout []byte `json:"stdout,omitempty"`
	Stderr []byte `json:"stderr,omitempty"`
	Error  string `json:"error,omitempty"`
}

// callTool sends the call (tool name, args, working directory and all of
// stdin) to the socket named by JUJU_AGENT_SOCKET_ADDRESS for
// JUJU_CONTEXT_ID, prints the tool's stdout and then its stderr, and
// returns its exit code: the client side of the protocol that
// internal/localjuju/hooktools serves (hooktools.ClientMain).
func callTool(tool string, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
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
	req := toolRequest{ContextID: contextID, Dir: dir, Argv: append([]string{tool}, args...), Stdin: input}
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return fail("%v", err)
	}
	var resp toolResponse
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
