package tests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
)

// releaseApp is one application of the release-map check, deployed next
// to the router-tls core story's panko.
type releaseApp struct {
	app, series, origin string
	wantRelease         string // the release apt offers (machine lists)
	wantVersion         string // prefix of the application version
	wantStatus          string // workload message
	wantBlocked         []string
}

// releaseApps is the release map the old charm got wrong (wrong package
// codenames, no "unsupported release" status). ocata is related to mysql
// (its leader syncs the shared schema) and to a ceilometer of its release.
func releaseApps() []releaseApp {
	return []releaseApp{
		{app: "panko", series: "focal", origin: "distro", wantRelease: "ussuri", wantVersion: "8.", wantStatus: "Unit is ready"},
		{app: "ocata", series: "xenial", origin: "cloud:xenial-ocata", wantRelease: "ocata", wantVersion: "2.", wantStatus: "'identity-service' missing, 'amqp' missing: relate panko to the rabbitmq-server ceilometer uses"},
		{app: "queens", series: "bionic", origin: "distro", wantRelease: "queens", wantVersion: "4.", wantStatus: "'shared-db' missing, 'identity-service' missing"},
		{app: "mitaka", series: "xenial", origin: "distro", wantBlocked: []string{"openstack-origin", "mitaka", "ocata"}},
	}
}

// deployReleaseApps deploys the release-map applications (panko itself is
// the story's) and a ceilometer of ocata's release.
func deployReleaseApps(t *testing.T, s *coreStoryState) {
	ctx := context.Background()
	for _, ra := range releaseApps() {
		if ra.app == "panko" {
			continue
		}
		require.NoError(t, s.m.Deploy(ctx, localjuju.DeployArgs{Name: ra.app, CharmPath: s.charm, Series: ra.series,
			Config: map[string]string{"openstack-origin": ra.origin}}))
	}
	require.NoError(t, s.m.Deploy(ctx, localjuju.DeployArgs{Name: "ceilometer-ocata", Charm: "ceilometer", Config: map[string]string{"release": "ocata"}}))
}

// relateReleaseApps relates ocata to the database and to its ceilometer.
func relateReleaseApps(t *testing.T, s *coreStoryState) {
	ctx := context.Background()
	for _, other := range []string{"mysql", "ceilometer-ocata"} {
		_, err := s.m.Relate(ctx, "ocata", other)
		require.NoError(t, err)
	}
}

