// Package eventservice is the codec of the event-service relation (interface
// event-service) between Panko and Ceilometer.
//
// Panko is the provider: every Panko unit publishes, in its unit bag, the
// event publisher URL Ceilometer must add to its event pipeline
// ("direct://?dispatcher=panko" for Ocata, "panko://" from Pike on) and
// Panko's public API URL. Ceilometer is the requirer: it reads "publisher"
// from every remote unit and renders one event sink per related application
// in /etc/ceilometer/event_pipeline.yaml. This package provides both sides,
// so the local model's ceilometer simulator renders what the ceilometer charm
// renders.
//
// The package is pure: it turns data bags into facts and never performs I/O.
package eventservice

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// Keys of the provider's unit bag (raw strings).
const (
	// KeyPublisher holds the ceilometer event publisher URL; it is the only
	// key the ceilometer charm reads.
	KeyPublisher = "publisher"
	// KeyPankoURL holds Panko's public API URL, for API consumers and for the
	// key the old panko interface published.
	KeyPankoURL = "panko_url"
)

// Names of the sinks and the source the ceilometer charm always renders.
const (
	SourceName     = "event_source"
	EventSinkName  = "event_sink"
	RemoteSinkName = "remote_sink"
)

// Values of ceilometer's events-publisher option (Queens and later).
const (
	EventsPublisherAodh    = "aodh"
	EventsPublisherGnocchi = "gnocchi"
	EventsPublisherNone    = ""
	// EventsPublisherDefault is the option's default in the ceilometer charm.
	EventsPublisherDefault = EventsPublisherAodh
)

// Publisher URLs the event_sink uses.
const (
	NotifierPublisher      = "notifier://"
	AlarmNotifierPublisher = "notifier://?topic=alarm.all"
	GnocchiPublisher       = "gnocchi://"
)

// Releases that select the pipeline layout.
const (
	// FirstPipelineRelease is the first release for which the ceilometer
	// charm renders event_pipeline.yaml.
	FirstPipelineRelease = "mitaka"
	// SinkPublisherRelease is the first release whose event_sink holds only
	// the events-publisher choice instead of the two notifier publishers.
	SinkPublisherRelease = "queens"
)

// maxValue bounds every received value; longer ones are malformed.
const maxValue = 4 << 10

// Publish returns the unit bag a Panko unit publishes on event-service for
// release, with pankoURL as its public API URL. An empty value deletes its
// key; an unknown release publishes no publisher.
func Publish(release, pankoURL string) map[string]string {
	publisher := ""
	if openstack.Known(release) {
		publisher = openstack.PublisherURL(release)
	}
	return map[string]string{
		KeyPublisher: publisher,
		KeyPankoURL:  pankoURL,
	}
}

// Publisher is what the requirer learns from one related application.
type Publisher struct {
	URL      string // the event publisher for event_pipeline.yaml
	PankoURL string // Panko's public API URL; empty when not published
}

// Parse reads the unit bags of one related application, in the order
// relation-list gives the units. As the ceilometer charm does, the last unit
// with a non-empty publisher wins; panko_url follows the same rule. Malformed
// values (not a URL with a scheme, control characters, too long) are ignored.
// ok is false while no unit has published a usable publisher.
func Parse(bags []map[string]string) (p Publisher, ok bool) {
	for _, bag := range bags {
		if v := bag[KeyPublisher]; ValidPublisher(v) == nil {
			p.URL = v
		}
		if v := bag[KeyPankoURL]; validHTTPURL(v) {
			p.PankoURL = v
		}
	}
	return p, p.URL != ""
}

// ValidPublisher reports why v cannot be used as a ceilometer publisher URL,
// or nil when it can.
func ValidPublisher(v string) error {
	switch {
	case v == "":
		return errors.New("empty publisher")
	case len(v) > maxValue:
		return fmt.Errorf("publisher longer than %d bytes", maxValue)
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return errors.New("publisher contains white space or control characters")
	}
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("publisher is not a URL: %w", err)
	}
	if u.Scheme == "" {
		return errors.New("publisher has no scheme")
	}
	return nil
}

