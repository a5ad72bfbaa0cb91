package juju

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Config reads the application's configuration.
type Config interface {
	// ConfigGet returns every option that has a value (config-get leaves out
	// options with no default and no value). Values are string, bool, int64 or
	// float64. A float option whose value is a whole number arrives as int64,
	// because Juju prints it without a fraction.
	ConfigGet(ctx context.Context) (map[string]any, error)
}

// Leadership reads leadership and the leader settings.
type Leadership interface {
	// IsLeader reports whether this unit is the application leader.
	IsLeader(ctx context.Context) (bool, error)
	// LeaderGet returns all leader settings (never nil).
	LeaderGet(ctx context.Context) (map[string]string, error)
	// LeaderSet writes leader settings; an empty value deletes the key. Only
	// the leader may write (ErrNotLeader otherwise). Keys must be non-empty
	// and free of '=' and surrounding spaces, values free of surrounding
	// spaces (see ValidateLeaderSettings). An empty map makes no call.
	LeaderSet(ctx context.Context, data map[string]string) error
}

// Relations reads and writes relation data.
type Relations interface {
	// RelationIDs returns the ids ("shared-db:1") of the relations on endpoint.
	RelationIDs(ctx context.Context, endpoint string) ([]string, error)
	// RelationList returns the remote units in scope on relID.
	RelationList(ctx context.Context, relID string) ([]string, error)
	// RelationGet returns the whole bag of unitOrApp on relID: a unit bag,
	// or with app=true an application bag (never nil).
	RelationGet(ctx context.Context, relID, unitOrApp string, app bool) (map[string]string, error)
	// RelationSet writes this unit's bag, or with app=true (leader only) this
	// application's bag, on relID. An empty value deletes the key. An empty
	// map makes no call.
	RelationSet(ctx context.Context, relID string, app bool, data map[string]string) error
}

// Workload status values accepted by status-set.
const (
	StatusMaintenance = "maintenance"
	StatusBlocked     = "blocked"
	StatusWaiting     = "waiting"
	StatusActive      = "active"
)

// Status sets and reads the unit's workload status and version.
type Status interface {
	// StatusSet sets the unit workload status (one of the Status* values).
	StatusSet(ctx context.Context, status, message string) error
	// ApplicationVersionSet sets the workload version shown by juju status.
	ApplicationVersionSet(ctx context.Context, version string) error
	// StatusGet returns the unit workload status and message.
	StatusGet(ctx context.Context) (status, message string, err error)
}

// Ports opens and closes the unit's ports. A spec is "8977", "8977/tcp",
// "1000-2000/udp" or "icmp".
type Ports interface {
	// OpenPort opens spec on all endpoints.
	OpenPort(ctx context.Context, spec string) error
	// OpenedPorts returns the opened ports ("icmp", "8977/tcp", …), including
	// the changes requested earlier in the same hook.
	OpenedPorts(ctx context.Context) ([]string, error)
}

// Network reads the unit's network configuration per binding.
type Network interface {
	// NetworkGet returns the network info of binding (an endpoint or extra
	// binding name).
	NetworkGet(ctx context.Context, binding string) (NetworkInfo, error)
}

// Actions is the running action's side of the hook tools. Outside an action
// every method fails with ErrNotInAction.
type Actions interface {
	// ActionGet returns the action's parameters (defaults filled in by Juju).
	// Numbers are int64 when whole, else float64.
	ActionGet(ctx context.Context) (map[string]any, error)
	// ActionSet adds results. Keys may be dotted paths ("db.status"); every
	// segment must pass ValidateActionKey, which is checked before any call.
	// Keys are applied in sorted order. An empty map makes no call.
	ActionSet(ctx context.Context, results map[string]string) error
	// ActionFail marks the action failed with msg; an empty msg lets Juju use
	// its default message.
	ActionFail(ctx context.Context, msg string) error
	// ActionLog sends a progress message to the action's log.
	ActionLog(ctx context.Context, msg string) error
}

// Level is a juju-log level.
type Level string

