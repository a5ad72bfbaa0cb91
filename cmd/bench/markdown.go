package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

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
	b.WriteString("\nThe charm's own work in process (plan, rendering, whole hooks on in-memory fakes) is measured by the Go benchmarks: bench/gobench.txt.\n")
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
