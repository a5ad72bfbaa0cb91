package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// GoBenchmark is one `go test -bench` result.
type GoBenchmark struct {
	Name        string  `json:"name"`
	Package     string  `json:"package"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	AllocsPerOp int64   `json:"allocs_per_op"`
}

// goBenchPackages hold the benchmarks of plan and rendering.
func goBenchPackages() []string { return []string{"internal/charm", "internal/render"} }

// goBenchBinary is where the test binary of pkg is compiled.
func goBenchBinary(dir, pkg string) string {
	return filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")+".test")
}

// compileGoBenchmarks compiles the test binaries of goBenchPackages into
// dir (so that compiling can overlap with parts of the run that are not
// measured).
func compileGoBenchmarks(ctx context.Context, repo, dir string) error {
	for _, pkg := range goBenchPackages() {
		cmd := exec.CommandContext(ctx, goTool(), "test", "-c", "-o", goBenchBinary(dir, pkg), "./"+pkg)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go test -c ./%s: %w\n%s", pkg, err, out)
		}
	}
	return nil
}

// runGoBenchmarks runs the compiled benchmarks, each in its package
// directory as go test would.
func runGoBenchmarks(ctx context.Context, repo, dir string) ([]GoBenchmark, error) {
	var res []GoBenchmark
	for _, pkg := range goBenchPackages() {
		cmd := exec.CommandContext(ctx, goBenchBinary(dir, pkg), "-test.run", "^$", "-test.bench", ".", "-test.benchmem", "-test.benchtime", "300x", "-test.count", "1")
		cmd.Dir = filepath.Join(repo, pkg)
		out, err := cmd.CombinedOutput()
		got := parseGoBench(string(out))
		for i := range got {
			got[i].Package = pkg
		}
		res = append(res, got...)
		if err != nil {
			return res, fmt.Errorf("benchmarks of %s: %w\n%s", pkg, err, out)
		}
	}
	return res, nil
}

// parseGoBench reads the result lines of `go test -bench -benchmem`.
func parseGoBench(out string) []GoBenchmark {
	var res []GoBenchmark
	pkg := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		g := GoBenchmark{Name: f[0], Package: pkg}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				g.NsPerOp = v
			case "B/op":
				g.BytesPerOp = int64(v)
			case "allocs/op":
				g.AllocsPerOp = int64(v)
			}
		}
		res = append(res, g)
	}
	return res
}