func validHTTPURL(v string) bool {
	if v == "" || len(v) > maxValue {
		return false
	}
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Sink is one related application's event sink: the ceilometer charm names
// it after the application and gives it the application's publisher.
type Sink struct {
	App       string
	Publisher string
}

// Pipeline is everything the event part of ceilometer's event_pipeline.yaml
// depends on.
type Pipeline struct {
	// Release is the OpenStack release of ceilometer (ceilometer-common).
	Release string
	// Sinks are the related applications' sinks in relation order. A later
	// sink with the same App replaces the publisher of the earlier one and
	// keeps its position, as the charm's dictionary does.
	Sinks []Sink
	// RemoteSinks are the publishers of ceilometer's remote-sink option.
	RemoteSinks []string
	// EventsPublisher is ceilometer's events-publisher option (Queens and
	// later): "aodh", "gnocchi" or "" for none. Ignored before Queens.
	EventsPublisher string
	// MetricService reports whether ceilometer has a metric-service
	// (gnocchi) relation; "gnocchi" publishes nothing without one.
	MetricService bool
}

// RenderPipeline renders event_pipeline.yaml for release with one sink per
// publisher and the ceilometer charm's defaults otherwise (events-publisher
// aodh, no remote sinks, no metric-service). Each sink is named after the
// service its publisher writes to (see SinkName), which is the application
// name of a standard deployment; identical publishers give one sink, since
// two would store every event twice. Use Render when the application names
// are known.
func RenderPipeline(release string, publishers []string) ([]byte, error) {
	p := Pipeline{Release: release, EventsPublisher: EventsPublisherDefault}
	for _, pub := range publishers {
		name, err := SinkName(pub)
		if err != nil {
			return nil, fmt.Errorf("render event pipeline: %w", err)
		}
		p.Sinks = append(p.Sinks, Sink{App: name, Publisher: pub})
	}
	return Render(p)
}

// SinkName returns the name of the service a publisher URL writes to: the
// "dispatcher" query parameter of a direct:// publisher
// ("direct://?dispatcher=panko" gives "panko"), the scheme otherwise
// ("panko://" gives "panko").
func SinkName(publisher string) (string, error) {
	if err := ValidPublisher(publisher); err != nil {
		return "", err
	}
	u, err := url.Parse(publisher)
	if err != nil {
		return "", fmt.Errorf("parse publisher: %w", err)
	}
	name := strings.ToLower(u.Scheme)
	if d := u.Query().Get("dispatcher"); name == "direct" && d != "" {
		name = d
	}
	return name, nil
}

// yamlSource and yamlSink give the document its key order.
type yamlSource struct {
	Name   string   `yaml:"name"`
	Events []string `yaml:"events"`
	Sinks  []string `yaml:"sinks"`
}

type yamlSink struct {
	Name         string   `yaml:"name"`
	Transformers any      `yaml:"transformers"`
	Publishers   []string `yaml:"publishers"`
}

type yamlPipeline struct {
	Sources []yamlSource `yaml:"sources"`
	Sinks   []yamlSink   `yaml:"sinks"`
}

// Render renders the event part of ceilometer's event_pipeline.yaml the way
// the ceilometer charm's templates lay it out:
//
//   - source event_source takes every event ("*") and feeds event_sink, then
//     remote_sink when there are remote sinks, then one sink per related
//     application;
//   - sinks are listed as remote_sink, the application sinks, event_sink;
//   - Mitaka to Pike: event_sink publishes to notifier:// and
//     notifier://?topic=alarm.all;
//   - Queens and later: event_sink publishes only to the events-publisher
//     choice (aodh: notifier://?topic=alarm.all; gnocchi: gnocchi:// when
//     metric-service is related).
//
// One deliberate difference: when event_sink would have no publisher (Queens
// and later with events-publisher "" or gnocchi without metric-service), the
// charm's template still writes it with an empty publisher list, which
// ceilometer refuses ("No publisher specified") so no event reaches any sink.
// Render leaves event_sink out instead.
//
// It fails for an unknown release, a release before Mitaka, a malformed
// publisher, an application whose name clashes with a fixed sink, an
// events-publisher value the charm does not know, and a pipeline left with
// no sink at all.
func Render(p Pipeline) ([]byte, error) {
	doc, err := build(p)
	if err != nil {
		return nil, fmt.Errorf("render event pipeline: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("render event pipeline: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render event pipeline: encode: %w", err)
	}
	return buf.Bytes(), nil
}

func build(p Pipeline) (yamlPipeline, error) {
	if !openstack.Known(p.Release) {
		return yamlPipeline{}, fmt.Errorf("unknown release %q", p.Release)
	}
	if openstack.Compare(p.Release, FirstPipelineRelease) < 0 {
		return yamlPipeline{}, fmt.Errorf("release %s has no event pipeline (first: %s)", p.Release, FirstPipelineRelease)
	}
	apps, err := mergeSinks(p.Sinks)
	if err != nil {
		return yamlPipeline{}, err
	}
	for _, r := range p.RemoteSinks {
		if err := ValidPublisher(r); err != nil {
			return yamlPipeline{}, fmt.Errorf("remote sink %q: %w", r, err)
		}
	}
	eventPublishers, err := eventSinkPublishers(p)
	if err != nil {
		return yamlPipeline{}, err
	}

	src := yamlSource{Name: SourceName, Events: []string{"*"}}
	if len(eventPublishers) > 0 {
		src.Sinks = append(src.Sinks, EventSinkName)
	}
	var sinks []yamlSink
	if len(p.RemoteSinks) > 0 {
		src.Sinks = append(src.Sinks, RemoteSinkName)
		sinks = append(sinks, yamlSink{Name: RemoteSinkName, Publishers: append([]string(nil), p.RemoteSinks...)})
	}
	for _, s := range apps {
		src.Sinks = append(src.Sinks, s.App)
		sinks = append(sinks, yamlSink{Name: s.App, Publishers: []string{s.Publisher}})
	}
	if len(eventPublishers) > 0 {
		sinks = append(sinks, yamlSink{Name: EventSinkName, Publishers: eventPublishers})
	}
	if len(sinks) == 0 {
		return yamlPipeline{}, errors.New("no sink has a publisher: ceilometer refuses a source without sinks")
	}
	return yamlPipeline{Sources: []yamlSource{src}, Sinks: sinks}, nil
}

// mergeSinks applies the charm's dictionary semantics: one sink per
// application, the last publisher wins, the first position stays.
func mergeSinks(in []Sink) ([]Sink, error) {
	var out []Sink
	pos := map[string]int{}
	for _, s := range in {
		switch s.App {
		case "":
			return nil, errors.New("sink without an application name")
		case EventSinkName, RemoteSinkName, SourceName:
			return nil, fmt.Errorf("application name %q clashes with a fixed sink", s.App)
		}
		if err := ValidPublisher(s.Publisher); err != nil {
			return nil, fmt.Errorf("sink %s: %w", s.App, err)
		}
		if i, ok := pos[s.App]; ok {
			out[i].Publisher = s.Publisher
			continue
		}
		pos[s.App] = len(out)
		out = append(out, s)
	}
	return out, nil
}

// eventSinkPublishers returns the publishers of event_sink for p.
func eventSinkPublishers(p Pipeline) ([]string, error) {
	if openstack.Compare(p.Release, SinkPublisherRelease) < 0 {
		return []string{NotifierPublisher, AlarmNotifierPublisher}, nil
	}
	switch p.EventsPublisher {
	case EventsPublisherAodh:
		return []string{AlarmNotifierPublisher}, nil
	case EventsPublisherGnocchi:
		if p.MetricService {
			return []string{GnocchiPublisher}, nil
		}
		return nil, nil
	case EventsPublisherNone:
		return nil, nil
	}
	return nil, fmt.Errorf("events-publisher %q is not one of %q, %q or empty", p.EventsPublisher, EventsPublisherAodh, EventsPublisherGnocchi)
}
