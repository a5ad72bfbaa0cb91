// Command toolbox is the benchmark's multi-call binary for the local
// model's machine commands (the same code as cmd/localjuju-tools) and, in
// front of Juju's real hook tools, their recorder: under a hook tool's
// name it runs the real tool from $BENCH_HOOK_TOOLS (hookwrap links it
// there, see hookwrap's wrapTools). After each call it appends the call's
// own CPU time (with the real tool's) to <dir>/control/tools.jsonl,
// where <dir> is the parent of the directory holding the binary, so that
// the benchmark can tell the charm's CPU time from its tools' and count the
// calls of each charm process.
//
// Layer bench (see internal/layers): it imports only bench packages; only
// cmd/bench and tests use it.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/openstack-charmers/charm-panko/cmd/bench/benchwire"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

func main() {
	name := filepath.Base(os.Args[0])
	call := benchwire.Call{PPid: os.Getppid(), Name: name, Kind: "tool"}
	for _, c := range machine.Commands() {
		if c == name {
			call.Kind = "command"
		}
	}
	if call.Kind == "command" {
		if name == "systemctl" {
			call.Args = os.Args[1:]
		}
		call.Exit = machine.Main(os.Args, os.Stdin, os.Stdout, os.Stderr)
	} else {
		call.Exit = runTool(name)
	}
	record(call)
	os.Exit(call.Exit)
}

// runTool runs the real hook tool with toolbox's arguments and standard
// streams and returns its exit code.
func runTool(name string) int {
	real := os.Getenv("BENCH_HOOK_TOOLS")
	if real == "" {
		fmt.Fprintf(os.Stderr, "toolbox: %s: BENCH_HOOK_TOOLS is not set\n", name)
		return 1
	}
	cmd := exec.Command(filepath.Join(real, name), os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "toolbox: %v\n", err)
		return 1
	}
}

// record appends call with its CPU time to the control directory's
// tools.jsonl, if that directory exists.
func record(call benchwire.Call) {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	control := filepath.Join(filepath.Dir(filepath.Dir(exe)), "control")
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	us := benchwire.Microseconds
	call.CPUUS = us(self.Utime) + us(self.Stime) + us(children.Utime) + us(children.Stime)
	_ = benchwire.AppendLine(filepath.Join(control, "tools.jsonl"), call, false)
}
