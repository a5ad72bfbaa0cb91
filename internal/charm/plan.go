package charm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/config"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/shareddb"
	"github.com/openstack-charmers/charm-panko/internal/relation/tlscerts"
	"github.com/openstack-charmers/charm-panko/internal/render"
	"github.com/openstack-charmers/charm-panko/internal/status"
)

// apiServices are the services of the API, in the order they are started
// and restarted.
func apiServices() []string { return []string{"memcached", "apache2", haproxyService} }

// haproxyService is the API frontend, which pacemaker manages once an ha
// relation exists.
const haproxyService = "haproxy"

// RelationSet is data to publish in this unit's bag on a relation (an
// empty value deletes the key). The charm publishes no application data.
type RelationSet struct {
	ID   string
	Data map[string]string
}

// Plan is what a reconcile wants the unit to look like. plan computes it
// from Inputs alone.
type Plan struct {
	// Halt stops after setting Status: nothing is installed, written or
	// restarted (invalid config, unsupported release).
	Halt bool
	// Leave lists services the charm neither starts nor stops (haproxy on a
	// paused unit while pacemaker manages it).
	Leave []string
	// Apt: the origin's source, then packages to install and purge.
	Source  openstack.AptSource
	Install []string
	Purge   []string
	// Mask lists distro services to stop, disable and mask (panko-api).
	Mask []string
	// Files to write, RemoveFiles to delete, Sites to enable with a2ensite
	// (DisableSites with a2dissite) and Apache Modules to enable.
	Files        []File
	RemoveFiles  []Removal
	Sites        []string
	DisableSites []string
	Modules      []string
	// Services are the services this reconcile manages, in start order.
	// Run says whether they should run; restarts follow changed files and
	// Restart, the services restarted whatever their files did.
	Services []string
	Run      bool
	Restart  []string
	// Retire lists services to stop and disable for good, then
	// RetireFiles are removed.
	Retire      []string
	RetireFiles []Removal
	// LeaderSet is leader data to set (the leader only).
	LeaderSet map[string]string
	// TryRestart are services of other charms restarted, if they run,
	// when a file of theirs changed (nagios-nrpe-server).
	TryRestart []string
	// DBSync is set when this unit (the leader) must run panko-dbsync for
	// Release, with DB the database to check afterwards.
	DBSync  bool
	DB      *shareddb.Reply
	Release string
	// Relations to publish and ports to open (those not open yet).
	Relations []RelationSet
	Open      []string
	// Record is the next record of what this unit published, to keep in
	// charm state (nil: unchanged).
	Record *string
	// Warnings are logged at WARNING level.
	Warnings []string
	// Create are files created empty, with their owner and mode, when
	// absent and never rewritten (logs).
	Create []File
	// Upgrade names the release this unit upgrades from ("" = no upgrade).
	Upgrade string
	// SetVersion asks for the workload version to be reported again.
	SetVersion bool
	Status     status.Status
	// Err is a rendering failure: a defect the hook reports as an error.
	Err error
}

