package juju

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordedCall is one hook-tool call recorded from Juju 3.6.11.
type recordedCall struct {
	Context string   `json:"context"`
	Argv    []string `json:"argv"`
	Exit    int      `json:"exit"`
	Stdout  string   `json:"stdout"`
	Stderr  string   `json:"stderr"`
}

func loadRecorded(t *testing.T) map[string]recordedCall {
	t.Helper()
	data, err := os.ReadFile("testdata/recorded.json")
	require.NoError(t, err)
	var f struct {
		Calls map[string]recordedCall `json:"calls"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	return f.Calls
}

// toolCall is what a Runner was asked to run.
type toolCall struct {
	argv  []string // tool name first
	stdin []byte
}

// recordingRunner records every call and answers each with reply.
type recordingRunner struct {
	calls []toolCall
	reply recordedCall
}

func (r *recordingRunner) run(_ context.Context, name string, args []string, stdin []byte) ([]byte, []byte, int, error) {
	r.calls = append(r.calls, toolCall{argv: append([]string{name}, args...), stdin: stdin})
	return []byte(r.reply.Stdout), []byte(r.reply.Stderr), r.reply.Exit, nil
}

// shown renders v for a failure message with secret-looking values masked.
func shown(v any) string {
	b, _ := json.Marshal(v)
	var m map[string]any
	if json.Unmarshal(b, &m) == nil {
		for k := range m {
			if strings.Contains(k, "password") || strings.Contains(k, "token") {
				m[k] = "<masked>"
			}
		}
		b, _ = json.Marshal(m)
	}
	return string(b)
}

func TestExecCalls(t *testing.T) {
	rec := loadRecorded(t)
	tests := []struct {
		name      string
		reply     string // key into testdata/recorded.json; "" = exit 0, no output
		call      func(e *Exec) (any, error)
		wantArgv  []string
		wantStdin string // "" = no stdin
		want      any
	}{
		{
			name:     "config-get types",
			reply:    "config-get",
			call:     func(e *Exec) (any, error) { return e.ConfigGet(t.Context()) },
			wantArgv: []string{"config-get", "--format=json"},
			want: map[string]any{
				"api-port": int64(8977), "debug": true, "event-time-to-live": int64(86400),
				"openstack-origin": "cloud:jammy-antelope", "ratio": 1.5, "region": "RegionTwo",
				"ssl_cert": "", "use-internal-endpoints": false, "verbose": true, "worker-multiplier": 0.5,
			},
		},
		{
			name:     "is-leader true",
			reply:    "is-leader-true",
			call:     func(e *Exec) (any, error) { return e.IsLeader(t.Context()) },
			wantArgv: []string{"is-leader", "--format=json"},
			want:     true,
		},
		{
			name:     "is-leader false",
			reply:    "is-leader-false",
			call:     func(e *Exec) (any, error) { return e.IsLeader(t.Context()) },
			wantArgv: []string{"is-leader", "--format=json"},
			want:     false,
		},
		{
			name:     "leader-get",
			reply:    "leader-get",
			call:     func(e *Exec) (any, error) { return e.LeaderGet(t.Context()) },
			wantArgv: []string{"leader-get", "--format=json"},
			want:     map[string]string{"cluster-token": "abc123", "db-password": "s3cr3t-db"},
		},
		{
			name: "leader-set sorted key=value args",
			call: func(e *Exec) (any, error) {
				return nil, e.LeaderSet(t.Context(), map[string]string{"b": "2", "a": "x=y", "gone": ""})
			},
			wantArgv: []string{"leader-set", "a=x=y", "b=2", "gone="},
		},
		{
			name:     "relation-ids",
			reply:    "relation-ids",
			call:     func(e *Exec) (any, error) { return e.RelationIDs(t.Context(), "cluster") },
			wantArgv: []string{"relation-ids", "--format=json", "cluster"},
			want:     []string{"cluster:3"},
		},
		{
			name:     "relation-ids none",
			reply:    "relation-ids-none",
			call:     func(e *Exec) (any, error) { return e.RelationIDs(t.Context(), "certificates") },
			wantArgv: []string{"relation-ids", "--format=json", "certificates"},
			want:     []string{},
		},
		{
			name:     "relation-list",
			reply:    "relation-list",
			call:     func(e *Exec) (any, error) { return e.RelationList(t.Context(), "event-service:5") },
			wantArgv: []string{"relation-list", "--format=json", "-r", "event-service:5"},
			want:     []string{"ceilometer/0", "ceilometer/1"},
		},
		{
			name:     "relation-get unit bag",
			reply:    "relation-get-unit",
			call:     func(e *Exec) (any, error) { return e.RelationGet(t.Context(), "shared-db:1", "mysql/0", false) },
			wantArgv: []string{"relation-get", "--format=json", "-r", "shared-db:1", "-", "mysql/0"},
			want: map[string]string{
				"allowed_units": "panko/0 panko/1 panko/2", "db_host": "10.0.0.50",
				"egress-subnets": "10.0.0.50/32", "ingress-address": "10.0.0.50",
				"password": "s3cr3t-db", "private-address": "10.0.0.50",
			},
		},
		{
			name:     "relation-get app bag",
			reply:    "relation-get-app",
			call:     func(e *Exec) (any, error) { return e.RelationGet(t.Context(), "event-service:5", "ceilometer", true) },
			wantArgv: []string{"relation-get", "--format=json", "-r", "event-service:5", "--app", "-", "ceilometer"},
			want:     map[string]string{"consumer": "ceilometer"},
		},
		{
			name:     "relation-get empty app bag",
			reply:    "relation-get-empty-app",
			call:     func(e *Exec) (any, error) { return e.RelationGet(t.Context(), "shared-db:1", "mysql", true) },
			wantArgv: []string{"relation-get", "--format=json", "-r", "shared-db:1", "--app", "-", "mysql"},
			want:     map[string]string{},
		},
		{
			name: "relation-set unit bag through --file -",
			call: func(e *Exec) (any, error) {
				return nil, e.RelationSet(t.Context(), "shared-db:1", false, map[string]string{"username": "panko", "database": "panko", "hostname": ""})
			},
			wantArgv:  []string{"relation-set", "-r", "shared-db:1", "--file", "-"},
			wantStdin: `{"database":"panko","hostname":"","username":"panko"}` + "\n",
		},
		{
			name: "relation-set app bag keeps HTML characters",
			call: func(e *Exec) (any, error) {
				return nil, e.RelationSet(t.Context(), "event-service:5", true, map[string]string{"url": "http://10.0.0.10:8977/?a=1&b=<2>"})
			},
			wantArgv:  []string{"relation-set", "-r", "event-service:5", "--app", "--file", "-"},
			wantStdin: `{"url":"http://10.0.0.10:8977/?a=1&b=<2>"}` + "\n",
		},
		{
			name:     "status-set with message",
			call:     func(e *Exec) (any, error) { return nil, e.StatusSet(t.Context(), "active", "Unit is ready") },
			wantArgv: []string{"status-set", "active", "--", "Unit is ready"},
		},
		{
			name:     "status-set message starting with a dash",
			call:     func(e *Exec) (any, error) { return nil, e.StatusSet(t.Context(), "blocked", "--bad option") },
			wantArgv: []string{"status-set", "blocked", "--", "--bad option"},
		},
		{
			name:     "status-set empty message is still passed",
			call:     func(e *Exec) (any, error) { return nil, e.StatusSet(t.Context(), "active", "") },
			wantArgv: []string{"status-set", "active", "--", ""},
		},
		{
			name:     "status-get",
			reply:    "status-get",
			call:     func(e *Exec) (any, error) { s, m, err := e.StatusGet(t.Context()); return []string{s, m}, err },
			wantArgv: []string{"status-get", "--format=json", "--include-data"},
			want:     []string{"active", "--double dash"},
		},
		{
			name:     "application-version-set",
			call:     func(e *Exec) (any, error) { return nil, e.ApplicationVersionSet(t.Context(), "14.0.0") },
			wantArgv: []string{"application-version-set", "--", "14.0.0"},
		},
		{
			name:     "open-port",
			call:     func(e *Exec) (any, error) { return nil, e.OpenPort(t.Context(), "8977/tcp") },
			wantArgv: []string{"open-port", "8977/tcp"},
		},
		{
			name:     "opened-ports",
			reply:    "opened-ports",
			call:     func(e *Exec) (any, error) { return e.OpenedPorts(t.Context()) },
			wantArgv: []string{"opened-ports", "--format=json"},
			want:     []string{"8977/tcp"},
		},
		{
			name:     "network-get",
			reply:    "network-get",
			call:     func(e *Exec) (any, error) { return e.NetworkGet(t.Context(), "public") },
			wantArgv: []string{"network-get", "--format=json", "public"},
			want: NetworkInfo{
				BindAddresses: []BindAddress{{
					MACAddress: "00:16:3e:00:00:02", InterfaceName: "eth1",
					Addresses: []Address{{Value: "203.0.113.10", CIDR: "203.0.113.0/24"}},
				}},
				EgressSubnets:    []string{"203.0.113.10/32"},
				IngressAddresses: []string{"203.0.113.10"},
			},
		},
		{
			name:     "action-get numbers",
			reply:    "action-get",
			call:     func(e *Exec) (any, error) { return e.ActionGet(t.Context()) },
			wantArgv: []string{"action-get", "--format=json"},
			want:     map[string]any{"depth": int64(3), "target": "db"},
		},
		{
			name: "action-set sorted, dotted keys",
			call: func(e *Exec) (any, error) {
				return nil, e.ActionSet(t.Context(), map[string]string{"status": "ok", "db.schema": "current", "1abc": "a=b"})
			},
			wantArgv: []string{"action-set", "1abc=a=b", "db.schema=current", "status=ok"},
		},
		{
			name:     "action-fail with message",
			call:     func(e *Exec) (any, error) { return nil, e.ActionFail(t.Context(), "db unreachable") },
			wantArgv: []string{"action-fail", "--", "db unreachable"},
		},
		{
			name:     "action-fail without message",
			call:     func(e *Exec) (any, error) { return nil, e.ActionFail(t.Context(), "") },
			wantArgv: []string{"action-fail"},
		},
		{
			name:     "action-log",
			call:     func(e *Exec) (any, error) { return nil, e.ActionLog(t.Context(), "step 1 done") },
			wantArgv: []string{"action-log", "--", "step 1 done"},
		},
		{
			name:     "juju-log",
			call:     func(e *Exec) (any, error) { return nil, e.Log(t.Context(), LevelWarning, "-x is odd") },
			wantArgv: []string{"juju-log", "--log-level", "WARNING", "--", "-x is odd"},
		},
		{
			name:     "state-get",
			reply:    "state-get",
			call:     func(e *Exec) (any, error) { return e.StateGet(t.Context()) },
			wantArgv: []string{"state-get", "--format=json"},
			want:     map[string]string{"installed": "true", "last-config-hash": "0123abcd"},
		},
		{
			name: "state-set through --file -",
			call: func(e *Exec) (any, error) {
				return nil, e.StateSet(t.Context(), map[string]string{"paused": "", "release": "wallaby"})
			},
			wantArgv:  []string{"state-set", "--file", "-"},
			wantStdin: `{"paused":"","release":"wallaby"}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recordingRunner{}
			if tt.reply != "" {
				reply, ok := rec[tt.reply]
				require.True(t, ok, "no recorded call %q", tt.reply)
				r.reply = reply
			}
			e := NewExec(r.run)
			got, err := tt.call(e)
			require.NoError(t, err)
			require.Len(t, r.calls, 1)
			assert.Equal(t, tt.wantArgv, r.calls[0].argv)
			if tt.wantStdin == "" {
				assert.Nil(t, r.calls[0].stdin, "no stdin expected")
			} else {
				assert.True(t, tt.wantStdin == string(r.calls[0].stdin), "stdin differs")
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("result\n got: %s\nwant: %s", shown(got), shown(tt.want))
			}
			assert.Equal(t, map[string]int{tt.wantArgv[0]: 1}, e.Calls())
		})
	}
}

