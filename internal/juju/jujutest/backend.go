// Package jujutest is an in-memory implementation of juju.Tools for tests.
// A Backend is built from a State literal, checked against the charm's
// metadata.yaml, config.yaml and actions.yaml, and enforces the rules Juju
// enforces (leader-only writes, action-set keys, status values, port specs),
// answering with the errors the real hook tools give. After a run the test
// inspects what the charm did (status, relation data, ports, logs, …).
//
// TestJujutestAnswersAsJujusTools (internal/localjuju) holds it to Juju's
// own hook tools: a script of calls must get the same answers and error
// texts from both and leave the unit in the same state.
//
// Differences from a real unit agent: nothing is transactional (a failed
// hook's relation, port and charm-state changes are not discarded), Juju's
// automatic unit-bag keys (private-address, ingress-address, egress-subnets)
// are not added, and state quotas and port conflicts between units are not
// checked.
//
// Layer doubles (see internal/layers): it imports only the boundary it stands
// in for; only tests and the local model's machines import it, never code
// that ships.
package jujutest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/juju/charm/v12"

	"github.com/openstack-charmers/charm-panko/internal/juju"
)

// State is the unit's world before the run.
type State struct {
	// Unit is this unit's name; default "<charm name>/0".
	Unit   string
	Leader bool
	// Config holds option values set on the application; options left out
	// (or set to nil) take their config.yaml default. An unknown option or a
	// value of the wrong type fails the test.
	Config     map[string]any
	LeaderData map[string]string
	Relations  []Relation
	// Networks maps a binding (endpoint or extra binding) to its network
	// info; the "" entry answers for every binding not listed.
	Networks map[string]juju.NetworkInfo
	// OpenedPorts are the ports opened before the run ("8977/tcp", "icmp").
	OpenedPorts []string
	// CharmState is the unit's charm state (state-get/-set).
	CharmState map[string]string
	// Action is the running action's name ("" for a hook); it must be in
	// actions.yaml. ActionParams are validated against its schema and
	// completed with its defaults, as Juju does.
	Action       string
	ActionParams map[string]any
	// Status and StatusMessage are the unit's workload status before the
	// run; default "unknown".
	Status        string
	StatusMessage string
	// Version is the workload version before the run.
	Version string
	// Resources maps each attached resource to its file's path.
	Resources map[string]string
}

// Relation is one relation the unit is in.
type Relation struct {
	// ID is "<endpoint>:<number>", e.g. "shared-db:1".
	ID string
	// Endpoint is this charm's endpoint; default: the ID's prefix.
	Endpoint string
	// RemoteApp is the remote application; default: the application of the
	// remote units, or this application on a peer relation.
	RemoteApp string
	// RemoteUnits maps each remote unit in scope to its bag.
	RemoteUnits map[string]map[string]string
	// RemoteAppData is the remote application's bag. On a peer relation it
	// is the same bag as LocalApp; set either.
	RemoteAppData map[string]string
	// LocalUnit and LocalApp are this unit's and this application's bags.
	LocalUnit map[string]string
	LocalApp  map[string]string
}

// LogEntry is one juju-log message.
type LogEntry struct {
	Level   juju.Level
	Message string
}

// StatusEntry is one workload status.
type StatusEntry struct {
	Status  string
	Message string
}

type relation struct {
	id          string
	num         int
	endpoint    string
	peer        bool
	remoteApp   string
	remoteUnits map[string]map[string]string
	remoteData  map[string]string
	localUnit   map[string]string
	localApp    map[string]string // on a peer relation the same map as remoteData
}

// Backend is an in-memory juju.Tools. It is not safe for concurrent use.
type Backend struct {
	t          testing.TB
	initial    State
	unit, app  string
	leader     bool
	endpoints  map[string]bool // relation endpoints
	bindings   map[string]bool // endpoints and extra bindings
	config     map[string]any
	leaderData map[string]string
	rels       []*relation
	networks   map[string]juju.NetworkInfo
	ports      []portRange
	charmState map[string]string

	action        string
	actionParams  map[string]any
	actionResults map[string]any
	actionFailed  bool
	actionMessage string
	actionLogs    []string

	status  StatusEntry
	history []StatusEntry
	version string
	logs    []LogEntry
	calls   map[string]int

	resources map[string]string
}

var _ juju.Tools = (*Backend)(nil)