// Log levels.
const (
	LevelDebug   Level = "DEBUG"
	LevelInfo    Level = "INFO"
	LevelWarning Level = "WARNING"
	LevelError   Level = "ERROR"
)

// Log writes to the unit's log in the Juju model.
type Log interface {
	// Log logs msg at level.
	Log(ctx context.Context, level Level, msg string) error
}

// State is the unit's charm state store (state-get/-set). Juju commits it
// with the hook's relation data and ports, only when the hook succeeds.
type State interface {
	// StateGet returns the whole store (never nil).
	StateGet(ctx context.Context) (map[string]string, error)
	// StateSet stores data; an empty value is stored as "" (not deleted). An
	// empty map makes no call.
	StateSet(ctx context.Context, data map[string]string) error
}

// Resources reads the application's resources.
type Resources interface {
	// ResourceGet returns the path of the resource's file; an error when
	// none was attached (or it cannot be downloaded).
	ResourceGet(ctx context.Context, name string) (string, error)
}

// Tools is every capability the charm uses.
type Tools interface {
	Config
	Leadership
	Relations
	Status
	Ports
	Network
	Actions
	Log
	State
	Resources
}

// NetworkInfo is network-get's answer for one binding.
type NetworkInfo struct {
	BindAddresses    []BindAddress `json:"bind-addresses"`
	EgressSubnets    []string      `json:"egress-subnets,omitempty"`
	IngressAddresses []string      `json:"ingress-addresses,omitempty"`
}

// BindAddress is one interface the binding is bound to.
type BindAddress struct {
	MACAddress    string    `json:"mac-address"`
	InterfaceName string    `json:"interface-name"`
	Addresses     []Address `json:"addresses"`
}

// Address is one address on a bound interface.
type Address struct {
	Hostname string `json:"hostname"`
	Value    string `json:"value"`
	CIDR     string `json:"cidr"`
}

// IngressAddress returns the address other units should use to reach this
// one: the first ingress address, else the bind address (as network-get
// --ingress-address does).
func (n NetworkInfo) IngressAddress() string {
	if len(n.IngressAddresses) > 0 {
		return n.IngressAddresses[0]
	}
	return n.BindAddress()
}

// BindAddress returns the first address of the first bound interface that
// has one (network-get --bind-address), or "".
func (n NetworkInfo) BindAddress() string {
	for _, b := range n.BindAddresses {
		if len(b.Addresses) > 0 {
			return b.Addresses[0].Value
		}
	}
	return ""
}

// ErrInvalidActionKey is wrapped by ValidateActionKey's errors.
var ErrInvalidActionKey = errors.New("invalid action result key")

// actionKeyRule is Juju's rule for action names and action-set key segments.
var actionKeyRule = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// ValidateActionKey checks an action-set key the way Juju does: every
// dot-separated segment must be lowercase alphanumerics and inner hyphens,
// and none may be a reserved key (stdout, stderr, stdout-encoding,
// stderr-encoding).
func ValidateActionKey(key string) error {
	for _, seg := range strings.Split(key, ".") {
		if !actionKeyRule.MatchString(seg) {
			return fmt.Errorf("%w: key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", ErrInvalidActionKey, seg)
		}
		switch seg {
		case "stdout", "stderr", "stdout-encoding", "stderr-encoding":
			return fmt.Errorf("%w: cannot set reserved action key %q", ErrInvalidActionKey, seg)
		}
	}
	return nil
}

// ValidateLeaderSettings checks that data survives leader-set's key=value
// arguments unchanged: keys non-empty, without '=' and without surrounding
// white space, values without surrounding white space (leader-set trims
// both). Errors name the key, never the value.
func ValidateLeaderSettings(data map[string]string) error {
	for k, v := range data {
		if k == "" || strings.Contains(k, "=") || strings.TrimSpace(k) != k {
			return fmt.Errorf("invalid leader settings key %q", k)
		}
		if strings.TrimSpace(v) != v {
			return fmt.Errorf("leader setting %q: value has leading or trailing white space", k)
		}
	}
	return nil
}
