// Package juju is the charm's boundary to the Juju unit agent: it resolves the
// event a process was started for, reads the hook environment, and calls the
// hook tools (config-get, relation-get, status-set, …) through small
// capability interfaces. It is the only package that knows hook-tool syntax.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package juju

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// EventKind tells a hook from an action.
type EventKind int

const (
	// Hook is a hook event such as install or shared-db-relation-changed.
	Hook EventKind = iota + 1
	// Action is an action such as pause.
	Action
)

// String returns "hook" or "action".
func (k EventKind) String() string {
	switch k {
	case Hook:
		return "hook"
	case Action:
		return "action"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is the hook or action a process was started for.
type Event struct {
	Kind EventKind
	// Name is the hook name ("install", "shared-db-relation-changed") or the
	// action name ("pause").
	Name string
}

// ErrNoEvent is returned by ResolveEvent when nothing names a hook or action,
// i.e. the program was not started by Juju.
var ErrNoEvent = errors.New("no event")

// String returns the event in JUJU_DISPATCH_PATH form: "hooks/install" or
// "actions/pause".
func (e Event) String() string {
	if e.Kind == Action {
		return "actions/" + e.Name
	}
	return "hooks/" + e.Name
}

// IsRelation reports whether e is a relation hook (<endpoint>-relation-<kind>).
func (e Event) IsRelation() bool {
	_, kind := splitRelationHook(e)
	return kind != ""
}

// Endpoint returns the endpoint of a relation hook ("shared-db" for
// "shared-db-relation-changed"), or "" for other events.
func (e Event) Endpoint() string {
	endpoint, _ := splitRelationHook(e)
	return endpoint
}

// RelationKind returns the kind of a relation hook, one of
// "relation-created", "relation-joined", "relation-changed",
// "relation-departed" or "relation-broken"; "" for other events.
func (e Event) RelationKind() string {
	_, kind := splitRelationHook(e)
	return kind
}

func splitRelationHook(e Event) (endpoint, kind string) {
	if e.Kind != Hook {
		return "", ""
	}
	for _, k := range []string{"relation-created", "relation-joined", "relation-changed", "relation-departed", "relation-broken"} {
		if prefix, ok := strings.CutSuffix(e.Name, "-"+k); ok && prefix != "" {
			return prefix, k
		}
	}
	return "", ""
}

// isHookName reports whether name is a hook Juju can run: a unit hook, or a
// relation, storage or workload hook with its prefix.
func isHookName(name string) bool {
	switch name {
	case "install", "start", "config-changed", "upgrade-charm", "stop", "remove",
		"collect-metrics", "meter-status-changed", "leader-elected", "leader-deposed",
		"leader-settings-changed", "update-status", "pre-series-upgrade", "post-series-upgrade",
		"secret-changed", "secret-expired", "secret-remove", "secret-rotate":
		return true
	}
	for _, k := range []string{"relation-created", "relation-joined", "relation-changed",
		"relation-departed", "relation-broken", "storage-attached", "storage-detaching",
		"pebble-ready", "pebble-custom-notice", "pebble-check-failed", "pebble-check-recovered"} {
		if prefix, ok := strings.CutSuffix(name, "-"+k); ok && prefix != "" {
			return true
		}
	}
	return false
}

// ResolveEvent finds the event the process was started for, in this order:
//
//  1. JUJU_DISPATCH_PATH ("hooks/X" or "actions/X"), set by Juju ≥ 2.8 when it
//     runs dispatch;
//  2. basename(argv0), when argv0 lies in a "hooks" or "actions" directory
//     (legacy per-hook symlinks), or when it is neither "dispatch" nor
//     "panko-charm" and is a valid hook name;
//  3. JUJU_ACTION_NAME.
//
// Otherwise it returns an error wrapping ErrNoEvent.
func ResolveEvent(getenv func(string) string, argv0 string) (Event, error) {
	if p := getenv("JUJU_DISPATCH_PATH"); p != "" {
		dir, name, ok := strings.Cut(p, "/")
		if !ok || name == "" || strings.Contains(name, "/") {
			return Event{}, fmt.Errorf("invalid JUJU_DISPATCH_PATH %q", p)
		}
		switch dir {
		case "hooks":
			return Event{Kind: Hook, Name: name}, nil
		case "actions":
			return Event{Kind: Action, Name: name}, nil
		}
		return Event{}, fmt.Errorf("invalid JUJU_DISPATCH_PATH %q", p)
	}
	if argv0 != "" {
		name := filepath.Base(argv0)
		switch filepath.Base(filepath.Dir(argv0)) {
		case "hooks":
			return Event{Kind: Hook, Name: name}, nil
		case "actions":
			return Event{Kind: Action, Name: name}, nil
		}
		if name != "dispatch" && name != "panko-charm" && isHookName(name) {
			return Event{Kind: Hook, Name: name}, nil
		}
	}
	if a := getenv("JUJU_ACTION_NAME"); a != "" {
		return Event{Kind: Action, Name: a}, nil
	}
	return Event{}, fmt.Errorf("%w: neither JUJU_DISPATCH_PATH, argv[0] %q nor JUJU_ACTION_NAME names a hook or action", ErrNoEvent, argv0)
}

// Env is the part of the hook environment the charm uses.
type Env struct {
	Unit          string // JUJU_UNIT_NAME, e.g. "panko/0"
	App           string // application part of Unit, e.g. "panko"
	ModelName     string // JUJU_MODEL_NAME
	RelationID    string // JUJU_RELATION_ID, e.g. "shared-db:1" (relation hooks only)
	RemoteUnit    string // JUJU_REMOTE_UNIT (empty in relation-created/-broken and app-level changes)
	RemoteApp     string // JUJU_REMOTE_APP
	DepartingUnit string // JUJU_DEPARTING_UNIT (relation-departed only)
	ActionName    string // JUJU_ACTION_NAME (actions only)
	CharmDir      string // JUJU_CHARM_DIR, else CHARM_DIR
}

// EnvFrom reads Env through getenv (os.Getenv in production).
func EnvFrom(getenv func(string) string) Env {
	unit := getenv("JUJU_UNIT_NAME")
	app, _, _ := strings.Cut(unit, "/")
	dir := getenv("JUJU_CHARM_DIR")
	if dir == "" {
		dir = getenv("CHARM_DIR")
	}
	return Env{
		Unit:          unit,
		App:           app,
		ModelName:     getenv("JUJU_MODEL_NAME"),
		RelationID:    getenv("JUJU_RELATION_ID"),
		RemoteUnit:    getenv("JUJU_REMOTE_UNIT"),
		RemoteApp:     getenv("JUJU_REMOTE_APP"),
		DepartingUnit: getenv("JUJU_DEPARTING_UNIT"),
		ActionName:    getenv("JUJU_ACTION_NAME"),
		CharmDir:      dir,
	}
}
