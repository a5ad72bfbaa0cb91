package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

// TestStoryNewEmptyDatabase moves panko -n 2 to a new database
// application, as the percona-cluster → mysql-innodb-cluster migration
// does: the new database is empty although the db-synced leader setting
// still names the release. The leader runs panko-dbsync exactly once more,
// every unit ends "Unit is ready" and the six tables are there.
func TestStoryNewEmptyDatabase(t *testing.T) {
	ctx, charm, m := story(t)
	units := []string{"panko/0", "panko/1"}

	step(t, "deploy panko -n 2 with mysql and keystone", func(t *testing.T) {
		deployRelated(t, ctx, m, localjuju.DeployArgs{Name: "panko", CharmPath: charm, Units: 2,
			Config: map[string]string{"openstack-origin": "cloud:focal-wallaby"}}, "mysql", "keystone")
		requireReady(t, m, units...)
		assert.Equal(t, 1, countCommand(commandsRun(t, m, "panko/0"), "panko-dbsync"))
	})

	step(t, "remove shared-db, empty the database, relate a new mysql application", func(t *testing.T) {
		require.NoError(t, m.RemoveRelation(ctx, "panko", "mysql"))
		settle(t, m)
		db := openDB(t, m)
		_, err := db.Exec("DROP DATABASE panko")
		require.NoError(t, err)
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Name: "mysql-new", Charm: "mysql"}))
		_, err = m.Relate(ctx, "panko", "mysql-new")
		require.NoError(t, err)
		settle(t, m)

		requireReady(t, m, units...)
		assert.Equal(t, 2, countCommand(commandsRun(t, m, "panko/0"), "panko-dbsync"), "the leader synced the new database once")
		assert.Equal(t, 0, countCommand(commandsRun(t, m, "panko/1"), "panko-dbsync"), "the other unit never syncs")
		assert.Equal(t, pankoTables(), tablesOf(t, db, "panko"))
	})

	// The database stops: running services reconnect by themselves, so the
	// units keep them running and wait; once it is back, the next hook says
	// ready without restarting anything.
	step(t, "database outage: services keep running, then ready without a restart", func(t *testing.T) {
		restarts := map[string]map[string]int{}
		for _, u := range units {
			restarts[u] = machineState(t, m, u).Restarts
		}
		require.NoError(t, m.StopDatabase(ctx))
		for _, u := range units {
			require.NoError(t, m.Fire(ctx, u, "config-changed", -1, ""))
			require.NoError(t, m.Fire(ctx, u, "update-status", -1, ""))
		}
		settle(t, m)
		for _, u := range units {
			st, msg := workload(t, m, u)
			assert.Equal(t, "waiting", st, u)
			assert.Contains(t, msg, "Database not reachable: ", u)
			assert.Equal(t, allServices(running), serviceStates(t, m, u), u)
		}

		require.NoError(t, m.StartDatabase(ctx))
		for _, u := range units {
			require.NoError(t, m.Fire(ctx, u, "update-status", -1, ""))
		}
		settle(t, m)
		requireReady(t, m, units...)
		for _, u := range units {
			assert.Equal(t, restarts[u], machineState(t, m, u).Restarts, "%s restarted nothing", u)
		}
	})
}
