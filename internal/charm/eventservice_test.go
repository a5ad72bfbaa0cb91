package charm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
)

// Any "publisher" on event-service makes the stock ceilometer charm render
// an event_pipeline.yaml that does not load (relations.md §5): the unit
// publishes only panko_url, on every release, and deletes a publisher an
// earlier revision left.
func TestEventServicePublishesNoPublisher(t *testing.T) {
	tests := []struct {
		name, series, origin, version string
		local                         map[string]string
	}{
		{"wallaby", "focal", "cloud:focal-wallaby", "2:10.0.0-0ubuntu1~cloud0", nil},
		{"ocata", "xenial", "cloud:xenial-ocata", "2:2.0.0-0ubuntu1~cloud0", nil},
		{"publisher left by an earlier revision", "focal", "cloud:focal-wallaby", "2:10.0.0-0ubuntu1~cloud0", map[string]string{"publisher": "panko://"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ceilometer := jujutest.Relation{ID: "event-service:9", LocalUnit: tt.local, RemoteUnits: map[string]map[string]string{"ceilometer/0": {}, "ceilometer/1": {}}}
			w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometer)
			w.host.Files[OSRelease] = hosttest.File{Data: []byte("VERSION_CODENAME=" + tt.series + "\n"), Mode: 0o644, Owner: "root", Group: "root"}
			w.host.Available = available(tt.version)
			w.juju.Config = map[string]any{"openstack-origin": tt.origin}
			tools, _, err := w.run(t, hook("event-service-relation-joined"))
			require.NoError(t, err)
			bag, _ := tools.RelationData("event-service:9")
			_, has := bag["publisher"]
			assert.False(t, has, "no publisher key in %v", bag)
			assert.Equal(t, "http://10.5.0.10:8977", bag["panko_url"])
		})
	}
}

func TestEventServiceURLBeforeSchema(t *testing.T) {
	ceilometer := jujutest.Relation{ID: "event-service:9", RemoteUnits: map[string]map[string]string{"ceilometer/0": {}}}
	w := newWorld(false, sharedDBReady(), keystoneReady(), ceilometer)
	tools, _, err := w.run(t, hook("event-service-relation-joined"))
	require.NoError(t, err)
	bag, _ := tools.RelationData("event-service:9")
	_, has := bag["publisher"]
	assert.False(t, has)
	assert.Equal(t, "http://10.5.0.10:8977", bag["panko_url"], "the URL does not wait for the schema")
}

// keystone-k8s answers in its application bag with a Juju secret, a
// protocol this charm does not implement: an application bag in that
// form is not read (and costs no relation-get), the relation stays
// incomplete.
func TestKeystoneApplicationBagIsNotRead(t *testing.T) {
	k8s := jujutest.Relation{ID: "identity-service:2", RemoteUnits: map[string]map[string]string{"keystone/0": {}},
		RemoteAppData: map[string]string{
			"api-version": "3", "auth-host": "10.1.0.5", "auth-port": "5000", "auth-protocol": "http",
			"service-host": "10.1.0.5", "service-port": "5000", "service-protocol": "http",
			"service-project-name": "services", "service-project-id": "p1",
			"service-user-name": "svc-panko", "service-password": "k8s-secret-value",
		}}
	w := newWorld(true, sharedDBReady(), k8s)
	tools, _, err := w.run(t, hook("identity-service-relation-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "waiting", st)
	assert.Contains(t, msg, "'identity-service' incomplete")
}
