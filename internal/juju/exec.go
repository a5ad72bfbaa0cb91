package juju

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"sync"
)

// Runner runs one hook tool: name is the tool ("relation-get"), args its
// arguments, stdin its input (nil: none). A tool that ran and exited non-zero
// is reported through exitCode with a nil error; err is for a tool that could
// not be run at all.
type Runner func(ctx context.Context, name string, args []string, stdin []byte) (stdout, stderr []byte, exitCode int, err error)

// DefaultRunner runs the tool found on PATH (Juju puts its tools directory
// first) with os/exec. A nil stdin gives the tool no input (/dev/null).
func DefaultRunner(ctx context.Context, name string, args []string, stdin []byte) (stdout, stderr []byte, exitCode int, err error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		return nil, nil, -1, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.Bytes(), errOut.Bytes(), ee.ExitCode(), nil
	}
	if err != nil {
		return nil, nil, -1, err
	}
	return out.Bytes(), errOut.Bytes(), 0, nil
}

// Exec implements Tools by running Juju's hook tools. Getters pass
// --format=json; relation-set and state-set send JSON through --file -;
// free-text arguments follow "--". It is safe for concurrent use.
type Exec struct {
	run   Runner
	mu    sync.Mutex
	calls map[string]int
}

var _ Tools = (*Exec)(nil)

// NewExec returns an Exec that runs tools with run.
func NewExec(run Runner) *Exec {
	return &Exec{run: run, calls: map[string]int{}}
}

// NewExecTools returns an Exec that runs the real hook tools (DefaultRunner).
func NewExecTools() *Exec {
	return NewExec(DefaultRunner)
}

// Calls returns how many times each tool was run.
func (e *Exec) Calls() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.calls)
}

// call runs tool and returns its stdout. A non-zero exit becomes a
// *ToolError whose stderr has the submitted values redacted.
func (e *Exec) call(ctx context.Context, tool string, args []string, stdin []byte, submitted ...string) ([]byte, error) {
	e.mu.Lock()
	e.calls[tool]++
	e.mu.Unlock()
	stdout, stderr, code, err := e.run(ctx, tool, args, stdin)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", tool, err)
	}
	if code != 0 {
		return nil, &ToolError{Tool: tool, Code: code, Stderr: redact(string(stderr), submitted)}
	}
	return stdout, nil
}

// getJSON runs tool and decodes its JSON output into v.
func (e *Exec) getJSON(ctx context.Context, tool string, args []string, v any) error {
	out, err := e.call(ctx, tool, args, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("parse %s output: %w", tool, err)
	}
	return nil
}

// getStringMap runs tool and decodes a JSON object of strings; null gives an
// empty map.
func (e *Exec) getStringMap(ctx context.Context, tool string, args []string) (map[string]string, error) {
	var m map[string]string
	if err := e.getJSON(ctx, tool, args, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}

// getAnyMap runs tool and decodes a JSON object, numbers as int64 when whole
// and float64 otherwise; null gives an empty map.
func (e *Exec) getAnyMap(ctx context.Context, tool string, args []string) (map[string]any, error) {
	out, err := e.call(ctx, tool, args, nil)
	if err != nil {
		return nil, err
	}
	m, err := DecodeObject(out)
	if err != nil {
		return nil, fmt.Errorf("parse %s output: %w", tool, err)
	}
	return m, nil
}

// DecodeObject decodes a hook tool's JSON object as the charm reads it:
// whole numbers int64, other numbers float64; null gives an empty map.
func DecodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if v == nil {
		return map[string]any{}, nil
	}
	m, ok := convertNumbers(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a JSON object, got %T", v)
	}
	return m, nil
}

// convertNumbers replaces every json.Number in v by int64 when it is a whole
// number that fits, else by float64.
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