func TestConfigGetWholeFloatIsInt64(t *testing.T) {
	r := &recordingRunner{reply: recordedCall{Stdout: `{"worker-multiplier":1,"ratio":2.5,"big":1e21,"vip":null}` + "\n"}}
	got, err := NewExec(r.run).ConfigGet(t.Context())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"worker-multiplier": int64(1), "ratio": 2.5, "big": 1e21, "vip": nil}, got)
}

func TestActionGetNested(t *testing.T) {
	r := &recordingRunner{reply: recordedCall{Stdout: `{"mode":"fast","nested":{"a":"b","n":[1,2.5]},"time":1000}` + "\n"}}
	got, err := NewExec(r.run).ActionGet(t.Context())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"mode": "fast", "nested": map[string]any{"a": "b", "n": []any{int64(1), 2.5}}, "time": int64(1000)}, got)
}

func TestNullOutputsAreEmpty(t *testing.T) {
	r := &recordingRunner{reply: recordedCall{Stdout: "null\n"}}
	e := NewExec(r.run)
	for name, get := range map[string]func() (int, error){
		"state-get":  func() (int, error) { m, err := e.StateGet(t.Context()); return len(m), err },
		"leader-get": func() (int, error) { m, err := e.LeaderGet(t.Context()); return len(m), err },
		"config-get": func() (int, error) { m, err := e.ConfigGet(t.Context()); return len(m), err },
	} {
		n, err := get()
		require.NoError(t, err, name)
		assert.Zero(t, n, name)
	}
}

