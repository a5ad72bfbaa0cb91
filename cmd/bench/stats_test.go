package main

import (
	"testing"

	"github.com/openstack-charmers/charm-panko/cmd/bench/benchwire"
	"github.com/stretchr/testify/assert"
)

func TestMedianAndPercentile(t *testing.T) {
	tests := []struct {
		xs          []float64
		median, p95 float64
	}{
		{nil, 0, 0},
		{[]float64{5}, 5, 5},
		{[]float64{3, 1, 2}, 2, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 4},
		{[]float64{10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 10.5, 19},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.median, median(tt.xs), "median of %v", tt.xs)
		assert.Equal(t, tt.p95, percentile(tt.xs, 95), "p95 of %v", tt.xs)
	}
}

func TestJoinSamples(t *testing.T) {
	recs := []benchwire.Record{
		{Unit: "panko/0", Dispatch: "hooks/config-changed", Pid: 10, CPUTotalUS: 50_000},
		{Unit: "panko/1", Dispatch: "hooks/config-changed", Pid: 11, Skipped: true},
	}
	calls := []benchwire.Call{
		{PPid: 10, Name: "config-get", Kind: "tool", CPUUS: 4_000},
		{PPid: 10, Name: "relation-get", Kind: "tool", CPUUS: 3_000},
		{PPid: 10, Name: "relation-get", Kind: "tool", CPUUS: 3_000},
		{PPid: 10, Name: "systemctl", Kind: "command", Args: []string{"restart", "apache2"}, CPUUS: 5_000},
		{PPid: 10, Name: "systemctl", Kind: "command", Args: []string{"restart", "haproxy"}, Exit: 1, CPUUS: 5_000},
		{PPid: 10, Name: "systemctl", Kind: "command", Args: []string{"reload", "apache2"}, CPUUS: 5_000},
		{PPid: 11, Name: "config-get", Kind: "tool", CPUUS: 4_000},
		{PPid: 99, Name: "config-get", Kind: "tool", CPUUS: 4_000},
	}
	got := joinSamples(recs, calls)
	assert.Len(t, got, 2)
	s := got[0]
	assert.Equal(t, map[string]int{"config-get": 1, "relation-get": 2}, s.Tools)
	assert.Equal(t, map[string]int{"systemctl": 3}, s.Commands)
	assert.Equal(t, 3, s.ToolCalls())
	assert.Equal(t, 1, s.Restarts, "failed restarts do not count")
	assert.Equal(t, 1, s.Reloads)
	assert.Equal(t, int64(25_000), s.ToolCPUUS)
	assert.Equal(t, int64(25_000), s.CharmCPUUS())
	assert.Empty(t, got[1].Tools, "a skipped run has no calls")
}

func TestSummarizeTakesWorstCounts(t *testing.T) {
	mk := func(wallMS, cpuMS int64, tools map[string]int, written []string, restarts int, rss int64) sample {
		return sample{
			Record: benchwire.Record{WallNS: wallMS * 1e6, CPUTotalUS: cpuMS * 1e3, Written: written, PeakRSSKB: rss},
			Tools:  tools, Commands: map[string]int{}, Restarts: restarts,
		}
	}
	st := summarize([]sample{
		mk(100, 10, map[string]int{"status-get": 1}, nil, 0, 9000),
		mk(300, 30, map[string]int{"status-get": 1, "status-set": 2}, []string{"/etc/a"}, 1, 11000),
		mk(200, 20, map[string]int{"status-get": 1}, nil, 0, 10000),
	})
	assert.Equal(t, 3, st.Samples)
	assert.Equal(t, 200.0, st.WallMSMedian)
	assert.Equal(t, 300.0, st.WallMSP95)
	assert.Equal(t, 20.0, st.CPUMSMedian)
	assert.Equal(t, 3, st.ToolCalls)
	assert.Equal(t, map[string]int{"status-get": 1, "status-set": 2}, st.ToolCallsByTool)
	assert.Equal(t, 1, st.FilesWritten)
	assert.Equal(t, []string{"/etc/a"}, st.WrittenPaths)
	assert.Equal(t, 1, st.Restarts)
	assert.Equal(t, int64(11000), st.PeakRSSKB)
}