// defectSteps check, one row per defect of the old charm (prior art §15),
// that this charm does better, on the router-tls story's model.
func defectSteps(t *testing.T, s *coreStoryState) {
	m, units := s.m, s.units
	rows := []struct {
		defect string
		check  func(t *testing.T)
	}{
		{"port clash avoided: haproxy serves 8977, Apache 8967, nothing on 8777", func(t *testing.T) {
			for _, u := range units {
				ha := unitFile(t, m, u, "/etc/haproxy/haproxy.cfg")
				assert.Regexp(t, `(?m)^\s*bind \S*:8977\s*$`, ha, u)
				backends := haproxyBackends(t, m, u)
				assert.Len(t, backends, len(units), "%s balances every unit", u)
				for _, b := range backends {
					assert.True(t, strings.HasSuffix(b, ":8967"), "%s backend %s", u, b)
				}
				site := unitFile(t, m, u, "/etc/apache2/sites-available/panko-api.conf")
				assert.Regexp(t, `(?m)^Listen 8967$`, site, u)
				assert.Contains(t, site, "<VirtualHost *:8967>", u)
				assert.Equal(t, []string{"8977/tcp"}, m.Status().Applications["panko"].Units[u].OpenPorts, u)
				assertNoFileMentions(t, unitRoot(t, m, u), "etc", "8777")
			}
		}},
		{"py3 packages and WSGI script on focal, py2 up to Queens", func(t *testing.T) {
			pk := machineState(t, m, "panko/0").Packages
			for _, p := range []string{"python3-panko", "libapache2-mod-wsgi-py3", "python3-pymysql"} {
				assert.Contains(t, pk, p, "focal installs %s", p)
			}
			for _, p := range []string{"python-panko", "libapache2-mod-wsgi", "python-pymysql"} {
				assert.NotContains(t, pk, p, "focal has no %s", p)
			}
			assert.Contains(t, unitFile(t, m, "panko/0", "/etc/apache2/sites-available/panko-api.conf"), "WSGIScriptAlias / /usr/bin/panko-api")
			for _, u := range []string{"queens/0", "ocata/0"} {
				pk := machineState(t, m, u).Packages
				for _, p := range []string{"python-panko", "libapache2-mod-wsgi", "python-pymysql"} {
					assert.Contains(t, pk, p, "%s installs %s", u, p)
				}
				assert.NotContains(t, pk, "python3-panko", u)
			}
		}},
		{"release map: version and release per series and origin; unsupported release blocked", func(t *testing.T) {
			report := m.Status()
			for _, ra := range releaseApps() {
				unit := ra.app + "/0"
				st, msg := workload(t, m, unit)
				if ra.wantBlocked != nil {
					assert.Equal(t, "blocked", st, unit)
					for _, w := range ra.wantBlocked {
						assert.Contains(t, msg, w, unit)
					}
					assert.Empty(t, machineState(t, m, unit).Packages["panko-common"], "%s installs nothing it cannot run", unit)
					continue
				}
				assert.Equal(t, ra.wantRelease, machineState(t, m, unit).Lists.Release, "%s: apt source", unit)
				assert.True(t, strings.HasPrefix(report.Applications[ra.app].Version, ra.wantVersion),
					"%s: version %q is Panko %sx", unit, report.Applications[ra.app].Version, ra.wantVersion)
				assert.Equal(t, ra.wantStatus, msg, unit)
			}
		}},
		{"group-readable config: panko.conf root:panko 0640, WSGI runs as panko", func(t *testing.T) {
			for _, u := range append([]string{"ocata/0"}, units...) {
				assertFileMode(t, unitRoot(t, m, u), "etc/panko/panko.conf", 0o640, "root", "panko")
				assert.Regexp(t, `WSGIDaemonProcess \S+ .*user=panko group=panko`, unitFile(t, m, u, "/etc/apache2/sites-available/panko-api.conf"), u)
			}
		}},
		{"non-leaders wait for the leader's database sync", func(t *testing.T) {
			require.NotNil(t, s.waiting, "the story related over a broken schema")
			// The broken table's int trait_int.value is what Ocata's Panko
			// 2.0.0 creates: the ocata leader's sync succeeds, ussuri's fails.
			assert.ElementsMatch(t, []string{"panko/0"}, mapKeys(s.failedLeaders), "only leaders sync, and the ussuri leader's sync failed")
			for _, u := range units[1:] {
				assert.Equal(t, [2]string{"waiting", "Waiting for database sync by the leader"}, s.waiting[u], u)
				assert.Equal(t, 0, countCommand(commandsRun(t, m, u), "panko-dbsync"), "%s never syncs", u)
			}
		}},
		{"db port and TLS rendered", func(t *testing.T) {
			reply := s.replies["panko/1"]
			conf := parseINI(t, unitFile(t, m, "panko/1", "/etc/panko/panko.conf"))
			dbu := parseConnection(t, conf["database"]["connection"])
			assert.NotEqual(t, "3306", reply["db_port"])
			assert.Equal(t, reply["db_port"], dbu.Port)
			assert.Equal(t, "/etc/panko/db-ca.pem", dbu.Query.Get("ssl_ca"))
			pdb := openAsPanko(t, unitRoot(t, m, "panko/1"), dbu)
			var name, cipher string
			require.NoError(t, pdb.QueryRow("SHOW STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher))
			assert.NotEmpty(t, cipher, "the connection with the rendered URL is encrypted")
			require.NoError(t, pdb.Close())
		}},
		{"proxy headers parsing on, no dead [api] auth_mode", func(t *testing.T) {
			for _, u := range []string{"panko/0", "ocata/0"} {
				conf := parseINI(t, unitFile(t, m, u, "/etc/panko/panko.conf"))
				assert.Equal(t, "true", conf["oslo_middleware"]["enable_proxy_headers_parsing"], u)
				_, dead := conf["api"]["auth_mode"]
				assert.False(t, dead, u)
			}
		}},
		{"update-status rewrites nothing and restarts nothing", func(t *testing.T) {
			root := unitRoot(t, m, "panko/1")
			before := snapshotRoot(t, root)
			n := len(commandsRun(t, m, "panko/1"))
			restarts := machineState(t, m, "panko/1").Restarts
			require.NoError(t, m.Fire(context.Background(), "panko/1", "update-status", -1, ""))
			settle(t, m)
			assert.Empty(t, changedFiles(before, snapshotRoot(t, root)))
			assert.Empty(t, changingCommands(commandsRun(t, m, "panko/1")[n:]))
			assert.Equal(t, restarts, machineState(t, m, "panko/1").Restarts)
		}},
		{"ceilometer can relate: its ocata event pipeline still loads", func(t *testing.T) {
			assert.Equal(t, []string{"event_sink"}, ceilometerSinks(t, m, "ceilometer-ocata"))
			assert.NotContains(t, relationData(t, m, "ocata/0", "event-service").LocalUnit.Data, "publisher")
		}},
	}
	step(t, "old charm defects", func(t *testing.T) {
		for _, r := range rows {
			t.Run(r.defect, r.check)
		}
	})
}

// ceilometerSinks returns the sinks of the event_pipeline.yaml a
// ceilometer simulator rendered (what `show-unit <app>/0` shows), failing
// when ceilometer could not load it.
func ceilometerSinks(t *testing.T, m *localjuju.Model, app string) []string {
	t.Helper()
	c, ok := simulatorShows[sim.CeilometerStatus](t, m, app+"/0", "ceilometer")
	require.True(t, ok, "%s rendered a pipeline", app)
	require.Empty(t, c.Error, "%s loads its event_pipeline.yaml:\n%s", app, c.Pipeline)
	var doc struct {
		Sinks []struct {
			Name string `yaml:"name"`
		} `yaml:"sinks"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(c.Pipeline), &doc))
	var names []string
	for _, s := range doc.Sinks {
		names = append(names, s.Name)
	}
	return names
}

// simulatorShows returns what show-unit shows of a simulator under key.
func simulatorShows[T any](t *testing.T, m *localjuju.Model, unit, key string) (T, bool) {
	t.Helper()
	info, err := m.ShowUnit(unit)
	require.NoError(t, err)
	v, ok := info[unit].Simulator[key]
	if !ok {
		var zero T
		return zero, false
	}
	out, ok := v.(T)
	require.True(t, ok, "show-unit %s: %s is a %T", unit, key, v)
	return out, true
}

// assertNoFileMentions checks that no file under root/dir contains s.
func assertNoFileMentions(t *testing.T, root, dir, s string) {
	t.Helper()
	err := filepath.Walk(filepath.Join(root, dir), func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		assert.NotContains(t, string(data), s, "%s", strings.TrimPrefix(p, root))
		return nil
	})
	require.NoError(t, err)
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
