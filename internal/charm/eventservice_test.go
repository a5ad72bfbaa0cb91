package charm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
)

func TestEventServicePublisher(t *testing.T) {
	tests := []struct {
		name, series, origin, version, publisher string
	}{
		{"wallaby", "focal", "cloud:focal-wallaby", "2:10.0.0-0ubuntu1~cloud0", "panko://"},
		{"ocata", "xenial", "cloud:xenial-ocata", "2:2.0.0-0ubuntu1~cloud0", "direct://?dispatcher=panko"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ceilometer := jujutest.Relation{ID: "event-service:9", RemoteUnits: map[string]map[string]string{"ceilometer/0": {}, "ceilometer/1": {}}}
			w := newWorld(true, sharedDBReady(), keystoneReady(), ceilometer)
			w.host.Files[OSRelease] = hosttest.File{Data: []byte("VERSION_CODENAME=" + tt.series + "\n"), Mode: 0o644, Owner: "root", Group: "root"}
			w.host.Available = available(tt.version)
			w.juju.Config = map[string]any{"openstack-origin": tt.origin}
			tools, _, err := w.run(t, hook("event-service-relation-joined"))
			require.NoError(t, err)
			bag, _ := tools.RelationData("event-service:9")
			assert.Equal(t, tt.publisher, bag["publisher"])
			assert.Equal(t, "http://10.5.0.10:8977", bag["panko_url"])
		})
	}
}

func TestEventServiceWaitsForSchema(t *testing.T) {
	ceilometer := jujutest.Relation{ID: "event-service:9", RemoteUnits: map[string]map[string]string{"ceilometer/0": {}}}
	w := newWorld(false, sharedDBReady(), keystoneReady(), ceilometer)
	tools, _, err := w.run(t, hook("event-service-relation-joined"))
	require.NoError(t, err)
	bag, _ := tools.RelationData("event-service:9")
	assert.Empty(t, bag["publisher"], "no publisher before the leader synced the schema")
}
