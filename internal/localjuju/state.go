package localjuju

import (
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
)

// Application kinds.
const (
	// KindCharm is an application running a real charm from an archive.
	KindCharm = "charm"
	// KindSim is an application simulated in Go by internal/localjuju/sim.
	KindSim = "sim"
)

// Life values of units and relations.
const (
	lifeAlive = "alive"
	lifeDying = "dying"
)

// Endpoint roles, in the spelling of metadata.yaml.
const (
	roleProvides = "provides"
	roleRequires = "requires"
	rolePeers    = "peers"
)

// Relation scopes.
const (
	scopeGlobal    = "global"
	scopeContainer = "container"
)

// State is the whole persisted model (state.json).
type State struct {
	Format   int    `json:"format"`
	Name     string `json:"name"`
	UUID     string `json:"uuid"`
	MySQLDSN string `json:"mysql-dsn,omitempty"`
	// Subnet is the first three octets of the /24 the machines' addresses
	// come from (empty: 10.5.0).
	Subnet       string                  `json:"subnet,omitempty"`
	NextMachine  int                     `json:"next-machine"`
	NextRelation int                     `json:"next-relation"`
	NextTask     int                     `json:"next-task"`
	Applications map[string]*Application `json:"applications"`
	Relations    []*Relation             `json:"relations"`
	Actions      []*ActionResult         `json:"actions,omitempty"`
	Log          []LogEntry              `json:"log,omitempty"`
}

// Endpoint is one relation endpoint of an application.
type Endpoint struct {
	Interface string `json:"interface"`
	Role      string `json:"role"`
	Scope     string `json:"scope"`
}

// Application is a deployed application (real charm or simulator).
type Application struct {
	Name           string              `json:"name"`
	Charm          string              `json:"charm"`
	Kind           string              `json:"kind"`
	Archive        string              `json:"archive,omitempty"`
	Revision       int                 `json:"revision,omitempty"`
	Series         string              `json:"series,omitempty"`
	Subordinate    bool                `json:"subordinate,omitempty"`
	Config         map[string]string   `json:"config,omitempty"`
	Endpoints      map[string]Endpoint `json:"endpoints"`
	ExtraBindings  []string            `json:"extra-bindings,omitempty"`
	Units          []*Unit             `json:"units"`
	NextUnit       int                 `json:"next-unit"`
	Leader         string              `json:"leader,omitempty"`
	LeaderSettings map[string]string   `json:"leader-settings,omitempty"`
	LeaderVersion  int64               `json:"leader-settings-version"`
	Status         *StatusInfo         `json:"status,omitempty"`
	Life           string              `json:"life,omitempty"` // "dying" after remove-application, else ""
	// Resources maps each attached resource to the model's copy of it.
	Resources map[string]string `json:"resources,omitempty"`
}

