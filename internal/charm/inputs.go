package charm

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/config"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/shareddb"
	"github.com/openstack-charmers/charm-panko/internal/relation/tlscerts"
)

// Endpoints of the charm (metadata.yaml).
const (
	SharedDB        = "shared-db"
	IdentityService = "identity-service"
	Cluster         = "cluster"
	HA              = "ha"
	Certificates    = "certificates"
	EventService    = "event-service"
	AMQP            = "amqp"
	// NRPEExternalMaster is in nrpe.go.
)

// Paths the charm reads and writes on the unit.
const (
	PankoConf           = "/etc/panko/panko.conf"
	DBCAFile            = "/etc/panko/db-ca.pem"
	APISiteFile         = "/etc/apache2/sites-available/panko-api.conf"
	APISiteLink         = "/etc/apache2/sites-enabled/panko-api.conf"
	HAProxyCfg          = "/etc/haproxy/haproxy.cfg"
	MemcachedConf       = "/etc/memcached.conf"
	OSRelease           = "/etc/os-release"
	PausedMarker        = "/var/lib/charm-panko/paused"
	SeriesUpgradeMarker = "/var/lib/charm-panko/series-upgrade"
	DyingMarker         = "/var/lib/charm-panko/dying"
	StatusCache         = "/var/lib/charm-panko/status"
	DBSyncLog           = "/var/log/panko/panko-upgrade.log"
	APILogFile          = "/var/log/panko/panko-api.log"
	leaderDBSynced      = "db-synced"
	leaderDBSyncedAt    = "db-synced-at"
	defaultDBPort       = 3306
	statsPasswordSz     = 16
)

// Relation is one relation of an endpoint as this unit sees it.
type Relation struct {
	// ID is the relation id, e.g. "shared-db:3".
	ID string
	// RemoteApp is the related application.
	RemoteApp string
	// Units are the remote units in scope, sorted, and Bags their data.
	Units []string
	Bags  map[string]map[string]string
	// Local is this unit's own bag.
	Local map[string]string
}

// UnitBags returns the remote unit bags in unit order.
func (r Relation) UnitBags() []map[string]string {
	out := make([]map[string]string, 0, len(r.Units))
	for _, u := range r.Units {
		out = append(out, r.Bags[u])
	}
	return out
}

// Inputs is everything a reconcile looks at.
type Inputs struct {
	Event juju.Event
	Unit  string
	// Series is the Ubuntu codename of the machine.
	Series string
	// Config is the typed config and Problems what is wrong with it.
	Config   config.Config
	Problems []config.Problem
	// Origin is the parsed openstack-origin (valid only without Problems)
	// and OriginErr why it cannot be used.
	Origin     openstack.Origin
	OriginErr  error
	Leader     bool
	LeaderData map[string]string
	// Installed maps package name to installed version ("" = absent) for
	// every package of the release's set.
	Installed map[string]string
	// Relations per endpoint.
	Relations map[string][]Relation
	// Addresses per binding name ("shared-db", "cluster", "public", …).
	Addresses map[string]string
	// CIDRs per binding name.
	CIDRs map[string][]string
	CPUs  int
	// StatsPassword is the haproxy statistics password, kept across hooks.
	StatsPassword string
	// Paused is true after the pause action until resume.
	Paused bool
	// SeriesUpgrade is true between pre- and post-series-upgrade.
	SeriesUpgrade bool
	// UpgradeRequested is set by the openstack-upgrade action.
	UpgradeRequested bool
	// DBReachable is nil when the database answered (only checked once the
	// relation is ready).
	DBReachable error
	// DBChecked says whether DBReachable was probed.
	DBChecked bool
	// Schema is what the database holds of panko-dbsync's schema (read
	// once the database answered): the database, not the db-synced leader
	// setting, is the truth. SchemaErr is why it could not be read.
	Schema    Schema
	SchemaErr error
	// Networks is network-get's answer per binding read.
	Networks map[string]juju.NetworkInfo
	// Now is the time of the hook (certificate checks).
	Now time.Time
	// Hostname is the reverse-DNS name of the unit's address ("" unknown):
	// the record's while the address is the one it was looked up for.
	Hostname string
	// SSLConfig is the valid ssl_* config material (nil when unset): one
	// key pair, under the name "", that serves every name.
	SSLConfig *certSet
	// InstalledTLS is the TLS material already on disk (nil when none).
	InstalledTLS *certSet
	// Configured says what the panko.conf on disk (the one the services run
	// with) was configured with.
	Configured Configured
	// ListenerInstalled is true when the event listener's unit file is on
	// disk, ExpirerInstalled when the expirer's timer is.
	ListenerInstalled bool
	ExpirerInstalled  bool
	// PackageCron is the package's cron job for the expirer (nil: none).
	PackageCron []byte
	// PolicydInstalled is the policy overrides' manifest; PolicydZip the
	// policyd-override resource (read only while overrides are on) and
	// PolicydErr why it could not be read.
	PolicydInstalled policydRecord
	PolicydZip       []byte
	PolicydErr       error
	// NagiosExport is true when the nrpe charm made the export directory.
	NagiosExport bool
	// OpenedPorts are the ports this unit has open, and PublishedRecord
	// the record of what it published as read from charm state ("" none).
	OpenedPorts     []string
	PublishedRecord string
}

