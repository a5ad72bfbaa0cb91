package sim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
	"github.com/openstack-charmers/charm-panko/internal/relation/eventservice"
)

// Endpoint and defaults of the ceilometer simulator.
const (
	eventServiceEndpoint     = "event-service"
	defaultCeilometerRelease = "wallaby"
)

// ceilometerApp simulates the ceilometer charm's event-service requirer:
// it reads "publisher" from the related application's units and renders
// event_pipeline.yaml with one sink per related application, as the
// charm's templates do for its OpenStack release. It publishes nothing on
// the relation.
type ceilometerApp struct {
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
	// RenderError says why no pipeline could be rendered (e.g. no sink
	// has a publisher); "" when the pipeline file is current.
	RenderError string `json:"render_error,omitempty"`
}

// ceilometerSink is what ceilometer learnt from one related application.
type ceilometerSink struct {
	App       string `json:"app"`
	Publisher string `json:"publisher"`
	PankoURL  string `json:"panko_url,omitempty"`
}

// newCeilometer validates the ceilometer simulator's configuration:
// release (the openstack-origin's release, default wallaby) and
// events-publisher (aodh, gnocchi or empty; default aodh).
func newCeilometer(config map[string]string, env Env) (*ceilometerApp, error) {
	if err := checkOptions("ceilometer", config, "release", "events-publisher"); err != nil {
		return nil, err
	}
	c := &ceilometerApp{release: defaultCeilometerRelease, eventsPublisher: eventservice.EventsPublisherDefault, env: env}
	if v, ok := config["release"]; ok {
		c.release = v
	}
	if v, ok := config["events-publisher"]; ok {
		c.eventsPublisher = v
	}
	// A pipeline with one sink checks release and events-publisher.
	if _, err := c.render(map[int]ceilometerSink{0: {App: "panko", Publisher: "panko://"}}); err != nil {
		return nil, fmt.Errorf("ceilometer simulator: %w", err)
	}
	return c, nil
}

// Charm is "ceilometer".
func (c *ceilometerApp) Charm() string { return "ceilometer" }

// Subordinate is false.
func (c *ceilometerApp) Subordinate() bool { return false }

// Endpoints requires event-service.
func (c *ceilometerApp) Endpoints() map[string]Endpoint {
	return map[string]Endpoint{eventServiceEndpoint: {Interface: "event-service", Role: RoleRequires, Scope: ScopeGlobal}}
}

// ceilometerPipelineFile is where the pipeline of application app is kept.
func ceilometerPipelineFile(app string) string { return "ceilometer-" + app + "-event_pipeline.yaml" }

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
	var bags []map[string]string
	for _, u := range sortedUnits(rel.RemoteUnits) {
		bags = append(bags, rel.RemoteUnits[u])
	}
	p, ok := eventservice.Parse(bags)
	err := c.update(app, func(st *ceilometerState) {
		if ok {
			st.Sinks[rel.ID] = ceilometerSink{App: rel.RemoteApp, Publisher: p.URL, PankoURL: p.PankoURL}
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

// update changes the state of application app and renders its pipeline.
func (c *ceilometerApp) update(app string, change func(*ceilometerState)) error {
	return withState(c.env.StateDir, stateFile("ceilometer", app), func(st *ceilometerState) error {
		if st.Sinks == nil {
			st.Sinks = map[int]ceilometerSink{}
		}
		change(st)
		st.Release = c.release
		path := filepath.Join(c.env.StateDir, ceilometerPipelineFile(app))
		out, err := c.render(st.Sinks)
		if err != nil {
			// Ceilometer would run without a usable event pipeline: keep
			// the reason for show-unit rather than fail the relation.
			st.RenderError = err.Error()
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", path, err)
			}
			return nil
		}
		st.RenderError = ""
		return atomicfile.Write(path, out, 0o644)
	})
}

// render renders event_pipeline.yaml with the sinks in relation order.
func (c *ceilometerApp) render(sinks map[int]ceilometerSink) ([]byte, error) {
	ids := make([]int, 0, len(sinks))
	for id := range sinks {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	p := eventservice.Pipeline{Release: c.release, EventsPublisher: c.eventsPublisher}
	for _, id := range ids {
		p.Sinks = append(p.Sinks, eventservice.Sink{App: sinks[id].App, Publisher: sinks[id].Publisher})
	}
	out, err := eventservice.Render(p)
	if err != nil {
		return nil, fmt.Errorf("render event_pipeline.yaml: %w", err)
	}
	return out, nil
}

// CeilometerPipeline returns the event_pipeline.yaml the ceilometer
// simulator of application app rendered last. The error matches
// os.ErrNotExist while it has not rendered one, and says why when the
// current sinks could not be rendered.
func CeilometerPipeline(stateDir, app string) ([]byte, error) {
	if err := checkAppName(app); err != nil {
		return nil, fmt.Errorf("pipeline of %s: %w", app, err)
	}
	var out []byte
	err := withLock(stateDir, func() error {
		var st ceilometerState
		err := readJSON(filepath.Join(stateDir, stateFile("ceilometer", app)), &st)
		if err != nil {
			return err
		}
		if st.RenderError != "" {
			return fmt.Errorf("%s: %w", st.RenderError, os.ErrNotExist)
		}
		out, err = os.ReadFile(filepath.Join(stateDir, ceilometerPipelineFile(app)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline of %s: %w", app, err)
	}
	return out, nil
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
	// PankoURL is the panko_url the application sent, if any.
	PankoURL string `json:"panko_url,omitempty"`
}

// CeilometerStatus is what the ceilometer simulator of an application
// keeps.
type CeilometerStatus struct {
	// Release is the release the pipeline was rendered for.
	Release string `json:"release"`
	// Sinks are the related applications' sinks in relation order.
	Sinks []CeilometerSink `json:"sinks"`
	// Pipeline is the rendered event_pipeline.yaml; "" when Error says
	// why there is none.
	Pipeline string `json:"event_pipeline.yaml,omitempty"`
	// Error says why the sinks could not be rendered.
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
	status = CeilometerStatus{Release: st.Release, Sinks: []CeilometerSink{}, Error: st.RenderError}
	if st.RenderError == "" {
		pipeline, err := CeilometerPipeline(stateDir, app)
		if err != nil {
			return CeilometerStatus{}, false, err
		}
		status.Pipeline = string(pipeline)
	}
	ids := make([]int, 0, len(st.Sinks))
	for id := range st.Sinks {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		s := st.Sinks[id]
		status.Sinks = append(status.Sinks, CeilometerSink{RelationID: id, Application: s.App, Publisher: s.Publisher, PankoURL: s.PankoURL})
	}
	return status, true, nil
}
