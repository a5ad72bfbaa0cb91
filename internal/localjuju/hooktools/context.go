// Package hooktools emulates the hook tools of Juju 3.6.11 (config-get,
// relation-get, status-set, ...) for one hook or action run, in memory.
//
// A Context is built from the unit's State before the hook; every tool call
// goes through Context.Run, which parses arguments and prints output exactly
// like Juju's tools. Finish (or FinishAction) returns the State after the
// hook: relation data, opened ports and charm state are committed only when
// the hook exited 0, while status, workload version, leader settings and
// logs take effect at once.
package hooktools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/juju/charm/v12"
)

// Status is a workload status (unit or application).
type Status struct {
	Status  string         `json:"status"`
	Message string         `json:"message,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
}

// InterfaceAddress is one address of a bound interface (network-get wire format).
type InterfaceAddress struct {
	Hostname string `json:"hostname"`
	Value    string `json:"value"`
	CIDR     string `json:"cidr"`
}

// BindAddress is one interface of a binding (network-get wire format).
type BindAddress struct {
	MACAddress    string             `json:"mac-address"`
	InterfaceName string             `json:"interface-name"`
	Addresses     []InterfaceAddress `json:"addresses"`
}

// NetworkInfo is the network configuration of one binding, in the format
// network-get --format=json prints.
type NetworkInfo struct {
	BindAddresses    []BindAddress `json:"bind-addresses,omitempty"`
	EgressSubnets    []string      `json:"egress-subnets,omitempty"`
	IngressAddresses []string      `json:"ingress-addresses,omitempty"`
}

// Relation is one relation of the unit, seen from the unit's side.
type Relation struct {
	ID              int                          `json:"id"`
	Endpoint        string                       `json:"endpoint"`
	Interface       string                       `json:"interface,omitempty"`
	RemoteApp       string                       `json:"remote_app"`
	RemoteEndpoint  string                       `json:"remote_endpoint,omitempty"`
	RemoteUnits     map[string]map[string]string `json:"remote_units,omitempty"`
	RemoteAppData   map[string]string            `json:"remote_app_data,omitempty"`
	LocalUnitData   map[string]string            `json:"local_unit_data,omitempty"`
	LocalAppData    map[string]string            `json:"local_app_data,omitempty"`
	Life            string                       `json:"life,omitempty"`
	RemoteModelUUID string                       `json:"remote_model_uuid,omitempty"`
	// DepartedUnits holds the bags of units that left the relation; they
	// stay readable with relation-get but are not listed by relation-list.
	DepartedUnits map[string]map[string]string `json:"departed_units,omitempty"`
}

// Action is the action being run.
type Action struct {
	Name   string         `json:"name"`
	ID     string         `json:"id"`
	Params map[string]any `json:"params,omitempty"`
}

// ActionResult is how an action ended.
type ActionResult struct {
	Name    string         `json:"name"`
	ID      string         `json:"id"`
	Params  map[string]any `json:"params,omitempty"`
	Status  string         `json:"status"`
	Message string         `json:"message,omitempty"`
	Failed  bool           `json:"failed"`
	Results map[string]any `json:"results"`
	Logs    []string       `json:"logs,omitempty"`
}

// State is a unit's world before or after a hook.
type State struct {
	Unit            string                 `json:"unit"`
	Model           string                 `json:"model,omitempty"`
	ModelUUID       string                 `json:"model_uuid,omitempty"`
	ModelType       string                 `json:"model_type,omitempty"`
	MachineID       string                 `json:"machine_id,omitempty"`
	Leader          bool                   `json:"leader"`
	Config          map[string]any         `json:"config,omitempty"`
	UnitStatus      *Status                `json:"unit_status,omitempty"`
	AppStatus       *Status                `json:"app_status,omitempty"`
	WorkloadVersion string                 `json:"workload_version,omitempty"`
	LeaderSettings  map[string]string      `json:"leader_settings,omitempty"`
	CharmState      map[string]string      `json:"charm_state,omitempty"`
	PublicAddress   string                 `json:"public_address,omitempty"`
	PrivateAddress  string                 `json:"private_address,omitempty"`
	Networks        map[string]NetworkInfo `json:"networks,omitempty"`
	OpenedPorts     map[string][]string    `json:"opened_ports,omitempty"`
	Relations       []Relation             `json:"relations,omitempty"`
	GoalState       json.RawMessage        `json:"goal_state,omitempty"`
	CloudSpec       json.RawMessage        `json:"cloud_spec,omitempty"`
	Action          *Action                `json:"action,omitempty"`
	ActionResult    *ActionResult          `json:"action_result,omitempty"`
	// Resources maps each attached resource to the path of its file as the
	// unit sees it.
	Resources map[string]string `json:"resources,omitempty"`
}

// LogLine is one message written with juju-log.
type LogLine struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// Call records one tool invocation (stdin is deliberately not kept).
type Call struct {
	Argv []string `json:"argv"`
	Exit int      `json:"exit"`
}

// Charm is the parsed charm metadata, config and actions.
type Charm struct {
	Meta    *charm.Meta
	Config  *charm.Config  // nil when the charm has no config.yaml
	Actions *charm.Actions // nil when the charm has no actions.yaml
}

// LoadCharm reads metadata.yaml, config.yaml and actions.yaml from dir.
// config.yaml and actions.yaml are optional.
func LoadCharm(dir string) (*Charm, error) {
	read := func(name string, required bool) ([]byte, error) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && (required || !os.IsNotExist(err)) {
			return nil, fmt.Errorf("read charm %s: %w", name, err)
		}
		return data, nil
	}
	meta, err := read("metadata.yaml", true)
	if err != nil {
		return nil, err
	}
	config, err := read("config.yaml", false)
	if err != nil {
		return nil, err
	}
	actions, err := read("actions.yaml", false)
	if err != nil {
		return nil, err
	}
	return CharmFromYAML(meta, config, actions)
}

// CharmFromYAML parses the charm files; empty config or actions mean the
// file is absent.
func CharmFromYAML(metadata, config, actions []byte) (*Charm, error) {
	meta, err := charm.ReadMeta(bytes.NewReader(metadata))
	if err != nil {
		return nil, fmt.Errorf("parse metadata.yaml: %w", err)
	}
	ch := &Charm{Meta: meta}
	if len(config) > 0 {
		if ch.Config, err = charm.ReadConfig(bytes.NewReader(config)); err != nil {
			return nil, fmt.Errorf("parse config.yaml: %w", err)
		}
	}
	if len(actions) > 0 {
		if ch.Actions, err = charm.ReadActionsYaml(meta.Name, bytes.NewReader(actions)); err != nil {
			return nil, fmt.Errorf("parse actions.yaml: %w", err)
		}
	}
	return ch, nil
}

// CommandNames returns every hook tool name the emulator serves.
func CommandNames() []string {
	names := make([]string, 0, len(toolConstructors()))
	for name := range toolConstructors() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// relState is a relation plus this hook's working copies of the unit's
// own data bags.
type relState struct {
	Relation
	peer     bool
	unitData map[string]string
	appData  map[string]string
}

func (r *relState) fakeID() string { return r.Endpoint + ":" + strconv.Itoa(r.ID) }

// actionState is the action-set/-fail/-log record of a running action.
type actionState struct {
	name, id string
	params   map[string]any
	results  map[string]any
	message  string
	failed   bool
	logs     []string
}

// Context is one hook or action run.
type Context struct {
	mu sync.Mutex

	ch      *Charm
	initial State
	env     map[string]string

	unit, app  string
	hookRel    int // -1 when not a relation hook
	remoteUnit string
	remoteApp  string
	config     map[string]any

	// Applied at once.
	unitStatus      Status
	unitStatuses    []Status // every unit status-set, in order
	appStatus       Status
	workloadVersion string
	leaderSettings  map[string]string

	// Committed only on success.
	rels         []*relState
	charmState   map[string]string
	openedPorts  map[string][]portRange // committed ports
	pendingOpen  map[string][]portRange
	pendingClose map[string][]portRange

	action *actionState
	reboot string

	logs  []LogLine
	calls []Call
}

// NewContext prepares a hook (or, when st.Action is set, an action) run.
// env holds the hook's JUJU_* variables (JUJU_RELATION_ID, JUJU_REMOTE_UNIT,
// JUJU_REMOTE_APP, ...).
func NewContext(ch *Charm, st State, env map[string]string) *Context {
	c := &Context{ch: ch, initial: cloneState(st), env: map[string]string{}, hookRel: -1}
	for k, v := range env {
		c.env[k] = v
	}
	c.unit = st.Unit
	if c.unit == "" {
		c.unit = env["JUJU_UNIT_NAME"]
	}
	c.app, _, _ = strings.Cut(c.unit, "/")
	c.config = c.configSettings(st.Config)

	c.unitStatus = statusOrUnknown(st.UnitStatus)
	c.appStatus = statusOrUnknown(st.AppStatus)
	c.workloadVersion = st.WorkloadVersion
	c.leaderSettings = copyStrings(st.LeaderSettings)
	c.charmState = copyStrings(st.CharmState)

	peers := map[string]bool{}
	if ch != nil && ch.Meta != nil {
		for name := range ch.Meta.Peers {
			peers[name] = true
		}
	}
	for _, r := range cloneState(st).Relations {
		c.rels = append(c.rels, &relState{
			Relation: r,
			peer:     peers[r.Endpoint] || r.RemoteApp == c.app,
			unitData: copyStrings(r.LocalUnitData),
			appData:  copyStrings(r.LocalAppData),
		})
	}

	c.openedPorts = map[string][]portRange{}
	c.pendingOpen = map[string][]portRange{}
	c.pendingClose = map[string][]portRange{}
	for endpoint, list := range st.OpenedPorts {
		for _, s := range list {
			if pr, err := parsePortRange(s); err == nil {
				c.openedPorts[endpoint] = append(c.openedPorts[endpoint], pr)
			}
		}
	}

	if st.Action != nil {
		c.action = &actionState{
			name:    st.Action.Name,
			id:      st.Action.ID,
			params:  c.actionParams(st.Action),
			results: map[string]any{},
		}
	} else if id, ok := relationIDFromEnv(env["JUJU_RELATION_ID"]); ok && c.relation(id) != nil {
		c.hookRel = id
		c.remoteUnit = env["JUJU_REMOTE_UNIT"]
		c.remoteApp = env["JUJU_REMOTE_APP"]
		if c.remoteApp == "" {
			if app, _, ok := strings.Cut(c.remoteUnit, "/"); ok {
				c.remoteApp = app
			} else {
				c.remoteApp = c.relation(id).RemoteApp
			}
		}
	}
	return c
}

func relationIDFromEnv(v string) (int, bool) {
	if v == "" {
		return 0, false
	}
	if i := strings.LastIndex(v, ":"); i >= 0 {
		v = v[i+1:]
	}
	id, err := strconv.Atoi(v)
	return id, err == nil
}

func statusOrUnknown(s *Status) Status {
	if s == nil {
		return Status{Status: "unknown"}
	}
	return Status{Status: s.Status, Message: s.Message, Data: copyAny(s.Data)}
}

// configSettings merges the charm's config defaults with the values set on
// the application, coercing them to the option types.
func (c *Context) configSettings(set map[string]any) map[string]any {
	out := map[string]any{}
	if c.ch == nil || c.ch.Config == nil {
		for k, v := range set {
			out[k] = v
		}
		return out
	}
	for name, opt := range c.ch.Config.Options {
		out[name] = opt.Default
	}
	for name, v := range set {
		opt, ok := c.ch.Config.Options[name]
		if !ok {
			continue
		}
		out[name] = coerceOption(opt.Type, v)
	}
	return out
}

// coerceOption converts a value decoded from JSON (or given in Go) to the
// type Juju uses for a config option: int64, float64, bool or string.
func coerceOption(typ string, v any) any {
	if v == nil {
		return nil
	}
	switch typ {
	case "int":
		switch x := v.(type) {
		case float64:
			return int64(x)
		case int:
			return int64(x)
		case int64:
			return x
		case json.Number:
			if i, err := x.Int64(); err == nil {
				return i
			}
		case string:
			if i, err := strconv.ParseInt(x, 0, 64); err == nil {
				return i
			}
		}
	case "float":
		switch x := v.(type) {
		case float64:
			return x
		case int:
			return float64(x)
		case int64:
			return float64(x)
		case json.Number:
			if f, err := x.Float64(); err == nil {
				return f
			}
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f
			}
		}
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b
			}
		}
	default:
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
	return v
}

// actionParams returns the action's parameters with the schema defaults of
// actions.yaml filled in, as the controller does when the action is queued,
// and with JSON types, as the unit agent receives them.
func (c *Context) actionParams(a *Action) map[string]any {
	params := copyAny(a.Params)
	if params == nil {
		params = map[string]any{}
	}
	if c.ch == nil || c.ch.Actions == nil {
		return params
	}
	spec, ok := c.ch.Actions.ActionSpecs[a.Name]
	if !ok {
		return params
	}
	if withDefaults, err := spec.InsertDefaults(params); err == nil && withDefaults != nil {
		params = withDefaults
	}
	// The unit agent receives parameters as JSON: numbers become float64.
	if data, err := json.Marshal(params); err == nil {
		var decoded map[string]any
		if json.Unmarshal(data, &decoded) == nil && decoded != nil {
			return decoded
		}
	}
	return params
}

func (c *Context) relation(id int) *relState {
	for _, r := range c.rels {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// isCharmBinding reports whether name is an endpoint or extra binding of the charm.
func (c *Context) isCharmBinding(name string) bool {
	if c.ch == nil || c.ch.Meta == nil {
		return false
	}
	m := c.ch.Meta
	if _, ok := m.Provides[name]; ok {
		return true
	}
	if _, ok := m.Requires[name]; ok {
		return true
	}
	if _, ok := m.Peers[name]; ok {
		return true
	}
	_, ok := m.ExtraBindings[name]
	return ok
}

// runContext is what a tool's run step works with.
type runContext struct {
	stdin  []byte
	stdout *bytes.Buffer
	stderr *bytes.Buffer
	dir    string
}

// Run executes one hook tool; argv[0] is the tool name (a path is
// reduced to its base name). It returns the exit code and the bytes the
// tool wrote. Calls are serialised.
func (c *Context) Run(argv []string, stdin []byte) (exit int, stdout, stderr []byte) {
	return c.run("", argv, stdin)
}

// run is Run with the caller's working directory, used to resolve relative
// --file and -o paths.
func (c *Context) run(dir string, argv []string, stdin []byte) (int, []byte, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if dir == "" {
		dir, _ = os.Getwd()
	}
	rc := &runContext{stdin: stdin, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, dir: dir}
	code := c.dispatch(argv, rc)
	c.calls = append(c.calls, Call{Argv: append([]string(nil), argv...), Exit: code})
	return code, rc.stdout.Bytes(), rc.stderr.Bytes()
}

func (c *Context) dispatch(argv []string, rc *runContext) int {
	if len(argv) == 0 {
		fmt.Fprintf(rc.stderr, "ERROR no command given\n")
		return 1
	}
	name := filepath.Base(argv[0])
	ctor, ok := toolConstructors()[name]
	if !ok {
		fmt.Fprintf(rc.stderr, "ERROR unknown command: %s\n", name)
		return 1
	}
	t := ctor(c)
	fs := newFlagSet()
	t.setFlags(fs)
	args, err := fs.parse(argv[1:])
	if err == errHelp {
		rc.stdout.Write(t.info().help(fs))
		return 0
	}
	if err == nil {
		err = t.init(args)
	}
	if err != nil {
		fmt.Fprintf(rc.stderr, "ERROR %s\n", err)
		return 2
	}
	if err := t.run(rc); err != nil {
		fmt.Fprintf(rc.stderr, "ERROR %s\n", err)
		return 1
	}
	return 0
}

// tool is one hook tool, following Juju's SetFlags/Init/Run life cycle.
type tool interface {
	info() toolInfo
	setFlags(fs *flagSet)
	init(args []string) error
	run(rc *runContext) error
}

// toolConstructors maps tool names to constructors.
func toolConstructors() map[string]func(*Context) tool {
	return map[string]func(*Context) tool{
		"action-fail":             newActionFail,
		"action-get":              newActionGet,
		"action-log":              newActionLog,
		"action-set":              newActionSet,
		"application-version-set": newApplicationVersionSet,
		"close-port":              newClosePort,
		"config-get":              newConfigGet,
		"credential-get":          newCredentialGet,
		"goal-state":              newGoalState,
		"is-leader":               newIsLeader,
		"juju-log":                newJujuLog,
		"juju-reboot":             newJujuReboot,
		"leader-get":              newLeaderGet,
		"leader-set":              newLeaderSet,
		"network-get":             newNetworkGet,
		"open-port":               newOpenPort,
		"opened-ports":            newOpenedPorts,
		"relation-get":            newRelationGet,
		"relation-ids":            newRelationIDs,
		"relation-list":           newRelationList,
		"relation-model-get":      newRelationModelGet,
		"relation-set":            newRelationSet,
		"resource-get":            newResourceGet,
		"state-delete":            newStateDelete,
		"state-get":               newStateGet,
		"state-set":               newStateSet,
		"status-get":              newStatusGet,
		"status-set":              newStatusSet,
		"unit-get":                newUnitGet,
	}
}

// Logs returns the juju-log messages so far.
func (c *Context) Logs() []LogLine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]LogLine(nil), c.logs...)
}

// Calls returns every tool call so far with its exit code.
func (c *Context) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Call, len(c.calls))
	for i, call := range c.calls {
		out[i] = Call{Argv: append([]string(nil), call.Argv...), Exit: call.Exit}
	}
	return out
}

// UnitStatuses returns every workload status the unit set so far, in order
// (Juju records each in the status history as it is set).
func (c *Context) UnitStatuses() []Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Status(nil), c.unitStatuses...)
}

// RebootRequest reports what juju-reboot asked for: "" (nothing),
// "after-hook" or "now".
func (c *Context) RebootRequest() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reboot
}

// Finish ends a hook run and returns the unit's state afterwards. Relation
// data, opened ports and charm state are committed only when hookExit is 0;
// status, workload version and leader settings are kept in any case. For an
// action it is FinishAction(hookExit, nil, nil).
func (c *Context) Finish(hookExit int) State {
	return c.FinishAction(hookExit, nil, nil)
}

// FinishAction ends a run like Finish and, for an action, fills in
// ActionResult from the action-set/-fail/-log calls, the exit code and the
// captured output (status "failed" with message "exit status N" when the
// process failed, "failed" with the action-fail message after action-fail,
// "completed" otherwise).
func (c *Context) FinishAction(exit int, stdout, stderr []byte) State {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := cloneState(c.initial)

	st.UnitStatus = statusPtr(c.unitStatus, c.initial.UnitStatus)
	st.AppStatus = statusPtr(c.appStatus, c.initial.AppStatus)
	st.WorkloadVersion = c.workloadVersion
	st.LeaderSettings = copyStrings(c.leaderSettings)

	if exit == 0 {
		for i := range st.Relations {
			r := c.relation(st.Relations[i].ID)
			if r == nil {
				continue
			}
			st.Relations[i].LocalUnitData = copyStrings(r.unitData)
			st.Relations[i].LocalAppData = copyStrings(r.appData)
			if r.peer {
				st.Relations[i].RemoteAppData = copyStrings(r.appData)
			}
		}
		st.CharmState = copyStrings(c.charmState)
		st.OpenedPorts = formatGroupedPorts(c.mergedPorts())
	}

	if c.action != nil {
		st.ActionResult = c.actionResult(exit, stdout, stderr)
	}
	return st
}

// statusPtr keeps an absent status absent unless a tool set one.
func statusPtr(s Status, initial *Status) *Status {
	if initial == nil && s.Status == "unknown" && s.Message == "" && len(s.Data) == 0 {
		return nil
	}
	return &Status{Status: s.Status, Message: s.Message, Data: copyAny(s.Data)}
}

func cloneState(st State) State {
	out := st
	out.Config = copyAny(st.Config)
	if st.UnitStatus != nil {
		s := *st.UnitStatus
		s.Data = copyAny(s.Data)
		out.UnitStatus = &s
	}
	if st.AppStatus != nil {
		s := *st.AppStatus
		s.Data = copyAny(s.Data)
		out.AppStatus = &s
	}
	out.LeaderSettings = copyStrings(st.LeaderSettings)
	out.CharmState = copyStrings(st.CharmState)
	if st.Networks != nil {
		out.Networks = make(map[string]NetworkInfo, len(st.Networks))
		for k, v := range st.Networks {
			out.Networks[k] = v
		}
	}
	if st.OpenedPorts != nil {
		out.OpenedPorts = make(map[string][]string, len(st.OpenedPorts))
		for k, v := range st.OpenedPorts {
			out.OpenedPorts[k] = append([]string(nil), v...)
		}
	}
	if st.Relations != nil {
		out.Relations = make([]Relation, len(st.Relations))
		for i, r := range st.Relations {
			r.RemoteAppData = copyStrings(r.RemoteAppData)
			r.LocalUnitData = copyStrings(r.LocalUnitData)
			r.LocalAppData = copyStrings(r.LocalAppData)
			r.RemoteUnits = copyBags(r.RemoteUnits)
			r.DepartedUnits = copyBags(r.DepartedUnits)
			out.Relations[i] = r
		}
	}
	out.GoalState = append(json.RawMessage(nil), st.GoalState...)
	if st.GoalState == nil {
		out.GoalState = nil
	}
	out.CloudSpec = append(json.RawMessage(nil), st.CloudSpec...)
	if st.CloudSpec == nil {
		out.CloudSpec = nil
	}
	if st.Action != nil {
		a := *st.Action
		a.Params = copyAny(a.Params)
		out.Action = &a
	}
	if st.ActionResult != nil {
		r := *st.ActionResult
		out.ActionResult = &r
	}
	return out
}

func copyBags(m map[string]map[string]string) map[string]map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]map[string]string, len(m))
	for k, bag := range m {
		out[k] = copyStrings(bag)
	}
	return out
}

func copyStrings(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// copyAny deep-copies nested maps and slices of a JSON-like value map.
func copyAny(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return copyAny(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	default:
		return v
	}
}
