package tests

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

// coreCase is one database flavour of the core story, with what else the
// story checks on the same model.
type coreCase struct {
	name        string
	mysqlConfig map[string]string
	// router: the mysql-router subordinate answers each unit itself, with
	// db_port (and ssl_ca when ssl=true).
	router, tls bool
	// brokenSchema leaves a panko.trait_int table of the wrong type in the
	// database before the relations: the leader's sync fails (its hook
	// too) and the non-leaders wait, until the table is fixed and the
	// leader's hook resolved.
	brokenSchema bool
	// deploy adds applications before the first settle; relate relates
	// them with the core relations; extra runs more steps before the
	// database departs.
	deploy, relate func(t *testing.T, s *coreStoryState)
	extra          func(t *testing.T, s *coreStoryState)
}

// coreStoryState is what the steps of a core story share.
type coreStoryState struct {
	m     *localjuju.Model
	charm string
	// units are panko's units (updated when a step removes one).
	units []string
	// replies are the shared-db answers by unit.
	replies map[string]map[string]string
	// failedLeaders and waiting are the units in error and panko's
	// workload statuses while the broken schema stopped the sync.
	failedLeaders map[string]string
	waiting       map[string][2]string
}

// TestStoryCore deploys panko -n 3 with mysql and keystone on the local
// model with a real MariaDB: every unit ready, the schema synced by the
// leader only, panko.conf correct and usable, the catalog registered; then
// an idempotent config-changed, a config change restarting only Apache, the
// diagnose action, the secret and file-mode checks, and the departure of
// the database. Against percona-cluster the same model then gets
// hacluster and a VIP (see ha_test.go); against mysql-router with TLS it
// hosts the checks of the old charm's defects (see defects_test.go).
func TestStoryCore(t *testing.T) {
	requireMariaDB(t)
	t.Parallel()
	cases := []coreCase{
		{name: "percona then HA", extra: haSteps},
		{name: "router-tls and old charm defects", mysqlConfig: map[string]string{"flavour": "router", "ssl": "true"},
			router: true, tls: true, brokenSchema: true,
			deploy: deployReleaseApps, relate: relateReleaseApps, extra: defectSteps},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			coreStory(t, c)
		})
	}
}

// step runs one step of a story and stops the story when it fails (later
// steps build on it).
func step(t *testing.T, name string, fn func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, fn) {
		t.FailNow()
	}
}

