package localjuju

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/juju/charm/v12"
	yamlv2 "gopkg.in/yaml.v2"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/unitstate"
)

// RunAction runs an action on a unit now (Juju runs actions even while the
// unit is in error) and returns the task record. Params are validated
// against actions.yaml and completed with its defaults, as the controller
// does. The action's relation, port and state changes commit only on exit 0.
func (m *Model) RunAction(ctx context.Context, unit, action string, params map[string]any) (*ActionResult, error) {
	a, u, err := m.st.unit(unit)
	if err != nil {
		return nil, err
	}
	if a.Kind != KindCharm {
		return nil, fmt.Errorf("cannot run %q on %s: it is a simulated unit", action, unit)
	}
	if !u.Installed || u.Life != lifeAlive {
		return nil, fmt.Errorf("cannot run %q on %s: the unit is not installed or is dying", action, unit)
	}
	info, err := m.charmOf(a)
	if err != nil {
		return nil, err
	}
	spec, ok := info.actions.ActionSpecs[action]
	if !ok {
		return nil, fmt.Errorf("action %q not defined on unit %q", action, unit)
	}
	if params == nil {
		params = map[string]any{}
	}
	// Params travel to the controller as JSON: numbers become float64.
	if params, err = asJSON(params); err != nil {
		return nil, fmt.Errorf("action %s params: %w", action, err)
	}
	if err := spec.ValidateParams(params); err != nil {
		return nil, fmt.Errorf("cannot run %q action: %w", action, err)
	}
	if params, err = spec.InsertDefaults(params); err != nil {
		return nil, fmt.Errorf("cannot run %q action: %w", action, err)
	}

	m.st.NextTask += 2
	opID, taskID := strconv.Itoa(m.st.NextTask-1), strconv.Itoa(m.st.NextTask)
	rec := &ActionResult{ID: taskID, Operation: opID, Unit: unit, Name: action, Params: params, Enqueued: m.now(), Started: m.now()}

	st, err := m.buildHookState(a, u)
	if err != nil {
		return nil, fmt.Errorf("action %s on %s: %w", action, unit, err)
	}
	st.Action = &unitstate.Action{Name: action, ID: taskID, Params: params}
	contextID := fmt.Sprintf("%s-%s-%s", u.Name, action, newHex(16))
	env := m.baseEnv(a, u, contextID, "")
	env = append(env,
		"JUJU_ACTION_NAME="+action,
		"JUJU_ACTION_UUID="+taskID,
		"JUJU_ACTION_TAG=action-"+taskID,
	)
	env = append(env, m.tailEnv(u, "actions/"+action)...)
	res, report, err := m.execCharm(ctx, u, st, env, "actions", action)
	if err != nil {
		return nil, err
	}
	m.writeBack(a, u, report, action)
	m.logOutput(u, action, res)
	rec.Completed = m.now()
	rec.Stdout, rec.Stderr = string(res.stdout), string(res.stderr)
	rec.ExitCode = res.exit
	if report != nil && report.State.ActionResult != nil {
		ar := report.State.ActionResult
		// Results travel to the controller as JSON too.
		results, err := asJSON(ar.Results)
		if err != nil {
			return nil, fmt.Errorf("action %s on %s results: %w", action, unit, err)
		}
		rec.Status, rec.Message, rec.Results, rec.Logs = ar.Status, ar.Message, results, ar.Logs
	}
	switch {
	case res.missing:
		rec.Status = "failed"
		rec.Message = fmt.Sprintf("action not implemented on unit %q", unit)
	case res.problem != "" && rec.Message == "":
		rec.Status, rec.Message = "failed", res.problem
	case rec.Status == "":
		rec.Status = "completed"
		if res.exit != 0 {
			rec.Status, rec.Message = "failed", fmt.Sprintf("exit status %d", res.exit)
		}
	}
	if rc, ok := returnCode(rec.Results); ok {
		rec.ExitCode = rc
	}
	m.st.Actions = append(m.st.Actions, rec)
	if m.opts.Progress != nil {
		fmt.Fprintf(m.opts.Progress, "%s: action %s %s\n", unit, action, rec.Status)
	}
	m.logf(unit, "action", "INFO", "action %s (task %s) %s", action, taskID, rec.Status)
	if err := m.save(); err != nil {
		return nil, err
	}
	return rec, nil
}

// asJSON returns a value map as it reads after a trip through JSON
// (numbers become float64, nested maps map[string]any; nil stays nil). The
// callers add the context to its errors.
func asJSON(v map[string]any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func returnCode(results map[string]any) (int, bool) {
	switch v := results["return-code"].(type) {
	case float64: // results arrive as JSON
		return int(v), true
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

// ParseActionParams turns `k=v` / `a.b=v` arguments into nested params,
// parsing each value as YAML like `juju run` (so 1000 is an int and true a
// bool) unless stringArgs is set.
func ParseActionParams(args []string, stringArgs bool) (map[string]any, error) {
	out := map[string]any{}
	for _, arg := range args {
		key, val, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf("argument %q must be of the form key...=value", arg)
		}
		path := strings.Split(key, ".")
		for _, p := range path {
			if !charm.GetActionNameRule().MatchString(p) {
				return nil, fmt.Errorf("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", p)
			}
		}
		var v any = val
		if !stringArgs {
			parsed, err := parseYAMLScalar(val)
			if err != nil {
				return nil, fmt.Errorf("argument %q: %w", arg, err)
			}
			v = parsed
		}
		unitstate.SetPath(out, path, v)
	}
	return out, nil
}

// parseYAMLScalar parses a command-line value as YAML (yaml.v2, as the juju
// client does: "y" and "true" are booleans, "1000" an int).
func parseYAMLScalar(s string) (any, error) {
	if s == "" {
		return "", nil
	}
	var v any
	if err := yamlv2.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	return normalizeYAML(v), nil
}

// normalizeYAML turns yaml.v2's map[interface{}]interface{} into
// map[string]any so values can be encoded as JSON.
func normalizeYAML(v any) any {
	switch x := v.(type) {
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[fmt.Sprint(k)] = normalizeYAML(val)
		}
		return out
	case []any:
		for i := range x {
			x[i] = normalizeYAML(x[i])
		}
		return x
	}
	return v
}
