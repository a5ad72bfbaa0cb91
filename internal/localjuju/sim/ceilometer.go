package sim

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Endpoint, options and defaults of the ceilometer simulator.
const (
	eventServiceEndpoint     = "event-service"
	defaultCeilometerRelease = "wallaby"
	// The only key the ceilometer charm reads on event-service
	// (lib/ceilometer_contexts.py, RemoteSinksContext).
	ceilometerPublisherKey = "publisher"
	// Values of the charm's events-publisher option.
	eventsPublisherAodh    = "aodh"
	eventsPublisherGnocchi = "gnocchi"
	// The charm renders event_pipeline.yaml from Mitaka on, from
	// templates/mitaka up to Pike and templates/queens from Queens.
	firstPipelineRelease  = "mitaka"
	queensPipelineRelease = "queens"
)

// ceilometerApp simulates the ceilometer charm's event-service requirer:
// it reads "publisher" from the related application's units and renders
// event_pipeline.yaml the way the charm's Jinja2 templates do, whitespace
// control included, then loads it as ceilometer does. It publishes
// nothing on the relation. The remote-sink option and the metric-service
// relation are not simulated (so events-publisher gnocchi publishes
// nothing, as the charm does without metric-service).
type ceilometerApp struct {
	base
	release         string
	eventsPublisher string
	env             Env
}

// ceilometerState is what the ceilometer simulator keeps per application.
type ceilometerState struct {
	// Release is the release the pipeline was last rendered for.
	Release string `json:"release"`
	// Sinks are the related applications' publishers, by relation id.
	Sinks map[int]ceilometerSink `json:"sinks"`
	// Pipeline is the event_pipeline.yaml rendered last, loading or not.
	Pipeline string `json:"event_pipeline.yaml"`
	// LoadError says why ceilometer cannot load the rendered
	// event_pipeline.yaml; "" when it loads.
	LoadError string `json:"load_error,omitempty"`
}

// ceilometerSink is what ceilometer learnt from one related application.
type ceilometerSink struct {
	App       string `json:"app"`
	Publisher string `json:"publisher"`
}

// newCeilometer validates the ceilometer simulator's configuration:
// release (the release of ceilometer-common, default wallaby; mitaka or
// later, the releases the charm renders event_pipeline.yaml for) and
// events-publisher (aodh, gnocchi or empty; default aodh).
func newCeilometer(config map[string]string, env Env) (*ceilometerApp, error) {
	if err := checkOptions("ceilometer", config, "release", "events-publisher"); err != nil {
		return nil, err
	}
	c := &ceilometerApp{release: defaultCeilometerRelease, eventsPublisher: eventsPublisherAodh, env: env,
		base: base{"ceilometer", false, map[string]Endpoint{eventServiceEndpoint: {Interface: "event-service", Role: RoleRequires, Scope: ScopeGlobal}}}}
	if v, ok := config["release"]; ok {
		c.release = v
	}
	if v, ok := config["events-publisher"]; ok {
		c.eventsPublisher = v
	}
	switch {
	case releaseOrder(c.release) < 0:
		return nil, fmt.Errorf("ceilometer simulator: unknown release %q", c.release)
	case releaseOrder(c.release) < releaseOrder(firstPipelineRelease):
		return nil, fmt.Errorf("ceilometer simulator: release %s has no event_pipeline.yaml (first: %s)", c.release, firstPipelineRelease)
	}
	switch c.eventsPublisher {
	case eventsPublisherAodh, eventsPublisherGnocchi, "":
	default:
		return nil, fmt.Errorf("ceilometer simulator: events-publisher %q is not %q, %q or empty", c.eventsPublisher, eventsPublisherAodh, eventsPublisherGnocchi)
	}
	return c, nil
}

