package localjuju

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/unitstate"
)

// execResult is how a charm process ended.
type execResult struct {
	exit     int
	stdout   []byte
	stderr   []byte
	missing  bool   // no dispatch and no hooks/<name> or actions/<name>
	problem  string // why it could not run or was killed
	duration time.Duration
}

// hookName returns the hook's name as the unit sees it
// ("shared-db-relation-changed").
func (m *Model) hookName(a *Application, h Hook) string {
	if !h.IsRelation() {
		return h.Kind
	}
	if r := m.st.relation(h.RelationID); r != nil {
		if e, ok := r.endpointOf(a.Name); ok {
			return e.Name + "-" + h.Kind
		}
	}
	return h.Kind
}

// baseEnv is the environment every hook and action gets (Juju 3.6 HookVars
// order), before the context-specific variables.
func (m *Model) baseEnv(a *Application, u *Unit, contextID, hookName string) []string {
	charmDir := m.unitCharmDir(u.Name)
	return []string{
		"CHARM_DIR=" + charmDir,
		"JUJU_CHARM_DIR=" + charmDir,
		"JUJU_CONTEXT_ID=" + contextID,
		"JUJU_HOOK_NAME=" + hookName,
		"JUJU_UNIT_NAME=" + u.Name,
		"JUJU_MODEL_UUID=" + m.st.UUID,
		"JUJU_MODEL_NAME=" + m.st.Name,
		"JUJU_API_ADDRESSES=",
		"JUJU_SLA=unsupported",
		"JUJU_MACHINE_ID=" + u.Machine,
		"JUJU_PRINCIPAL_UNIT=" + u.Principal,
		"JUJU_AVAILABILITY_ZONE=",
		"JUJU_VERSION=" + JujuVersion,
		"CLOUD_API_VERSION=",
		"JUJU_CHARM_HTTP_PROXY=",
		"JUJU_CHARM_HTTPS_PROXY=",
		"JUJU_CHARM_FTP_PROXY=",
		"JUJU_CHARM_NO_PROXY=",
	}
}

// tailEnv closes the environment: Ubuntu host variables, PATH, the unit's
// root for the charm's host boundary, and JUJU_DISPATCH_PATH last.
func (m *Model) tailEnv(u *Unit, dispatchPath string) []string {
	root := m.unitRoot(u.Name)
	return []string{
		"APT_LISTCHANGES_FRONTEND=none",
		"DEBIAN_FRONTEND=noninteractive",
		"LANG=C.UTF-8",
		"TERM=tmux-256color",
		"PATH=" + strings.Join([]string{filepath.Join(root, "usr/bin"), "/usr/sbin", "/usr/bin", "/sbin", "/bin"}, ":"),
		"PANKO_HOST_ROOT=" + root,
		"JUJU_DISPATCH_PATH=" + dispatchPath,
	}
}

// handler finds what Juju would run: dispatch, else hooks/<name> or
// actions/<name>. A missing handler is reported as "", nil.
func handler(charmDir, location, name string) (string, error) {
	for _, p := range []string{filepath.Join(charmDir, "dispatch"), filepath.Join(charmDir, location, name)} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("exec: %q: permission denied", p)
		}
		return p, nil
	}
	return "", nil
}

// execCharm runs the unit's handler for a hook or action under the unit
// agent, with the hook timeout, and returns how it ended with the agent's
// report (nil when there was no handler or it was killed).
func (m *Model) execCharm(ctx context.Context, u *Unit, st unitstate.State, env []string, location, name string) (execResult, *unitstate.Report, error) {
	charmDir := m.unitCharmDir(u.Name)
	path, err := handler(charmDir, location, name)
	if err != nil {
		return execResult{exit: 1, problem: err.Error()}, nil, nil
	}
	if path == "" {
		return execResult{missing: true}, nil, nil
	}
	runCtx, cancel := context.WithTimeout(ctx, m.opts.HookTimeout)
	defer cancel()
	res, report, err := runUnitAgent(runCtx, m.opts.AgentDir, st, env, charmDir, path)
	switch {
	case runCtx.Err() == context.DeadlineExceeded && ctx.Err() == nil:
		res.exit, res.problem = 1, fmt.Sprintf("killed after the %s hook timeout", m.opts.HookTimeout)
		return res, nil, nil
	case ctx.Err() != nil:
		return res, nil, fmt.Errorf("run %s: %w", name, ctx.Err())
	case err != nil:
		return res, nil, fmt.Errorf("run %s on %s: %w", name, u.Name, err)
	}
	return res, report, nil
}

