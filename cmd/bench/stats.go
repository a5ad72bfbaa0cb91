package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/openstack-charmers/charm-panko/cmd/bench/benchwire"
)

// sample is one charm run with the calls it made.
type sample struct {
	benchwire.Record
	Tools     map[string]int
	Commands  map[string]int
	ToolCPUUS int64
	Restarts  int
	Reloads   int
}

// CharmCPUUS is the charm process's own CPU time: the run's total minus
// what its hook tools and machine commands used.
func (s sample) CharmCPUUS() int64 {
	c := s.CPUTotalUS - s.ToolCPUUS
	if c < 0 {
		return 0
	}
	return c
}

// ToolCalls is the number of hook-tool calls.
func (s sample) ToolCalls() int {
	n := 0
	for _, c := range s.Tools {
		n += c
	}
	return n
}

// readJSONLines decodes every line of path into a new T.
func readJSONLines[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	return out, nil
}

// loadSamples joins the records in control with the calls each charm
// process made (matched by process id).
func loadSamples(control string) ([]sample, error) {
	recs, err := readJSONLines[benchwire.Record](filepath.Join(control, "records.jsonl"))
	if err != nil {
		return nil, err
	}
	calls, err := readJSONLines[benchwire.Call](filepath.Join(control, "tools.jsonl"))
	if err != nil {
		return nil, err
	}
	return joinSamples(recs, calls), nil
}

// joinSamples attaches calls to the records of their parent processes.
func joinSamples(recs []benchwire.Record, calls []benchwire.Call) []sample {
	byPid := map[int][]benchwire.Call{}
	for _, c := range calls {
		byPid[c.PPid] = append(byPid[c.PPid], c)
	}
	out := make([]sample, 0, len(recs))
	for _, r := range recs {
		s := sample{Record: r, Tools: map[string]int{}, Commands: map[string]int{}}
		if !r.Skipped {
			for _, c := range byPid[r.Pid] {
				s.ToolCPUUS += c.CPUUS
				if c.Kind == "tool" {
					s.Tools[c.Name]++
					continue
				}
				s.Commands[c.Name]++
				if c.Name == "systemctl" && c.Exit == 0 && len(c.Args) > 0 {
					switch c.Args[0] {
					case "restart", "try-restart", "reload-or-restart":
						s.Restarts++
					case "reload":
						s.Reloads++
					}
				}
			}
		}
		out = append(out, s)
	}
	return out
}

// HookStats are the figures of one hook kind.
type HookStats struct {
	Samples         int            `json:"samples"`
	Failed          int            `json:"failed,omitempty"`
	WallMSMedian    float64        `json:"wall_ms_median"`
	WallMSP95       float64        `json:"wall_ms_p95"`
	CPUMSMedian     float64        `json:"cpu_ms_median"`
	CPUMSP95        float64        `json:"cpu_ms_p95"`
	ToolsCPUMSMed   float64        `json:"tools_cpu_ms_median"`
	ToolCalls       int            `json:"tool_calls"`
	ToolCallsByTool map[string]int `json:"tool_calls_by_tool"`
	Commands        map[string]int `json:"machine_commands"`
	FilesWritten    int            `json:"files_written"`
	WrittenPaths    []string       `json:"written_paths,omitempty"`
	Restarts        int            `json:"restarts"`
	Reloads         int            `json:"reloads"`
	PeakRSSKB       int64          `json:"peak_rss_kb"`
}

// summarize computes the figures of samples: medians and 95th percentiles
// of times; for counts (tool calls, files, restarts) and peak RSS the worst
// sample, with the per-tool breakdown of the sample with the most calls.
func summarize(samples []sample) HookStats {
	st := HookStats{Samples: len(samples), ToolCallsByTool: map[string]int{}, Commands: map[string]int{}}
	if len(samples) == 0 {
		return st
	}
	var wall, cpu, tools []float64
	paths := map[string]bool{}
	for _, s := range samples {
		if s.Exit != 0 {
			st.Failed++
		}
		wall = append(wall, float64(s.WallNS)/1e6)
		cpu = append(cpu, float64(s.CharmCPUUS())/1e3)
		tools = append(tools, float64(s.ToolCPUUS)/1e3)
		if n := s.ToolCalls(); n > st.ToolCalls || len(st.ToolCallsByTool) == 0 {
			st.ToolCalls = n
			st.ToolCallsByTool = maps.Clone(s.Tools)
			st.Commands = maps.Clone(s.Commands)
		}
		if len(s.Written) > st.FilesWritten {
			st.FilesWritten = len(s.Written)
		}
		for _, p := range s.Written {
			paths[p] = true
		}
		st.Restarts = max(st.Restarts, s.Restarts)
		st.Reloads = max(st.Reloads, s.Reloads)
		st.PeakRSSKB = max(st.PeakRSSKB, s.PeakRSSKB)
	}
	st.WallMSMedian, st.WallMSP95 = round2(median(wall)), round2(percentile(wall, 95))
	st.CPUMSMedian, st.CPUMSP95 = round2(median(cpu)), round2(percentile(cpu, 95))
	st.ToolsCPUMSMed = round2(median(tools))
	if len(paths) <= 40 {
		for p := range paths {
			st.WrittenPaths = append(st.WrittenPaths, p)
		}
		sort.Strings(st.WrittenPaths)
	}
	return st
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile is the nearest-rank p-th percentile of xs.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	return s[rank-1]
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
