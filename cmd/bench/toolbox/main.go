// Command toolbox is the benchmark's multi-call binary for the local
// model's hook tools and machine commands: the same code as
// cmd/localjuju-tools (toolwire's client and the machine stand-ins). After
// each call it appends the call's own CPU time to <dir>/control/tools.jsonl,
// where <dir> is the parent of the directory holding the binary, so that
// the benchmark can tell the charm's CPU time from its tools' and count the
// calls of each charm process.
package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"

	"github.com/openstack-charmers/charm-panko/cmd/bench/benchwire"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/toolwire"
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
		call.Exit = toolwire.ClientMain(name, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	}
	record(call)
	os.Exit(call.Exit)
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
	call.CPUUS = us(self.Utime) + us(self.Stime) + us(children.Utime) + us(children.Stime)
	line, err := json.Marshal(call)
	if err != nil {
		return
	}
	f, err := os.OpenFile(filepath.Join(control, "tools.jsonl"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(append(line, '\n'))
}

func us(tv syscall.Timeval) int64 { return tv.Sec*1_000_000 + tv.Usec }