// New builds a Backend from st for the charm in charmDir (which holds
// metadata.yaml and optionally config.yaml and actions.yaml). Anything in st
// that the charm does not declare fails the test.
func New(t testing.TB, charmDir string, st State) *Backend {
	t.Helper()
	b, err := build(charmDir, st)
	if err != nil {
		t.Fatalf("jujutest: %v", err)
		return nil
	}
	b.t = t
	return b
}

func build(charmDir string, st State) (*Backend, error) {
	meta, err := readCharmFile(charmDir, "metadata.yaml", charm.ReadMeta)
	if err != nil {
		return nil, err
	}
	if meta == nil {
		return nil, fmt.Errorf("%s: no metadata.yaml", charmDir)
	}
	cfg, err := readCharmFile(charmDir, "config.yaml", charm.ReadConfig)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = charm.NewConfig()
	}
	actions, err := readCharmFile(charmDir, "actions.yaml", func(r io.Reader) (*charm.Actions, error) {
		return charm.ReadActionsYaml(meta.Name, r)
	})
	if err != nil {
		return nil, err
	}
	if actions == nil {
		actions = charm.NewActions()
	}

	b := &Backend{
		initial:    st,
		unit:       st.Unit,
		leader:     st.Leader,
		endpoints:  map[string]bool{},
		bindings:   map[string]bool{},
		leaderData: cloneStrings(st.LeaderData),
		networks:   map[string]juju.NetworkInfo{},
		charmState: cloneStrings(st.CharmState),
		resources:  cloneStrings(st.Resources),
		status:     StatusEntry{Status: "unknown"},
		version:    st.Version,
		calls:      map[string]int{},
	}
	if b.unit == "" {
		b.unit = meta.Name + "/0"
	}
	var ok bool
	if b.app, _, ok = strings.Cut(b.unit, "/"); !ok || b.app == "" {
		return nil, fmt.Errorf("unit %q is not <application>/<number>", b.unit)
	}
	for _, rels := range []map[string]charm.Relation{meta.Requires, meta.Provides, meta.Peers} {
		for name := range rels {
			b.endpoints[name], b.bindings[name] = true, true
		}
	}
	for name := range meta.ExtraBindings {
		b.bindings[name] = true
	}

	if b.config, err = configSettings(cfg, st.Config); err != nil {
		return nil, err
	}
	for _, r := range st.Relations {
		rel, err := b.newRelation(r, meta.Peers)
		if err != nil {
			return nil, err
		}
		b.rels = append(b.rels, rel)
	}
	sort.Slice(b.rels, func(i, j int) bool { return b.rels[i].num < b.rels[j].num })
	for binding, n := range st.Networks {
		if binding != "" && !b.bindings[binding] {
			return nil, fmt.Errorf("network binding %q is not an endpoint or extra-binding in metadata.yaml", binding)
		}
		b.networks[binding] = cloneNetwork(n)
	}
	for _, spec := range st.OpenedPorts {
		p, msg := parsePort(spec)
		if msg != "" {
			return nil, fmt.Errorf("opened port %q: %s", spec, msg)
		}
		b.ports = addPort(b.ports, p)
	}
	if err := b.setAction(actions, st.Action, st.ActionParams); err != nil {
		return nil, err
	}
	if st.Status != "" {
		switch st.Status {
		case "unknown", juju.StatusMaintenance, juju.StatusBlocked, juju.StatusWaiting, juju.StatusActive:
		default:
			return nil, fmt.Errorf("initial status %q is not a workload status", st.Status)
		}
		b.status = StatusEntry{Status: st.Status, Message: st.StatusMessage}
	}
	return b, nil
}

// readCharmFile parses dir/name with read; a missing file gives nil.
func readCharmFile[T any](dir, name string, read func(io.Reader) (*T, error)) (*T, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return v, nil
}

// configSettings returns what config-get shows: the defaults overlaid with
// the set values, typed as Juju types them, options without value left out.
func configSettings(cfg *charm.Config, set map[string]any) (map[string]any, error) {
	valid, err := cfg.ValidateSettings(charm.Settings(set))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	out := map[string]any{}
	for name, v := range cfg.DefaultSettings() {
		if nv := valid[name]; nv != nil {
			v = nv
		}
		if v != nil {
			out[name] = v
		}
	}
	return out, nil
}

