package juju

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolveEvent(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		argv0   string
		want    Event
		wantErr string
	}{
		{"dispatch hook", map[string]string{"JUJU_DISPATCH_PATH": "hooks/install"}, "/var/lib/juju/agents/unit-panko-0/charm/dispatch",
			Event{Hook, "install"}, ""},
		{"dispatch relation hook", map[string]string{"JUJU_DISPATCH_PATH": "hooks/shared-db-relation-changed"}, "/c/dispatch",
			Event{Hook, "shared-db-relation-changed"}, ""},
		{"dispatch action wins over argv0", map[string]string{"JUJU_DISPATCH_PATH": "actions/pause", "JUJU_ACTION_NAME": "pause"}, "/c/hooks/install",
			Event{Action, "pause"}, ""},
		{"dispatch path malformed", map[string]string{"JUJU_DISPATCH_PATH": "install"}, "/c/dispatch",
			Event{}, `invalid JUJU_DISPATCH_PATH "install"`},
		{"dispatch path unknown dir", map[string]string{"JUJU_DISPATCH_PATH": "other/install"}, "/c/dispatch",
			Event{}, `invalid JUJU_DISPATCH_PATH "other/install"`},
		{"dispatch path empty name", map[string]string{"JUJU_DISPATCH_PATH": "hooks/"}, "/c/dispatch",
			Event{}, `invalid JUJU_DISPATCH_PATH "hooks/"`},
		{"legacy hook symlink", nil, "/c/hooks/config-changed", Event{Hook, "config-changed"}, ""},
		{"legacy relative hook symlink", nil, "hooks/cluster-relation-joined", Event{Hook, "cluster-relation-joined"}, ""},
		{"legacy action symlink", nil, "/c/actions/resume", Event{Action, "resume"}, ""},
		{"hook name outside hooks dir", nil, "./update-status", Event{Hook, "update-status"}, ""},
		{"action name from env", map[string]string{"JUJU_ACTION_NAME": "diagnose"}, "/c/dispatch", Event{Action, "diagnose"}, ""},
		{"binary name is not an event", map[string]string{"JUJU_ACTION_NAME": "pause"}, "/c/bin/panko-charm", Event{Action, "pause"}, ""},
		{"no event from dispatch", nil, "/c/dispatch", Event{}, "no event"},
		{"no event from unknown name", nil, "/tmp/go-build1/exe/main", Event{}, "no event"},
		{"no event at all", nil, "", Event{}, "no event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveEvent(envOf(tt.env), tt.argv0)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, tt.wantErr == "no event", errors.Is(err, ErrNoEvent))
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEventRelationHelpers(t *testing.T) {
	tests := []struct {
		ev                 Event
		isRel              bool
		endpoint, kind, at string
	}{
		{Event{Hook, "shared-db-relation-changed"}, true, "shared-db", "relation-changed", "hooks/shared-db-relation-changed"},
		{Event{Hook, "identity-service-relation-joined"}, true, "identity-service", "relation-joined", "hooks/identity-service-relation-joined"},
		{Event{Hook, "cluster-relation-created"}, true, "cluster", "relation-created", "hooks/cluster-relation-created"},
		{Event{Hook, "ha-relation-departed"}, true, "ha", "relation-departed", "hooks/ha-relation-departed"},
		{Event{Hook, "certificates-relation-broken"}, true, "certificates", "relation-broken", "hooks/certificates-relation-broken"},
		{Event{Hook, "relation-changed"}, false, "", "", "hooks/relation-changed"},
		{Event{Hook, "config-changed"}, false, "", "", "hooks/config-changed"},
		{Event{Hook, "data-storage-attached"}, false, "", "", "hooks/data-storage-attached"},
		{Event{Action, "x-relation-changed"}, false, "", "", "actions/x-relation-changed"},
	}
	for _, tt := range tests {
		t.Run(tt.ev.Name, func(t *testing.T) {
			assert.Equal(t, tt.isRel, tt.ev.IsRelation())
			assert.Equal(t, tt.endpoint, tt.ev.Endpoint())
			assert.Equal(t, tt.kind, tt.ev.RelationKind())
			assert.Equal(t, tt.at, tt.ev.String())
		})
	}
	assert.Equal(t, "hook", Hook.String())
	assert.Equal(t, "action", Action.String())
}

func TestEnvFrom(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Env
	}{
		{"relation hook", map[string]string{
			"JUJU_UNIT_NAME": "panko/0", "JUJU_MODEL_NAME": "m", "JUJU_RELATION_ID": "shared-db:1",
			"JUJU_REMOTE_UNIT": "mysql/0", "JUJU_REMOTE_APP": "mysql", "JUJU_CHARM_DIR": "/c", "CHARM_DIR": "/old",
		}, Env{Unit: "panko/0", App: "panko", ModelName: "m", RelationID: "shared-db:1", RemoteUnit: "mysql/0", RemoteApp: "mysql", CharmDir: "/c"}},
		{"departed", map[string]string{"JUJU_UNIT_NAME": "panko/1", "JUJU_DEPARTING_UNIT": "panko/2", "CHARM_DIR": "/old"},
			Env{Unit: "panko/1", App: "panko", DepartingUnit: "panko/2", CharmDir: "/old"}},
		{"action", map[string]string{"JUJU_UNIT_NAME": "panko/0", "JUJU_ACTION_NAME": "pause"},
			Env{Unit: "panko/0", App: "panko", ActionName: "pause"}},
		{"empty", nil, Env{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, EnvFrom(envOf(tt.env)))
		})
	}
}

func TestNetworkInfoAddresses(t *testing.T) {
	bound := []BindAddress{{InterfaceName: "eth0", Addresses: []Address{{Value: "10.0.0.10", CIDR: "10.0.0.0/24"}, {Value: "10.0.0.11"}}}}
	tests := []struct {
		name          string
		n             NetworkInfo
		ingress, bind string
	}{
		{"ingress preferred", NetworkInfo{BindAddresses: bound, IngressAddresses: []string{"203.0.113.10", "10.0.0.10"}}, "203.0.113.10", "10.0.0.10"},
		{"bind fallback", NetworkInfo{BindAddresses: bound}, "10.0.0.10", "10.0.0.10"},
		{"first interface without addresses skipped", NetworkInfo{BindAddresses: append([]BindAddress{{InterfaceName: "lo"}}, bound...)}, "10.0.0.10", "10.0.0.10"},
		{"nothing", NetworkInfo{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.ingress, tt.n.IngressAddress())
			assert.Equal(t, tt.bind, tt.n.BindAddress())
		})
	}
}