// plan computes the desired state of the unit. It is pure.
func plan(in Inputs) Plan {
	var p Plan
	var st status.Collector
	if len(in.Problems) > 0 {
		p.Halt = true
		p.Status = status.Status{Name: status.Blocked, Message: "Invalid config: " + config.Join(in.Problems)}
		return p
	}
	if probs := haProblems(in); len(probs) > 0 {
		p.Halt = true
		p.Status = status.Status{Name: status.Blocked, Message: "Invalid config: " + config.Join(probs)}
		return p
	}
	if in.OriginErr != nil {
		p.Halt = true
		p.Status = status.Status{Name: status.Blocked, Message: in.OriginErr.Error()}
		return p
	}
	release, upgrade, problem := chooseRelease(in)
	if problem != "" {
		p.Halt = true
		p.Status = status.Status{Name: status.Blocked, Message: problem}
		return p
	}
	p.Release = release
	p.Upgrade = upgrade
	if in.SSLConfig == nil {
		in.Hostname = chooseHostname(in)
	}

	// Packages.
	install, purge := openstack.Packages(release)
	p.Source = in.Origin.Apt()
	for _, pkg := range install {
		if in.Installed[pkg] == "" || upgrade != "" {
			p.Install = append(p.Install, pkg)
		}
	}
	for _, pkg := range purge {
		if in.Installed[pkg] != "" {
			p.Purge = append(p.Purge, pkg)
		}
	}
	if in.Installed[openstack.VersionPackage] == "" {
		p.Mask = []string{"panko-api"}
	}
	p.SetVersion = len(p.Install) > 0 || in.Event.Name == "upgrade-charm"
	if port := fmt.Sprintf("%d/tcp", openstack.APIPort); !slices.Contains(in.OpenedPorts, port) {
		p.Open = []string{port}
	}

	// Relations.
	data := renderData(in, release)
	planHA(in, &p, &st)
	tlsSet := planTLS(in, &p, &st, &data)
	scheme := "http"
	if tlsSet != nil {
		scheme = "https"
	}
	db, dbReady := planSharedDB(in, &p, &st)
	if dbReady {
		data.DB = &render.Database{User: shareddb.Username, Password: db.Password, Host: db.Host, Port: db.Port, Name: shareddb.Database}
		if len(db.SSLCA) > 0 {
			data.DB.SSLCAFile = DBCAFile
			p.Files = append(p.Files, File{Path: DBCAFile, Data: db.SSLCA, Mode: 0o644, Owner: "root", Group: "root"})
		} else {
			p.RemoveFiles = append(p.RemoveFiles, servedRemovals(DBCAFile)...)
		}
	}
	creds, ksReady := planKeystone(in, &p, &st, scheme)
	if ksReady {
		data.Keystone = &render.Keystone{
			AuthURI:         creds.PublicAuthURI(),
			AuthURL:         creds.AuthURL(),
			ProjectDomain:   orDefault(creds.ServiceDomain, "default"),
			UserDomain:      orDefault(creds.ServiceDomain, "default"),
			Project:         creds.ServiceTenant,
			Username:        creds.ServiceUsername,
			Password:        creds.ServicePassword,
			Region:          in.Config.Region,
			WWWAuthenticate: openstack.Compare(release, "stein") >= 0,
		}
	}
	peerNote := planPeers(in, &p, &data)

	// Files.
	files, err := renderFiles(data)
	if err != nil {
		p.Err = err
	}
	p.Files = append(p.Files, files...)
	// panko.conf names this log: created by panko-dbsync or any other
	// panko command run as root, it would be root's and the API (user
	// panko) could not write it.
	p.Create = []File{{Path: APILogFile, Mode: 0o640, Owner: "panko", Group: "panko"}}
	p.Sites = []string{"panko-api"}
	// mod_wsgi serves the API. Its package enables it, but removing or
	// purging the other flavour (libapache2-mod-wsgi at Rocky) disables it
	// again: apache2_invoke dismod wsgi.
	p.Modules = []string{"wsgi"}
	if data.TLS != nil {
		out, err := data.Render(render.HTTPSFrontend)
		if err != nil {
			p.Err = fmt.Errorf("render %s: %w", HTTPSSiteFile, err)
		}
		p.Files = append(p.Files, File{Path: HTTPSSiteFile, Data: out, Mode: 0o644, Owner: "root", Group: "root", Restarts: []string{"apache2"}})
		p.Sites = append(p.Sites, HTTPSSite)
		p.Modules = append(p.Modules, tlsModules()...)
	} else {
		p.DisableSites = []string{HTTPSSite}
		p.RemoveFiles = append(p.RemoveFiles, servedRemovals(HTTPSSiteFile, CACertFile)...)
		main, extra := certRequests(in)
		for _, r := range append([]tlscerts.CertRequest{main}, extra...) {
			p.RemoveFiles = append(p.RemoveFiles, servedRemovals(certPath(r.CN), keyPath(r.CN))...)
		}
		// And those of names asked for before but no longer.
		var now []string
		for _, r := range append([]tlscerts.CertRequest{main}, extra...) {
			now = append(now, r.CN)
		}
		p.RemoveFiles = append(p.RemoveFiles, servedRemovals(staleTLSFiles(in, now)...)...)
	}

	// A relation that is still there but whose data went bad or incomplete
	// keeps the working panko.conf and services until it is fixed or gone.
	holdDB := len(in.Relations[SharedDB]) > 0 && !dbReady && in.Configured.Database
	holdKS := len(in.Relations[IdentityService]) > 0 && !ksReady && in.Configured.Keystone
	if holdDB || holdKS {
		kept := p.Files[:0]
		for _, f := range p.Files {
			if f.Path != PankoConf {
				kept = append(kept, f)
			}
		}
		p.Files = kept
	}

	// Database sync and service state. The schema in the database is the
	// truth (a new, empty database gets one), db-synced the release it was
	// last migrated for.
	ready := dbReady && ksReady
	reachable := dbReady && in.DBChecked && in.DBReachable == nil
	if dbReady && in.DBChecked && in.DBReachable != nil {
		st.Add(status.Waiting, fmt.Sprintf("Database not reachable: %s", db.Addr()))
		ready = false
	}
	if reachable && !(in.Schema.CurrentFor(release) && schemaSynced(in, release)) {
		if in.Leader {
			p.DBSync, p.DB = true, &db
		} else {
			st.Add(status.Waiting, "Waiting for database sync by the leader")
			ready = false
		}
	}
	// Services that had a working configuration keep running while both
	// relations are there: through an unreachable database, a keystone
	// answer that is momentarily incomplete or a schema sync they wait for,
	// as running services reconnect by themselves. They stop only when a
	// relation is gone or they never had a working configuration.
	serving := in.Configured.Database && in.Configured.Keystone
	keep := serving && len(in.Relations[SharedDB]) > 0 && len(in.Relations[IdentityService]) > 0
	planEventService(in, &p, scheme)
	listenerNote := planListener(in, &p, &st, data)
	// The listener reads panko.conf (its [database]) once, at start, as
	// Apache's WSGI daemons do.
	if slices.Contains(p.Services, ListenerService) {
		for i, f := range p.Files {
			if f.Path == PankoConf {
				p.Files[i].Restarts = slices.Concat(f.Restarts, []string{ListenerService})
			}
		}
	}
	planExpirer(in, &p, data)
	poPrefix := planPolicyd(in, &p, release)
	planNRPE(in, &p, tlsSet != nil, release)
	// An upgrade replaces Panko's code under the processes that have it
	// loaded, whether or not a file of theirs changed: Apache's WSGI
	// daemons and the listener (the packages only byte-compile).
	if upgrade != "" {
		for _, s := range p.Services {
			if s == "apache2" || s == ListenerService {
				p.Restart = append(p.Restart, s)
			}
		}
	}
	p.Run = (ready || keep) && !in.Paused
	if in.Paused {
		st.Add(pausedStatus.Name, pausedStatus.Message)
		if len(in.Relations[HA]) > 0 {
			p.Leave = []string{haproxyService}
		}
	}
	if in.SeriesUpgrade {
		st.Add(seriesUpgradeStatus.Name, seriesUpgradeStatus.Message)
		p.Run = false
	}
	p.Status = st.Result()
	if p.Status.Name == status.Active {
		p.Status.Message = readyMessage(upgradeNote(in, release), expiryNote(tlsSet, in.Now), peerNote, listenerNote)
	}
	if poPrefix != "" {
		// As charm-helpers: every message while overrides are on.
		p.Status.Message = poPrefix + " " + p.Status.Message
	}
	planRecord(in, &p)
	return p
}