func coreStory(t *testing.T, c coreCase) {
	ctx := context.Background()
	s := &coreStoryState{m: newModel(t), charm: buildPankoCharm(t), units: []string{"panko/0", "panko/1", "panko/2"},
		replies: map[string]map[string]string{}}
	m, units := s.m, s.units

	step(t, "deploy: blocked on the missing relations", func(t *testing.T) {
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Name: "panko", CharmPath: s.charm, Units: 3}))
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "mysql", Config: c.mysqlConfig}))
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "keystone"}))
		if c.deploy != nil {
			c.deploy(t, s)
		}
		settle(t, m)
		require.Equal(t, units, unitsOf(t, m, "panko"))
		require.Equal(t, "panko/0", leaderOf(t, m, "panko"))
		for _, u := range units {
			st, msg := workload(t, m, u)
			assert.Equal(t, "blocked", st, u)
			assert.Equal(t, "'shared-db' missing, 'identity-service' missing", msg, u)
			elected := "leader-settings-changed"
			if u == "panko/0" {
				elected = "leader-elected"
			}
			hooks := hooksRun(t, m, u)
			want := []string{"install", "cluster-relation-created", elected, "config-changed", "start"}
			if assert.GreaterOrEqual(t, len(hooks), len(want), "%s hooks %v", u, hooks) {
				assert.Equal(t, want, hooks[:len(want)], "%s: Juju's start-up order", u)
			}
		}
	})

	if c.brokenSchema {
		step(t, "relate over a broken schema: the leader's sync fails, the others wait", func(t *testing.T) {
			db := openDB(t, m)
			_, err := db.Exec("CREATE DATABASE IF NOT EXISTS panko")
			require.NoError(t, err)
			_, err = db.Exec("CREATE TABLE panko.trait_int (event_id int NOT NULL, `key` varchar(255) NOT NULL, value int DEFAULT NULL, PRIMARY KEY (event_id, `key`))")
			require.NoError(t, err)
			relateCore(t, s, c)
			require.NoError(t, m.Settle(ctx))
			s.failedLeaders = m.ErroredUnits()
			s.waiting = map[string][2]string{}
			for _, u := range units[1:] {
				st, msg := workload(t, m, u)
				s.waiting[u] = [2]string{st, msg}
				assert.Equal(t, [2]string{"waiting", "Waiting for database sync by the leader"}, s.waiting[u], u)
			}
			assert.Contains(t, s.failedLeaders, "panko/0")
			for u, msg := range s.failedLeaders {
				assert.True(t, strings.HasPrefix(msg, `hook failed: "shared-db-relation-`), "%s: %s", u, msg)
			}
			_, err = db.Exec("ALTER TABLE panko.trait_int MODIFY value bigint(20) DEFAULT NULL")
			require.NoError(t, err)
			for u := range s.failedLeaders {
				require.NoError(t, m.Resolve(ctx, u, true))
			}
		})
	}

	step(t, "relate: every unit ready", func(t *testing.T) {
		if !c.brokenSchema {
			relateCore(t, s, c)
		}
		settle(t, m)
		report := m.Status()
		app := report.Applications["panko"]
		assert.Equal(t, "active", app.ApplicationStatus.Current)
		assert.Equal(t, "8.0.0", app.Version, "application version is Panko's upstream version (ussuri on focal)")
		for _, u := range units {
			us := app.Units[u]
			assert.Equal(t, "active", us.WorkloadStatus.Current, u)
			assert.Equal(t, "Unit is ready", us.WorkloadStatus.Message, u)
			assert.Equal(t, "idle", us.JujuStatus.Current, u)
			assert.Equal(t, []string{"8977/tcp"}, us.OpenPorts, u)
			hooks := hooksRun(t, m, u)
			for _, ep := range []string{"shared-db", "identity-service"} {
				cr, j, ch := indexOf(hooks, ep+"-relation-created"), indexOf(hooks, ep+"-relation-joined"), indexOf(hooks, ep+"-relation-changed")
				assert.True(t, cr >= 0 && cr < j && j < ch, "%s %s: created < joined < changed in %v", u, ep, hooks)
			}
		}
	})

	replies := s.replies
	step(t, "shared-db: request and answer", func(t *testing.T) {
		for _, u := range units {
			ri := relationData(t, m, u, "shared-db")
			assert.Equal(t, "panko", ri.LocalUnit.Data["database"], u)
			assert.Equal(t, "panko", ri.LocalUnit.Data["username"], u)
			assert.Equal(t, unitState(t, m, u).Address, ri.LocalUnit.Data["hostname"], "%s asks for a grant on its shared-db binding address", u)
			require.Len(t, ri.RelatedUnits, 1, "%s sees one database unit", u)
			for _, ru := range ri.RelatedUnits {
				replies[u] = ru.Data
			}
			r := replies[u]
			assert.NotEmpty(t, r["db_host"], u)
			assert.True(t, len(r["password"]) >= 16, "%s got a generated password of 16+ characters", u)
			allowed := strings.Fields(r["allowed_units"])
			if c.router {
				assert.Equal(t, []string{u}, allowed, "mysql-router answers for its own principal only")
				assert.NotEmpty(t, r["db_port"], u)
				assert.NotEqual(t, "3306", r["db_port"], "%s: the router port is not MySQL's", u)
			} else {
				assert.ElementsMatch(t, units, allowed, u)
			}
			if c.tls {
				assert.Contains(t, decodeCA(t, r["ssl_ca"]), "BEGIN CERTIFICATE", "%s got the server CA (base64 PEM)", u)
			} else {
				assert.Empty(t, r["ssl_ca"], u)
			}
		}
	})

	db := openDB(t, m)
	step(t, "database: schema synced by the leader only", func(t *testing.T) {
		assert.True(t, hasDatabase(t, db, "panko"))
		assert.Equal(t, pankoTables(), tablesOf(t, db, "panko"))
		assert.Equal(t, "bigint(20)", columnType(t, db, "panko", "trait_int", "value"))
		grants := grantsOf(t, db, "panko")
		granted := false
		for _, lines := range grants {
			for _, g := range lines {
				granted = granted || (strings.Contains(g, "ON `panko`.*") && strings.Contains(g, "ALL PRIVILEGES"))
			}
		}
		assert.True(t, granted, "panko has ALL PRIVILEGES on panko.*: %v", grants)

		st, err := m.State()
		require.NoError(t, err)
		assert.Equal(t, "ussuri", st.Applications["panko"].LeaderSettings["db-synced"], "the leader published the synced release")
		var syncedAt time.Time
		for _, u := range units {
			cmds := commandsRun(t, m, u)
			if u == "panko/0" {
				want := 1
				if c.brokenSchema {
					want = 2 // and its schema check failed the first time
				}
				require.Equal(t, want, countCommand(cmds, "panko-dbsync"), "the leader's panko-dbsync runs")
				for _, cmd := range cmds {
					if cmd.Argv[0] == "panko-dbsync" {
						assert.Equal(t, 0, cmd.Exit)
						syncedAt = cmd.Time
					}
				}
				continue
			}
			assert.Equal(t, 0, countCommand(cmds, "panko-dbsync"), "%s (not the leader) never ran panko-dbsync", u)
		}
		// A non-leader is never ready before the leader's sync finished.
		for _, u := range units[1:] {
			for _, h := range unitState(t, m, u).History {
				if h.Kind == "workload" && h.Status == "active" {
					assert.False(t, h.Since.Before(syncedAt), "%s was active at %s, before the sync at %s", u, h.Since, syncedAt)
				}
			}
		}
	})

	step(t, "panko.conf: group-readable and usable", func(t *testing.T) {
		stored := false
		for _, u := range units {
			root := unitRoot(t, m, u)
			assertFileMode(t, root, "etc/panko/panko.conf", 0o640, "root", "panko")
			conf := parseINI(t, unitFile(t, m, u, "/etc/panko/panko.conf"))
			dbu := parseConnection(t, conf["database"]["connection"])
			r := replies[u]
			assert.Equal(t, "mysql+pymysql", dbu.Scheme, u)
			assert.Equal(t, "panko", dbu.User, u)
			assert.True(t, dbu.Password == r["password"], "%s: the URL carries the password the database sent", u)
			assert.Equal(t, r["db_host"], dbu.Host, u)
			wantPort := r["db_port"]
			if wantPort == "" {
				wantPort = "3306"
			}
			assert.Equal(t, wantPort, dbu.Port, u)
			assert.Equal(t, "panko", dbu.Database, u)
			assert.Equal(t, "utf8", dbu.Query.Get("charset"), u)
			if c.tls {
				assert.Equal(t, "/etc/panko/db-ca.pem", dbu.Query.Get("ssl_ca"), "%s: the URL carries &ssl_ca=", u)
				assert.Equal(t, strings.TrimSpace(decodeCA(t, r["ssl_ca"])), strings.TrimSpace(unitFile(t, m, u, "/etc/panko/db-ca.pem")), "%s: the CA file holds what the database sent", u)
				assertFileMode(t, root, "etc/panko/db-ca.pem", 0o644, "root", "root")
			} else {
				assert.Empty(t, dbu.Query.Get("ssl_ca"), u)
			}

			pdb := openAsPanko(t, root, dbu)
			var who string
			require.NoError(t, pdb.QueryRow("SELECT CURRENT_USER()").Scan(&who))
			assert.True(t, strings.HasPrefix(who, "panko@"), "%s connects as panko (%s)", u, who)
			assert.Equal(t, pankoTables(), tablesOf(t, pdb, "panko"), "%s sees the schema", u)
			if c.tls {
				var cipher string
				var name string
				require.NoError(t, pdb.QueryRow("SHOW STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher))
				assert.NotEmpty(t, cipher, "%s: the connection is encrypted", u)
			}
			if !stored {
				storeEvent(t, pdb, "story-event-1")
				stored = true
			}
			require.NoError(t, pdb.Close())

			ks := relationData(t, m, u, "identity-service").RelatedUnits["keystone/0"].Data
			auth := conf["keystone_authtoken"]
			assert.True(t, auth["password"] == ks["service_password"], "%s: the keystone service password is rendered", u)
			assert.Equal(t, ks["service_username"], auth["username"], u)
			assert.Equal(t, "event", auth["service_type"], u)
			assert.Equal(t, "true", conf["oslo_middleware"]["enable_proxy_headers_parsing"], u)
		}
	})

	step(t, "catalog: type event on port 8977", func(t *testing.T) {
		e := catalogEvent(t, m)
		assert.Equal(t, "panko", e.Service)
		assert.Equal(t, "RegionOne", e.Region)
		assert.Contains(t, units, e.By, "the current registration is one of the units'")
		addr := unitState(t, m, e.By).Address
		for _, u := range []string{e.Public, e.Internal, e.Admin} {
			assertURL(t, u, "http", addr, "8977")
		}
		// Keystone keeps the last registration per service: every unit
		// registered its own URLs.
		registered := 0
		for _, u := range units {
			bag := relationData(t, m, u, "identity-service").LocalUnit.Data
			assert.Equal(t, "panko", bag["service"], u)
			assert.Equal(t, "RegionOne", bag["region"], u)
			for _, k := range []string{"public_url", "internal_url", "admin_url"} {
				assertURL(t, bag[k], "http", unitState(t, m, u).Address, "8977")
			}
			if bag["public_url"] != "" {
				registered++
			}
		}
		assert.Equal(t, 3, registered, "three units registered")
	})

	step(t, "config-changed again: no write, no restart", func(t *testing.T) {
		before := map[string]map[string]fileState{}
		restarts := map[string][2]map[string]int{}
		ncmds := map[string]int{}
		for _, u := range units {
			before[u] = snapshotRoot(t, unitRoot(t, m, u))
			ms := machineState(t, m, u)
			restarts[u] = [2]map[string]int{ms.Restarts, ms.Reloads}
			ncmds[u] = len(commandsRun(t, m, u))
		}
		nhooks := len(hooksRun(t, m, "panko/0"))
		require.NoError(t, m.Fire(ctx, "panko/0", "config-changed", -1, ""))
		settle(t, m)
		assert.Equal(t, []string{"config-changed"}, hooksRun(t, m, "panko/0")[nhooks:])
		for _, u := range units {
			assert.Empty(t, changedFiles(before[u], snapshotRoot(t, unitRoot(t, m, u))), "%s: files written", u)
			ms := machineState(t, m, u)
			assert.Equal(t, restarts[u][0], ms.Restarts, "%s restarts", u)
			assert.Equal(t, restarts[u][1], ms.Reloads, "%s reloads", u)
			assert.Empty(t, changingCommands(commandsRun(t, m, u)[ncmds[u]:]), "%s: commands that change the machine", u)
		}
		st, msg := workload(t, m, "panko/0")
		assert.Equal(t, "active", st)
		assert.Equal(t, "Unit is ready", msg)
	})

	step(t, "config change: only Apache restarts", func(t *testing.T) {
		before := map[string]map[string]int{}
		for _, u := range units {
			before[u] = machineState(t, m, u).Restarts
		}
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"debug": "true"}, nil))
		settle(t, m)
		for _, u := range units {
			conf := parseINI(t, unitFile(t, m, u, "/etc/panko/panko.conf"))
			assert.Equal(t, "true", conf["DEFAULT"]["debug"], u)
			after := machineState(t, m, u).Restarts
			assert.Equal(t, before[u]["apache2"]+1, after["apache2"], "%s: apache2 (reads panko.conf) restarted once", u)
			assert.Equal(t, before[u]["haproxy"], after["haproxy"], "%s: haproxy untouched", u)
			assert.Equal(t, before[u]["memcached"], after["memcached"], "%s: memcached untouched", u)
		}
	})

	step(t, "diagnose action", func(t *testing.T) {
		res, err := m.RunAction(ctx, "panko/0", "diagnose", nil)
		require.NoError(t, err)
		assert.Equal(t, "completed", res.Status)
		// Nothing listens on the API port or on keystone's in the local
		// model, so those probes fail; everything the charm manages is ok.
		for _, k := range []string{"release", "database", "schema", "services"} {
			v, _ := res.Results[k].(string)
			assert.True(t, strings.HasPrefix(v, "ok:"), "diagnose %s: %q", k, v)
		}
		for _, k := range []string{"api-healthcheck", "keystone"} {
			v, _ := res.Results[k].(string)
			assert.True(t, strings.HasPrefix(v, "fail:"), "diagnose %s: %q", k, v)
		}
		assert.Equal(t, "degraded", res.Results["status"])
	})

	if c.extra != nil {
		c.extra(t, s)
		units = s.units
	}

	secrets := storySecrets(t, m)
	step(t, "files: modes and owners", func(t *testing.T) {
		for _, u := range realUnits(t, m) {
			checkUnitFiles(t, unitRoot(t, m, u), unitFileRules(), secrets)
		}
	})

	step(t, "departure: shared-db removed, data kept", func(t *testing.T) {
		rowsBefore := rowCounts(t, db, "panko")
		assert.Equal(t, 1, rowsBefore["event"], "the stored event")
		nhooks := map[string]int{}
		for _, u := range units {
			nhooks[u] = len(hooksRun(t, m, u))
		}
		require.NoError(t, m.RemoveRelation(ctx, "panko", "mysql"))
		settle(t, m)
		for _, u := range units {
			tail := hooksRun(t, m, u)[nhooks[u]:]
			d, b := indexOf(tail, "shared-db-relation-departed"), indexOf(tail, "shared-db-relation-broken")
			assert.True(t, d >= 0 && d < b, "%s: departed before broken in %v", u, tail)
		}
		dbPassword := replies["panko/0"]["password"]
		for _, u := range units {
			st, msg := workload(t, m, u)
			assert.Equal(t, "blocked", st, u)
			assert.Equal(t, "'shared-db' missing", msg, u)
			ms := machineState(t, m, u)
			for _, svc := range []string{"apache2", "haproxy", "memcached"} {
				assert.False(t, ms.Services[svc].Active, "%s: %s stopped", u, svc)
			}
			conf := unitFile(t, m, u, "/etc/panko/panko.conf")
			assert.False(t, strings.Contains(conf, dbPassword), "%s: no database password left in panko.conf", u)
			assert.False(t, strings.Contains(parseINI(t, conf)["database"]["connection"], "@"), "%s: no credentials in [database] connection", u)
		}
		assert.Equal(t, pankoTables(), tablesOf(t, db, "panko"), "tables kept")
		assert.Equal(t, rowsBefore, rowCounts(t, db, "panko"), "rows kept")
		assert.NotEmpty(t, grantsOf(t, db, "panko"), "user kept")
		for _, u := range realUnits(t, m) {
			checkUnitFiles(t, unitRoot(t, m, u), unitFileRules(), secrets)
		}
	})

	step(t, "secrets: never shown", func(t *testing.T) {
		assertNoSecretsInModel(t, m, secrets)
	})
}

