package localjuju

import (
	"bufio"
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

// beforeHook sets the statuses the uniter sets before a hook runs.
func (m *Model) beforeHook(u *Unit, h Hook, name string) {
	msg := "running " + name + " hook"
	if h.RemoteUnit != "" {
		msg += " for " + h.RemoteUnit
	}
	if h.Kind != hookUpdateStatus {
		m.setAgent(u, "executing", msg, nil)
	}
	switch h.Kind {
	case hookInstall:
		if !u.CharmSetStatus {
			m.setWorkload(u, "maintenance", "installing charm software", nil)
		}
	case hookStop:
		m.setWorkload(u, "maintenance", "stopping charm software", nil)
	case hookRemove:
		m.setWorkload(u, "maintenance", "cleaning up prior to charm deletion", nil)
	}
}

// afterHook sets the statuses the uniter sets after a successful hook.
func (m *Model) afterHook(u *Unit, h Hook) {
	switch h.Kind {
	case hookStart:
		if !u.CharmSetStatus {
			m.setWorkload(u, "unknown", "", nil)
		}
	case hookStop:
		m.setWorkload(u, "maintenance", "", nil)
	case hookRemove:
		m.setWorkload(u, "terminated", "", nil)
	}
	m.setAgent(u, "idle", "", nil)
}

func (m *Model) failHook(u *Unit, h Hook, name string, res execResult) {
	hh := h
	u.Failed, u.Retry = &hh, false
	data := map[string]any{"hook": name}
	if h.IsRelation() {
		data["relation-id"] = h.RelationID
		data["remote-unit"] = h.RemoteUnit
	}
	m.setAgent(u, "error", fmt.Sprintf("hook failed: %q", name), data)
	why := fmt.Sprintf("exit status %d", res.exit)
	if res.problem != "" {
		why = res.problem
	}
	m.logf(u.Name, "hook", "ERROR", "hook %q failed: %s", name, why)
}

func (m *Model) setWorkload(u *Unit, status, message string, data map[string]any) {
	if u.Workload.Status == status && u.Workload.Message == message {
		return
	}
	u.Workload = StatusInfo{Kind: "workload", Status: status, Message: message, Data: data, Since: m.now()}
	m.addHistory(u, u.Workload)
}

func (m *Model) setAgent(u *Unit, status, message string, data map[string]any) {
	if u.Agent.Status == status && u.Agent.Message == message {
		return
	}
	u.Agent = StatusInfo{Kind: "juju-unit", Status: status, Message: message, Data: data, Since: m.now()}
	if status != "executing" {
		m.addHistory(u, u.Agent)
	}
}

func (m *Model) addHistory(u *Unit, s StatusInfo) {
	u.History = append(u.History, s)
	if len(u.History) > maxStatusHistory {
		u.History = append([]StatusInfo(nil), u.History[len(u.History)-maxStatusHistory:]...)
	}
}

// writeBack stores what a hook or action left behind: statuses, version and
// leader settings always; relation data, ports and charm state as the agent
// committed them (only on exit 0). A nil report (no handler, or the agent
// was killed) changes nothing.
func (m *Model) writeBack(a *Application, u *Unit, report *unitstate.Report, name string) {
	if report == nil {
		return
	}
	after := report.State
	for _, tool := range report.Calls {
		if u.ToolCalls == nil {
			u.ToolCalls = map[string]int{}
		}
		u.ToolCalls[tool]++
	}
	if len(report.UnitStatuses) > 0 {
		u.CharmSetStatus = true
	}
	for _, l := range report.Logs {
		m.st.Log = append(m.st.Log, LogEntry{Time: m.now(), Unit: u.Name, Hook: name, Source: "juju-log", Level: l.Level, Message: l.Message})
	}
	for _, s := range report.UnitStatuses {
		m.setWorkload(u, s.Status, s.Message, s.Data)
	}
	if s := after.UnitStatus; s != nil {
		m.setWorkload(u, s.Status, s.Message, s.Data)
	}
	if s := after.AppStatus; s != nil && a.Leader == u.Name {
		if a.Status == nil || a.Status.Status != s.Status || a.Status.Message != s.Message {
			if !(a.Status == nil && s.Status == "unknown" && s.Message == "") {
				a.Status = &StatusInfo{Kind: "application", Status: s.Status, Message: s.Message, Data: s.Data, Since: m.now()}
			}
		}
	}
	u.WorkloadVersion = after.WorkloadVersion
	if !bagsEqual(a.LeaderSettings, after.LeaderSettings) {
		a.LeaderSettings = copyBag(after.LeaderSettings)
		a.LeaderVersion++
		if a.Leader == u.Name {
			u.LeaderSeen = a.LeaderVersion
		}
	}
	u.CharmState = copyBag(after.CharmState)
	if !portsEqual(u.OpenedPorts, after.OpenedPorts) {
		u.OpenedPorts = map[string][]string{}
		for ep, ports := range after.OpenedPorts {
			if len(ports) > 0 {
				u.OpenedPorts[ep] = append([]string(nil), ports...)
			}
		}
	}
	for _, hr := range after.Relations {
		r := m.st.relation(hr.ID)
		if r == nil {
			continue
		}
		if r.setUnitBag(u.Name, hr.LocalUnitData) {
			r.SimDirty = true
		}
		if a.Leader == u.Name && r.setAppBag(a.Name, hr.LocalAppData) {
			r.SimDirty = true
		}
	}
}

// logOutput records the charm's stdout (DEBUG) and stderr (WARNING) lines.
func (m *Model) logOutput(u *Unit, name string, res execResult) {
	add := func(data []byte, source, level string) {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			m.st.Log = append(m.st.Log, LogEntry{Time: m.now(), Unit: u.Name, Hook: name, Source: source, Level: level, Message: sc.Text()})
		}
	}
	add(res.stdout, "stdout", "DEBUG")
	add(res.stderr, "stderr", "WARNING")
	switch {
	case res.missing:
		m.logf(u.Name, "hook", "INFO", "skipped %q hook (missing)", name)
	case res.exit == 0:
		m.st.Log = append(m.st.Log, LogEntry{Time: m.now(), Unit: u.Name, Hook: name, Source: "hook", Level: "INFO", Message: fmt.Sprintf("ran %q hook (%s)", name, res.duration.Round(time.Millisecond))})
	}
}
