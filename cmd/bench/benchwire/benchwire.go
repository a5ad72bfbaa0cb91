// Package benchwire is what the bench's stand-ins write and the bench
// reads: one Record per charm run (records.jsonl, by hookwrap) and one Call
// per hook tool or machine command (tools.jsonl, by toolbox).
//
// Layer bench (see internal/layers): it imports only bench packages; only
// cmd/bench and tests use it.
package benchwire

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