func (b *Backend) newRelation(r Relation, peers map[string]charm.Relation) (*relation, error) {
	prefix, numText, ok := cutLast(r.ID, ":")
	num, err := strconv.Atoi(numText)
	if !ok || err != nil || prefix == "" {
		return nil, fmt.Errorf("relation id %q is not <endpoint>:<number>", r.ID)
	}
	endpoint := r.Endpoint
	if endpoint == "" {
		endpoint = prefix
	}
	if endpoint != prefix {
		return nil, fmt.Errorf("relation %q: endpoint %q differs from the id's", r.ID, endpoint)
	}
	if !b.endpoints[endpoint] {
		return nil, fmt.Errorf("relation %q: endpoint %q is not in metadata.yaml", r.ID, endpoint)
	}
	for _, other := range b.rels {
		if other.num == num {
			return nil, fmt.Errorf("relation %q: number %d already used by %q", r.ID, num, other.id)
		}
	}
	_, peer := peers[endpoint]
	remoteApp := r.RemoteApp
	if remoteApp == "" && peer {
		remoteApp = b.app
	}
	if remoteApp == "" {
		for u := range r.RemoteUnits {
			remoteApp, _, _ = strings.Cut(u, "/")
			break
		}
	}
	if remoteApp == "" {
		return nil, fmt.Errorf("relation %q: no RemoteApp and no remote units", r.ID)
	}
	if peer && remoteApp != b.app {
		return nil, fmt.Errorf("relation %q: peer relation with remote application %q", r.ID, remoteApp)
	}
	rel := &relation{
		id: r.ID, num: num, endpoint: endpoint, peer: peer, remoteApp: remoteApp,
		remoteUnits: map[string]map[string]string{},
		remoteData:  cloneStrings(r.RemoteAppData),
		localUnit:   cloneStrings(r.LocalUnit),
		localApp:    cloneStrings(r.LocalApp),
	}
	for u, bag := range r.RemoteUnits {
		app, n, _ := strings.Cut(u, "/")
		if _, err := strconv.Atoi(n); err != nil || app != remoteApp || u == b.unit {
			return nil, fmt.Errorf("relation %q: %q is not a remote unit of %q", r.ID, u, remoteApp)
		}
		rel.remoteUnits[u] = cloneStrings(bag)
	}
	if peer {
		switch {
		case len(r.RemoteAppData) > 0 && len(r.LocalApp) > 0 && !maps.Equal(r.RemoteAppData, r.LocalApp):
			return nil, fmt.Errorf("relation %q: a peer relation has one application bag, but RemoteAppData and LocalApp differ", r.ID)
		case len(r.LocalApp) == 0:
			rel.localApp = rel.remoteData
		}
		rel.remoteData = rel.localApp
	}
	return rel, nil
}

func (b *Backend) setAction(actions *charm.Actions, name string, params map[string]any) error {
	if name == "" {
		if params != nil {
			return errors.New("ActionParams given without Action")
		}
		return nil
	}
	spec, ok := actions.ActionSpecs[name]
	if !ok {
		return fmt.Errorf("action %q is not in actions.yaml", name)
	}
	p := map[string]any{}
	maps.Copy(p, params)
	if err := spec.ValidateParams(p); err != nil {
		return fmt.Errorf("action %q params: %w", name, err)
	}
	p, err := spec.InsertDefaults(p)
	if err != nil {
		return fmt.Errorf("action %q defaults: %w", name, err)
	}
	b.action, b.actionParams, b.actionResults = name, p, map[string]any{}
	return nil
}

// toolErr is the error the real tool gives: exit code and "ERROR <msg>".
func toolErr(tool string, code int, msg string) error {
	return &juju.ToolError{Tool: tool, Code: code, Stderr: "ERROR " + msg + "\n"}
}

func (b *Backend) call(tool string) { b.calls[tool]++ }

// ConfigGet returns the config as config-get --format=json gives it.
func (b *Backend) ConfigGet(ctx context.Context) (map[string]any, error) {
	b.call("config-get")
	return jsonRoundTrip(b.config)
}

// IsLeader reports State.Leader.
func (b *Backend) IsLeader(ctx context.Context) (bool, error) {
	b.call("is-leader")
	return b.leader, nil
}

// LeaderGet returns the leader settings.
func (b *Backend) LeaderGet(ctx context.Context) (map[string]string, error) {
	b.call("leader-get")
	return cloneStrings(b.leaderData), nil
}

