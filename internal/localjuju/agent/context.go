package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/juju/charm/v12"
	"github.com/juju/errors"
	"github.com/juju/loggo"
	"github.com/juju/names/v5"

	"github.com/juju/juju/cmd/localjuju-agent/unitstate"
	"github.com/juju/juju/core/application"
	"github.com/juju/juju/core/network"
	"github.com/juju/juju/internal/worker/uniter/runner/jujuc"
	"github.com/juju/juju/rpc/params"
)

// hookContext is the world behind the hook tools for one hook or action:
// what jujuc.Context asks of the unit agent. Statuses, workload version
// and leader settings change st at once; relation data, ports and charm
// state are working copies committed by finish when the handler exits 0.
// Juju's server runs one tool at a time; mu guards only calls, which are
// counted before that.
type hookContext struct {
	mu sync.Mutex

	st         *unitstate.State
	app        string
	config     charm.Settings
	relations  map[int]*relation
	hookRelID  int // -1 outside relation hooks
	remoteUnit string
	remoteApp  string
	charmState map[string]string
	ports      network.GroupedPortRanges // committed before the hook
	pendOpen   network.GroupedPortRanges
	pendClose  network.GroupedPortRanges
	action     *actionRecord
	logCtx     *loggo.Context

	calls        []string
	logs         []unitstate.LogLine
	unitStatuses []unitstate.Status
}

// actionRecord collects action-set, action-fail and action-log.
type actionRecord struct {
	results map[string]any
	message string
	failed  bool
	logs    []string
}

var _ jujuc.Context = (*hookContext)(nil)

// newHookContext prepares the context for st; getenv gives the hook's
// relation variables and JUJU_CHARM_DIR.
func newHookContext(st *unitstate.State, getenv func(string) string) (*hookContext, error) {
	app, err := names.UnitApplication(st.Unit)
	if err != nil {
		return nil, err
	}
	c := &hookContext{
		st: st, app: app, hookRelID: -1,
		relations:  map[int]*relation{},
		charmState: copyMap(st.CharmState),
		ports:      network.GroupedPortRanges{},
		pendOpen:   network.GroupedPortRanges{},
		pendClose:  network.GroupedPortRanges{},
	}
	if st.Action != nil {
		c.action = &actionRecord{results: map[string]any{}}
	}
	c.logCtx = loggo.NewContext(loggo.TRACE)
	if err := c.logCtx.AddWriter("juju-log", logWriter{c}); err != nil {
		return nil, err
	}
	if c.config, err = configSettings(getenv("JUJU_CHARM_DIR"), st.Config); err != nil {
		return nil, err
	}
	for i := range st.Relations {
		r := &st.Relations[i]
		c.relations[r.ID] = &relation{c: c, r: r, peer: r.RemoteApp == app,
			unit: copyMap(r.LocalUnitData), app: copyMap(r.LocalAppData)}
	}
	for ep, list := range st.OpenedPorts {
		for _, s := range list {
			pr, err := network.ParsePortRange(s)
			if err != nil {
				return nil, errors.Annotatef(err, "opened port %q", s)
			}
			c.ports[ep] = append(c.ports[ep], pr)
		}
	}
	if id := getenv("JUJU_RELATION_ID"); id != "" && st.Action == nil {
		if c.hookRelID, err = strconv.Atoi(id[strings.LastIndex(id, ":")+1:]); err != nil {
			return nil, errors.Annotatef(err, "JUJU_RELATION_ID %q", id)
		}
		c.remoteUnit, c.remoteApp = getenv("JUJU_REMOTE_UNIT"), getenv("JUJU_REMOTE_APP")
	}
	return c, nil
}

