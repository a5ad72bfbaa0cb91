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
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

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