// runUnitAgent runs argv in dir under the unit agent of agentDir, which
// serves Juju's hook tools from st, and returns how the process ended with
// the agent's report. env is the process's environment; the agent adds its
// socket, token and tools directory. Cancelling ctx kills the agent and
// everything it started (then the report is nil).
func runUnitAgent(ctx context.Context, agentDir string, st unitstate.State, env []string, dir string, argv ...string) (execResult, *unitstate.Report, error) {
	agent, jujuc := filepath.Join(agentDir, agentBinaryName), filepath.Join(agentDir, "jujuc")
	for _, p := range []string{agent, jujuc} {
		if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
			return execResult{}, nil, fmt.Errorf("no unit agent at %s (build it with scripts/build-agent.sh, or make localjuju)", p)
		}
	}
	work, err := os.MkdirTemp("", "localjuju-hook-")
	if err != nil {
		return execResult{}, nil, err
	}
	defer os.RemoveAll(work)
	statePath, reportPath := filepath.Join(work, "state.json"), filepath.Join(work, "report.json")
	data, err := json.Marshal(st)
	if err != nil {
		return execResult{}, nil, fmt.Errorf("unit state: %w", err)
	}
	if err := os.WriteFile(statePath, data, 0o600); err != nil {
		return execResult{}, nil, fmt.Errorf("unit state: %w", err)
	}
	cmd := exec.CommandContext(ctx, agent, append([]string{"-state", statePath, "-report", reportPath, "-jujuc", jujuc, "--"}, argv...)...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	res := execResult{stdout: stdout.Bytes(), stderr: stderr.Bytes(), duration: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return res, nil, ctx.Err()
	case err == nil:
	case errors.As(err, &exitErr):
		res.exit = exitErr.ExitCode()
	default:
		return res, nil, err
	}
	if data, err = os.ReadFile(reportPath); err != nil {
		return res, nil, fmt.Errorf("the unit agent failed (exit %d): %s", res.exit, tail(res.stderr, 2000))
	}
	var report unitstate.Report
	if err := json.Unmarshal(data, &report); err != nil {
		return res, nil, fmt.Errorf("unit agent report: %w", err)
	}
	if res.exit > 128 {
		res.problem = fmt.Sprintf("signal: %s", syscall.Signal(res.exit-128))
	}
	return res, &report, nil
}

// tail returns the last n bytes of out, trimmed.
func tail(out []byte, n int) string {
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.TrimSpace(string(out))
}

// runHook runs one hook on a unit and records its effects.
func (m *Model) runHook(ctx context.Context, a *Application, u *Unit, h Hook) error {
	name := m.hookName(a, h)
	r := m.st.relation(h.RelationID)
	if !h.IsRelation() {
		r = nil
	}
	if h.Kind == hookRelationCreated && r != nil && u.Relations[r.ID] == nil {
		u.Relations[r.ID] = &UnitRelation{}
	}
	m.beforeHook(u, h, name)
	st, err := m.buildHookState(a, u)
	if err != nil {
		return fmt.Errorf("hook %s on %s: %w", name, u.Name, err)
	}
	adjustForHook(&st, h, r)
	contextID := fmt.Sprintf("%s-%s-%s", u.Name, name, newHex(16))
	env := m.baseEnv(a, u, contextID, name)
	if h.IsRelation() && r != nil {
		local, _ := r.endpointOf(a.Name)
		env = append(env,
			"JUJU_RELATION="+local.Name,
			"JUJU_RELATION_ID="+local.Name+":"+strconv.Itoa(r.ID),
			"JUJU_REMOTE_UNIT="+h.RemoteUnit,
			"JUJU_REMOTE_APP="+h.RemoteApp,
		)
		if h.Kind == hookRelationDeparted {
			env = append(env, "JUJU_DEPARTING_UNIT="+h.DepartingUnit)
		}
	}
	env = append(env, m.tailEnv(u, "hooks/"+name)...)
	res, report, err := m.execCharm(ctx, u, st, env, "hooks", name)
	if err != nil {
		return err
	}
	m.writeBack(a, u, report, name)
	m.logOutput(u, name, res)
	u.HooksRun++
	u.LastHook = name
	if m.opts.Progress != nil {
		fmt.Fprintf(m.opts.Progress, "%s: %s%s\n", u.Name, name, hookSuffix(h, res))
	}
	if res.exit != 0 {
		m.failHook(u, h, name, res)
		return nil
	}
	if u.Failed != nil {
		u.Failed, u.Retry = nil, false
	}
	m.commitHook(a, u, h)
	m.afterHook(u, h)
	return nil
}

func hookSuffix(h Hook, res execResult) string {
	var s string
	if h.RemoteUnit != "" {
		s = " (" + h.RemoteUnit + ")"
	}
	switch {
	case res.missing:
		s += " [skipped: no handler]"
	case res.exit != 0:
		s += fmt.Sprintf(" [failed: exit %d]", res.exit)
	}
	return s
}
