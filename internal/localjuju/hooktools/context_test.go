package hooktools

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const testMetadata = `
name: panko
summary: test charm
description: test charm
requires:
  shared-db:
    interface: mysql-shared
provides:
  event-service:
    interface: event-service
peers:
  cluster:
    interface: openstack-ha
extra-bindings:
  public:
`

const testConfig = `
options:
  region:
    type: string
    default: RegionOne
  api-port:
    type: int
    default: 8977
  debug:
    type: boolean
    default: false
  vip:
    type: string
`

const testActions = `
diagnose:
  params:
    target:
      type: string
      default: all
    depth:
      type: integer
      default: 1
`

func testCharm(t *testing.T) *Charm {
	t.Helper()
	ch, err := CharmFromYAML([]byte(testMetadata), []byte(testConfig), []byte(testActions))
	if err != nil {
		t.Fatalf("charm: %v", err)
	}
	return ch
}

func testNetwork(addr string) NetworkInfo {
	return NetworkInfo{
		BindAddresses: []BindAddress{{
			MACAddress: "00:16:3e:00:00:01", InterfaceName: "eth0",
			Addresses: []InterfaceAddress{{Value: addr, CIDR: "10.0.0.0/24"}},
		}},
		EgressSubnets:    []string{addr + "/32"},
		IngressAddresses: []string{addr},
	}
}

// testState is a leader unit with a shared-db relation (id 1), a peer
// relation (id 3) and a dying event-service relation without units (id 5).
func testState() State {
	return State{
		Unit: "panko/0", Model: "m", ModelUUID: "uuid-1", ModelType: "iaas", MachineID: "0",
		Leader:         true,
		Config:         map[string]any{"region": "RegionTwo"},
		UnitStatus:     &Status{Status: "maintenance", Message: "installing"},
		PrivateAddress: "10.0.0.10",
		Networks:       map[string]NetworkInfo{"": testNetwork("10.0.0.10")},
		OpenedPorts:    map[string][]string{"": {"8977/tcp"}},
		Relations: []Relation{
			{
				ID: 1, Endpoint: "shared-db", RemoteApp: "mysql", Life: "alive",
				RemoteUnits:   map[string]map[string]string{"mysql/0": {"db_host": "10.0.0.50"}},
				DepartedUnits: map[string]map[string]string{"mysql/1": {"db_host": "10.0.0.51"}},
				LocalUnitData: map[string]string{"private-address": "10.0.0.10"},
			},
			{
				ID: 3, Endpoint: "cluster", RemoteApp: "panko", Life: "alive",
				RemoteUnits:   map[string]map[string]string{"panko/1": {}},
				RemoteAppData: map[string]string{"k": "v"},
				LocalAppData:  map[string]string{"k": "v"},
			},
			{ID: 5, Endpoint: "event-service", RemoteApp: "ceilometer", Life: "dying"},
		},
	}
}

type toolCall struct {
	argv   string // split on single spaces
	stdin  string
	exit   int
	stdout string
	stderr string
}

func runCalls(t *testing.T, c *Context, dir string, calls []toolCall) {
	t.Helper()
	for _, call := range calls {
		exit, stdout, stderr := c.run(dir, strings.Split(call.argv, " "), []byte(call.stdin))
		if exit != call.exit || string(stdout) != call.stdout || string(stderr) != call.stderr {
			t.Errorf("%s:\n got exit %d stdout %q stderr %q\nwant exit %d stdout %q stderr %q",
				call.argv, exit, stdout, stderr, call.exit, call.stdout, call.stderr)
		}
	}
}

