package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/agentbin"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/charmcopy"
)

// workspace is the benchmark's scratch directory: the helper binaries, the
// staged charm and the control directory hookwrap and toolbox report to.
type workspace struct {
	dir      string
	bin      string // dir/bin: hookwrap and toolbox
	control  string // dir/control
	stage    string // the charm directory deployed (dispatch = hookwrap)
	toolbox  string
	agentDir string // the unit agent and Juju's jujuc
	hookwrap string
	log      io.Writer
}

// newWorkspace builds the helpers and stages charmPath (a .charm archive or
// a charm directory) with hookwrap as its dispatch.
func newWorkspace(ctx context.Context, repo, charmPath string, log io.Writer) (*workspace, error) {
	dir, err := os.MkdirTemp("", "panko-bench-")
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	w := &workspace{dir: dir, bin: filepath.Join(dir, "bin"), control: filepath.Join(dir, "control"), stage: filepath.Join(dir, "charm"), log: log}
	w.toolbox, w.hookwrap = filepath.Join(w.bin, "toolbox"), filepath.Join(w.bin, "hookwrap")
	for _, d := range []string{w.bin, filepath.Join(w.control, "kill")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("workspace: %w", err)
		}
	}
	for _, f := range []string{"tools.jsonl", "records.jsonl"} {
		if err := os.WriteFile(filepath.Join(w.control, f), nil, 0o644); err != nil {
			return nil, fmt.Errorf("workspace: %w", err)
		}
	}
	if w.agentDir, err = agentbin.Build(); err != nil {
		return nil, err
	}
	for pkg, out := range map[string]string{"./cmd/bench/toolbox": w.toolbox, "./cmd/bench/hookwrap": w.hookwrap} {
		if err := goBuild(ctx, repo, pkg, out); err != nil {
			return nil, err
		}
	}
	if err := stageCharm(charmPath, w.stage, w.hookwrap, hookwrapConfig{Control: w.control, Measure: true, Toolbox: w.toolbox}); err != nil {
		return nil, err
	}
	return w, nil
}

// remove deletes the workspace.
func (w *workspace) remove() error { return os.RemoveAll(w.dir) }

// goTool finds the go command.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if p := "/usr/local/go/bin/go"; fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// goBuild builds a static binary of pkg.
func goBuild(ctx context.Context, repo, pkg, out string) error {
	cmd := exec.CommandContext(ctx, goTool(), "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, output)
	}
	return nil
}

// hookwrapConfig is hookwrap.json.
type hookwrapConfig struct {
	Control string `json:"control"`
	Measure bool   `json:"measure"`
	Toolbox string `json:"toolbox,omitempty"`
}

// stageCharm copies the charm at src (archive or directory) to dst and
// makes wrapper its dispatch, configured by cfg.
func stageCharm(src, dst, wrapper string, cfg hookwrapConfig) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("charm %s: %w (run make charm)", src, err)
	}
	if err := charmcopy.Charm(src, dst); err != nil {
		return fmt.Errorf("stage charm %s: %w", src, err)
	}
	if !fileExists(filepath.Join(dst, "bin", "panko-charm")) {
		return fmt.Errorf("stage charm %s: no bin/panko-charm", src)
	}
	dispatch := filepath.Join(dst, "dispatch")
	if err := os.Remove(dispatch); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("stage charm: %w", err)
	}
	if err := charmcopy.File(wrapper, dispatch, 0o755); err != nil {
		return fmt.Errorf("stage charm: %w", err)
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("stage charm: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dst, "hookwrap.json"), raw, 0o644); err != nil {
		return fmt.Errorf("stage charm: %w", err)
	}
	return nil
}

// setPhase labels the hooks that run from now on.
func (w *workspace) setPhase(label string) error {
	if err := os.WriteFile(filepath.Join(w.control, "phase"), []byte(label+"\n"), 0o644); err != nil {
		return fmt.Errorf("set phase: %w", err)
	}
	return nil
}

// skipHooks short-circuits every hook except install and the dispatch
// paths in allow ("hooks/config-changed"; "skip-install" short-circuits
// install too); off turns skipping off.
func (w *workspace) skipHooks(on bool, allow ...string) error {
	p := filepath.Join(w.control, "skip")
	if !on {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("skip hooks: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(p, []byte(strings.Join(allow, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("skip hooks: %w", err)
	}
	return nil
}

// openModel opens a fresh model in the workspace whose machine commands
// are the toolbox binary (hookwrap puts it in front of the hook tools too).
func (w *workspace) openModel(name, mysqlDSN string) (*localjuju.Model, error) {
	m, err := localjuju.OpenWith(filepath.Join(w.dir, name), localjuju.Options{
		ToolsBinary: w.toolbox,
		AgentDir:    w.agentDir,
		MySQLDSN:    mysqlDSN,
		Subnet:      subnet,
		HookTimeout: 3 * time.Minute,
		MaxHooks:    100000,
	})
	if err != nil {
		return nil, fmt.Errorf("open model %s: %w", name, err)
	}
	return m, nil
}

// logf reports progress.
func (w *workspace) logf(format string, args ...any) {
	fmt.Fprintf(w.log, format+"\n", args...)
}
