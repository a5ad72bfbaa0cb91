package eventservice

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// fixture is testdata/ceilometer-event-service.json.
type fixture struct {
	Local struct {
		App   string                       `json:"app"`
		Units map[string]map[string]string `json:"units"`
	} `json:"local"`
	Remote struct {
		App   string                       `json:"app"`
		Units map[string]map[string]string `json:"units"`
	} `json:"remote"`
	Need map[string]map[string]string `json:"what_ceilometer_would_need"`
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "ceilometer-event-service.json"))
	require.NoError(t, err)
	var f fixture
	require.NoError(t, json.Unmarshal(raw, &f))
	require.Contains(t, f.Local.Units, "panko/0")
	require.Contains(t, f.Need, "panko/0")
	return f
}

// parsed is event_pipeline.yaml read back generically.
type parsed struct {
	Sources []struct {
		Name   string   `yaml:"name"`
		Events []string `yaml:"events"`
		Sinks  []string `yaml:"sinks"`
	} `yaml:"sources"`
	Sinks []struct {
		Name         string   `yaml:"name"`
		Transformers any      `yaml:"transformers"`
		Publishers   []string `yaml:"publishers"`
	} `yaml:"sinks"`
}

func parsePipeline(t *testing.T, doc []byte) parsed {
	t.Helper()
	var p parsed
	dec := yaml.NewDecoder(strings.NewReader(string(doc)))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&p), "%s", doc)
	return p
}

// sinkPublishers maps each sink name to its publishers, in document order.
func sinkPublishers(p parsed) (names []string, pubs map[string][]string) {
	pubs = map[string][]string{}
	for _, s := range p.Sinks {
		names = append(names, s.Name)
		pubs[s.Name] = s.Publishers
	}
	return names, pubs
}

func TestPublishMatchesFixture(t *testing.T) {
	f := loadFixture(t)
	pankoURL := f.Local.Units["panko/0"][KeyPankoURL]
	require.NotEmpty(t, pankoURL)
	cases := []struct {
		release string
		want    string
	}{
		{"wallaby", f.Need["panko/0"][KeyPublisher]},
		{"pike", "panko://"},
		{"ocata", "direct://?dispatcher=panko"},
		{"not-a-release", ""},
	}
	for _, tc := range cases {
		t.Run(tc.release, func(t *testing.T) {
			got := Publish(tc.release, pankoURL)

			assert.Equal(t, map[string]string{KeyPublisher: tc.want, KeyPankoURL: pankoURL}, got)
		})
	}
}

