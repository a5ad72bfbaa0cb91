package charm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/amqp"
	"github.com/openstack-charmers/charm-panko/internal/render"
	"github.com/openstack-charmers/charm-panko/internal/status"
)

// The event listener: it stores the events ceilometer publishes on the
// message bus of the rabbitmq-server related on amqp.
const (
	ListenerService    = "panko-event-listener"
	ListenerScriptFile = "/usr/lib/charm-panko/panko-event-listener"
	ListenerConfFile   = "/etc/panko/event-listener.conf"
	ListenerUnitFile   = "/etc/systemd/system/panko-event-listener.service"
	RabbitCAFile       = "/var/lib/charm/panko/rabbit-client-ca.pem"
	ListenerLogFile    = "/var/log/panko/panko-event-listener.log"
	ListenerStateFile  = "/var/lib/panko/event-listener.json"
	// listenerExchange is ceilometer's control exchange and listenerPool
	// the queue every Panko unit shares, so that each event is stored once
	// and other listeners (aodh) keep their own copy.
	listenerExchange = "ceilometer"
	listenerPool     = "panko"
)

// amqpMissing is the status of a unit related to ceilometer but not to its
// message bus: nothing would ever store ceilometer's events.
const amqpMissing = "'amqp' missing: relate panko to the rabbitmq-server ceilometer uses"

// managed returns the services a reconcile manages, in start order: the
// API's, and the event listener when it is installed.
func managed(listener bool) []string {
	out := append([]string{}, apiServices()...)
	if listener {
		out = append(out, ListenerService)
	}
	return out
}

// installedServices are the services managed on this unit: the event
// listener and the expirer's timer count once their unit files are
// installed.
func installedServices(d Deps) []string {
	out := managed(d.Host.Exists(ListenerUnitFile))
	if d.Host.Exists(ExpirerTimerFile) {
		out = append(out, ExpirerTimer)
	}
	return out
}

// listenerFiles are the files of an installed listener, removed with it.
func listenerFiles() []string {
	return []string{ListenerUnitFile, ListenerConfFile, ListenerScriptFile, RabbitCAFile}
}

// planListener requests Panko's user on the amqp relation and, once
// rabbitmq-server answered, installs and runs the event listener. Without
// amqp a listener installed before is stopped, disabled and removed; with
// ceilometer related the status says amqp is missing. A reply that goes
// bad or incomplete keeps an installed listener as it is. It returns the
// ready message's note.
func planListener(in Inputs, p *Plan, st *status.Collector, data render.Data) string {
	release := p.Release
	rels := in.Relations[AMQP]
	p.Services = managed(in.ListenerInstalled)
	if len(rels) == 0 {
		if len(in.Relations[EventService]) > 0 {
			st.Add(status.Blocked, amqpMissing)
		}
		if in.ListenerInstalled {
			p.Retire = []string{ListenerService}
			p.RetireFiles = retiredFiles(listenerFiles()...)
			p.Services = managed(false)
		}
		return ""
	}
	rel := rels[0]
	publish(p, rel, amqp.Request())
	units := make([]amqp.Unit, 0, len(rel.Units))
	for _, u := range rel.Units {
		units = append(units, amqp.Unit{Name: u, Bag: rel.Bags[u]})
	}
	reply, err := amqp.Parse(units)
	switch {
	case errors.Is(err, amqp.ErrIncomplete):
		st.Incomplete(AMQP)
		return ""
	case err != nil:
		st.Add(status.Blocked, fmt.Sprintf("'%s' data from %s is invalid: %v", AMQP, rel.RemoteApp, err))
		return ""
	}
	for _, pkg := range openstack.ListenerPackages(release) {
		if in.Installed[pkg] == "" {
			p.Install = append(p.Install, pkg)
		}
	}
	data.Listener = &render.Listener{
		Python:          openstack.Python(release),
		TransportURL:    reply.TransportURL(),
		Topics:          openstack.EventTopics(release),
		Exchange:        listenerExchange,
		Pool:            listenerPool,
		TelemetrySecret: in.Config.TelemetrySecret,
		// Ocata's oslo.messaging knows only the options renamed in Pike.
		LegacySSLOptions: openstack.Compare(release, "pike") < 0,
		LogFile:          ListenerLogFile,
		StateFile:        ListenerStateFile,
	}
	restart := []string{ListenerService}
	if reply.TLS() {
		data.Listener.SSLCAFile = RabbitCAFile
		p.Files = append(p.Files, File{Path: RabbitCAFile, Data: reply.CA, Mode: 0o644, Owner: "root", Group: "root", Restarts: restart})
	} else {
		p.RetireFiles = append(p.RetireFiles, retiredFiles(RabbitCAFile)...)
	}
	specs := []struct {
		tmpl, path string
		mode       fs.FileMode
		group      string
		secret     bool
		onChange   []string
	}{
		{render.ListenerScript, ListenerScriptFile, 0o755, "root", false, nil},
		{render.ListenerConf, ListenerConfFile, 0o640, "panko", true, nil},
		{render.ListenerUnit, ListenerUnitFile, 0o644, "root", false, []string{"systemctl", "daemon-reload"}},
	}
	for _, s := range specs {
		out, err := data.Render(s.tmpl)
		if err != nil {
			p.Err = fmt.Errorf("render %s: %w", s.path, err)
			return ""
		}
		p.Files = append(p.Files, File{Path: s.path, Data: out, Mode: s.mode, Owner: "root", Group: s.group,
			Restarts: restart, OnChange: s.onChange, Secret: s.secret})
	}
	p.Create = append(p.Create, File{Path: ListenerLogFile, Mode: 0o640, Owner: "panko", Group: "panko"})
	p.Services = managed(true)
	if len(in.Relations[EventService]) > 0 {
		return "storing ceilometer events from " + rel.RemoteApp
	}
	return "storing events from " + rel.RemoteApp
}

// listenerState is what the event listener writes to ListenerStateFile.
type listenerState struct {
	Stored       int    `json:"stored"`
	BadSignature int    `json:"bad_signature"`
	Malformed    int    `json:"malformed"`
	Requeued     int    `json:"requeued"`
	LastStored   string `json:"last_stored"`
}

// listenerReport is diagnose's line on the event listener: what it has
// stored since it started and what it dropped. It fails when the listener
// has not reported yet.
func listenerReport(d Deps) (bool, string) {
	raw, err := d.Host.ReadFile(ListenerStateFile)
	if err != nil {
		return false, "no report from the listener yet (" + ListenerStateFile + ")"
	}
	var st listenerState
	if err := json.Unmarshal(raw, &st); err != nil {
		return false, ListenerStateFile + " is not the listener's report"
	}
	last := "none yet"
	if st.LastStored != "" {
		last = st.LastStored + " UTC"
	}
	return true, fmt.Sprintf("stored %d events since it started (last %s); dropped %d with a bad signature and %d malformed; %d requeued after database errors",
		st.Stored, last, st.BadSignature, st.Malformed, st.Requeued)
}