// jsonStdin encodes data as a JSON object for --file -.
func jsonStdin(data map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ConfigGet runs config-get --format=json.
func (e *Exec) ConfigGet(ctx context.Context) (map[string]any, error) {
	return e.getAnyMap(ctx, "config-get", []string{"--format=json"})
}

// IsLeader runs is-leader --format=json.
func (e *Exec) IsLeader(ctx context.Context) (bool, error) {
	var b bool
	err := e.getJSON(ctx, "is-leader", []string{"--format=json"}, &b)
	return b, err
}

// LeaderGet runs leader-get --format=json.
func (e *Exec) LeaderGet(ctx context.Context) (map[string]string, error) {
	return e.getStringMap(ctx, "leader-get", []string{"--format=json"})
}

// LeaderSet runs leader-set key=value… with the keys sorted. leader-set has
// no --file, so values travel as arguments; they never appear in errors.
func (e *Exec) LeaderSet(ctx context.Context, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	if err := ValidateLeaderSettings(data); err != nil {
		return err
	}
	args := make([]string, 0, len(data))
	for _, k := range slices.Sorted(maps.Keys(data)) {
		args = append(args, k+"="+data[k])
	}
	_, err := e.call(ctx, "leader-set", args, nil, slices.Collect(maps.Values(data))...)
	return err
}

// RelationIDs runs relation-ids --format=json <endpoint>.
func (e *Exec) RelationIDs(ctx context.Context, endpoint string) ([]string, error) {
	var ids []string
	if err := e.getJSON(ctx, "relation-ids", []string{"--format=json", endpoint}, &ids); err != nil {
		return nil, err
	}
	return ids, nil
}

// RelationList runs relation-list --format=json -r <relID>.
func (e *Exec) RelationList(ctx context.Context, relID string) ([]string, error) {
	var units []string
	if err := e.getJSON(ctx, "relation-list", []string{"--format=json", "-r", relID}, &units); err != nil {
		return nil, err
	}
	return units, nil
}

// RelationGet runs relation-get --format=json -r <relID> [--app] - <unitOrApp>.
func (e *Exec) RelationGet(ctx context.Context, relID, unitOrApp string, app bool) (map[string]string, error) {
	if unitOrApp == "" {
		return nil, errors.New("relation-get: no unit or application given")
	}
	args := []string{"--format=json", "-r", relID}
	if app {
		args = append(args, "--app")
	}
	return e.getStringMap(ctx, "relation-get", append(args, "-", unitOrApp))
}

// RelationSet runs relation-set -r <relID> [--app] --file - with data as a
// JSON object on stdin.
func (e *Exec) RelationSet(ctx context.Context, relID string, app bool, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	stdin, err := jsonStdin(data)
	if err != nil {
		return fmt.Errorf("encode relation data: %w", err)
	}
	args := []string{"-r", relID}
	if app {
		args = append(args, "--app")
	}
	_, err = e.call(ctx, "relation-set", append(args, "--file", "-"), stdin, slices.Collect(maps.Values(data))...)
	return err
}

// StatusSet runs status-set <status> -- <message>. The message is always
// passed, even when empty, so that an earlier message is cleared and a
// message starting with '-' is not read as a flag.
func (e *Exec) StatusSet(ctx context.Context, status, message string) error {
	_, err := e.call(ctx, "status-set", []string{status, "--", message}, nil)
	return err
}

// ApplicationVersionSet runs application-version-set -- <version>.
func (e *Exec) ApplicationVersionSet(ctx context.Context, version string) error {
	_, err := e.call(ctx, "application-version-set", []string{"--", version}, nil)
	return err
}

// StatusGet runs status-get --format=json --include-data.
func (e *Exec) StatusGet(ctx context.Context) (status, message string, err error) {
	var s struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if err := e.getJSON(ctx, "status-get", []string{"--format=json", "--include-data"}, &s); err != nil {
		return "", "", err
	}
	return s.Status, s.Message, nil
}

// OpenPort runs open-port <spec>.
func (e *Exec) OpenPort(ctx context.Context, spec string) error {
	_, err := e.call(ctx, "open-port", []string{spec}, nil)
	return err
}

// OpenedPorts runs opened-ports --format=json.
func (e *Exec) OpenedPorts(ctx context.Context) ([]string, error) {
	var ports []string
	if err := e.getJSON(ctx, "opened-ports", []string{"--format=json"}, &ports); err != nil {
		return nil, err
	}
	return ports, nil
}

// NetworkGet runs network-get --format=json <binding>.
func (e *Exec) NetworkGet(ctx context.Context, binding string) (NetworkInfo, error) {
	var n NetworkInfo
	err := e.getJSON(ctx, "network-get", []string{"--format=json", binding}, &n)
	return n, err
}

// ActionGet runs action-get --format=json.
func (e *Exec) ActionGet(ctx context.Context) (map[string]any, error) {
	return e.getAnyMap(ctx, "action-get", []string{"--format=json"})
}

// ActionSet runs action-set key=value… with the keys sorted, after checking
// every key with ValidateActionKey.
func (e *Exec) ActionSet(ctx context.Context, results map[string]string) error {
	if len(results) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(results))
	args := make([]string, 0, len(keys))
	for _, k := range keys {
		if err := ValidateActionKey(k); err != nil {
			return err
		}
		args = append(args, k+"="+results[k])
	}
	_, err := e.call(ctx, "action-set", args, nil, slices.Collect(maps.Values(results))...)
	return err
}

// ActionFail runs action-fail -- <msg>, or action-fail alone when msg is
// empty (Juju then uses "action failed without reason given, check action
// for errors").
func (e *Exec) ActionFail(ctx context.Context, msg string) error {
	args := []string{}
	if msg != "" {
		args = []string{"--", msg}
	}
	_, err := e.call(ctx, "action-fail", args, nil)
	return err
}

// ActionLog runs action-log -- <msg>.
func (e *Exec) ActionLog(ctx context.Context, msg string) error {
	_, err := e.call(ctx, "action-log", []string{"--", msg}, nil)
	return err
}

// Log runs juju-log --log-level <level> -- <msg>.
func (e *Exec) Log(ctx context.Context, level Level, msg string) error {
	_, err := e.call(ctx, "juju-log", []string{"--log-level", string(level), "--", msg}, nil)
	return err
}

// ResourceGet runs resource-get <name> and returns the path it prints.
func (e *Exec) ResourceGet(ctx context.Context, name string) (string, error) {
	out, err := e.call(ctx, "resource-get", []string{name}, nil)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// StateGet runs state-get --format=json.
func (e *Exec) StateGet(ctx context.Context) (map[string]string, error) {
	return e.getStringMap(ctx, "state-get", []string{"--format=json"})
}

// StateSet runs state-set --file - with data as a JSON object on stdin.
func (e *Exec) StateSet(ctx context.Context, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	stdin, err := jsonStdin(data)
	if err != nil {
		return fmt.Errorf("encode charm state: %w", err)
	}
	_, err = e.call(ctx, "state-set", []string{"--file", "-"}, stdin, slices.Collect(maps.Values(data))...)
	return err
}
