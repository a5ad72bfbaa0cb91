// Command localjuju-agent is the local model's unit agent for one hook or
// action: it serves Juju's own hook tools (the jujuc server of Juju 3.6.11,
// jujuc.NewServer over jujuc.NewCommand) from a unit's State, runs the
// charm's handler with Juju's real jujuc client linked as every tool, and
// writes a Report when the handler exits.
//
//	localjuju-agent -state in.json -report out.json -jujuc /path/jujuc -- handler [args]
//
// Only the world behind the tools is ours (hookContext: relations, config,
// leadership, status, ports, actions); flags, validation, output formats
// and error texts are Juju's. It imports Juju's internal packages, so it is
// built inside a copy of the pinned github.com/juju/juju module
// (scripts/build-agent.sh copies it there with its unitstate package); the
// charm's module must never import it.
//
// The hook's relation and remote unit come from JUJU_RELATION_ID,
// JUJU_REMOTE_UNIT and JUJU_REMOTE_APP in the agent's environment, which
// the handler inherits; the config option types from
// $JUJU_CHARM_DIR/config.yaml. Exit status: the handler's, or 125 when the
// agent itself failed (then no report is written).
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/juju/cmd/v3"
	"github.com/juju/errors"
	"github.com/juju/loggo"

	"github.com/juju/juju/cmd/localjuju-agent/unitstate"
	"github.com/juju/juju/internal/worker/uniter/runner/jujuc"
	"github.com/juju/juju/juju/sockets"
)

// agentFailed is the exit status when the agent could not run the handler.
const agentFailed = 125

func main() {
	statePath := flag.String("state", "", "the unit's state before the hook (JSON)")
	reportPath := flag.String("report", "", "where to write the report (JSON)")
	jujucPath := flag.String("jujuc", "", "Juju's jujuc client, linked as every hook tool")
	flag.Parse()
	code, err := run(*statePath, *reportPath, *jujucPath, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "localjuju-agent:", err)
		os.Exit(agentFailed)
	}
	os.Exit(code)
}

func run(statePath, reportPath, jujucPath string, handler []string) (int, error) {
	if statePath == "" || reportPath == "" || jujucPath == "" || len(handler) == 0 {
		return 0, errors.New("usage: localjuju-agent -state FILE -report FILE -jujuc PATH -- handler [args]")
	}
	// Juju's server logs through loggo's default writer; the hook's stderr
	// is not the place for it.
	_, _ = loggo.RemoveWriter("default")
	data, err := os.ReadFile(statePath)
	if err != nil {
		return 0, err
	}
	var st unitstate.State
	if err := json.Unmarshal(data, &st); err != nil {
		return 0, errors.Annotatef(err, "decode %s", statePath)
	}
	hctx, err := newHookContext(&st, os.Getenv)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "localjuju-agent-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	tools, err := linkTools(dir, jujucPath)
	if err != nil {
		return 0, err
	}
	token, contextID := newHex(), os.Getenv("JUJU_CONTEXT_ID")
	if contextID == "" {
		contextID = st.Unit + "-" + newHex()
	}
	socket := sockets.Socket{Network: "unix", Address: filepath.Join(dir, "agent.socket")}
	getCmd := func(id, name string) (cmd.Command, error) {
		if id != contextID {
			return nil, errors.Errorf("wrong context ID; got %q", id)
		}
		c, err := jujuc.NewCommand(hctx, name)
		if err != nil {
			return nil, err
		}
		hctx.mu.Lock()
		hctx.calls = append(hctx.calls, name)
		hctx.mu.Unlock()
		return &countedCommand{Command: c, hctx: hctx}, nil
	}
	srv, err := jujuc.NewServer(getCmd, socket, token)
	if err != nil {
		return 0, err
	}
	go func() { _ = srv.Run() }()
	closeServer := sync.OnceFunc(srv.Close)
	defer closeServer()

	// exec keeps the last of duplicated variables: these win.
	env := append(os.Environ(),
		"PATH="+tools+":"+os.Getenv("PATH"),
		"JUJU_AGENT_SOCKET_ADDRESS="+socket.Address,
		"JUJU_AGENT_SOCKET_NETWORK="+socket.Network,
		"JUJU_CONTEXT_ID="+contextID,
		"JUJU_AGENT_TOKEN="+token)
	code, stdout, stderr, err := runHandler(handler, env, st.Action != nil)
	if err != nil {
		return 0, err
	}
	closeServer()
	report := hctx.finish(code, stdout, stderr)
	out, err := json.Marshal(report)
	if err != nil {
		return 0, err
	}
	tmp := reportPath + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return 0, err
	}
	return code, os.Rename(tmp, reportPath)
}