func TestTargets(t *testing.T) {
	r := Results{
		Hooks: map[string]HookStats{
			"update-status":              {ToolCalls: 4, ToolCallsByTool: map[string]int{"status-get": 4}, CPUMSMedian: 5, PeakRSSKB: 9000},
			"config-changed (no change)": {ToolCalls: 31, CPUMSMedian: 12, PeakRSSKB: 30000},
			"leader-elected":             {ToolCalls: 30},
			"install":                    {ToolCalls: 99},
		},
		Scaling: Scaling{
			Ceilometer: map[string]map[string]HookStats{"1": {"update-status": {ToolCalls: 1}}, "10": {"update-status": {ToolCalls: 1}}},
			Peers:      map[string]map[string]HookStats{"3": {"update-status": {ToolCalls: 10}}, "9": {"update-status": {ToolCalls: 31}}},
		},
	}
	met := map[string]bool{}
	for _, tg := range checkTargets(r) {
		met[tg.Name] = tg.Met
	}
	assert.Equal(t, map[string]bool{
		"update-status: <= 3 hook-tool calls, 0 writes, 0 restarts":     false,
		"config-changed without a change: 0 writes, 0 restarts":         true,
		"charm CPU <= 10 ms per hook (median)":                          false,
		"peak RSS <= 25 MB":                                             false,
		"reconciling hook: <= 30 hook-tool calls":                       false,
		"hook-tool calls independent of the number of ceilometer units": true,
		"hook-tool calls grow at most linearly with panko peers":        false,
	}, met)
}

func TestScalingTarget(t *testing.T) {
	calls := func(n int) map[string]HookStats { return map[string]HookStats{"update-status": {ToolCalls: n}} }
	tests := []struct {
		name       string
		runs       map[string]map[string]HookStats
		within     func(n0, calls0, n, calls int) bool
		wantMet    bool
		wantDetail string
	}{
		{"one count: not measured", map[string]map[string]HookStats{"1": calls(4)}, sameCalls,
			false, "not measured"},
		{"same calls at every count", map[string]map[string]HookStats{"10": calls(4), "1": calls(4), "2": calls(4)}, sameCalls,
			true, "calls by u units: update-status 1:4 2:4 10:4"},
		{"one more call with more units", map[string]map[string]HookStats{"1": calls(4), "10": calls(5)}, sameCalls,
			false, "calls by u units: update-status 1:4 10:5"},
		{"linear growth", map[string]map[string]HookStats{"3": calls(10), "9": calls(30)}, linearCalls,
			true, "calls by u units: update-status 3:10 9:30"},
		{"faster than linear", map[string]map[string]HookStats{"3": calls(10), "9": calls(31)}, linearCalls,
			false, "calls by u units: update-status 3:10 9:31"},
		{"fewer calls with more units", map[string]map[string]HookStats{"3": calls(10), "9": calls(9)}, linearCalls,
			true, "calls by u units: update-status 3:10 9:9"},
		{"hook not run at the smallest count: compared from the first count it ran at",
			map[string]map[string]HookStats{"3": {}, "6": calls(10), "12": calls(21)}, linearCalls,
			false, "calls by u units: update-status 6:10 12:21"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scalingTarget("target", "u", tt.runs, tt.within)

			assert.Equal(t, Target{Name: "target", Met: tt.wantMet, Detail: tt.wantDetail}, got)
		})
	}
}

func TestReconcileCallsTarget(t *testing.T) {
	assert.True(t, reconcileCallsTarget(map[string]HookStats{"leader-elected": {ToolCalls: 30}, "upgrade-charm": {ToolCalls: 41}, "action resume": {ToolCalls: 31}}).Met)
	assert.False(t, reconcileCallsTarget(map[string]HookStats{"leader-elected": {ToolCalls: 31}}).Met)
	assert.False(t, reconcileCallsTarget(map[string]HookStats{"install": {ToolCalls: 20}}).Met, "no reconciling hook measured")
}