// configSettings is the application's config as the unit agent receives
// it: the charm's defaults under the values set, with the option types of
// config.yaml (numbers arrive as JSON float64).
func configSettings(charmDir string, set map[string]any) (charm.Settings, error) {
	out := charm.Settings{}
	var cfg *charm.Config
	if charmDir != "" {
		f, err := os.Open(filepath.Join(charmDir, "config.yaml"))
		switch {
		case err == nil:
			cfg, err = charm.ReadConfig(f)
			f.Close()
			if err != nil {
				return nil, errors.Annotate(err, "config.yaml")
			}
			for k, v := range cfg.DefaultSettings() {
				out[k] = v
			}
		case !os.IsNotExist(err):
			return nil, err
		}
	}
	for k, v := range set {
		if f, ok := v.(float64); ok && cfg != nil && cfg.Options[k].Type == "int" {
			v = int64(f)
		}
		out[k] = v
	}
	return out, nil
}

// finish ends the run and returns the report: the committed state, and for
// an action its result (as the uniter records it: return-code, stdout and
// stderr, base64 when not UTF-8; "exit status N" when the handler failed).
func (c *hookContext) finish(code int, stdout, stderr []byte) unitstate.Report {
	st := c.st
	if code == 0 {
		for _, r := range c.relations {
			r.r.LocalUnitData, r.r.LocalAppData = nilIfEmpty(r.unit), nilIfEmpty(r.app)
			if r.peer {
				r.r.RemoteAppData = nilIfEmpty(r.app)
			}
		}
		st.CharmState = nilIfEmpty(c.charmState)
		st.OpenedPorts = nil
		for ep, list := range c.OpenedPortRanges() {
			network.SortPortRanges(list)
			for _, pr := range list {
				if st.OpenedPorts == nil {
					st.OpenedPorts = map[string][]string{}
				}
				st.OpenedPorts[ep] = append(st.OpenedPorts[ep], pr.String())
			}
		}
	}
	if a := c.action; a != nil {
		a.results["return-code"] = code
		for key, data := range map[string][]byte{"stdout": stdout, "stderr": stderr} {
			switch {
			case len(data) == 0:
			case utf8.Valid(data):
				a.results[key] = string(data)
			default:
				a.results[key] = base64.StdEncoding.EncodeToString(data)
				a.results[key+"-encoding"] = "base64"
			}
		}
		res := &unitstate.ActionResult{Name: st.Action.Name, ID: st.Action.ID, Params: st.Action.Params,
			Status: "completed", Message: a.message, Failed: a.failed, Results: a.results, Logs: a.logs}
		if a.failed {
			res.Status = "failed"
		}
		if code != 0 {
			res.Status, res.Message = "failed", fmt.Sprintf("exit status %d", code)
		}
		st.ActionResult = res
	}
	return unitstate.Report{Exit: code, State: *st, Calls: c.calls, Logs: c.logs, UnitStatuses: c.unitStatuses}
}

// logWriter keeps juju-log messages for the report.
type logWriter struct{ c *hookContext }

// Write records one juju-log entry.
func (w logWriter) Write(e loggo.Entry) {
	w.c.logs = append(w.c.logs, unitstate.LogLine{Level: e.Level.String(), Message: e.Message})
}

// GetLogger returns the logger juju-log writes to.
func (c *hookContext) GetLogger(module string) loggo.Logger { return c.logCtx.GetLogger(module) }

// UnitName returns the unit's name.
func (c *hookContext) UnitName() string { return c.st.Unit }

// ConfigSettings returns the application's config.
func (c *hookContext) ConfigSettings() (charm.Settings, error) {
	out := charm.Settings{}
	for k, v := range c.config {
		out[k] = v
	}
	return out, nil
}

// GoalState returns the goal state given in the state.
func (c *hookContext) GoalState() (*application.GoalState, error) {
	gs := &application.GoalState{}
	if len(c.st.GoalState) > 0 {
		if err := json.Unmarshal(c.st.GoalState, gs); err != nil {
			return nil, errors.Annotate(err, "goal state")
		}
	}
	return gs, nil
}