// storySecrets collects every secret a story's model holds: the database
// root and panko passwords, the keystone service password and admin token,
// the private keys vault sent, every unit's haproxy stats password; and
// registers them for the scan of the test output.
func storySecrets(t *testing.T, m *localjuju.Model) []secret {
	t.Helper()
	var out []secret
	if dsn, err := m.MySQLDSN(context.Background()); err == nil {
		if i, j := strings.Index(dsn, ":"), strings.LastIndex(dsn, "@"); i >= 0 && j > i {
			out = append(out, secret{Label: "MariaDB root password", Value: dsn[i+1 : j]})
		}
	}
	st, err := m.State()
	require.NoError(t, err)
	for _, rel := range st.Relations {
		for unit, bag := range rel.UnitData {
			for _, k := range []string{"password", "service_password", "admin_token"} {
				if v := bag[k]; v != "" && v != "None" {
					out = append(out, secret{Label: fmt.Sprintf("%s of %s (relation %d)", k, unit, rel.ID), Value: v})
				}
			}
			for k, v := range bag {
				label := fmt.Sprintf("%s of %s (relation %d)", k, unit, rel.ID)
				switch {
				case strings.HasSuffix(k, ".key"):
					out = append(out, pemSecrets(label, v)...)
				case strings.HasSuffix(k, ".processed_requests"):
					var reqs map[string]struct {
						Key string `json:"key"`
					}
					require.NoError(t, json.Unmarshal([]byte(v), &reqs), label)
					for cn, r := range reqs {
						out = append(out, pemSecrets(label+" "+cn, r.Key)...)
					}
				}
			}
		}
	}
	for _, u := range realUnits(t, m) {
		cfg, err := os.ReadFile(filepath.Join(unitRoot(t, m, u), "etc/haproxy/haproxy.cfg"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		require.NoError(t, err)
		pw := parseHAProxyStatsPassword(string(cfg))
		require.NotEmpty(t, pw, "%s: haproxy.cfg has a stats password", u)
		out = append(out, secret{Label: "haproxy stats password of " + u, Value: pw})
	}
	return registerSecrets(t, out...)
}

// realUnits lists the units of every real-charm application.
func realUnits(t *testing.T, m *localjuju.Model) []string {
	t.Helper()
	st, err := m.State()
	require.NoError(t, err)
	var out []string
	for _, a := range st.Applications {
		if a.Kind != localjuju.KindCharm {
			continue
		}
		for _, u := range a.Units {
			out = append(out, u.Name)
		}
	}
	sort.Strings(out)
	return out
}

// relateCore relates panko to mysql and keystone (and whatever the case
// relates besides).
func relateCore(t *testing.T, s *coreStoryState, c coreCase) {
	t.Helper()
	ctx := context.Background()
	_, err := s.m.Relate(ctx, "panko", "mysql")
	require.NoError(t, err)
	_, err = s.m.Relate(ctx, "panko:identity-service", "keystone")
	require.NoError(t, err)
	if c.relate != nil {
		c.relate(t, s)
	}
}

// decodeCA decodes the base64 PEM a shared-db answer carries in ssl_ca.
func decodeCA(t *testing.T, v string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(v)
	require.NoError(t, err, "ssl_ca is base64")
	return string(raw)
}

// parseHAProxyStatsPassword returns the password of `stats auth user:pw`.
func parseHAProxyStatsPassword(cfg string) string {
	for _, line := range strings.Split(cfg, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "stats" && f[1] == "auth" {
			if _, pw, ok := strings.Cut(f[2], ":"); ok {
				return pw
			}
		}
	}
	return ""
}