// Respond reads the related application's publisher and renders the
// pipeline again. The answer is always empty: ceilometer sends nothing on
// event-service.
func (c *ceilometerApp) Respond(_ context.Context, units []string, _ string, rel Relation) (Response, error) {
	if rel.Endpoint != eventServiceEndpoint {
		return Response{}, fmt.Errorf("ceilometer simulator has no endpoint %q", rel.Endpoint)
	}
	app := appOf(units, rel.Units)
	if app == "" {
		return Response{}, nil
	}
	if err := checkAppName(app); err != nil {
		return Response{}, fmt.Errorf("ceilometer simulator: %w", err)
	}
	// As RemoteSinksContext does: every unit with a non-empty publisher
	// overwrites the application's sink, in relation-list order.
	publisher := ""
	for _, u := range SortedUnitKeys(rel.RemoteUnits) {
		if v := rel.RemoteUnits[u][ceilometerPublisherKey]; v != "" {
			publisher = v
		}
	}
	err := c.update(app, func(st *ceilometerState) {
		if publisher != "" {
			st.Sinks[rel.ID] = ceilometerSink{App: rel.RemoteApp, Publisher: publisher}
		} else {
			delete(st.Sinks, rel.ID)
		}
	})
	if err != nil {
		return Response{}, fmt.Errorf("ceilometer simulator: %w", err)
	}
	return Response{}, nil
}

// Departed removes the relation's sink from the pipeline, as the charm does
// when the relation is broken.
func (c *ceilometerApp) Departed(_ context.Context, rel Relation) error {
	files, err := stateFiles(c.env.StateDir, "ceilometer")
	if err != nil {
		return err
	}
	for _, f := range files {
		app := strings.TrimSuffix(strings.TrimPrefix(f, "ceilometer-"), ".json")
		if err := c.update(app, func(st *ceilometerState) { delete(st.Sinks, rel.ID) }); err != nil {
			return fmt.Errorf("ceilometer simulator: %w", err)
		}
	}
	return nil
}

// update changes the state of application app, renders its pipeline and
// records whether ceilometer can load it. Like the charm, it keeps the
// pipeline even when it does not load.
func (c *ceilometerApp) update(app string, change func(*ceilometerState)) error {
	return withState(c.env.StateDir, stateFile("ceilometer", app), func(st *ceilometerState) error {
		if st.Sinks == nil {
			st.Sinks = map[int]ceilometerSink{}
		}
		change(st)
		st.Release = c.release
		out := renderStockPipeline(c.release, c.eventSinkPublisher(), internalSinks(st.Sinks))
		st.LoadError = ""
		if err := loadPipeline(out); err != nil {
			st.LoadError = err.Error()
		}
		st.Pipeline = string(out)
		return nil
	})
}

// eventSinkPublisher is the charm's event_sink_publisher (Queens and
// later): aodh's alarm topic for "aodh", nothing for "" and, without a
// metric-service relation, nothing for "gnocchi".
func (c *ceilometerApp) eventSinkPublisher() string {
	if c.eventsPublisher == eventsPublisherAodh {
		return "notifier://?topic=alarm.all"
	}
	return ""
}

