// Package unitstate is the wire format between the local model and its unit
// agent (internal/localjuju/agent): the JSON world of one unit before a hook
// or action (State) and what the agent reports after it (Report).
//
// It imports only the standard library and nothing in this project may be
// imported by it: the agent's build copies this file into Juju's source
// tree, where the agent is compiled next to Juju's own hook-tool server.
package unitstate

import "encoding/json"

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

// Action is the action being run; Params are final (defaults inserted,
// JSON types).
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

// Report is what the agent writes when the hook or action process ended.
// State holds relation data, opened ports and charm state as committed
// (changed only when the process exited 0); statuses, workload version and
// leader settings as they were last set.
type Report struct {
	Exit  int   `json:"exit"`
	State State `json:"state"`
	// Calls names every hook-tool call, in order.
	Calls []string `json:"calls,omitempty"`
	// Logs are the juju-log messages.
	Logs []LogLine `json:"logs,omitempty"`
	// UnitStatuses is every workload status the unit set, in order (Juju
	// records each in the status history).
	UnitStatuses []Status `json:"unit_statuses,omitempty"`
}

// SetPath sets m[path[0]][path[1]]…[last] = v, making the inner maps (and
// replacing a non-map on the way): how dotted action parameters and
// results nest.
func SetPath(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}