// LeaderSet writes leader settings; a non-leader gets Juju's error.
func (b *Backend) LeaderSet(ctx context.Context, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	if err := juju.ValidateLeaderSettings(data); err != nil {
		return err
	}
	b.call("leader-set")
	if !b.leader {
		return toolErr("leader-set", 1, "cannot write leadership settings: cannot write settings: not the leader")
	}
	setBag(b.leaderData, data)
	return nil
}

// RelationIDs returns the ids of the relations on endpoint. An endpoint not
// in metadata.yaml is reported as a test error (Juju would answer nothing).
func (b *Backend) RelationIDs(ctx context.Context, endpoint string) ([]string, error) {
	b.call("relation-ids")
	if !b.endpoints[endpoint] {
		b.t.Errorf("jujutest: relation-ids: endpoint %q is not in metadata.yaml", endpoint)
	}
	ids := []string{}
	for _, r := range b.rels {
		if r.endpoint == endpoint {
			ids = append(ids, r.id)
		}
	}
	return ids, nil
}

// relation finds relID the way -r does: by the number after the last ':'.
func (b *Backend) relation(tool, relID string) (*relation, error) {
	_, numText, _ := cutLast(relID, ":")
	n, err := strconv.Atoi(numText)
	if err != nil {
		return nil, toolErr(tool, 2, fmt.Sprintf("invalid value %q for option -r: invalid relation id", relID))
	}
	for _, r := range b.rels {
		if r.num == n {
			return r, nil
		}
	}
	return nil, toolErr(tool, 2, fmt.Sprintf("invalid value %q for option -r: relation not found", relID))
}

// RelationList returns the remote units of relID, sorted.
func (b *Backend) RelationList(ctx context.Context, relID string) ([]string, error) {
	b.call("relation-list")
	r, err := b.relation("relation-list", relID)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(r.remoteUnits)), nil
}

// RelationGet returns a bag on relID with Juju's access rules: units outside
// the relation, and this application's bag on a non-peer relation for a
// non-leader, are refused with "permission denied".
func (b *Backend) RelationGet(ctx context.Context, relID, unitOrApp string, app bool) (map[string]string, error) {
	if unitOrApp == "" {
		return nil, errors.New("relation-get: no unit or application given")
	}
	b.call("relation-get")
	r, err := b.relation("relation-get", relID)
	if err != nil {
		return nil, err
	}
	denied := toolErr("relation-get", 1, "permission denied")
	if !app {
		if !strings.Contains(unitOrApp, "/") {
			return nil, toolErr("relation-get", 2, fmt.Sprintf("expected unit name, got application name %q", unitOrApp))
		}
		if unitOrApp == b.unit {
			return cloneStrings(r.localUnit), nil
		}
		bag, ok := r.remoteUnits[unitOrApp]
		if !ok {
			return nil, denied
		}
		return cloneStrings(bag), nil
	}
	name, _, _ := strings.Cut(unitOrApp, "/")
	switch {
	case name == b.app && (r.peer || b.leader):
		return cloneStrings(r.localApp), nil
	case name == r.remoteApp && name != b.app:
		return cloneStrings(r.remoteData), nil
	}
	return nil, denied
}

// RelationSet writes this unit's (or, leader only, this application's) bag
// on relID; an empty value deletes the key.
func (b *Backend) RelationSet(ctx context.Context, relID string, app bool, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	b.call("relation-set")
	r, err := b.relation("relation-set", relID)
	if err != nil {
		return err
	}
	if !app {
		setBag(r.localUnit, data)
		return nil
	}
	if !b.leader {
		return toolErr("relation-set", 1, "cannot write relation settings")
	}
	setBag(r.localApp, data)
	return nil
}

// StatusSet sets the workload status; anything but maintenance, blocked,
// waiting and active gets Juju's usage error.
func (b *Backend) StatusSet(ctx context.Context, status, message string) error {
	b.call("status-set")
	switch status {
	case juju.StatusMaintenance, juju.StatusBlocked, juju.StatusWaiting, juju.StatusActive:
	default:
		return toolErr("status-set", 2, fmt.Sprintf("invalid status %q, expected one of [maintenance blocked waiting active]", status))
	}
	b.status = StatusEntry{Status: status, Message: message}
	b.history = append(b.history, b.status)
	return nil
}

// ApplicationVersionSet sets the workload version.
func (b *Backend) ApplicationVersionSet(ctx context.Context, version string) error {
	b.call("application-version-set")
	b.version = version
	return nil
}

