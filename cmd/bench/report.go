package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Results is bench/results.json.
type Results struct {
	Hooks       map[string]HookStats `json:"hooks"`
	Scaling     Scaling              `json:"scaling"`
	BinaryBytes int64                `json:"binary_bytes"`
	CharmBytes  int64                `json:"charm_bytes"`
	Deployment  Deployment           `json:"deployment"`
	Phases      []Phase              `json:"phases"`
	Targets     []Target             `json:"targets"`
	Errors      []string             `json:"errors,omitempty"`
	Notes       []string             `json:"notes,omitempty"`
	Machine     string               `json:"machine"`
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
	maxReconcileCalls    = 30
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
	out = append(out, reconcileCallsTarget(r.Hooks))
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

// reconcileCallsTarget checks the hook-tool calls of the hooks that
// reconcile a unit in steady state: every hook but install, update-status
// and upgrade-charm (which reads every bag again, once), actions aside.
func reconcileCallsTarget(hooks map[string]HookStats) Target {
	worst, worstHook := -1, ""
	var over []string
	for _, h := range hookOrder(hooks) {
		if h == "install" || h == "update-status" || h == "upgrade-charm" || strings.HasPrefix(h, "action ") {
			continue
		}
		n := hooks[h].ToolCalls
		if n > worst {
			worst, worstHook = n, h
		}
		if n > maxReconcileCalls {
			over = append(over, fmt.Sprintf("%s %d", h, n))
		}
	}
	return Target{
		Name:   fmt.Sprintf("reconciling hook: <= %d hook-tool calls", maxReconcileCalls),
		Met:    worstHook != "" && len(over) == 0,
		Detail: fmt.Sprintf("worst %d (%s); over: %s", worst, worstHook, listOrNone(over)),
	}
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
	n, _ := strconv.Atoi(s) // the keys are strconv.Itoa's
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