// CloudSpec returns the cloud spec given in the state; without one the
// controller refuses, as it does for a unit without trust.
func (c *hookContext) CloudSpec() (*params.CloudSpec, error) {
	if len(c.st.CloudSpec) == 0 {
		return nil, errors.New("permission denied")
	}
	spec := &params.CloudSpec{}
	return spec, errors.Trace(json.Unmarshal(c.st.CloudSpec, spec))
}

func toStatusInfo(s *unitstate.Status) jujuc.StatusInfo {
	if s == nil {
		return jujuc.StatusInfo{Status: "unknown"}
	}
	return jujuc.StatusInfo{Status: s.Status, Info: s.Message, Data: s.Data}
}

func fromStatusInfo(s jujuc.StatusInfo) unitstate.Status {
	return unitstate.Status{Status: s.Status, Message: s.Info, Data: s.Data}
}

// errNotLeader is the controller's answer to a non-leader's application call.
var errNotLeader = errors.New("this unit is not the leader")

// UnitStatus returns the unit's workload status.
func (c *hookContext) UnitStatus() (*jujuc.StatusInfo, error) {
	s := toStatusInfo(c.st.UnitStatus)
	return &s, nil
}

// SetUnitStatus sets the unit's workload status at once.
func (c *hookContext) SetUnitStatus(s jujuc.StatusInfo) error {
	status := fromStatusInfo(s)
	c.st.UnitStatus = &status
	c.unitStatuses = append(c.unitStatuses, status)
	return nil
}

// ApplicationStatus returns the application's status (leader only).
func (c *hookContext) ApplicationStatus() (jujuc.ApplicationStatusInfo, error) {
	if !c.st.Leader {
		return jujuc.ApplicationStatusInfo{}, errNotLeader
	}
	app, unit := toStatusInfo(c.st.AppStatus), toStatusInfo(c.st.UnitStatus)
	app.Tag = names.NewApplicationTag(c.app).String()
	unit.Tag = names.NewUnitTag(c.st.Unit).String()
	return jujuc.ApplicationStatusInfo{Application: app, Units: []jujuc.StatusInfo{unit}}, nil
}

// SetApplicationStatus sets the application's status (leader only).
func (c *hookContext) SetApplicationStatus(s jujuc.StatusInfo) error {
	if !c.st.Leader {
		return errNotLeader
	}
	status := fromStatusInfo(s)
	c.st.AppStatus = &status
	return nil
}

// UnitWorkloadVersion returns the workload version.
func (c *hookContext) UnitWorkloadVersion() (string, error) { return c.st.WorkloadVersion, nil }

// SetUnitWorkloadVersion sets the workload version at once.
func (c *hookContext) SetUnitWorkloadVersion(v string) error {
	c.st.WorkloadVersion = v
	return nil
}

// PublicAddress returns the unit's public address.
func (c *hookContext) PublicAddress() (string, error) {
	if c.st.PublicAddress == "" {
		return "", errors.NotFoundf("public address")
	}
	return c.st.PublicAddress, nil
}

// PrivateAddress returns the unit's private address.
func (c *hookContext) PrivateAddress() (string, error) {
	if c.st.PrivateAddress == "" {
		return "", errors.NotFoundf("private address")
	}
	return c.st.PrivateAddress, nil
}

// NetworkInfo answers network-get for the given bindings.
func (c *hookContext) NetworkInfo(bindings []string, _ int) (map[string]params.NetworkInfoResult, error) {
	out := map[string]params.NetworkInfoResult{}
	for _, b := range bindings {
		ni, ok := c.st.Networks[b]
		if !ok {
			out[b] = params.NetworkInfoResult{Error: &params.Error{
				Message: fmt.Sprintf("undefined for unit charm: binding name %q not defined by the unit's charm", b)}}
			continue
		}
		// The state holds network-get's own JSON wire format.
		data, err := json.Marshal(ni)
		if err != nil {
			return nil, err
		}
		var res params.NetworkInfoResult
		if err := json.Unmarshal(data, &res); err != nil {
			return nil, err
		}
		out[b] = res
	}
	return out, nil
}