// StatusGet returns the current workload status.
func (b *Backend) StatusGet(ctx context.Context) (status, message string, err error) {
	b.call("status-get")
	return b.status.Status, b.status.Message, nil
}

// OpenPort opens spec, checked as open-port checks it.
func (b *Backend) OpenPort(ctx context.Context, spec string) error {
	b.call("open-port")
	p, msg := parsePort(spec)
	if msg != "" {
		return toolErr("open-port", 2, msg)
	}
	b.ports = addPort(b.ports, p)
	return nil
}

// OpenedPorts returns the open ports in Juju's order.
func (b *Backend) OpenedPorts(ctx context.Context) ([]string, error) {
	b.call("opened-ports")
	return b.Opened(), nil
}

// NetworkGet returns State.Networks[binding], else State.Networks[""]; a
// binding the charm does not declare gets Juju's error.
func (b *Backend) NetworkGet(ctx context.Context, binding string) (juju.NetworkInfo, error) {
	b.call("network-get")
	if binding == "" {
		return juju.NetworkInfo{}, toolErr("network-get", 2, "no binding name specified")
	}
	n, ok := b.networks[binding]
	if !ok && b.bindings[binding] {
		n, ok = b.networks[""]
	}
	if !ok {
		return juju.NetworkInfo{}, toolErr("network-get", 1, fmt.Sprintf("no network config found for binding %q", binding))
	}
	return cloneNetwork(n), nil
}

// ActionGet returns the action's parameters as action-get --format=json
// gives them.
func (b *Backend) ActionGet(ctx context.Context) (map[string]any, error) {
	b.call("action-get")
	if b.action == "" {
		return nil, toolErr("action-get", 1, "not running an action")
	}
	return jsonRoundTrip(b.actionParams)
}

// ActionSet merges results into the action's result tree, dotted keys
// becoming nested maps, keys applied in sorted order.
func (b *Backend) ActionSet(ctx context.Context, results map[string]string) error {
	if len(results) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(results))
	for _, k := range keys {
		if err := juju.ValidateActionKey(k); err != nil {
			return err
		}
	}
	b.call("action-set")
	if b.action == "" {
		return toolErr("action-set", 1, "not running an action")
	}
	for _, k := range keys {
		m, path := b.actionResults, strings.Split(k, ".")
		for _, seg := range path[:len(path)-1] {
			next, ok := m[seg].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[seg] = next
			}
			m = next
		}
		m[path[len(path)-1]] = results[k]
	}
	return nil
}

// ActionFail marks the action failed; an empty msg gives Juju's default.
func (b *Backend) ActionFail(ctx context.Context, msg string) error {
	b.call("action-fail")
	if b.action == "" {
		return toolErr("action-fail", 1, "not running an action")
	}
	if msg == "" {
		msg = "action failed without reason given, check action for errors"
	}
	b.actionFailed, b.actionMessage = true, msg
	return nil
}

// ActionLog records an action progress message.
func (b *Backend) ActionLog(ctx context.Context, msg string) error {
	b.call("action-log")
	if b.action == "" {
		return toolErr("action-log", 1, "not running an action")
	}
	b.actionLogs = append(b.actionLogs, msg)
	return nil
}

// Log records a juju-log message.
func (b *Backend) Log(ctx context.Context, level juju.Level, msg string) error {
	b.call("juju-log")
	b.logs = append(b.logs, LogEntry{Level: level, Message: msg})
	return nil
}

// ResourceGet returns the path of an attached resource; it fails as
// resource-get does when none was attached (the controller's answer is
// "resource#<application>/<name> not found").
func (b *Backend) ResourceGet(ctx context.Context, name string) (string, error) {
	b.call("resource-get")
	if p, ok := b.resources[name]; ok {
		return p, nil
	}
	return "", toolErr("resource-get", 1, fmt.Sprintf("could not download resource: HTTP request failed: resource#%s/%s not found", b.app, name))
}

// StateGet returns the charm state.
func (b *Backend) StateGet(ctx context.Context) (map[string]string, error) {
	b.call("state-get")
	return cloneStrings(b.charmState), nil
}

// StateSet stores data; an empty value is stored as "".
func (b *Backend) StateSet(ctx context.Context, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	b.call("state-set")
	maps.Copy(b.charmState, data)
	return nil
}

// Status returns the unit's current workload status.
func (b *Backend) Status() (status, msg string) {
	return b.status.Status, b.status.Message
}

