package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Results is bench/results.json.
type Results struct {
	Hooks        map[string]HookStats `json:"hooks"`
	Scaling      Scaling              `json:"scaling"`
	BinaryBytes  int64                `json:"binary_bytes"`
	CharmBytes   int64                `json:"charm_bytes"`
	Deployment   Deployment           `json:"deployment"`
	GoBenchmarks []GoBenchmark        `json:"go_benchmarks,omitempty"`
	Fit          Fit                  `json:"charm_cpu_fit"`
	WallFit      Fit                  `json:"wall_fit"`
	Phases       []Phase              `json:"phases"`
	Targets      []Target             `json:"targets"`
	Errors       []string             `json:"errors,omitempty"`
	Notes        []string             `json:"notes,omitempty"`
	Machine      string               `json:"machine"`
	// Load is /proc/loadavg at the start and the end: other work on the
	// machine slows the hooks down.
	Load         string  `json:"load_average"`
	TotalSeconds float64 `json:"total_seconds"`
}

// Scaling holds the scaling runs: hook figures of the first unit per
// ceilometer unit count and per panko unit count.
type Scaling struct {
	Ceilometer map[string]map[string]HookStats `json:"ceilometer_units"`
	Peers      map[string]map[string]HookStats `json:"panko_units"`
}

// Deployment describes the main deployment.
type Deployment struct {
	Units          []string          `json:"units"`
	ConvergeRounds int               `json:"converge_rounds"`
	Statuses       map[string]string `json:"statuses"`
	StatusesAfter  map[string]string `json:"statuses_after"`
	Missing        []string          `json:"missing_simulators,omitempty"`
	// PublicURL is the API URL the first unit registered in keystone
	// (https and the VIP once TLS and the cluster are up).
	PublicURL string `json:"public_url"`
}

// Phase is one part of the run and how long it took.
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// Target is one of the goals the benchmark checks.
type Target struct {
	Name   string `json:"name"`
	Met    bool   `json:"met"`
	Detail string `json:"detail"`
}

// Targets of the benchmark.
const (
	maxUpdateStatusCalls = 3
	maxCPUMS             = 10.0
	maxRSSKB             = 25 * 1024
)

