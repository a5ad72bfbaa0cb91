package jujutest

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/juju"
)

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

// jsonRoundTrip returns a deep copy of m typed as a JSON reader of the hook
// tool's output sees it (juju.DecodeObject).
func jsonRoundTrip(m map[string]any) (map[string]any, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return juju.DecodeObject(data)
}