// readyMessage is the active message with the notes that are not empty.
func readyMessage(notes ...string) string {
	var kept []string
	for _, n := range notes {
		if n != "" {
			kept = append(kept, n)
		}
	}
	if len(kept) == 0 {
		return status.ReadyMessage
	}
	return status.ReadyMessage + " (" + strings.Join(kept, "; ") + ")"
}

// upgradeNote names the release openstack-origin offers when an
// action-managed upgrade waits for the openstack-upgrade action.
func upgradeNote(in Inputs, release string) string {
	target := in.Origin.Release
	if !in.Config.ActionManagedUpgrade || target == "" || openstack.Compare(target, release) <= 0 {
		return ""
	}
	return fmt.Sprintf("%s available: run the openstack-upgrade action", target)
}

// schemaSynced reports whether the leader synced the schema for release or
// a later one (during a rolling upgrade the units not yet upgraded keep
// serving on the newer schema).
func schemaSynced(in Inputs, release string) bool {
	synced := in.LeaderData[leaderDBSynced]
	return synced != "" && openstack.Compare(synced, release) >= 0
}

// chooseRelease decides the release to run: the installed one, or the one
// openstack-origin names when the unit installs or upgrades. It refuses going
// backwards and skipping releases (also while an action-managed upgrade
// waits for its action). upgrade names the release upgraded from.
func chooseRelease(in Inputs) (release, upgrade, problem string) {
	installed, _ := openstack.ReleaseFromPackageVersion(in.Installed[openstack.VersionPackage])
	target := in.Origin.Release
	if target == "" {
		target = installed
	}
	if target == "" {
		target, _ = openstack.DistroRelease(in.Series)
	}
	origin := in.Config.OpenStackOrigin
	if installed == "" || installed == target {
		if err := openstack.CheckSupported(target, origin, in.Series); err != nil {
			return "", "", err.Error()
		}
		return target, "", ""
	}
	if openstack.Compare(installed, target) > 0 {
		return "", "", fmt.Sprintf("openstack-origin '%s' gives %s but %s is installed: moving backwards is not supported", origin, target, installed)
	}
	if next := nextRelease(installed); next != target {
		return "", "", fmt.Sprintf("openstack-origin '%s' skips %s: upgrade one release at a time (%s to %s next)", origin, next, installed, next)
	}
	if in.Config.ActionManagedUpgrade && !in.UpgradeRequested {
		return installed, "", ""
	}
	if err := openstack.CheckSupported(target, origin, in.Series); err != nil {
		return "", "", err.Error()
	}
	return target, installed, ""
}

// nextRelease returns the release after r.
func nextRelease(r string) string {
	all := openstack.Releases()
	for i, x := range all {
		if x == r && i+1 < len(all) {
			return all[i+1]
		}
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