// hookOrder is the order of the rows of the table.
func hookOrder(hooks map[string]HookStats) []string {
	first := []string{"install", "config-changed (change)", "config-changed (no change)",
		"shared-db-relation-changed", "identity-service-relation-changed", "cluster-relation-changed",
		"ha-relation-changed", "certificates-relation-changed", "event-service-relation-changed",
		"update-status", "leader-elected", "upgrade-charm"}
	var out []string
	seen := map[string]bool{}
	for _, h := range first {
		if _, ok := hooks[h]; ok {
			out = append(out, h)
			seen[h] = true
		}
	}
	var rest []string
	for h := range hooks {
		if !seen[h] {
			rest = append(rest, h)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// checkTargets compares the results with the targets.
func checkTargets(r Results) []Target {
	var out []Target
	if us, ok := r.Hooks["update-status"]; ok {
		out = append(out, Target{
			Name:   fmt.Sprintf("update-status: <= %d hook-tool calls, 0 writes, 0 restarts", maxUpdateStatusCalls),
			Met:    us.ToolCalls <= maxUpdateStatusCalls && us.FilesWritten == 0 && us.Restarts == 0,
			Detail: fmt.Sprintf("%d calls (%s), %d files written, %d restarts", us.ToolCalls, byTool(us.ToolCallsByTool), us.FilesWritten, us.Restarts),
		})
	}
	if cc, ok := r.Hooks["config-changed (no change)"]; ok {
		out = append(out, Target{
			Name:   "config-changed without a change: 0 writes, 0 restarts",
			Met:    cc.FilesWritten == 0 && cc.Restarts == 0,
			Detail: fmt.Sprintf("%d files written %v, %d restarts", cc.FilesWritten, cc.WrittenPaths, cc.Restarts),
		})
	}
	var overCPU, overRSS []string
	worstCPU, worstRSS := 0.0, int64(0)
	for _, h := range hookOrder(r.Hooks) {
		st := r.Hooks[h]
		worstCPU = max(worstCPU, st.CPUMSMedian)
		worstRSS = max(worstRSS, st.PeakRSSKB)
		if st.CPUMSMedian > maxCPUMS {
			overCPU = append(overCPU, fmt.Sprintf("%s %.1f ms", h, st.CPUMSMedian))
		}
		if st.PeakRSSKB > maxRSSKB {
			overRSS = append(overRSS, fmt.Sprintf("%s %.1f MB", h, float64(st.PeakRSSKB)/1024))
		}
	}
	out = append(out, Target{
		Name:   fmt.Sprintf("charm CPU <= %.0f ms per hook (median)", maxCPUMS),
		Met:    len(overCPU) == 0,
		Detail: fmt.Sprintf("worst median %.1f ms; over: %s", worstCPU, listOrNone(overCPU)),
	})
	out = append(out, Target{
		Name:   "peak RSS <= 25 MB",
		Met:    len(overRSS) == 0 && worstRSS > 0,
		Detail: fmt.Sprintf("worst %.1f MB; over: %s", float64(worstRSS)/1024, listOrNone(overRSS)),
	})
	out = append(out, scalingTarget("hook-tool calls independent of the number of ceilometer units", "ceilometer", r.Scaling.Ceilometer, sameCalls))
	out = append(out, scalingTarget("hook-tool calls grow at most linearly with panko peers", "panko", r.Scaling.Peers, linearCalls))
	return out
}

// sameCalls allows no change in tool calls with the unit count.
func sameCalls(_, calls0, _, calls int) bool { return calls == calls0 }

// linearCalls allows tool calls to grow at most linearly with the unit
// count: calls(n) <= calls(n0) * n / n0.
func linearCalls(n0, calls0, n, calls int) bool { return calls*n0 <= calls0*n }

// scalingTarget checks the tool calls of every scaling hook across the unit
// counts of runs: within(n0, calls0, n, calls) reports whether calls at
// count n are allowed, given calls0 at n0, the smallest count the hook was
// measured at. The detail lists count:calls per hook, as calls by units
// units.
func scalingTarget(name, units string, runs map[string]map[string]HookStats, within func(n0, calls0, n, calls int) bool) Target {
	t := Target{Name: name}
	counts := sortedCounts(runs)
	if len(counts) < 2 {
		t.Detail = "not measured"
		return t
	}
	t.Met = true
	var parts []string
	for _, hook := range scaleHooks(runs) {
		var seq []string
		measured, n0, calls0 := false, 0, 0
		for _, n := range counts {
			st, ok := runs[n][hook]
			if !ok {
				continue
			}
			seq = append(seq, fmt.Sprintf("%s:%d", n, st.ToolCalls))
			if !measured {
				measured, n0, calls0 = true, atoi(n), st.ToolCalls
			} else if !within(n0, calls0, atoi(n), st.ToolCalls) {
				t.Met = false
			}
		}
		parts = append(parts, hook+" "+strings.Join(seq, " "))
	}
	t.Detail = "calls by " + units + " units: " + strings.Join(parts, "; ")
	return t
}

func sortedCounts(runs map[string]map[string]HookStats) []string {
	var out []string
	for n := range runs {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return atoi(out[i]) < atoi(out[j]) })
	return out
}

func scaleHooks(runs map[string]map[string]HookStats) []string {
	seen := map[string]bool{}
	for _, hooks := range runs {
		for h := range hooks {
			seen[h] = true
		}
	}
	var out []string
	for _, st := range allScaleSteps() {
		if seen[st.Name] {
			out = append(out, st.Name)
		}
	}
	return out
}

func atoi(s string) int {
	n := 0
	fmt.Sscanf(s, "%d", &n)
	return n
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// byTool formats per-tool counts, most frequent first.
func byTool(m map[string]int) string {
	names := sortedKeys(m)
	sort.SliceStable(names, func(i, j int) bool { return m[names[i]] > m[names[j]] })
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, m[n]))
	}
	return strings.Join(parts, ", ")
}

