package sim

import (
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

// ceilometerFixture is testdata/relations/ceilometer-event-service.json.
type ceilometerFixture struct {
	Local struct {
		Units bags `json:"units"`
	} `json:"local"`
	Remote struct {
		Units bags `json:"units"`
	} `json:"remote"`
	WhatCeilometerWouldNeed bags `json:"what_ceilometer_would_need"`
}

func loadCeilometerFixture(t *testing.T) ceilometerFixture {
	t.Helper()
	f := relfixture.Load[ceilometerFixture](t, "ceilometer-event-service.json")
	return f
}

// sinkPublishers maps each sink the event source feeds to its publishers.
func sinkPublishers(t *testing.T, raw string) map[string][]string {
	t.Helper()
	var doc pipelineDocument
	require.NoError(t, yaml.Unmarshal([]byte(raw), &doc))
	require.Len(t, doc.Sources, 1)
	all := map[string][]string{}
	for _, s := range doc.Sinks {
		all[s.Name] = s.Publishers
	}
	out := map[string][]string{}
	for _, name := range doc.Sources[0].Sinks {
		p, ok := all[name]
		require.True(t, ok, "source feeds undefined sink %s", name)
		out[name] = p
	}
	require.Len(t, out, len(all), "every sink is fed")
	return out
}

func newCeilometerSim(t *testing.T, dir string, config map[string]string) App {
	t.Helper()
	app, err := New("ceilometer", config, Env{StateDir: dir})
	require.NoError(t, err)
	return app
}

func eventServiceRelation(id int, remoteApp string, remote bags) Relation {
	return Relation{ID: id, Endpoint: "event-service", RemoteApp: remoteApp, RemoteUnits: remote,
		Units: ownBags(map[string]string{"ceilometer/0": "10.20.0.61"})}
}

// The stock ceilometer charm's event_sink: notifier:// and the alarm topic
// up to Pike, the events-publisher choice from Queens
// (lib/ceilometer_contexts.py, templates/{mitaka,queens}/event_pipeline.yaml).
var (
	mitakaEventSink = []string{"notifier://", "notifier://?topic=alarm.all"}
	aodhEventSink   = []string{"notifier://?topic=alarm.all"}
)

func TestCeilometerPipelineAsTheCharmRendersIt(t *testing.T) {
	f := loadCeilometerFixture(t)
	withPublisher := func(v string) map[string]string {
		b := maps.Clone(f.Local.Units["panko/0"])
		b["publisher"] = v
		return b
	}
	cases := []struct {
		name      string
		config    map[string]string
		remote    bags
		wantSinks map[string][]string // nil: the pipeline does not load
		wantErr   string
	}{
		{"panko_url only: wallaby", nil, bags{"panko/0": f.Local.Units["panko/0"]}, map[string][]string{"event_sink": aodhEventSink}, ""},
		{"panko_url only: pike", map[string]string{"release": "pike"}, bags{"panko/0": f.Local.Units["panko/0"]}, map[string][]string{"event_sink": mitakaEventSink}, ""},
		{"panko_url only: queens, no events-publisher", map[string]string{"release": "queens", "events-publisher": ""}, bags{"panko/0": f.Local.Units["panko/0"]}, map[string][]string{"event_sink": nil}, ""},
		{"empty publisher is no sink", nil, bags{"panko/0": withPublisher("")}, map[string][]string{"event_sink": aodhEventSink}, ""},
		// relations.md §5: any publisher glues "sinks:" to "- name: panko"
		// and yaml.safe_load fails ("mapping values are not allowed here").
		{"publisher panko:// breaks the pipeline", nil, bags{"panko/0": f.WhatCeilometerWouldNeed["panko/0"]}, nil, "mapping values are not allowed"},
		{"ocata publisher breaks the mitaka template", map[string]string{"release": "ocata"}, bags{"panko/0": withPublisher("direct://?dispatcher=panko")}, nil, "mapping values are not allowed"},
		{"one unit with a publisher is enough", nil, bags{"panko/0": f.Local.Units["panko/0"], "panko/1": withPublisher("panko://")}, nil, "mapping values are not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			app := newCeilometerSim(t, dir, tc.config)

			resp, err := app.Respond(context.Background(), []string{"ceilometer/0"}, "ceilometer/0", eventServiceRelation(12, "panko", copyBags(tc.remote)))

			require.NoError(t, err, "a broken pipeline does not fail the relation")
			assert.Empty(t, resp.Units, "ceilometer publishes nothing on event-service")
			assert.Nil(t, resp.AppData)
			status, ok, err := Ceilometer(dir, "ceilometer")
			require.NoError(t, err)
			require.True(t, ok)
			require.NotEmpty(t, status.Pipeline, "the charm writes the file either way")
			if tc.wantErr != "" {
				assert.Contains(t, status.Error, tc.wantErr)
				assert.Contains(t, status.Pipeline, "sinks:- name: panko", "the template's whitespace control")
				return
			}
			assert.Empty(t, status.Error)
			assert.Empty(t, status.Sinks)
			assert.Equal(t, tc.wantSinks, sinkPublishers(t, status.Pipeline))
		})
	}
}

