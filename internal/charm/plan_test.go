package charm

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/config"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/status"
)

// planInputs is a focal unit (distro = ussuri) with the Python 3 set
// installed, as readInputs would give it, before any relation.
func planInputs(t *testing.T, leader bool) Inputs {
	t.Helper()
	origin, err := openstack.ParseOrigin("distro", "focal")
	require.NoError(t, err)
	installed := map[string]string{}
	install, _ := openstack.Packages("ussuri")
	for _, p := range install {
		installed[p] = "2.4.0-1"
	}
	installed[openstack.VersionPackage] = "1:8.0.0-0ubuntu1"
	return Inputs{
		Event: juju.Event{Kind: juju.Hook, Name: "config-changed"}, Unit: "panko/0", Series: "focal",
		Config: config.Defaults(), Origin: origin, Leader: leader, LeaderData: map[string]string{},
		Installed: installed, Relations: map[string][]Relation{},
		Addresses: map[string]string{Cluster: "10.5.0.10", SharedDB: "10.5.0.10"}, CIDRs: map[string][]string{},
		Networks: map[string]juju.NetworkInfo{}, CPUs: 2, StatsPassword: "stats", Now: time.Unix(1_800_000_000, 0),
		OpenedPorts: []string{"8977/tcp"},
	}
}

// withDatabaseAndKeystone adds answered shared-db and identity-service
// relations, and a database that answered with schema.
func withDatabaseAndKeystone(in Inputs, schema Schema) Inputs {
	in.Relations[SharedDB] = []Relation{{ID: "shared-db:1", RemoteApp: "mysql", Units: []string{"mysql/0"},
		Bags:  map[string]map[string]string{"mysql/0": sharedDBReady().RemoteUnits["mysql/0"]},
		Local: map[string]string{"database": "panko", "username": "panko", "hostname": "10.5.0.10"}}}
	in.Relations[IdentityService] = []Relation{{ID: "identity-service:2", RemoteApp: "keystone", Units: []string{"keystone/0"},
		Bags: map[string]map[string]string{"keystone/0": keystoneReady().RemoteUnits["keystone/0"]}, Local: map[string]string{}}}
	in.DBChecked, in.Schema = true, schema
	return in
}

func current() Schema { return Schema{TraitIntValue: "bigint"} }
func empty() Schema   { return Schema{Missing: schemaTables()} }

