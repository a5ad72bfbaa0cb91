// Command bench measures the Panko charm: the real binary runs every kind
// of hook and action through the local model on a 3-unit deployment related
// to every simulated application (mysql, keystone, hacluster, vault,
// ceilometer), then the same hooks with 1, 10 and 100 ceilometer units and
// with 3 and 9 panko peers. It writes bench/results.md and
// bench/results.json and prints the table. (The Go benchmarks of plan and
// rendering are `go test -bench`, run by make bench into bench/gobench.txt.)
//
// The charm's dispatch is replaced by hookwrap (cmd/bench/hookwrap), which
// runs the real charm binary and measures that process alone: wall time,
// CPU time (its hook tools and machine commands are timed by toolbox,
// cmd/bench/toolbox, and subtracted), peak RSS, files changed under the unit
// root; hook-tool calls and service restarts are counted by toolbox. To keep
// the run short, the hooks that only bring a deployment up to date (the
// storms of relation hooks when units join) are short-circuited by hookwrap;
// every measured hook runs the real charm.
//
// Usage: go run ./cmd/bench [flags]
//
// Layer bench (see internal/layers): it imports the local model and
// testsupport; nothing imports it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// options are what the benchmark runs: from the repository root, the
// charm and its binary, results into bench/; the scaling runs' unit counts
// (the first of each is the main deployment).
type options struct {
	repo, charm, binary, out string
	rounds, scaleRounds      int
	ceilometer, peers        []int
	keep                     bool
}

func main() {
	o := options{repo: ".", charm: "panko.charm", binary: "bin/panko-charm", out: "bench",
		ceilometer: []int{1, 10, 100}, peers: []int{3, 9}}
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.IntVar(&o.rounds, "rounds", 1, "rounds of each measured hook and action on every unit of the main deployment")
	fs.IntVar(&o.scaleRounds, "scale-rounds", 1, "rounds of each scaling hook on the first unit")
	fs.BoolVar(&o.keep, "keep", false, "keep the scratch directory (models, records)")
	_ = fs.Parse(os.Args[1:]) // ExitOnError
	o.rounds, o.scaleRounds = max(o.rounds, 1), max(o.scaleRounds, 1)
	if err := run(context.Background(), o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// run is the whole benchmark.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	start, loadStart := time.Now(), loadAverage()
	repo, err := filepath.Abs(o.repo)
	if err != nil {
		return fmt.Errorf("repo: %w", err)
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(repo, p)
	}
	res := Results{Hooks: map[string]HookStats{}, Machine: machineInfo(), Notes: []string{
		"the models' machines have loopback addresses (" + subnet + ".0/24): diagnose's probes of keystone's URL and of the API are refused at once, as nothing serves them in the local model",
		"with the certificates relation the charm asks the system resolver for the reverse-DNS name of its address once, and again only when the address changes (the name is kept in its published record)",
	}}
	for _, f := range []struct {
		path string
		size *int64
	}{{abs(o.binary), &res.BinaryBytes}, {abs(o.charm), &res.CharmBytes}} {
		fi, err := os.Stat(f.path)
		if err != nil {
			return fmt.Errorf("%w (run make charm)", err)
		}
		*f.size = fi.Size()
	}
	w, err := newWorkspace(ctx, repo, abs(o.charm), stderr)
	if err != nil {
		return err
	}
	if o.keep {
		w.logf("scratch directory: %s", w.dir)
	} else {
		defer w.remove()
	}
	w.logf("helpers built and charm staged: %s", time.Since(start).Round(100*time.Millisecond))

	if err := benchModels(ctx, w, o, &res); err != nil {
		return err
	}
	res.Load = "at start " + loadStart + ", at end " + loadAverage()
	res.TotalSeconds = time.Since(start).Round(time.Second).Seconds()
	res.Targets = checkTargets(res)
	if err := writeResults(abs(o.out), res); err != nil {
		return err
	}
	return writeTable(stdout, res)
}