func TestCeilometerSinksFollowRelations(t *testing.T) {
	dir := t.TempDir()
	app := newCeilometerSim(t, dir, nil)
	panko := eventServiceRelation(12, "panko", bags{"panko/0": {"panko_url": "http://10.5.0.10:8977"}})
	legacy := eventServiceRelation(7, "panko-legacy", bags{"panko-legacy/0": {"publisher": "direct://?dispatcher=panko"}})
	_, err := app.Respond(context.Background(), []string{"ceilometer/0"}, "ceilometer/0", panko)
	require.NoError(t, err)
	_, err = app.Respond(context.Background(), []string{"ceilometer/0"}, "ceilometer/0", legacy)
	require.NoError(t, err)
	both, _, err := Ceilometer(dir, "ceilometer")
	require.NoError(t, err)

	require.NoError(t, app.Departed(context.Background(), legacy))
	after, _, err := Ceilometer(dir, "ceilometer")
	require.NoError(t, err)

	assert.Equal(t, []CeilometerSink{{RelationID: 7, Application: "panko-legacy", Publisher: "direct://?dispatcher=panko"}}, both.Sinks, "only a unit with a publisher makes a sink")
	assert.Contains(t, both.Error, "mapping values are not allowed")
	assert.Empty(t, after.Sinks)
	assert.Empty(t, after.Error, "the pipeline loads again once the publishing relation is gone")
	assert.Equal(t, map[string][]string{"event_sink": aodhEventSink}, sinkPublishers(t, after.Pipeline))
}

func TestCeilometerConfig(t *testing.T) {
	cases := []struct {
		name    string
		config  map[string]string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"queens with gnocchi publisher", map[string]string{"release": "queens", "events-publisher": "gnocchi"}, ""},
		{"release before mitaka", map[string]string{"release": "liberty"}, "liberty"},
		{"unknown release", map[string]string{"release": "folsomx"}, "folsomx"},
		{"unknown events-publisher", map[string]string{"events-publisher": "kafka"}, "kafka"},
		{"unknown option", map[string]string{"openstack-origin": "cloud:focal-wallaby"}, "unknown option(s) openstack-origin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app, err := New("ceilometer", tc.config, Env{StateDir: t.TempDir()})
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "ceilometer", app.Charm())
			assert.False(t, app.Subordinate())
			assert.Equal(t, map[string]Endpoint{"event-service": {Interface: "event-service", Role: RoleRequires, Scope: ScopeGlobal}}, app.Endpoints())
		})
	}
}

func TestCeilometerBeforeAnyRelation(t *testing.T) {
	dir := t.TempDir()
	app := newCeilometerSim(t, dir, nil)

	_, ok, errStatus := Ceilometer(dir, "ceilometer")
	_, errEndpoint := app.Respond(context.Background(), []string{"ceilometer/0"}, "ceilometer/0", Relation{ID: 1, Endpoint: "metric-service"})

	require.NoError(t, errStatus)
	assert.False(t, ok)
	require.Error(t, errEndpoint)
	assert.Contains(t, errEndpoint.Error(), `no endpoint "metric-service"`)
}

func TestShowPicksTheSimulator(t *testing.T) {
	dir := t.TempDir()
	ceilometer := newCeilometerSim(t, filepath.Join(dir, "ceilometer"), nil)
	_, err := ceilometer.Respond(context.Background(), []string{"ceilometer/0"}, "", eventServiceRelation(12, "panko", bags{"panko/0": {"panko_url": "http://10.5.0.10:8977"}}))
	require.NoError(t, err)
	vault := newVaultSim(t, filepath.Join(dir, "vault"))
	_, err = vault.Respond(context.Background(), vaultUnits(), "vault/0", certificatesRelation(31, "panko", copyBags(loadVaultFixture(t).Local.Units)))
	require.NoError(t, err)
	ha := newHAModel(t, filepath.Join(dir, "hacluster"), nil, 1, loadHAFixture(t).principalBag(t, ""))
	ha.round(t)

	cases := []struct {
		app  string
		want string
	}{
		{"ceilometer", "ceilometer"},
		{"vault", "vault"},
		{"hacluster", "hacluster"},
		{"keystone", ""},
	}
	for _, tc := range cases {
		t.Run(tc.app, func(t *testing.T) {
			shown, err := Show(filepath.Join(dir, tc.app), tc.app)

			require.NoError(t, err)
			if tc.want == "" {
				assert.Empty(t, shown)
				return
			}
			assert.Equal(t, []string{tc.want}, keysOfAny(shown))
			raw, err := json.Marshal(shown)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), "PRIVATE KEY", "show never holds keys")
		})
	}
}

func keysOfAny(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