// readInputs gathers the inputs with as few hook-tool calls as it can.
func readInputs(ctx context.Context, ev juju.Event, d Deps) (Inputs, error) {
	in := Inputs{Event: ev, Unit: d.Env.Unit, CPUs: d.Host.CPUCount()}
	raw, err := d.Tools.ConfigGet(ctx)
	if err != nil {
		return in, fmt.Errorf("read config: %w", err)
	}
	in.Config, in.Problems = config.Parse(raw)
	in.Series = readSeries(d)
	in.Problems = append(in.Problems, in.Config.ValidateFor(in.Series)...)
	if len(in.Problems) == 0 {
		in.Origin, in.OriginErr = openstack.ParseOrigin(in.Config.OpenStackOrigin, in.Series)
	}
	if in.Leader, err = d.Tools.IsLeader(ctx); err != nil {
		return in, fmt.Errorf("read leadership: %w", err)
	}
	if in.LeaderData, err = d.Tools.LeaderGet(ctx); err != nil {
		return in, fmt.Errorf("read leader settings: %w", err)
	}
	in.Paused = d.Host.Exists(PausedMarker)
	in.SeriesUpgrade = d.Host.Exists(SeriesUpgradeMarker)
	if len(in.Problems) == 0 && in.OriginErr == nil {
		if err := readInstalled(ctx, &in, d); err != nil {
			return in, err
		}
	}
	rec, recorded, err := readPublished(ctx, d, ev.Name)
	if err != nil {
		return in, err
	}
	in.PublishedRecord = recorded
	if rec != nil {
		in.OpenedPorts = rec.Ports
	} else if in.OpenedPorts, err = d.Tools.OpenedPorts(ctx); err != nil {
		return in, fmt.Errorf("read opened ports: %w", err)
	}
	in.Relations = map[string][]Relation{}
	for _, ep := range []string{SharedDB, IdentityService, Cluster, EventService, HA, Certificates, AMQP, NRPEExternalMaster} {
		rels, err := readRelations(ctx, d, rec, ep, ep != EventService)
		if err != nil {
			return in, err
		}
		in.Relations[ep] = rels
	}
	probeDatabase(ctx, &in, d)
	in.Addresses, in.CIDRs, in.Networks = map[string]string{}, map[string][]string{}, map[string]juju.NetworkInfo{}
	need := []string{}
	if len(in.Relations[SharedDB]) > 0 {
		need = append(need, SharedDB)
	}
	if len(in.Relations[IdentityService])+len(in.Relations[HA])+len(in.Relations[Certificates])+len(in.Relations[EventService]) > 0 || in.Config.VIP != "" {
		need = append(need, string(openstack.Public), string(openstack.Internal), string(openstack.Admin))
	}
	need = append(need, Cluster) // haproxy backend address of this unit
	for _, b := range need {
		info, err := d.Tools.NetworkGet(ctx, b)
		if err != nil {
			return in, fmt.Errorf("read network of %s: %w", b, err)
		}
		in.Networks[b] = info
		in.Addresses[b] = info.IngressAddress()
		for _, ba := range info.BindAddresses {
			for _, a := range ba.Addresses {
				if a.CIDR != "" {
					in.CIDRs[b] = append(in.CIDRs[b], a.CIDR)
				}
			}
		}
	}
	in.Now = d.Now()
	readTLSInputs(ctx, &in, d, rec)
	in.Configured = readConfigured(d)
	in.ListenerInstalled = d.Host.Exists(ListenerUnitFile)
	in.ExpirerInstalled = d.Host.Exists(ExpirerTimerFile)
	in.PackageCron, _ = d.Host.ReadFile(PackageCronFile)
	readPolicyd(ctx, &in, d)
	in.NagiosExport = d.Host.Exists(NagiosExportDir)
	in.StatsPassword = readStatsPassword(d)
	if in.StatsPassword == "" {
		in.StatsPassword = hex.EncodeToString(d.Random(statsPasswordSz))
	}
	return in, nil
}

// sslProblem reports whether the config check already found an ssl_*
// option wrong (the certificate checks then have nothing sound to verify).
func sslProblem(ps []config.Problem) bool {
	for _, p := range ps {
		if strings.HasPrefix(p.Option, "ssl_") {
			return true
		}
	}
	return false
}