func TestPlan(t *testing.T) {
	tests := []struct {
		name  string
		in    func(t *testing.T) Inputs
		check func(t *testing.T, p Plan)
	}{
		{"invalid config halts with its problem", func(t *testing.T) Inputs {
			in := planInputs(t, true)
			in.Problems = []config.Problem{{Option: "vip", Reason: "'10.0.0.300' is not an IP address"}}
			return in
		}, func(t *testing.T, p Plan) {
			assert.True(t, p.Halt)
			assert.Equal(t, status.Status{Name: status.Blocked, Message: "Invalid config: vip: '10.0.0.300' is not an IP address"}, p.Status)
			assert.Empty(t, p.Install)
			assert.Empty(t, p.Files)
			assert.Nil(t, p.Record, "a halted plan changes nothing, not even the record")
		}},
		{"nothing installed: the release's packages, panko-api masked, the port opened", func(t *testing.T) Inputs {
			in := planInputs(t, true)
			in.Installed, in.OpenedPorts = map[string]string{}, nil
			return in
		}, func(t *testing.T, p Plan) {
			install, _ := openstack.Packages("ussuri")
			assert.Equal(t, install, p.Install)
			assert.Equal(t, []string{"panko-api"}, p.Mask)
			assert.True(t, p.SetVersion)
			assert.Equal(t, []string{"8977/tcp"}, p.Open)
			assert.False(t, p.Run, "nothing runs without the relations")
			assert.Equal(t, status.Status{Name: status.Blocked, Message: "'shared-db' missing, 'identity-service' missing"}, p.Status)
			require.NotNil(t, p.Record)
			assert.JSONEq(t, `{"bags":{},"ports":["8977/tcp"]}`, *p.Record)
		}},
		{"an open port is not opened again", func(t *testing.T) Inputs { return planInputs(t, true) }, func(t *testing.T, p Plan) {
			assert.Empty(t, p.Open)
			assert.Empty(t, p.Install)
		}},
		{"leader with an empty database syncs", func(t *testing.T) Inputs {
			return withDatabaseAndKeystone(planInputs(t, true), empty())
		}, func(t *testing.T, p Plan) {
			assert.True(t, p.DBSync)
			require.NotNil(t, p.DB)
			assert.Equal(t, "ussuri", p.Release)
			assert.True(t, p.Run)
			assert.Equal(t, status.Active, p.Status.Name)
		}},
		{"non-leader with an empty database waits", func(t *testing.T) Inputs {
			return withDatabaseAndKeystone(planInputs(t, false), empty())
		}, func(t *testing.T, p Plan) {
			assert.False(t, p.DBSync)
			assert.False(t, p.Run)
			assert.Equal(t, status.Status{Name: status.Waiting, Message: "Waiting for database sync by the leader"}, p.Status)
		}},
		{"a current schema synced by a later release serves", func(t *testing.T) Inputs {
			in := withDatabaseAndKeystone(planInputs(t, false), current())
			in.LeaderData[leaderDBSynced] = "victoria"
			return in
		}, func(t *testing.T, p Plan) {
			assert.False(t, p.DBSync)
			assert.True(t, p.Run)
			assert.Equal(t, status.Status{Name: status.Active, Message: status.ReadyMessage}, p.Status)
		}},
		{"an unreachable database with a working panko.conf keeps it and the services", func(t *testing.T) Inputs {
			in := withDatabaseAndKeystone(planInputs(t, true), Schema{})
			in.DBReachable = errors.New("dial tcp 10.5.0.2:3306: connect: connection refused")
			in.Configured = Configured{Database: true, Keystone: true}
			in.LeaderData[leaderDBSynced] = "ussuri"
			return in
		}, func(t *testing.T, p Plan) {
			assert.False(t, p.DBSync)
			assert.True(t, p.Run, "running services reconnect by themselves")
			assert.Equal(t, status.Waiting, p.Status.Name)
			assert.Contains(t, p.Status.Message, "Database not reachable: 10.5.0.2:3306")
		}},
		{"a database answer gone incomplete holds panko.conf", func(t *testing.T) Inputs {
			in := withDatabaseAndKeystone(planInputs(t, true), current())
			delete(in.Relations[SharedDB][0].Bags["mysql/0"], "password")
			in.Configured = Configured{Database: true, Keystone: true}
			return in
		}, func(t *testing.T, p Plan) {
			assert.True(t, p.Run, "the services keep serving")
			for _, f := range p.Files {
				assert.NotEqual(t, PankoConf, f.Path, "the working panko.conf stays")
			}
		}},
		{"without TLS every TLS file's removal restarts apache, the CA's updates the store", func(t *testing.T) Inputs {
			return planInputs(t, true)
		}, func(t *testing.T, p Plan) {
			require.NotEmpty(t, p.RemoveFiles)
			for _, r := range p.RemoveFiles {
				assert.Equal(t, []string{"apache2"}, r.Restarts, r.Path)
				if r.Path == CACertFile {
					assert.Equal(t, []string{"update-ca-certificates", "--fresh"}, r.OnChange)
				} else {
					assert.Empty(t, r.OnChange, r.Path)
				}
			}
		}},
		{"the record follows what is published", func(t *testing.T) Inputs {
			in := withDatabaseAndKeystone(planInputs(t, true), current())
			in.LeaderData[leaderDBSynced] = "ussuri"
			in.Relations[SharedDB][0].Local = map[string]string{"database": "panko", "ingress-address": "10.5.0.10", "private-address": "10.5.0.10"}
			return in
		}, func(t *testing.T, p Plan) {
			require.NotNil(t, p.Record)
			assert.Contains(t, *p.Record, `"shared-db:1":{"database":"panko","hostname":"10.5.0.10","username":"panko"}`, "published keys in, the keys Juju writes out")
		}},
		{"a record over Juju's 64 KiB value quota is not kept", func(t *testing.T) Inputs {
			in := planInputs(t, true)
			in.PublishedRecord = `{"bags":{},"ports":["8977/tcp"]}`
			in.Relations[NRPEExternalMaster] = []Relation{{ID: "nrpe-external-master:9", Local: map[string]string{"left-by-an-older-charm": strings.Repeat("x", 70<<10)}}}
			return in
		}, func(t *testing.T, p Plan) {
			require.NotNil(t, p.Record)
			assert.Empty(t, *p.Record, "cleared: the next hook reads the bags")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, plan(tt.in(t)))
		})
	}
}