// StatusInfo is a status value with its message, data and time.
type StatusInfo struct {
	Kind    string         `json:"kind,omitempty"`
	Status  string         `json:"status"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
	Since   time.Time      `json:"since"`
}

// Hook is one hook to run on a unit, with its relation context.
type Hook struct {
	Kind          string `json:"kind"`
	RelationID    int    `json:"relation-id"`
	RemoteUnit    string `json:"remote-unit,omitempty"`
	RemoteApp     string `json:"remote-app,omitempty"`
	DepartingUnit string `json:"departing-unit,omitempty"`
	// Version is the data version the hook reacts to (settings version,
	// leader settings version); it is recorded as seen when the hook commits.
	Version int64 `json:"version,omitempty"`
	// Hash is the config hash a config-changed hook reacts to.
	Hash string `json:"hash,omitempty"`
	// Queued marks a hook taken from the unit's queue (popped on commit).
	Queued bool `json:"queued,omitempty"`
	// Fired marks a hook queued by `fire`: its commit changes no agent state.
	Fired bool `json:"fired,omitempty"`
}

// IsRelation reports whether the hook is a relation hook.
func (h Hook) IsRelation() bool { return strings.HasPrefix(h.Kind, "relation-") }

// UnitRelation is a unit's local view of one relation (what the unit agent
// remembers between hooks).
type UnitRelation struct {
	Created        bool             `json:"created"`
	Members        map[string]int64 `json:"members,omitempty"`
	AppVersion     int64            `json:"app-version"`
	ChangedPending string           `json:"changed-pending,omitempty"`
}

// Unit is one unit of an application.
type Unit struct {
	Name            string                `json:"name"`
	App             string                `json:"app"`
	Number          int                   `json:"number"`
	Machine         string                `json:"machine"`
	Address         string                `json:"address"`
	Principal       string                `json:"principal,omitempty"`
	Life            string                `json:"life"`
	Installed       bool                  `json:"installed,omitempty"`
	Started         bool                  `json:"started,omitempty"`
	Stopped         bool                  `json:"stopped,omitempty"`
	Leader          bool                  `json:"leader-local,omitempty"`
	LeaderSeen      int64                 `json:"leader-settings-seen"`
	ConfigHash      string                `json:"config-hash,omitempty"`
	CharmSetStatus  bool                  `json:"charm-set-status,omitempty"`
	Queue           []Hook                `json:"queue,omitempty"`
	Failed          *Hook                 `json:"failed,omitempty"`
	Retry           bool                  `json:"retry,omitempty"`
	Workload        StatusInfo            `json:"workload-status"`
	Agent           StatusInfo            `json:"agent-status"`
	History         []StatusInfo          `json:"status-history,omitempty"`
	WorkloadVersion string                `json:"workload-version,omitempty"`
	OpenedPorts     map[string][]string   `json:"opened-ports,omitempty"`
	CharmState      map[string]string     `json:"charm-state,omitempty"`
	Relations       map[int]*UnitRelation `json:"relations,omitempty"`
	ToolCalls       map[string]int        `json:"tool-calls,omitempty"`
	HooksRun        int                   `json:"hooks-run"`
	LastHook        string                `json:"last-hook,omitempty"`
}

// RelationEndpoint is one side of a relation.
type RelationEndpoint struct {
	App       string `json:"app"`
	Name      string `json:"name"`
	Interface string `json:"interface"`
	Role      string `json:"role"`
	Scope     string `json:"scope"`
}

// String returns "app:endpoint".
func (e RelationEndpoint) String() string { return e.App + ":" + e.Name }

// Relation is a relation with every data bag.
type Relation struct {
	ID          int                          `json:"id"`
	Interface   string                       `json:"interface"`
	Scope       string                       `json:"scope"`
	Endpoints   []RelationEndpoint           `json:"endpoints"`
	Life        string                       `json:"life"`
	AppData     map[string]map[string]string `json:"app-data"`
	AppVersion  map[string]int64             `json:"app-version"`
	UnitData    map[string]map[string]string `json:"unit-data"`
	UnitVersion map[string]int64             `json:"unit-version"`
	SimDirty    bool                         `json:"sim-dirty,omitempty"`
}

// Peer reports whether the relation is a peer relation.
func (r *Relation) Peer() bool { return len(r.Endpoints) == 1 }

// Key returns Juju's relation key ("a:x b:y", or "a:x" for peers).
func (r *Relation) Key() string {
	parts := make([]string, 0, len(r.Endpoints))
	for _, e := range r.Endpoints {
		parts = append(parts, e.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// endpointOf returns the relation endpoint of app, if app takes part.
func (r *Relation) endpointOf(app string) (RelationEndpoint, bool) {
	for _, e := range r.Endpoints {
		if e.App == app {
			return e, true
		}
	}
	return RelationEndpoint{}, false
}

// otherEndpoint returns the endpoint on the other side of app (app itself for peers).
func (r *Relation) otherEndpoint(app string) RelationEndpoint {
	for _, e := range r.Endpoints {
		if e.App != app {
			return e
		}
	}
	return r.Endpoints[0]
}

// setUnitBag replaces a unit's bag, bumping its version if it changed.
func (r *Relation) setUnitBag(unit string, bag map[string]string) bool {
	if maps.Equal(r.UnitData[unit], bag) {
		return false
	}
	r.UnitData[unit] = copyBag(bag)
	r.UnitVersion[unit]++
	return true
}

// setAppBag replaces an application's bag, bumping its version if it changed.
func (r *Relation) setAppBag(app string, bag map[string]string) bool {
	if maps.Equal(r.AppData[app], bag) {
		return false
	}
	r.AppData[app] = copyBag(bag)
	r.AppVersion[app]++
	return true
}

// ActionResult is the record of one action task.
type ActionResult struct {
	ID        string         `json:"id"`
	Operation string         `json:"operation"`
	Unit      string         `json:"unit"`
	Name      string         `json:"name"`
	Params    map[string]any `json:"params,omitempty"`
	Status    string         `json:"status"`
	Message   string         `json:"message,omitempty"`
	Results   map[string]any `json:"results,omitempty"`
	Logs      []string       `json:"log,omitempty"`
	Stdout    string         `json:"stdout,omitempty"`
	Stderr    string         `json:"stderr,omitempty"`
	ExitCode  int            `json:"return-code"`
	Enqueued  time.Time      `json:"enqueued"`
	Started   time.Time      `json:"started"`
	Completed time.Time      `json:"completed"`
}

// LogEntry is one line of the model log: juju-log lines, charm stdout/stderr
// and the hooks run.
type LogEntry struct {
	Time    time.Time `json:"time"`
	Unit    string    `json:"unit"`
	Hook    string    `json:"hook"`
	Source  string    `json:"source"` // juju-log, stderr, stdout, hook, model
	Level   string    `json:"level"`
	Message string    `json:"message"`
}

// String formats the entry like a debug-log line.
func (l LogEntry) String() string {
	return fmt.Sprintf("%s %s %s %s.%s %s", l.Time.Format("15:04:05"), l.Level, l.Unit, l.Source, l.Hook, l.Message)
}

func copyBag(b map[string]string) map[string]string {
	out := make(map[string]string, len(b))
	for k, v := range b {
		out[k] = v
	}
	return out
}

// clone returns a deep copy of the state through JSON.
func (s *State) clone() (*State, error) {
	data, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("copy state: %w", err)
	}
	out := &State{}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("copy state: %w", err)
	}
	return out, nil
}

func (s *State) app(name string) (*Application, error) {
	a, ok := s.Applications[name]
	if !ok {
		return nil, fmt.Errorf("application %q not found", name)
	}
	return a, nil
}

func (s *State) unit(name string) (*Application, *Unit, error) {
	app, _, ok := strings.Cut(name, "/")
	if !ok {
		return nil, nil, fmt.Errorf("invalid unit name %q (expected <application>/<number>)", name)
	}
	a, ok := s.Applications[app]
	if !ok {
		return nil, nil, fmt.Errorf("unit %q not found: application %q not found", name, app)
	}
	for _, u := range a.Units {
		if u.Name == name {
			return a, u, nil
		}
	}
	return nil, nil, fmt.Errorf("unit %q not found", name)
}

func (s *State) relation(id int) *Relation {
	for _, r := range s.Relations {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// findUnit returns the unit with the given name, or nil.
func (s *State) findUnit(name string) *Unit {
	_, u, err := s.unit(name)
	if err != nil {
		return nil
	}
	return u
}

// sortedAppNames returns application names in order.
func (s *State) sortedAppNames() []string { return sortedKeys(s.Applications) }