func TestToolBehaviour(t *testing.T) {
	relationHook := map[string]string{
		"JUJU_RELATION": "shared-db", "JUJU_RELATION_ID": "shared-db:1",
		"JUJU_REMOTE_UNIT": "mysql/0", "JUJU_REMOTE_APP": "mysql",
	}
	tests := []struct {
		name  string
		env   map[string]string
		state func(*State)
		calls []toolCall
	}{
		{
			name: "help goes to stdout with exit 0",
			calls: []toolCall{
				{argv: "config-get --help", stdout: "Usage: config-get [options] [<key>]\n\nSummary:\nPrint application configuration.\n\n" +
					"Options:\n-a, --all  (= false)\n    print all keys\n--format  (= smart)\n    Specify output format (json|smart|yaml)\n" +
					"-o, --output (= \"\")\n    Specify an output file\n\nDetails:\n" + strings.TrimSpace(newConfigGet(nil).info().doc) + "\n"},
				{argv: "application-version-set -h", stdout: "Usage: application-version-set <new-version>\n\nSummary:\nSpecify which version of the application is deployed.\n\nDetails:\n" +
					strings.TrimSpace(newApplicationVersionSet(nil).info().doc) + "\n"},
			},
		},
		{
			name: "option syntax",
			calls: []toolCall{
				{argv: "config-get --all=false region", stdout: "RegionTwo\n"},
				{argv: "config-get --all=bogus", exit: 2, stderr: "ERROR invalid value \"bogus\" for option --all: strconv.ParseBool: parsing \"bogus\": invalid syntax\n"},
				{argv: "config-get --format", exit: 2, stderr: "ERROR option needs an argument: --format\n"},
				{argv: "config-get -format=json", exit: 2, stderr: "ERROR option provided but not defined: -f\n"},
				{argv: "config-get --=x", exit: 2, stderr: "ERROR empty option in argument \"--=x\"\n"},
				{argv: "config-get --all api-port", exit: 2, stderr: "ERROR cannot use argument --all together with key \"api-port\"\n"},
				{argv: "config-get -a --format=json", stdout: "{\"api-port\":8977,\"debug\":false,\"region\":\"RegionTwo\",\"vip\":null}\n"},
				{argv: "relation-get -r1 --format json db_host mysql/0", stdout: "\"10.0.0.50\"\n"},
				{argv: "relation-get --relation=shared-db:1 -- - mysql/0", stdout: "db_host: 10.0.0.50\n"},
				{argv: "relation-get -r 1 --app=false - mysql", exit: 2, stderr: "ERROR expected unit name, got application name \"mysql\"\n"},
				{argv: "status-set maintenance -- -x", stdout: ""},
				{argv: "status-get --include-data --format=yaml", stdout: "message: -x\nstatus: maintenance\nstatus-data: {}\n"},
			},
		},
		{
			name: "relation hook defaults and departed units",
			env:  relationHook,
			calls: []toolCall{
				{argv: "relation-get db_host", stdout: "10.0.0.50\n"},
				{argv: "relation-get - mysql/1", stdout: "db_host: 10.0.0.51\n"},
				{argv: "relation-list", stdout: "mysql/0\n"},
				{argv: "relation-ids", stdout: "shared-db:1\n"},
				{argv: "relation-ids event-service --format=json", stdout: "[]\n"},
				{argv: "relation-model-get", stdout: "uuid: uuid-1\n"},
				{argv: "relation-get -r 3 --app - panko", stdout: "k: v\n"},
				{argv: "juju-log --log-level warn -- -dash", stdout: ""},
			},
		},
		{
			name: "ports: conflicts and errors",
			calls: []toolCall{
				{argv: "open-port 8000-9000/tcp", exit: 1, stderr: "ERROR cannot open 8000-9000/tcp (unit \"panko/0\"): port range conflicts with 8977/tcp (unit \"panko/0\")\n"},
				{argv: "open-port 9000-9010", stdout: ""},
				{argv: "open-port 9005/tcp", exit: 1, stderr: "ERROR cannot open 9005/tcp (unit \"panko/0\"): port range conflicts with 9000-9010/tcp (unit \"panko/0\") requested earlier\n"},
				{argv: "close-port 8970-8980", exit: 1, stderr: "ERROR cannot close 8970-8980/tcp (unit \"panko/0\"): port range conflicts with 8977/tcp (unit \"panko/0\")\n"},
				{argv: "open-port abc", exit: 2, stderr: "ERROR invalid port \"abc\": strconv.Atoi: parsing \"abc\": invalid syntax\n"},
				{argv: "open-port 80/icmp", exit: 2, stderr: "ERROR protocol \"icmp\" doesn't support any ports; got \"80\"\n"},
				{argv: "open-port 80/TCP --endpoints public,shared-db", stdout: ""},
				{argv: "opened-ports --endpoints", stdout: "80/tcp (public, shared-db)\n8977/tcp (*)\n9000-9010/tcp (*)\n"},
			},
		},
		{
			name:  "charm state and config edge cases",
			state: func(st *State) { st.CharmState = nil },
			calls: []toolCall{
				{argv: "state-get --format=json", stdout: "null\n"},
				{argv: "state-get", stdout: "{}\n"},
				{argv: "state-get missing --format=json", stdout: "\"\"\n"},
				{argv: "state-set " + strings.Repeat("k", 257) + "=v", exit: 1, stderr: "ERROR max allowed key length (256) exceeded\n"},
				{argv: "state-set --file -", stdin: "a: [1]\n", exit: 1, stderr: "ERROR yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string\n"},
				{argv: "config-get vip --format=yaml", stdout: ""},
				{argv: "config-get api-port --format=yaml", stdout: "8977\n"},
				{argv: "leader-get a=b", exit: 2, stderr: "ERROR invalid key \"a=b\"\n"},
				{argv: "goal-state --format=smart", exit: 2, stderr: "ERROR invalid value \"smart\" for option --format: unknown format \"smart\"\n"},
				{argv: "goal-state", stdout: "units: {}\nrelations: {}\n"},
				{argv: "credential-get", exit: 1, stderr: "ERROR cannot access cloud credentials: permission denied\n"},
				{argv: "network-get event-service --bind-address", stdout: "10.0.0.10\n"},
				{argv: "network-get nosuch", exit: 1, stderr: "ERROR no network config found for binding \"nosuch\"\n"},
				{argv: "network-get public --primary-address --bind-address", exit: 1, stderr: "ERROR --primary-address must be the only flag specified\n"},
				{argv: "unit-get public-address", exit: 1, stderr: "ERROR public address not found\n"},
				{argv: "juju-reboot", stdout: ""},
				{argv: "no-such-tool", exit: 1, stderr: "ERROR unknown command: no-such-tool\n"},
			},
		},
		{
			name: "action tools",
			state: func(st *State) {
				st.Action = &Action{Name: "diagnose", ID: "7", Params: map[string]any{"target": "db"}}
			},
			calls: []toolCall{
				{argv: "action-get --format=json", stdout: "{\"depth\":1,\"target\":\"db\"}\n"},
				{argv: "action-set a=1 a.b=2", stdout: ""},
				{argv: "action-set a.b.c=3 x=y=z", stdout: ""},
				{argv: "action-set -foo=1", exit: 2, stderr: "ERROR option provided but not defined: -f\n"},
				{argv: "juju-reboot --now", exit: 1, stderr: "ERROR juju-reboot is not supported when running an action.\n"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := testState()
			if tt.state != nil {
				tt.state(&st)
			}
			c := NewContext(testCharm(t), st, tt.env)
			runCalls(t, c, t.TempDir(), tt.calls)
		})
	}
}

func TestJujuLogLevels(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		argv string
		want []LogLine
	}{
		{name: "default level", argv: "juju-log a b", want: []LogLine{{"INFO", "a b"}}},
		{name: "warn alias", argv: "juju-log -l warn x", want: []LogLine{{"WARNING", "x"}}},
		{name: "unspecified is not logged", argv: "juju-log -l unspecified x"},
		{name: "invalid level", argv: "juju-log --log-level=loud x", want: []LogLine{{"WARNING", `Specified log level of "loud" is not valid`}, {"INFO", "x"}}},
		{name: "relation prefix", env: map[string]string{"JUJU_RELATION_ID": "shared-db:1", "JUJU_REMOTE_UNIT": "mysql/0"},
			argv: "juju-log --debug hello", want: []LogLine{{"DEBUG", "shared-db:1: hello"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewContext(testCharm(t), testState(), tt.env)
			if exit, _, stderr := c.Run(strings.Split(tt.argv, " "), nil); exit != 0 {
				t.Fatalf("exit %d: %s", exit, stderr)
			}
			if got := c.Logs(); !reflect.DeepEqual(got, tt.want) && (len(got) != 0 || len(tt.want) != 0) {
				t.Errorf("logs = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCommitRules(t *testing.T) {
	hookCalls := []toolCall{
		{argv: "relation-set -r 1 database=panko"},
		{argv: "relation-set -r 3 --app k=new"},
		{argv: "open-port 443"},
		{argv: "close-port 8977"},
		{argv: "state-set done=yes"},
		{argv: "status-set active ready"},
		{argv: "leader-set token=abc"},
		{argv: "application-version-set 1.2"},
	}
	tests := []struct {
		name     string
		hookExit int
		check    func(t *testing.T, st State)
	}{
		{
			name: "hook exit 0 commits everything",
			check: func(t *testing.T, st State) {
				wantEqual(t, "unit data", st.Relations[0].LocalUnitData, map[string]string{"private-address": "10.0.0.10", "database": "panko"})
				wantEqual(t, "peer app data", st.Relations[1].LocalAppData, map[string]string{"k": "new"})
				wantEqual(t, "peer shared bag", st.Relations[1].RemoteAppData, map[string]string{"k": "new"})
				wantEqual(t, "ports", st.OpenedPorts, map[string][]string{"": {"443/tcp"}})
				wantEqual(t, "charm state", st.CharmState, map[string]string{"done": "yes"})
				wantEqual(t, "status", *st.UnitStatus, Status{Status: "active", Message: "ready"})
				wantEqual(t, "leader settings", st.LeaderSettings, map[string]string{"token": "abc"})
				wantEqual(t, "workload version", st.WorkloadVersion, "1.2")
			},
		},
		{
			name:     "hook exit 1 keeps only immediate changes",
			hookExit: 1,
			check: func(t *testing.T, st State) {
				wantEqual(t, "unit data", st.Relations[0].LocalUnitData, map[string]string{"private-address": "10.0.0.10"})
				wantEqual(t, "peer app data", st.Relations[1].LocalAppData, map[string]string{"k": "v"})
				wantEqual(t, "ports", st.OpenedPorts, map[string][]string{"": {"8977/tcp"}})
				wantEqual(t, "charm state", st.CharmState, map[string]string(nil))
				wantEqual(t, "status", *st.UnitStatus, Status{Status: "active", Message: "ready"})
				wantEqual(t, "leader settings", st.LeaderSettings, map[string]string{"token": "abc"})
				wantEqual(t, "workload version", st.WorkloadVersion, "1.2")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewContext(testCharm(t), testState(), nil)
			runCalls(t, c, t.TempDir(), hookCalls)
			tt.check(t, c.Finish(tt.hookExit))
		})
	}
}

func TestFinishAction(t *testing.T) {
	tests := []struct {
		name   string
		calls  []toolCall
		exit   int
		stdout []byte
		want   ActionResult
		state  map[string]string
	}{
		{
			name:   "completed with output",
			calls:  []toolCall{{argv: "action-set out.size=10G"}, {argv: "action-log step"}, {argv: "state-set x=1"}},
			stdout: []byte("hello\n"),
			want: ActionResult{Status: "completed", Results: map[string]any{
				"out": map[string]any{"size": "10G"}, "return-code": 0, "stdout": "hello\n"}, Logs: []string{"step"}},
			state: map[string]string{"x": "1"},
		},
		{
			name:  "action-fail with exit 0",
			calls: []toolCall{{argv: "action-fail broken"}},
			want:  ActionResult{Status: "failed", Message: "broken", Failed: true, Results: map[string]any{"return-code": 0}},
		},
		{
			name:   "non-zero exit overrides the message and drops changes",
			calls:  []toolCall{{argv: "action-fail broken"}, {argv: "state-set x=1"}},
			exit:   3,
			stdout: []byte{0xff, 0xfe},
			want: ActionResult{Status: "failed", Message: "exit status 3", Failed: true, Results: map[string]any{
				"return-code": 3, "stdout": "//4=", "stdout-encoding": "base64"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := testState()
			st.Action = &Action{Name: "diagnose", ID: "7", Params: map[string]any{"target": "db"}}
			c := NewContext(testCharm(t), st, nil)
			runCalls(t, c, t.TempDir(), tt.calls)
			after := c.FinishAction(tt.exit, tt.stdout, nil)
			want := tt.want
			want.Name, want.ID = "diagnose", "7"
			want.Params = map[string]any{"target": "db", "depth": float64(1)}
			wantEqual(t, "action result", *after.ActionResult, want)
			wantEqual(t, "charm state", after.CharmState, tt.state)
		})
	}
}

func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	c := NewContext(testCharm(t), testState(), nil)
	runCalls(t, c, dir, []toolCall{{argv: "config-get -o out.json --format=json region"}})
	data, err := os.ReadFile(filepath.Join(dir, "out.json"))
	if err != nil {
		t.Fatalf("read output: %v", err)
	}
	if string(data) != "\"RegionTwo\"\n" {
		t.Errorf("output file = %q", data)
	}
}

func TestCommandNames(t *testing.T) {
	names := CommandNames()
	for _, want := range []string{"config-get", "relation-get", "relation-set", "relation-ids", "relation-list",
		"relation-model-get", "status-get", "status-set", "application-version-set", "open-port", "close-port",
		"opened-ports", "juju-log", "leader-get", "leader-set", "is-leader", "action-get", "action-set",
		"action-fail", "action-log", "network-get", "unit-get", "state-get", "state-set", "state-delete",
		"goal-state", "credential-get", "juju-reboot"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("CommandNames() lacks %s", want)
		}
	}
}

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}
