// Command hookwrap stands in for a charm's dispatch in the benchmark and
// the crash-consistency test. It runs the real charm binary beside it
// ($CHARM_DIR/bin/panko-charm) with the hook's own argv and environment, and
// depending on hookwrap.json in the charm directory and the files in its
// control directory it:
//
//   - records the charm process's wall time, CPU time (with its children),
//     peak resident set size (read at exit through ptrace) and the files it
//     changed under the unit root, one JSON line per run in records.jsonl;
//   - short-circuits hooks (exit 0 without running the charm) while the file
//     "skip" exists, except actions, the dispatch paths the file lists, one
//     a line, and install unless the file has the line "skip-install";
//   - kills the charm with SIGKILL, once, as kill/<unit> orders: "<µs>"
//     kills that long after the start; "write:<µs>:<dir>,<dir>..." kills that
//     long after the charm first creates, renames or removes an entry in one
//     of the directories (unit paths under PANKO_HOST_ROOT).
//
// Without a valid hookwrap.json it fails: a hook it cannot measure is an
// error, not a silent pass-through.
//
// Layer bench (see internal/layers): it imports only bench packages; only
// cmd/bench and tests use it.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/openstack-charmers/charm-panko/cmd/bench/benchwire"
)

// Files of the charm directory and the control directory.
const (
	configFile  = "hookwrap.json"
	charmBinary = "bin/panko-charm"
	recordsFile = "records.jsonl"
	phaseFile   = "phase"
	skipFile    = "skip"
	killDir     = "kill"
	// machineState is the local model's own bookkeeping inside a unit root,
	// not a file the charm writes.
	machineState = "var/lib/localjuju"
)

// Linux constants not in package syscall.
const (
	ptraceExitKill      = 0x100000 // PTRACE_O_EXITKILL
	prSetChildSubreaper = 36       // PR_SET_CHILD_SUBREAPER
)

// Config is hookwrap.json.
type Config struct {
	// Control is the control directory (absolute).
	Control string `json:"control"`
	// Measure enables the file snapshots and the peak-RSS probe.
	Measure bool `json:"measure"`
	// Toolbox, if set, is linked in front of every hook tool on the
	// charm's PATH (see wrapTools).
	Toolbox string `json:"toolbox,omitempty"`
}

func main() {
	os.Exit(run())
}

func run() int {
	charmDir := os.Getenv("CHARM_DIR")
	if charmDir == "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(os.Stderr, "hookwrap: %v\n", err)
			return 1
		}
		charmDir = filepath.Dir(exe)
	}
	bin := filepath.Join(charmDir, charmBinary)
	raw, err := os.ReadFile(filepath.Join(charmDir, configFile))
	var cfg Config
	if err == nil {
		err = json.Unmarshal(raw, &cfg)
	}
	if err != nil || cfg.Control == "" {
		fmt.Fprintf(os.Stderr, "hookwrap: bad %s: %v\n", configFile, err)
		return 1
	}
	rec := benchwire.Record{
		Unit:     os.Getenv("JUJU_UNIT_NAME"),
		Dispatch: os.Getenv("JUJU_DISPATCH_PATH"),
	}
	if p, err := os.ReadFile(filepath.Join(cfg.Control, phaseFile)); err == nil {
		rec.Phase = strings.TrimSpace(string(p))
	}
	if skip(cfg.Control, rec.Dispatch) {
		rec.Skipped = true
		appendRecord(cfg.Control, rec)
		return 0
	}
	order := takeKill(cfg.Control, rec.Unit)
	rec.KillAfterUS, rec.KillOnWrite = order.afterUS, len(order.dirs) > 0
	root := os.Getenv("PANKO_HOST_ROOT")
	var before map[string]fileKey
	if cfg.Measure && root != "" {
		before = snapshot(root)
	}
	if cfg.Toolbox != "" {
		dir, err := wrapTools(cfg.Toolbox)
		if err != nil {
			fmt.Fprintf(os.Stderr, "hookwrap: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
	}
	code, err := runCharm(bin, cfg.Measure, order, root, &rec)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hookwrap: %v\n", err)
		return 1
	}
	if before != nil {
		rec.Written = changed(before, snapshot(root))
	}
	appendRecord(cfg.Control, rec)
	return code
}

