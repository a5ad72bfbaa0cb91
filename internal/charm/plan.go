package charm

import (
	"fmt"
	"io/fs"
	"net"
	"slices"
	"sort"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/config"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/eventservice"
	"github.com/openstack-charmers/charm-panko/internal/relation/hacluster"
	"github.com/openstack-charmers/charm-panko/internal/relation/keystone"
	"github.com/openstack-charmers/charm-panko/internal/relation/peers"
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

// File is one file the plan wants on disk, and the services that must
// restart when it changes.
type File struct {
	Path         string
	Data         []byte
	Mode         fs.FileMode
	Owner, Group string
	Restarts     []string
	// Reloads are services reloaded (gracefully) when the file changes.
	Reloads []string
	// OnChange is a command run when the file changes.
	OnChange []string
	// Secret marks files holding credentials (never logged).
	Secret bool
}

// Removal is a file to delete and what follows when it was there: services
// restarted, and a command run once however many removals name it.
type Removal struct {
	Path     string
	Restarts []string
	OnChange []string
}

// servedRemovals are files Apache serves or trusts: removing one restarts
// it (and a removed CA certificate is taken out of the system store).
func servedRemovals(paths ...string) []Removal {
	out := make([]Removal, 0, len(paths))
	for _, path := range paths {
		r := Removal{Path: path, Restarts: []string{"apache2"}}
		if path == CACertFile {
			r.OnChange = []string{"update-ca-certificates", "--fresh"}
		}
		out = append(out, r)
	}
	return out
}

// retiredFiles are files of retired services and checks: a systemd unit
// file's removal reloads systemd.
func retiredFiles(paths ...string) []Removal {
	out := make([]Removal, 0, len(paths))
	for _, path := range paths {
		r := Removal{Path: path}
		if strings.HasPrefix(path, "/etc/systemd/system/") {
			r.OnChange = []string{"systemctl", "daemon-reload"}
		}
		out = append(out, r)
	}
	return out
}

// RelationSet is data to publish on a relation (this unit's bag, or the
// application bag with App).
type RelationSet struct {
	ID   string
	App  bool
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
	// Run says whether they should run; restarts follow changed files.
	// Hold leaves them as they are.
	Services []string
	Run      bool
	Hold     bool
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
	if data.TLS != nil {
		out, err := data.Render(render.HTTPSFrontend)
		if err != nil {
			p.Err = fmt.Errorf("render %s: %w", HTTPSSiteFile, err)
		}
		p.Files = append(p.Files, File{Path: HTTPSSiteFile, Data: out, Mode: 0o644, Owner: "root", Group: "root", Restarts: []string{"apache2"}})
		p.Sites = append(p.Sites, HTTPSSite)
		p.Modules = tlsModules()
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
		p.Hold = true
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
	planExpirer(in, &p, data)
	poPrefix := planPolicyd(in, &p, release)
	planNRPE(in, &p, tlsSet != nil, release)
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

// planSharedDB requests the database and reads the reply.
func planSharedDB(in Inputs, p *Plan, st *status.Collector) (shareddb.Reply, bool) {
	rels := in.Relations[SharedDB]
	if len(rels) == 0 {
		st.Missing(SharedDB)
		return shareddb.Reply{}, false
	}
	rel := rels[0]
	reply, err := shareddb.Parse(in.Unit, rel.UnitBags())
	host := in.Addresses[SharedDB]
	if a := addressIn(in.Networks, reply.AccessNetwork); err == nil && a != "" {
		// As charm-helpers' SharedDBContext: percona-cluster grants only
		// a hostname inside its access-network.
		host = a
	}
	publish(p, rel, shareddb.Request(host))
	if err != nil {
		st.Add(status.Blocked, fmt.Sprintf("'%s' data from %s is invalid: %v", SharedDB, rel.RemoteApp, err))
		return reply, false
	}
	// With an access-network the answer counts only once the database has
	// seen the hostname inside it: after asking again, wait for its answer.
	if !reply.Ready || (reply.AccessNetwork != "" && rel.Local[shareddb.KeyHostname] != host) {
		st.Incomplete(SharedDB)
		return reply, false
	}
	return reply, true
}

// addressIn returns this unit's first address inside cidr on any binding
// read (bindings in name order), or "" when there is none or cidr is empty.
func addressIn(networks map[string]juju.NetworkInfo, cidr string) string {
	_, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(networks))
	for name := range networks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, ba := range networks[name].BindAddresses {
			for _, a := range ba.Addresses {
				if ip := net.ParseIP(a.Value); ip != nil && ipnet.Contains(ip) {
					return a.Value
				}
			}
		}
	}
	return ""
}

// planKeystone registers the endpoints and reads the credentials.
func planKeystone(in Inputs, p *Plan, st *status.Collector, scheme string) (keystone.Credentials, bool) {
	rels := in.Relations[IdentityService]
	if len(rels) == 0 {
		st.Missing(IdentityService)
		return keystone.Credentials{}, false
	}
	rel := rels[0]
	urls := map[openstack.Binding]string{}
	for _, b := range openstack.Bindings() {
		addr := endpointAddress(in, b)
		urls[b] = openstack.URL(scheme, addr, openstack.APIPort)
	}
	publish(p, rel, keystone.Registration(in.Config.Region, urls[openstack.Public], urls[openstack.Internal], urls[openstack.Admin]))
	creds, complete, err := keystone.Parse(rel.UnitBags())
	if err != nil {
		st.Add(status.Blocked, fmt.Sprintf("'%s' data from %s is invalid: %v", IdentityService, rel.RemoteApp, err))
		return creds, false
	}
	if !complete {
		st.Incomplete(IdentityService)
		return creds, false
	}
	return creds, true
}

// endpointAddress is the address clients (keystone's catalog, ceilometer)
// get for one endpoint type: its os-*-hostname, the VIP once clustered, else
// the unit's own address.
func endpointAddress(in Inputs, b openstack.Binding) string {
	return resolveAddress(in, b, true)
}

// unitAddress is the unit's own address for an endpoint type: inside
// os-<type>-network when set, else the binding's address.
func unitAddress(in Inputs, b openstack.Binding) string {
	return resolveAddress(in, b, false)
}

// resolveAddress is openstack.ResolveAddress over the unit's addresses; the
// unit's own address (without hostname and VIPs) unless endpoint.
func resolveAddress(in Inputs, b openstack.Binding, endpoint bool) string {
	var local []string
	for _, a := range in.Addresses {
		local = append(local, a)
	}
	sort.Strings(local)
	ai := openstack.AddressInput{
		Networks:       in.Config.Networks(b),
		LocalAddresses: local,
		BindingAddress: in.Addresses[string(b)],
		BindingCIDRs:   in.CIDRs[string(b)],
		Fallback:       in.Addresses[Cluster],
	}
	if endpoint {
		ai.Hostname, ai.VIPs, ai.Clustered = in.Config.Hostname(b, "panko"), in.Config.VIPs(), clustered(in)
	}
	addr, err := openstack.ResolveAddress(ai)
	if err != nil {
		return in.Addresses[Cluster]
	}
	return addr
}

// clustered reports whether hacluster says the cluster is up.
func clustered(in Inputs) bool {
	rels := in.Relations[HA]
	return len(rels) > 0 && hacluster.Clustered(rels[0].UnitBags())
}

// planPeers publishes this unit's addresses and builds the haproxy
// backends. A peer without a usable address is left out, logged, and named
// in the returned status note.
func planPeers(in Inputs, p *Plan, data *render.Data) string {
	port := openstack.BackendPort(data.TLS != nil)
	if data.TLS == nil {
		port = data.WSGI.Port
	}
	self := render.Backend{Name: render.BackendName(in.Unit), Addr: in.Addresses[Cluster], Port: port}
	backends := []render.Backend{self}
	var left []string
	for _, rel := range in.Relations[Cluster] {
		addrs := map[string]string{"private": in.Addresses[Cluster]}
		for _, b := range openstack.Bindings() {
			if a := in.Addresses[string(b)]; a != "" {
				addrs[string(b)] = a
			}
		}
		publish(p, rel, peers.Publish(addrs))
		for _, peer := range peers.Parse(rel.Bags) {
			if addr := peer.Address("private"); addr != "" {
				backends = append(backends, render.Backend{Name: render.BackendName(peer.Unit), Addr: addr, Port: port})
			} else if len(peer.Invalid) > 0 {
				left = append(left, peer.Unit)
				p.Warnings = append(p.Warnings, fmt.Sprintf("peer %s left out of haproxy: bad %s", peer.Unit, strings.Join(peer.Invalid, ", ")))
			}
		}
	}
	sort.Slice(backends, func(i, j int) bool { return backends[i].Name < backends[j].Name })
	data.HAProxy.Backends = backends
	if len(left) == 0 {
		return ""
	}
	return "bad address of peer " + strings.Join(left, ", ") + ": not balanced"
}

// planEventService gives every related ceilometer Panko's public URL and
// deletes any "publisher" (it breaks the ceilometer charm's pipeline).
func planEventService(in Inputs, p *Plan, scheme string) {
	url := openstack.URL(scheme, endpointAddress(in, openstack.Public), openstack.APIPort)
	for _, rel := range in.Relations[EventService] {
		publish(p, rel, eventservice.Publish(url))
	}
}

// publish queues want for rel's own bag when it differs from what is there.
func publish(p *Plan, rel Relation, want map[string]string) {
	diff := map[string]string{}
	for k, v := range want {
		if rel.Local[k] != v {
			diff[k] = v
		}
	}
	if len(diff) > 0 {
		p.Relations = append(p.Relations, RelationSet{ID: rel.ID, Data: diff})
	}
}

// renderData fills the template data that does not depend on relations.
func renderData(in Inputs, release string) render.Data {
	c := in.Config
	t := c.HAProxyTimeouts()
	check := openstack.HealthCheckFor(release)
	return render.Data{
		Py3:             openstack.UsesPython3(release),
		Debug:           c.Debug,
		UseSyslog:       c.UseSyslog,
		APIReturnLimit:  c.APIReturnLimit,
		EventTTL:        c.EventTimeToLive,
		DeleteBatchSize: c.EventsDeleteBatchSize,
		Memcache:        render.Memcache{Listen: []string{"127.0.0.1"}, Port: 11211, MemoryMB: 64},
		WSGI: render.WSGI{
			Port:      openstack.WSGIListenPort(false),
			Processes: c.WorkerProcesses(in.CPUs),
			Threads:   10,
			Script:    openstack.WSGIScript(release),
			User:      "panko",
			Group:     "panko",
		},
		HAProxy: render.HAProxy{
			FrontendPort:  openstack.APIPort,
			Timeouts:      render.Timeouts{Server: t.Server, Client: t.Client, Queue: t.Queue, Connect: t.Connect},
			StatsPort:     8888,
			StatsPassword: in.StatsPassword,
			CheckPath:     check.Path,
			CheckStatus:   check.Status,
		},
	}
}

// renderFiles renders every managed file.
func renderFiles(data render.Data) ([]File, error) {
	specs := []struct {
		tmpl, path   string
		mode         fs.FileMode
		owner, group string
		restarts     []string
		secret       bool
	}{
		{render.PankoConf, PankoConf, 0o640, "root", "panko", []string{"apache2"}, true},
		{render.APISite, APISiteFile, 0o644, "root", "root", []string{"apache2"}, false},
		{render.HAProxyCfg, HAProxyCfg, 0o640, "root", "haproxy", []string{"haproxy"}, true},
		{render.MemcachedConf, MemcachedConf, 0o644, "root", "root", []string{"memcached"}, false},
	}
	files := make([]File, 0, len(specs))
	for _, s := range specs {
		out, err := data.Render(s.tmpl)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", s.path, err)
		}
		files = append(files, File{Path: s.path, Data: out, Mode: s.mode, Owner: s.owner, Group: s.group, Restarts: s.restarts, Secret: s.secret})
	}
	return files, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