// StatusHistory returns every status set during the run, in order.
func (b *Backend) StatusHistory() []StatusEntry {
	return slices.Clone(b.history)
}

// RelationData returns this unit's and this application's bags on relID
// (matched by its number, as -r does). An unknown relID fails the test.
func (b *Backend) RelationData(relID string) (unit, app map[string]string) {
	b.t.Helper()
	r, err := b.relation("relation-get", relID)
	if err != nil {
		b.t.Fatalf("jujutest: RelationData: %v", err)
		return nil, nil
	}
	return cloneStrings(r.localUnit), cloneStrings(r.localApp)
}

// Opened returns the open ports in Juju's order: icmp, tcp, udp, by port.
func (b *Backend) Opened() []string {
	out := make([]string, 0, len(b.ports))
	for _, p := range b.ports {
		out = append(out, p.String())
	}
	return out
}

// Logs returns the juju-log messages in order.
func (b *Backend) Logs() []LogEntry {
	return slices.Clone(b.logs)
}

// ActionResults returns the action-set result tree (values are strings or
// nested maps).
func (b *Backend) ActionResults() map[string]any {
	out, err := jsonRoundTrip(b.actionResults)
	if err != nil {
		b.t.Fatalf("jujutest: copy action results: %v", err)
	}
	return out
}

// ActionFailed reports whether action-fail was called, and its message.
func (b *Backend) ActionFailed() (failed bool, message string) {
	return b.actionFailed, b.actionMessage
}

// ActionLogs returns the action-log messages in order.
func (b *Backend) ActionLogs() []string {
	return slices.Clone(b.actionLogs)
}

// Calls returns how many times each hook tool would have been run.
func (b *Backend) Calls() map[string]int {
	return maps.Clone(b.calls)
}

// Version returns the workload version.
func (b *Backend) Version() string {
	return b.version
}

// LeaderData returns the leader settings.
func (b *Backend) LeaderData() map[string]string {
	return cloneStrings(b.leaderData)
}

// Next returns the unit's world after the run, for the next hook: the state
// it started from with the leader data, own bags, ports, charm state, status
// and version the run left, and no action. Chaining hooks is then
// next := run(b.Next(), hook), as Juju carries them from hook to hook.
func (b *Backend) Next() State {
	st := b.initial
	st.Action, st.ActionParams = "", nil
	st.LeaderData, st.CharmState = b.LeaderData(), b.CharmState()
	st.OpenedPorts = b.Opened()
	st.Status, st.StatusMessage, st.Version = b.status.Status, b.status.Message, b.version
	st.Relations = make([]Relation, 0, len(b.initial.Relations))
	for _, r := range b.initial.Relations {
		for _, rel := range b.rels {
			if rel.id == r.ID {
				r.LocalUnit, r.LocalApp = cloneStrings(rel.localUnit), cloneStrings(rel.localApp)
				if rel.peer {
					r.RemoteAppData = nil
				}
			}
		}
		st.Relations = append(st.Relations, r)
	}
	return st
}

// CharmState returns the charm state store.
func (b *Backend) CharmState() map[string]string {
	return cloneStrings(b.charmState)
}

// setBag applies data to bag: an empty value deletes the key.
func setBag(bag, data map[string]string) {
	for k, v := range data {
		if v == "" {
			delete(bag, k)
		} else {
			bag[k] = v
		}
	}
}

func cloneStrings(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	maps.Copy(out, m)
	return out
}

func cloneNetwork(n juju.NetworkInfo) juju.NetworkInfo {
	out := juju.NetworkInfo{
		EgressSubnets:    slices.Clone(n.EgressSubnets),
		IngressAddresses: slices.Clone(n.IngressAddresses),
	}
	for _, ba := range n.BindAddresses {
		ba.Addresses = slices.Clone(ba.Addresses)
		out.BindAddresses = append(out.BindAddresses, ba)
	}
	return out
}

// jsonRoundTrip returns a deep copy of m typed as a JSON reader of the hook
// tool's output sees it: whole numbers int64, other numbers float64.
func jsonRoundTrip(m map[string]any) (map[string]any, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	out := map[string]any{}
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return convertNumbers(out).(map[string]any), nil
}

func convertNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		for k, x := range t {
			t[k] = convertNumbers(x)
		}
	case []any:
		for i, x := range t {
			t[i] = convertNumbers(x)
		}
	}
	return v
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return "", s, false
}