func TestSettersWithNoDataMakeNoCall(t *testing.T) {
	r := &recordingRunner{}
	e := NewExec(r.run)
	require.NoError(t, e.RelationSet(t.Context(), "shared-db:1", false, nil))
	require.NoError(t, e.StateSet(t.Context(), map[string]string{}))
	require.NoError(t, e.LeaderSet(t.Context(), nil))
	require.NoError(t, e.ActionSet(t.Context(), nil))
	assert.Empty(t, r.calls)
	assert.Empty(t, e.Calls())
}

func TestValidationBeforeCall(t *testing.T) {
	tests := []struct {
		name    string
		call    func(e *Exec) error
		wantErr string
		is      error
	}{
		{"action key upper case", func(e *Exec) error { return e.ActionSet(t.Context(), map[string]string{"Bad": "1"}) },
			`key "Bad" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens`, ErrInvalidActionKey},
		{"action key underscore", func(e *Exec) error { return e.ActionSet(t.Context(), map[string]string{"ok": "1", "under_score": "1"}) },
			`key "under_score" must`, ErrInvalidActionKey},
		{"action key empty segment", func(e *Exec) error { return e.ActionSet(t.Context(), map[string]string{"a..b": "1"}) },
			`key "" must`, ErrInvalidActionKey},
		{"action key trailing hyphen", func(e *Exec) error { return e.ActionSet(t.Context(), map[string]string{"trailing-": "1"}) },
			`key "trailing-" must`, ErrInvalidActionKey},
		{"action key reserved", func(e *Exec) error { return e.ActionSet(t.Context(), map[string]string{"stdout": "x"}) },
			`cannot set reserved action key "stdout"`, ErrInvalidActionKey},
		{"action key reserved nested", func(e *Exec) error { return e.ActionSet(t.Context(), map[string]string{"a.stderr-encoding.b": "x"}) },
			`cannot set reserved action key "stderr-encoding"`, ErrInvalidActionKey},
		{"leader key with =", func(e *Exec) error { return e.LeaderSet(t.Context(), map[string]string{"a=b": "c"}) },
			`invalid leader settings key "a=b"`, nil},
		{"leader value with spaces", func(e *Exec) error { return e.LeaderSet(t.Context(), map[string]string{"k": " secret "}) },
			`leader setting "k": value has leading or trailing white space`, nil},
		{"relation-get without target", func(e *Exec) error { _, err := e.RelationGet(t.Context(), "shared-db:1", "", false); return err },
			"no unit or application given", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recordingRunner{}
			err := tt.call(NewExec(r.run))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Empty(t, r.calls, "no tool may run")
		})
	}
	assert.NoError(t, ValidateActionKey("5-o-0.status"))
	assert.NoError(t, ValidateActionKey("return-code"))
}