func TestParse(t *testing.T) {
	f := loadFixture(t)
	old := f.Local.Units["panko/0"] // what the old panko charm published
	fixed := map[string]string{}
	for k, v := range old {
		fixed[k] = v
	}
	for k, v := range f.Need["panko/0"] {
		fixed[k] = v
	}
	cases := []struct {
		name   string
		bags   []map[string]string
		want   Publisher
		wantOK bool
	}{
		{"no units", nil, Publisher{}, false},
		{"old charm: panko_url only", []map[string]string{old}, Publisher{PankoURL: old[KeyPankoURL]}, false},
		{"fixture with publisher", []map[string]string{fixed}, Publisher{URL: "panko://", PankoURL: old[KeyPankoURL]}, true},
		{"last unit wins", []map[string]string{
			{KeyPublisher: "direct://?dispatcher=panko", KeyPankoURL: "http://10.0.0.1:8977"},
			{KeyPublisher: "panko://", KeyPankoURL: "http://10.0.0.2:8977"},
		}, Publisher{URL: "panko://", PankoURL: "http://10.0.0.2:8977"}, true},
		{"empty later unit does not erase", []map[string]string{
			{KeyPublisher: "panko://", KeyPankoURL: "http://10.0.0.1:8977"},
			{"private-address": "10.0.0.2"},
		}, Publisher{URL: "panko://", PankoURL: "http://10.0.0.1:8977"}, true},
		{"malformed values ignored", []map[string]string{
			{KeyPublisher: "panko://", KeyPankoURL: "https://panko.example.com:8977"},
			{KeyPublisher: "panko://\n  - evil://", KeyPankoURL: "ftp://x"},
			{KeyPublisher: "no-scheme", KeyPankoURL: "http://"},
			{KeyPublisher: "x://" + strings.Repeat("a", maxValue)},
		}, Publisher{URL: "panko://", PankoURL: "https://panko.example.com:8977"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Parse(tc.bags)

			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRenderPipelineFromFixture(t *testing.T) {
	f := loadFixture(t)
	cases := []struct {
		release        string
		wantSinks      []string
		wantPanko      []string
		wantEventSink  []string
		wantSourceSink []string
	}{
		{
			release:        "wallaby",
			wantSinks:      []string{"panko", EventSinkName},
			wantPanko:      []string{"panko://"},
			wantEventSink:  []string{AlarmNotifierPublisher},
			wantSourceSink: []string{EventSinkName, "panko"},
		},
		{
			release:        "queens",
			wantSinks:      []string{"panko", EventSinkName},
			wantPanko:      []string{"panko://"},
			wantEventSink:  []string{AlarmNotifierPublisher},
			wantSourceSink: []string{EventSinkName, "panko"},
		},
		{
			release:        "pike",
			wantSinks:      []string{"panko", EventSinkName},
			wantPanko:      []string{"panko://"},
			wantEventSink:  []string{NotifierPublisher, AlarmNotifierPublisher},
			wantSourceSink: []string{EventSinkName, "panko"},
		},
		{
			release:        "ocata",
			wantSinks:      []string{"panko", EventSinkName},
			wantPanko:      []string{"direct://?dispatcher=panko"},
			wantEventSink:  []string{NotifierPublisher, AlarmNotifierPublisher},
			wantSourceSink: []string{EventSinkName, "panko"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.release, func(t *testing.T) {
			// Panko publishes for the release; ceilometer parses and renders.
			bag := map[string]string{}
			for k, v := range f.Local.Units["panko/0"] {
				bag[k] = v
			}
			for k, v := range Publish(tc.release, bag[KeyPankoURL]) {
				bag[k] = v
			}
			pub, ok := Parse([]map[string]string{bag})
			require.True(t, ok)

			doc, err := RenderPipeline(tc.release, []string{pub.URL})

			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(string(doc), "---\n"))
			p := parsePipeline(t, doc)
			require.Len(t, p.Sources, 1)
			assert.Equal(t, SourceName, p.Sources[0].Name)
			assert.Equal(t, []string{"*"}, p.Sources[0].Events)
			assert.Equal(t, tc.wantSourceSink, p.Sources[0].Sinks)
			names, pubs := sinkPublishers(p)
			assert.Equal(t, tc.wantSinks, names)
			assert.Equal(t, tc.wantPanko, pubs["panko"])
			assert.Equal(t, tc.wantEventSink, pubs[EventSinkName])
			for _, s := range p.Sinks {
				assert.Nil(t, s.Transformers, "sink %s", s.Name)
			}
		})
	}
}

func TestRender(t *testing.T) {
	type want struct {
		sourceSinks []string
		sinks       []string
		pubs        map[string][]string
	}
	cases := []struct {
		name string
		in   Pipeline
		want want
	}{
		{
			name: "mitaka without relations",
			in:   Pipeline{Release: "mitaka", EventsPublisher: EventsPublisherDefault},
			want: want{
				sourceSinks: []string{EventSinkName},
				sinks:       []string{EventSinkName},
				pubs:        map[string][]string{EventSinkName: {NotifierPublisher, AlarmNotifierPublisher}},
			},
		},
		{
			name: "remote sinks and two applications in relation order",
			in: Pipeline{
				Release:     "stein",
				RemoteSinks: []string{"udp://10.0.0.9:4952", "http://10.0.0.8/events"},
				Sinks: []Sink{
					{App: "panko-b", Publisher: "panko://"},
					{App: "panko", Publisher: "panko://"},
				},
				EventsPublisher: EventsPublisherAodh,
			},
			want: want{
				sourceSinks: []string{EventSinkName, RemoteSinkName, "panko-b", "panko"},
				sinks:       []string{RemoteSinkName, "panko-b", "panko", EventSinkName},
				pubs: map[string][]string{
					RemoteSinkName: {"udp://10.0.0.9:4952", "http://10.0.0.8/events"},
					"panko-b":      {"panko://"},
					"panko":        {"panko://"},
					EventSinkName:  {AlarmNotifierPublisher},
				},
			},
		},
		{
			name: "same application twice: last publisher, first position",
			in: Pipeline{
				Release: "pike",
				Sinks: []Sink{
					{App: "panko", Publisher: "direct://?dispatcher=panko"},
					{App: "other", Publisher: "http://10.0.0.7/"},
					{App: "panko", Publisher: "panko://"},
				},
			},
			want: want{
				sourceSinks: []string{EventSinkName, "panko", "other"},
				sinks:       []string{"panko", "other", EventSinkName},
				pubs: map[string][]string{
					"panko":       {"panko://"},
					"other":       {"http://10.0.0.7/"},
					EventSinkName: {NotifierPublisher, AlarmNotifierPublisher},
				},
			},
		},
		{
			name: "queens gnocchi with metric-service",
			in:   Pipeline{Release: "queens", EventsPublisher: EventsPublisherGnocchi, MetricService: true},
			want: want{
				sourceSinks: []string{EventSinkName},
				sinks:       []string{EventSinkName},
				pubs:        map[string][]string{EventSinkName: {GnocchiPublisher}},
			},
		},
		{
			name: "queens gnocchi without metric-service: event_sink left out",
			in:   Pipeline{Release: "queens", EventsPublisher: EventsPublisherGnocchi, Sinks: []Sink{{App: "panko", Publisher: "panko://"}}},
			want: want{
				sourceSinks: []string{"panko"},
				sinks:       []string{"panko"},
				pubs:        map[string][]string{"panko": {"panko://"}},
			},
		},
		{
			name: "wallaby events-publisher empty: only the panko sink",
			in:   Pipeline{Release: "wallaby", Sinks: []Sink{{App: "panko", Publisher: "panko://"}}},
			want: want{
				sourceSinks: []string{"panko"},
				sinks:       []string{"panko"},
				pubs:        map[string][]string{"panko": {"panko://"}},
			},
		},
		{
			name: "pike ignores events-publisher",
			in:   Pipeline{Release: "pike", EventsPublisher: "bogus"},
			want: want{
				sourceSinks: []string{EventSinkName},
				sinks:       []string{EventSinkName},
				pubs:        map[string][]string{EventSinkName: {NotifierPublisher, AlarmNotifierPublisher}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Render(tc.in)

			require.NoError(t, err)
			p := parsePipeline(t, doc)
			require.Len(t, p.Sources, 1)
			assert.Equal(t, tc.want.sourceSinks, p.Sources[0].Sinks)
			names, pubs := sinkPublishers(p)
			assert.Equal(t, tc.want.sinks, names)
			assert.Equal(t, tc.want.pubs, pubs)
		})
	}
}

func TestRenderErrors(t *testing.T) {
	cases := []struct {
		name    string
		in      Pipeline
		wantErr string
	}{
		{"unknown release", Pipeline{Release: "havana"}, `unknown release "havana"`},
		{"empty release", Pipeline{}, `unknown release ""`},
		{"sink without app", Pipeline{Release: "pike", Sinks: []Sink{{Publisher: "panko://"}}}, "without an application name"},
		{"app clashes with event_sink", Pipeline{Release: "pike", Sinks: []Sink{{App: "event_sink", Publisher: "panko://"}}}, "clashes"},
		{"publisher with newline", Pipeline{Release: "pike", Sinks: []Sink{{App: "panko", Publisher: "panko://\nx"}}}, "white space"},
		{"publisher without scheme", Pipeline{Release: "pike", Sinks: []Sink{{App: "panko", Publisher: "panko"}}}, "no scheme"},
		{"bad remote sink", Pipeline{Release: "pike", RemoteSinks: []string{""}}, "remote sink"},
		{"no sink at all", Pipeline{Release: "wallaby", EventsPublisher: EventsPublisherNone}, "no sink"},
		{"bad events-publisher", Pipeline{Release: "queens", EventsPublisher: "mongo"}, `events-publisher "mongo"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Render(tc.in)

			require.Error(t, err)
			assert.Nil(t, doc)
			assert.Contains(t, err.Error(), "render event pipeline: ")
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestSinkName(t *testing.T) {
	cases := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"panko://", "panko", false},
		{"direct://?dispatcher=panko", "panko", false},
		{"direct://", "direct", false},
		{"gnocchi://", "gnocchi", false},
		{"HTTP://10.0.0.1/x", "http", false},
		{"", "", true},
		{"panko", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := SinkName(tc.in)

			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRenderPipelineDeduplicatesAndFails(t *testing.T) {
	doc, err := RenderPipeline("wallaby", []string{"panko://", "panko://"})
	require.NoError(t, err)
	names, _ := sinkPublishers(parsePipeline(t, doc))
	assert.Equal(t, []string{"panko", EventSinkName}, names)

	_, err = RenderPipeline("wallaby", []string{"not a url"})
	assert.Error(t, err)
}