// internalSinks is the charm's internal_sinks dictionary in insertion
// order: relations by id, one entry per application, a later relation of
// the same application replacing the publisher in place.
func internalSinks(sinks map[int]ceilometerSink) []ceilometerSink {
	ids := make([]int, 0, len(sinks))
	for id := range sinks {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var out []ceilometerSink
	pos := map[string]int{}
	for _, id := range ids {
		s := sinks[id]
		if i, ok := pos[s.App]; ok {
			out[i].Publisher = s.Publisher
			continue
		}
		pos[s.App] = len(out)
		out = append(out, s)
	}
	return out
}

// renderStockPipeline renders what charm-ceilometer's
// templates/{mitaka,queens}/event_pipeline.yaml produce through charm-
// helpers' plain Jinja2 Environment (no trim_blocks, no lstrip_blocks,
// the template's last newline dropped), with remote-sink unset. Each
// piece below is the text the template's "{%-"/"-%}" whitespace control
// leaves; in particular the sinks loop is glued to "sinks:" and the
// sinks to each other.
func renderStockPipeline(release, eventSinkPublisher string, internal []ceilometerSink) []byte {
	var b strings.Builder
	b.WriteString("---\nsources:\n  - name: event_source\n    events:\n     - \"*\"\n    sinks:\n     - event_sink")
	for _, s := range internal {
		b.WriteString("\n     - " + s.App + "\n")
	}
	b.WriteString("\nsinks:")
	for _, s := range internal {
		b.WriteString("- name: " + s.App + "\n    transformers:\n    publishers:\n     - " + s.Publisher)
	}
	if len(internal) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("\n  - name: event_sink\n    transformers:\n    publishers:")
	switch {
	case releaseOrder(release) < releaseOrder(queensPipelineRelease):
		b.WriteString("\n     - notifier://\n     - notifier://?topic=alarm.all")
	case eventSinkPublisher != "":
		b.WriteString("\n     - " + eventSinkPublisher + "\n")
	}
	return []byte(b.String())
}

// pipelineDocument is the shape ceilometer's event pipeline manager reads.
type pipelineDocument struct {
	Sources []struct {
		Name   string   `yaml:"name"`
		Events []string `yaml:"events"`
		Sinks  []string `yaml:"sinks"`
	} `yaml:"sources"`
	Sinks []struct {
		Name       string   `yaml:"name"`
		Publishers []string `yaml:"publishers"`
	} `yaml:"sinks"`
}

// loadPipeline loads event_pipeline.yaml as ceilometer's pipeline manager
// does: it must parse as YAML, and every sink a source names must exist.
func loadPipeline(raw []byte) error {
	var doc pipelineDocument
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("event_pipeline.yaml does not load: %w", err)
	}
	defined := map[string]bool{}
	for _, s := range doc.Sinks {
		defined[s.Name] = true
	}
	for _, src := range doc.Sources {
		for _, name := range src.Sinks {
			if !defined[name] {
				return fmt.Errorf("event_pipeline.yaml: source %s feeds undefined sink %s", src.Name, name)
			}
		}
	}
	return nil
}

// CeilometerSink is one related application's event sink in the ceilometer
// simulator's pipeline.
type CeilometerSink struct {
	// RelationID is the event-service relation.
	RelationID int `json:"relation_id"`
	// Application is the related application; the sink is named after it.
	Application string `json:"application"`
	// Publisher is the publisher URL the application sent.
	Publisher string `json:"publisher"`
}

// CeilometerStatus is what the ceilometer simulator of an application
// keeps.
type CeilometerStatus struct {
	// Release is the release the pipeline was rendered for.
	Release string `json:"release"`
	// Sinks are the related applications' sinks in relation order.
	Sinks []CeilometerSink `json:"sinks"`
	// Pipeline is the rendered event_pipeline.yaml.
	Pipeline string `json:"event_pipeline.yaml"`
	// Error says why ceilometer cannot load Pipeline: its notification
	// agent then handles no event at all. "" when it loads.
	Error string `json:"error,omitempty"`
}

// Ceilometer returns what the ceilometer simulator of application app
// keeps in stateDir; ok is false when it has not rendered anything yet.
func Ceilometer(stateDir, app string) (status CeilometerStatus, ok bool, err error) {
	if err := checkAppName(app); err != nil {
		return CeilometerStatus{}, false, err
	}
	var st ceilometerState
	ok, err = readState(stateDir, stateFile("ceilometer", app), &st)
	if err != nil || !ok {
		return CeilometerStatus{}, ok, err
	}
	status = CeilometerStatus{Release: st.Release, Sinks: []CeilometerSink{}, Pipeline: st.Pipeline, Error: st.LoadError}
	ids := make([]int, 0, len(st.Sinks))
	for id := range st.Sinks {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		s := st.Sinks[id]
		status.Sinks = append(status.Sinks, CeilometerSink{RelationID: id, Application: s.App, Publisher: s.Publisher})
	}
	return status, true, nil
}

// ceilometerReleases are the OpenStack releases the ceilometer charm knows,
// in order (charm-helpers' OPENSTACK_CODENAMES, Icehouse to Yoga): the
// simulator's own list, an independent witness of the charm's.
func ceilometerReleases() []string {
	return []string{"icehouse", "juno", "kilo", "liberty", "mitaka", "newton", "ocata", "pike", "queens", "rocky", "stein", "train",
		"ussuri", "victoria", "wallaby", "xena", "yoga"}
}

// releaseOrder is release's position in ceilometerReleases, -1 unknown.
func releaseOrder(release string) int {
	return slices.Index(ceilometerReleases(), release)
}