// TestActionKeyRuleIsJujus keeps the charm's copy of the key rule (the
// shipped binary does not link juju/charm) equal to the one Juju's
// action-set and juju client use.
func TestActionKeyRuleIsJujus(t *testing.T) {
	assert.Equal(t, charm.GetActionNameRule().String(), actionKeyRule.String())
}

func TestErrorMapping(t *testing.T) {
	rec := loadRecorded(t)
	all := []error{ErrRelationNotFound, ErrNotLeader, ErrNotInAction, ErrPermissionDenied}
	tests := []struct {
		reply string
		call  func(e *Exec) error
		is    error // nil: none of the sentinels
		msg   string
	}{
		{"relation-list-unknown", func(e *Exec) error { _, err := e.RelationList(t.Context(), "99"); return err },
			ErrRelationNotFound, `relation-list: invalid value "99" for option -r: relation not found (exit status 2)`},
		{"leader-set-nonleader", func(e *Exec) error { return e.LeaderSet(t.Context(), map[string]string{"foo": "bar"}) },
			ErrNotLeader, "leader-set: cannot write leadership settings: cannot write settings: not the leader (exit status 1)"},
		{"relation-set-app-nonleader", func(e *Exec) error {
			return e.RelationSet(t.Context(), "event-service:5", true, map[string]string{"url": "http://x"})
		},
			ErrNotLeader, "relation-set: cannot write relation settings (exit status 1)"},
		{"relation-get-denied", func(e *Exec) error {
			_, err := e.RelationGet(t.Context(), "shared-db:1", "keystone/0", false)
			return err
		},
			ErrPermissionDenied, "relation-get: permission denied (exit status 1)"},
		{"relation-get-own-app-nonleader", func(e *Exec) error {
			_, err := e.RelationGet(t.Context(), "event-service:5", "panko", true)
			return err
		},
			ErrPermissionDenied, "relation-get: permission denied (exit status 1)"},
		{"action-get-outside", func(e *Exec) error { _, err := e.ActionGet(t.Context()); return err },
			ErrNotInAction, "action-get: not running an action (exit status 1)"},
		{"action-fail-outside", func(e *Exec) error { return e.ActionFail(t.Context(), "msg") },
			ErrNotInAction, "action-fail: not running an action (exit status 1)"},
		{"network-get-unknown", func(e *Exec) error { _, err := e.NetworkGet(t.Context(), "nosuch"); return err },
			nil, `network-get: no network config found for binding "nosuch" (exit status 1)`},
		{"status-set-invalid", func(e *Exec) error { return e.StatusSet(t.Context(), "error", "x") },
			nil, `status-set: invalid status "error", expected one of [maintenance blocked waiting active] (exit status 2)`},
	}
	for _, tt := range tests {
		t.Run(tt.reply, func(t *testing.T) {
			r := &recordingRunner{reply: rec[tt.reply]}
			err := tt.call(NewExec(r.run))
			require.Error(t, err)
			var te *ToolError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, rec[tt.reply].Exit, te.Code)
			assert.Equal(t, tt.msg, err.Error())
			for _, s := range all {
				assert.Equal(t, s == tt.is, errors.Is(err, s), "errors.Is(%v)", s)
			}
		})
	}
}