// writeResults writes results.json and results.md into dir.
func writeResults(dir string, r Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	var md strings.Builder
	if err := writeMarkdown(&md, r); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// writeTable prints the hook table and the targets.
func writeTable(w io.Writer, r Results) error {
	var b strings.Builder
	hookTable(&b, r.Hooks)
	b.WriteString("\n")
	targetList(&b, r.Targets)
	_, err := io.WriteString(w, b.String())
	return err
}

func hookTable(b *strings.Builder, hooks map[string]HookStats) {
	b.WriteString("| hook or action | n | wall ms median | wall ms p95 | charm CPU ms median | charm CPU ms p95 | hook-tool calls | files written | restarts | peak RSS MB |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, h := range hookOrder(hooks) {
		st := hooks[h]
		name := h
		if st.Failed > 0 {
			name += fmt.Sprintf(" (%d failed)", st.Failed)
		}
		fmt.Fprintf(b, "| %s | %d | %.0f | %.0f | %.1f | %.1f | %d | %d | %d | %.1f |\n",
			name, st.Samples, st.WallMSMedian, st.WallMSP95, st.CPUMSMedian, st.CPUMSP95,
			st.ToolCalls, st.FilesWritten, st.Restarts, float64(st.PeakRSSKB)/1024)
	}
}

func targetList(b *strings.Builder, targets []Target) {
	for _, t := range targets {
		mark := "MISSED"
		if t.Met {
			mark = "met"
		}
		fmt.Fprintf(b, "- **%s** %s: %s\n", mark, t.Name, t.Detail)
	}
}

func scaleTable(b *strings.Builder, title string, runs map[string]map[string]HookStats) {
	counts := sortedCounts(runs)
	if len(counts) == 0 {
		return
	}
	fmt.Fprintf(b, "| hook (first unit) | %s |\n", title)
	b.WriteString("|---|---|\n")
	for _, hook := range scaleHooks(runs) {
		var cells []string
		for _, n := range counts {
			st, ok := runs[n][hook]
			if !ok {
				cells = append(cells, n+": -")
				continue
			}
			cells = append(cells, fmt.Sprintf("%s: %d calls, %.0f ms wall, %.1f ms CPU", n, st.ToolCalls, st.WallMSMedian, st.CPUMSMedian))
		}
		fmt.Fprintf(b, "| %s | %s |\n", hook, strings.Join(cells, "<br>"))
	}
}

// writeMarkdown renders results.md.
func writeMarkdown(b *strings.Builder, r Results) error {
	b.WriteString("# Benchmark results\n\n")
	b.WriteString("Written by `make bench` (`go run ./cmd/bench`). The real charm binary runs every hook through the local model; ")
	b.WriteString("wall time is the charm process's with the hook tools it waits for; charm CPU excludes the hook tools and machine commands it runs; ")
	b.WriteString("peak RSS is the charm process's VmHWM at exit, files written are the entries changed under the unit root, ")
	b.WriteString("restarts count `systemctl restart`. Counts are the worst sample; with fewer than 20 samples the p95 is the slowest one.\n\n")
	b.WriteString("The charm's dispatch is cmd/bench/hookwrap, which runs the real bin/panko-charm with the hook's environment and measures that process; ")
	b.WriteString("the hook tools are Juju 3.6.11's own (its jujuc client, served by the local model's unit agent over Juju's jujuc server), each run through cmd/bench/toolbox, which reports the call; the machine commands are toolbox too (the model's stand-ins). ")
	b.WriteString("Hooks that only bring a deployment up to date (the relation-hook storms when units join or leave) are short-circuited by hookwrap to keep the run short; every measured hook runs the real charm.\n\n")
	fmt.Fprintf(b, "Machine: %s; load average %s. Total run: %.0f s.\n\n", r.Machine, r.Load, r.TotalSeconds)
	fmt.Fprintf(b, "Main deployment: %s with mysql, keystone, hacluster, vault and ceilometer (1 unit); converged in %d rounds; statuses %s; API registered as %s.\n\n",
		strings.Join(r.Deployment.Units, ", "), r.Deployment.ConvergeRounds, statusSummary(r.Deployment.Statuses), r.Deployment.PublicURL)
	b.WriteString("## Hooks and actions\n\n")
	hookTable(b, r.Hooks)
	b.WriteString("\nHook-tool calls by tool (worst sample):\n\n")
	for _, h := range hookOrder(r.Hooks) {
		fmt.Fprintf(b, "- %s: %s\n", h, byTool(r.Hooks[h].ToolCallsByTool))
	}
	fmt.Fprintf(b, "\nBinary: %d bytes (%.1f MB). panko.charm: %d bytes (%.1f MB).\n\n",
		r.BinaryBytes, float64(r.BinaryBytes)/(1<<20), r.CharmBytes, float64(r.CharmBytes)/(1<<20))
	b.WriteString("## Targets\n\n")
	targetList(b, r.Targets)
	b.WriteString("\n## Scaling\n\n")
	scaleTable(b, "ceilometer units", r.Scaling.Ceilometer)
	b.WriteString("\n")
	scaleTable(b, "panko units", r.Scaling.Peers)
	if r.Fit.Samples > 0 {
		fmt.Fprintf(b, "\n## Where the charm's CPU time goes\n\nOver %d runs, charm CPU ms = %.1f + %.2f x (processes started: hook tools and machine commands), r^2 = %.2f. ",
			r.Fit.Samples, r.Fit.BaseMS, r.Fit.PerProcessMS, r.Fit.R2)
		b.WriteString("The base is the Go runtime's start-up and exit in this VM; the slope is the cost, to the charm process, of starting each child process. ")
		fmt.Fprintf(b, "Likewise wall ms = %.0f + %.1f x processes (r^2 = %.2f): the hook tools' round trips (a process start each) make the wall time. ",
			r.WallFit.BaseMS, r.WallFit.PerProcessMS, r.WallFit.R2)
		b.WriteString("The charm's own work in process (plan, rendering, whole hooks on in-memory fakes) is in the Go benchmarks below.\n")
	}
	if len(r.GoBenchmarks) > 0 {
		b.WriteString("\n## Go benchmarks\n\n| benchmark | ns/op | B/op | allocs/op |\n|---|--:|--:|--:|\n")
		for _, g := range r.GoBenchmarks {
			fmt.Fprintf(b, "| %s | %.0f | %d | %d |\n", g.Name, g.NsPerOp, g.BytesPerOp, g.AllocsPerOp)
		}
	}
	if len(r.Phases) > 0 {
		b.WriteString("\n## Run time\n\n| part | s |\n|---|--:|\n")
		for _, p := range r.Phases {
			fmt.Fprintf(b, "| %s | %.1f |\n", p.Name, p.Seconds)
		}
	}
	if len(r.Errors) > 0 || len(r.Notes) > 0 || len(r.Deployment.Missing) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, m := range r.Deployment.Missing {
			fmt.Fprintf(b, "- simulator missing: %s\n", m)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(b, "- %s\n", n)
		}
		for _, e := range r.Errors {
			fmt.Fprintf(b, "- failed: %s\n", e)
		}
	}
	return nil
}

// machineInfo describes where the benchmark ran.
func machineInfo() string {
	kernel := ""
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(raw))
	}
	return fmt.Sprintf("%d CPUs, Linux %s, %s", runtime.NumCPU(), kernel, runtime.Version())
}

// statusSummary counts the units per status ("3 active: Unit is ready").
func statusSummary(st map[string]string) string {
	count := map[string]int{}
	for _, s := range st {
		count[s]++
	}
	var parts []string
	for _, s := range sortedKeys(count) {
		parts = append(parts, fmt.Sprintf("%d %s", count[s], s))
	}
	return strings.Join(parts, ", ")
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