// wrapTools puts toolbox in front of Juju's hook tools: it finds the
// agent's tools directory (where config-get is on PATH), links every tool
// in it to toolbox in a new directory, and puts that directory first on
// PATH, with BENCH_HOOK_TOOLS naming the real one (toolbox runs the real
// tool from there). It returns the new directory.
func wrapTools(toolbox string) (string, error) {
	real, err := exec.LookPath("config-get")
	if err != nil {
		return "", fmt.Errorf("find the hook tools: %w", err)
	}
	realDir := filepath.Dir(real)
	entries, err := os.ReadDir(realDir)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "hookwrap-tools-")
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if err := os.Symlink(toolbox, filepath.Join(dir, e.Name())); err != nil {
			return dir, err
		}
	}
	os.Setenv("BENCH_HOOK_TOOLS", realDir)
	os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir, nil
}

// skipInstall is the line of the skip file that short-circuits install too.
const skipInstall = "skip-install"

// skip reports whether the hook is to be short-circuited: the skip file
// exists and does not list the hook's dispatch path. Actions always run, and
// install too unless the file has the line skip-install.
func skip(control, dispatch string) bool {
	if !strings.HasPrefix(dispatch, "hooks/") {
		return false
	}
	raw, err := os.ReadFile(filepath.Join(control, skipFile))
	if err != nil {
		return false
	}
	lines := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		lines[strings.TrimSpace(line)] = true
	}
	if dispatch == "hooks/install" {
		return lines[skipInstall]
	}
	return !lines[dispatch]
}

// runCharm runs the charm binary and fills rec; it returns the exit code to
// give the model (128+signal for a killed charm).
func runCharm(bin string, trace bool, order killOrder, root string, rec *benchwire.Record) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Processes the charm leaves behind when it is killed (hook tools,
	// machine commands) become ours, so that the hook ends only when they
	// have: the model then sees the machine as they left it.
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return 1, fmt.Errorf("become a subreaper: %w", errno)
	}
	defer reapOrphans()
	cwd, err := os.Getwd()
	if err != nil {
		return 1, fmt.Errorf("working directory: %w", err)
	}
	attr := &syscall.ProcAttr{
		Dir:   cwd,
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Ptrace: trace},
	}
	arm := prepareKill(order, root)
	start := time.Now()
	pid, err := syscall.ForkExec(bin, os.Args, attr)
	if err != nil {
		return 1, fmt.Errorf("start %s: %w", bin, err)
	}
	rec.Pid = pid
	defer arm(pid)()
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	first := trace
	for {
		_, err := syscall.Wait4(pid, &ws, 0, &ru)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return 1, fmt.Errorf("wait for the charm: %w", err)
		}
		if ws.Exited() || ws.Signaled() {
			break
		}
		if !ws.Stopped() {
			continue
		}
		sig := ws.StopSignal()
		switch {
		case sig == syscall.SIGTRAP && first:
			first = false
			if err := syscall.PtraceSetOptions(pid, syscall.PTRACE_O_TRACEEXIT|ptraceExitKill); err != nil {
				return 1, fmt.Errorf("ptrace options: %w", err)
			}
			sig = 0
		case sig == syscall.SIGTRAP && ws.TrapCause() == syscall.PTRACE_EVENT_EXIT:
			rec.PeakRSSKB = peakRSS(pid)
			sig = 0
		case sig == syscall.SIGTRAP:
			sig = 0
		}
		if err := syscall.PtraceCont(pid, int(sig)); err != nil && !errors.Is(err, syscall.ESRCH) {
			return 1, fmt.Errorf("ptrace continue: %w", err)
		}
	}
	rec.WallNS = time.Since(start).Nanoseconds()
	rec.CPUTotalUS = benchwire.Microseconds(ru.Utime) + benchwire.Microseconds(ru.Stime)
	if ws.Signaled() {
		rec.Signal = ws.Signal().String()
		rec.Exit = 128 + int(ws.Signal())
		return rec.Exit, nil
	}
	rec.Exit = ws.ExitStatus()
	return rec.Exit, nil
}

// reapOrphans waits for every process left to us.
func reapOrphans() {
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return
		}
	}
}

// appendRecord adds rec to records.jsonl with one write.
func appendRecord(control string, rec benchwire.Record) {
	if err := benchwire.AppendLine(filepath.Join(control, recordsFile), rec, true); err != nil {
		fmt.Fprintf(os.Stderr, "hookwrap: %v\n", err)
	}
}