func TestErrorsNeverCarrySubmittedValues(t *testing.T) {
	const secret = "s3cr3t-db-password"
	// A tool that echoes its input in stderr must not leak it into the error.
	r := &recordingRunner{reply: recordedCall{Exit: 1, Stderr: "ERROR yaml: cannot unmarshal " + secret + " into string\n"}}
	e := NewExec(r.run)
	for name, err := range map[string]error{
		"relation-set": e.RelationSet(t.Context(), "shared-db:1", false, map[string]string{"password": secret}),
		"state-set":    e.StateSet(t.Context(), map[string]string{"password": secret}),
		"leader-set":   e.LeaderSet(t.Context(), map[string]string{"password": secret}),
		"action-set":   e.ActionSet(t.Context(), map[string]string{"password": secret}),
	} {
		require.Error(t, err, name)
		assert.False(t, strings.Contains(err.Error(), secret), "%s: error carries the submitted value", name)
		var te *ToolError
		require.ErrorAs(t, err, &te, name)
		assert.False(t, strings.Contains(te.Stderr, secret), "%s: ToolError.Stderr carries the submitted value", name)
		assert.True(t, strings.Contains(err.Error(), "<redacted>"), "%s: submitted value not marked as redacted", name)
	}
}

func TestRunnerFailure(t *testing.T) {
	boom := errors.New("boom")
	e := NewExec(func(context.Context, string, []string, []byte) ([]byte, []byte, int, error) {
		return nil, nil, -1, boom
	})
	_, err := e.IsLeader(t.Context())
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, "run is-leader: boom", err.Error())
}

func TestParseErrors(t *testing.T) {
	r := &recordingRunner{reply: recordedCall{Stdout: "[1,2]\n"}}
	_, err := NewExec(r.run).ConfigGet(t.Context())
	assert.EqualError(t, err, "parse config-get output: expected a JSON object, got []interface {}")
	r.reply.Stdout = "True\n"
	_, err = NewExec(r.run).IsLeader(t.Context())
	assert.ErrorContains(t, err, "parse is-leader output: ")
}
