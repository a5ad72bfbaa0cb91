// Package benchwire is what the bench's stand-ins write and the bench
// reads, and how they write it: one Record per charm run (records.jsonl, by
// hookwrap) and one Call per hook tool or machine command (tools.jsonl, by
// toolbox), each one JSON line (AppendLine).
//
// Layer bench (see internal/layers): it imports only bench packages; only
// cmd/bench and tests use it.
package benchwire

import (
	"encoding/json"
	"os"
	"syscall"
)

// Record is one run of the charm as hookwrap saw it (a line of
// records.jsonl).
type Record struct {
	Unit        string `json:"unit"`
	Dispatch    string `json:"dispatch"`
	Phase       string `json:"phase,omitempty"`
	Pid         int    `json:"pid"`
	WallNS      int64  `json:"wall_ns"`
	CPUTotalUS  int64  `json:"cpu_total_us"`
	PeakRSSKB   int64  `json:"peak_rss_kb"`
	Exit        int    `json:"exit"`
	Signal      string `json:"signal,omitempty"`
	Skipped     bool   `json:"skipped,omitempty"`
	KillAfterUS int64  `json:"kill_after_us,omitempty"`
	// KillOnWrite says the delay counts from the charm's first change in
	// the watched directories.
	KillOnWrite bool     `json:"kill_on_write,omitempty"`
	Written     []string `json:"written,omitempty"`
}

// Call is one line of tools.jsonl.
type Call struct {
	// PPid is the calling process (the charm).
	PPid int `json:"ppid"`
	// Name is the tool or command.
	Name string `json:"name"`
	// Kind is "tool" for hook tools, "command" for machine commands.
	Kind string `json:"kind"`
	// Args are the arguments of systemctl calls (hook-tool arguments may
	// hold secrets and are never recorded).
	Args []string `json:"args,omitempty"`
	// Exit is the exit code.
	Exit int `json:"exit"`
	// CPUUS is the call's CPU time with its own children, in microseconds.
	CPUUS int64 `json:"cpu_us"`
}

// AppendLine appends v to path as one JSON line (one write, so lines of
// concurrent writers do not interleave). A missing file is created only
// with create: without it, a missing file means nobody is listening.
func AppendLine(path string, v any, create bool) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_APPEND
	if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(line, '\n'))
	return err
}

// Microseconds converts a rusage time.
func Microseconds(tv syscall.Timeval) int64 { return tv.Sec*1_000_000 + tv.Usec }