// linkTools returns a directory with every hook tool linked to the jujuc
// client. It is made once, beside the client, under a name that covers the
// client's path and the tool names, and renamed into place whole, so a
// directory of that name is complete; where that cannot be written, the
// links go in dir/tools for this hook only. Linking sixty tools in every
// hook cost the agent more CPU than anything else it does.
func linkTools(dir, jujucPath string) (string, error) {
	abs, err := filepath.Abs(jujucPath)
	if err != nil {
		return "", err
	}
	names := jujuc.CommandNames()
	sum := sha256.Sum256([]byte(abs + "\x00" + strings.Join(names, "\x00")))
	shared := filepath.Join(filepath.Dir(abs), fmt.Sprintf(".jujuc-tools-%x", sum[:6]))
	if fi, err := os.Stat(shared); err == nil && fi.IsDir() {
		return shared, nil
	}
	tmp, err := os.MkdirTemp(filepath.Dir(abs), ".jujuc-tools-new-")
	if err != nil {
		tmp = filepath.Join(dir, "tools")
		shared = ""
		if err := os.Mkdir(tmp, 0o700); err != nil {
			return "", err
		}
	}
	for _, name := range names {
		if err := os.Symlink(abs, filepath.Join(tmp, name)); err != nil {
			_ = os.RemoveAll(tmp)
			return "", err
		}
	}
	if shared == "" {
		return tmp, nil
	}
	if err := os.Rename(tmp, shared); err != nil {
		_ = os.RemoveAll(tmp)
		// Another agent may have put a complete one in place first.
		if fi, statErr := os.Stat(shared); statErr != nil || !fi.IsDir() {
			return "", fmt.Errorf("link hook tools: %w", err)
		}
	}
	return shared, nil
}

// runHandler runs the charm's handler with the agent's stdin and output;
// for an action the output is also kept for the results. A handler killed
// by a signal ends with 128+signal, as a shell reports it. SIGTERM and
// SIGINT sent to the agent are passed on to the handler.
func runHandler(argv, env []string, keepOutput bool) (int, []byte, []byte, error) {
	proc := exec.Command(argv[0], argv[1:]...)
	proc.Env = env
	proc.Stdin = os.Stdin
	var stdout, stderr bytes.Buffer
	proc.Stdout, proc.Stderr = io.Writer(os.Stdout), io.Writer(os.Stderr)
	if keepOutput {
		proc.Stdout, proc.Stderr = io.MultiWriter(os.Stdout, &stdout), io.MultiWriter(os.Stderr, &stderr)
	}
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)
	if err := proc.Start(); err != nil {
		return 0, nil, nil, err
	}
	go func() {
		for s := range signals {
			_ = proc.Process.Signal(s)
		}
	}()
	err := proc.Wait()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.Bytes(), stderr.Bytes(), nil
	case errors.As(err, &exitErr):
		code := exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return code, stdout.Bytes(), stderr.Bytes(), nil
	default:
		return 0, nil, nil, err
	}
}

func newHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// countedCommand is a tool command whose call the context counts (when
// the server asks for it) unless it turns out to need the standard input
// it was not sent: the client re-sends such a call with stdin, and that
// call counts.
type countedCommand struct {
	cmd.Command
	hctx *hookContext
}

// Run runs the tool and uncounts a call the client must re-send.
func (c *countedCommand) Run(ctx *cmd.Context) error {
	err := c.Command.Run(ctx)
	if errors.Cause(err) == jujuc.ErrNoStdin {
		c.hctx.mu.Lock()
		c.hctx.calls = c.hctx.calls[:len(c.hctx.calls)-1]
		c.hctx.mu.Unlock()
	}
	return err
}