// readTLSInputs verifies ssl_* config (once its syntax is sound) and reads
// the installed TLS material.
func readTLSInputs(ctx context.Context, in *Inputs, d Deps, rec *published) {
	c := in.Config
	if (c.SSLCert != "" || c.SSLKey != "") && !sslProblem(in.Problems) {
		kp, info, err := tlscerts.VerifyConfig(c.SSLCert, c.SSLKey, c.SSLCA, in.Now)
		if err != nil {
			p := config.Problem{Option: "ssl_cert", Reason: err.Error()}
			var ce *tlscerts.ConfigError
			if errors.As(err, &ce) {
				p = config.Problem{Option: ce.Option, Reason: ce.Reason}
			}
			in.Problems = append(in.Problems, p)
			return
		}
		ca, _ := base64.StdEncoding.DecodeString(c.SSLCA)
		cert, chain := splitFirstPEM(kp.Cert)
		in.SSLConfig = &certSet{Source: "ssl_* config", CA: ca, Chain: chain, Expires: info.NotAfter,
			Pairs: map[string]tlscerts.KeyPair{"": {Cert: cert, Key: kp.Key}}}
		return
	}
	if len(in.Relations[Certificates]) == 0 {
		return
	}
	if addr := in.Addresses[Cluster]; rec != nil && rec.Hostname != "" && rec.HostnameOf == addr {
		in.Hostname = rec.Hostname
	} else {
		in.Hostname = lookupHostname(ctx, d.LookupAddr, addr)
	}
	in.InstalledTLS = installedTLS(previousCNs(*in), d.Host.ReadFile)
}

// probeDatabase checks that a ready database answers before anything uses it.
func probeDatabase(ctx context.Context, in *Inputs, d Deps) {
	rels := in.Relations[SharedDB]
	if len(rels) == 0 {
		return
	}
	reply, err := shareddb.Parse(d.Env.Unit, rels[0].UnitBags())
	if err != nil || !reply.Ready {
		return
	}
	in.DBChecked = true
	in.DBReachable = d.DB.Ping(ctx, reply)
	if in.DBReachable != nil {
		logf(ctx, d, juju.LevelWarning, "database %s not reachable: %s", reply.Addr(), redact(in.DBReachable.Error(), reply.Password))
		return
	}
	in.Schema, in.SchemaErr = d.DB.Schema(ctx, reply)
	if in.SchemaErr != nil {
		logf(ctx, d, juju.LevelWarning, "cannot read the schema of %s: %s", reply.Addr(), redact(in.SchemaErr.Error(), reply.Password))
	}
}

// readRelations reads every relation of endpoint: this unit's bag (from rec
// when there is one) and, with withUnits, the members and their bags.
// event-service only publishes, so it reads no remote data and its cost does
// not grow with the number of ceilometer units.
func readRelations(ctx context.Context, d Deps, rec *published, endpoint string, withUnits bool) ([]Relation, error) {
	ids, err := relationIDs(ctx, d, rec, endpoint)
	if err != nil {
		return nil, err
	}
	var rels []Relation
	for _, id := range ids {
		r := Relation{ID: id, Bags: map[string]map[string]string{}}
		if r.Local, err = ownBag(ctx, d, rec, id); err != nil {
			return nil, err
		}
		if !withUnits {
			rels = append(rels, r)
			continue
		}
		units, err := d.Tools.RelationList(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("list units of %s: %w", id, err)
		}
		sort.Strings(units)
		r.Units = units
		for _, u := range units {
			bag, err := d.Tools.RelationGet(ctx, id, u, false)
			if err != nil {
				return nil, fmt.Errorf("read %s data of %s: %w", id, u, err)
			}
			r.Bags[u] = bag
		}
		if len(units) > 0 {
			r.RemoteApp = appOf(units[0])
		}
		rels = append(rels, r)
	}
	return rels, nil
}

// relationIDs lists endpoint's relations; the peer relation's id comes from
// the record once it is there.
func relationIDs(ctx context.Context, d Deps, rec *published, endpoint string) ([]string, error) {
	if endpoint == Cluster && rec != nil && rec.Peer != "" {
		return []string{rec.Peer}, nil
	}
	ids, err := d.Tools.RelationIDs(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("list %s relations: %w", endpoint, err)
	}
	return ids, nil
}

// ownBag is this unit's bag on relation id: from the record when there is
// one (a relation it is not in was never published on), else relation-get.
func ownBag(ctx context.Context, d Deps, rec *published, id string) (map[string]string, error) {
	if rec != nil {
		bag := maps.Clone(rec.Bags[id])
		if bag == nil {
			bag = map[string]string{}
		}
		return bag, nil
	}
	bag, err := d.Tools.RelationGet(ctx, id, d.Env.Unit, false)
	if err != nil {
		return nil, fmt.Errorf("read own %s data: %w", id, err)
	}
	return bag, nil
}

func appOf(unit string) string {
	app, _, _ := strings.Cut(unit, "/")
	return app
}

func cryptoRandom(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return b
}
