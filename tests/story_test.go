package tests

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

// TestStoryDeployRelateConfigRemove deploys the real charm with the mysql
// and keystone simulators: blocked on missing relations, related, database
// created in the real MariaDB, reconfigured, and a relation removed again.
func TestStoryDeployRelateConfigRemove(t *testing.T) {
	requireMariaDB(t)
	ctx := context.Background()
	charm := buildPankoCharm(t)
	m := newModel(t)

	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Name: "panko", CharmPath: charm}))
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "mysql"}))
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "keystone"}))
	require.NoError(t, m.Settle(ctx))

	st := m.Status()
	u := st.Applications["panko"].Units["panko/0"]
	assert.Equal(t, "blocked", u.WorkloadStatus.Current, "panko/0: %s", u.WorkloadStatus.Message)
	assert.Contains(t, u.WorkloadStatus.Message, "shared-db")
	assert.Contains(t, u.WorkloadStatus.Message, "identity-service")
	hooks := hooksRun(t, m, "panko/0")
	require.GreaterOrEqual(t, len(hooks), 5, "hooks: %v", hooks)
	assert.Equal(t, []string{"install", "cluster-relation-created", "leader-elected", "config-changed", "start"}, hooks[:5])

	_, err := m.Relate(ctx, "panko", "mysql")
	require.NoError(t, err)
	_, err = m.Relate(ctx, "panko:identity-service", "keystone")
	require.NoError(t, err)
	require.NoError(t, m.Settle(ctx))
	assert.Empty(t, m.ErroredUnits())

	hooks = hooksRun(t, m, "panko/0")
	for _, ep := range []string{"shared-db", "identity-service"} {
		c, j, ch := indexOf(hooks, ep+"-relation-created"), indexOf(hooks, ep+"-relation-joined"), indexOf(hooks, ep+"-relation-changed")
		assert.True(t, c >= 0 && c < j && j < ch, "%s: created < joined < changed in %v", ep, hooks)
	}

	db := relationData(t, m, "panko/0", "shared-db")
	assert.Equal(t, "panko", db.LocalUnit.Data["database"])
	assert.Equal(t, "panko", db.LocalUnit.Data["username"])
	assert.Equal(t, "10.5.0.10", db.LocalUnit.Data["hostname"])
	reply := db.RelatedUnits["mysql/0"].Data
	assert.NotEmpty(t, reply["password"], "mysql answered with a password")
	assert.NotEmpty(t, reply["db_host"])
	assert.Contains(t, strings.Fields(reply["allowed_units"]), "panko/0")

	sqlDB := openDB(t, m)
	assert.True(t, hasDatabase(t, sqlDB, "panko"), "database panko exists in MariaDB")
	grants := grantsOf(t, sqlDB, "panko")
	require.NotEmpty(t, grants, "user panko exists")
	granted := false
	for _, lines := range grants {
		for _, g := range lines {
			if strings.Contains(g, "ON `panko`.*") && strings.Contains(g, "ALL PRIVILEGES") {
				granted = true
			}
		}
	}
	assert.True(t, granted, "panko has ALL PRIVILEGES on panko.*: %v", grants)

	n := len(hooksRun(t, m, "panko/0"))
	require.NoError(t, m.Config(ctx, "panko", map[string]string{"debug": "true"}, nil))
	require.NoError(t, m.Settle(ctx))
	assert.Contains(t, hooksRun(t, m, "panko/0")[n:], "config-changed")

	n = len(hooksRun(t, m, "panko/0"))
	require.NoError(t, m.RemoveRelation(ctx, "panko", "keystone"))
	require.NoError(t, m.Settle(ctx))
	tail := hooksRun(t, m, "panko/0")[n:]
	d, b := indexOf(tail, "identity-service-relation-departed"), indexOf(tail, "identity-service-relation-broken")
	assert.True(t, d >= 0 && d < b, "departed before broken: %v", tail)
	u = m.Status().Applications["panko"].Units["panko/0"]
	assert.Equal(t, "blocked", u.WorkloadStatus.Current)
	assert.Contains(t, u.WorkloadStatus.Message, "identity-service")
}

// TestStoryCommitOnSuccessAndLeaderOnlyAppBag uses a scripted client of the
// mysql simulator: a failing hook leaves no relation data (so no database
// appears in MariaDB); after resolve the retried hook commits; only the
// leader can write the application bag.
func TestStoryCommitOnSuccessAndLeaderOnlyAppBag(t *testing.T) {
	requireMariaDB(t)
	ctx := context.Background()
	m := newModel(t)
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{
		Name: "client", CharmPath: scriptedCharm(t, "dbclient"), Units: 2,
		Config: map[string]string{"database": "storydb", "fail-hook": "shared-db-relation-joined"},
	}))
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "mysql"}))
	_, err := m.Relate(ctx, "client", "mysql")
	require.NoError(t, err)
	require.NoError(t, m.Settle(ctx))

	assert.Equal(t, map[string]string{
		"client/0": `hook failed: "shared-db-relation-joined"`,
		"client/1": `hook failed: "shared-db-relation-joined"`,
	}, m.ErroredUnits())
	for _, unit := range []string{"client/0", "client/1"} {
		ri := relationData(t, m, unit, "shared-db")
		_, asked := ri.LocalUnit.Data["database"]
		assert.False(t, asked, "%s: the failed hook's relation-set was discarded", unit)
	}
	mysqlView := relationData(t, m, "mysql/0", "shared-db")
	assert.Empty(t, mysqlView.ApplicationData, "the leader's failed app-bag write was discarded")
	sqlDB := openDB(t, m)
	assert.False(t, hasDatabase(t, sqlDB, "storydb"), "no request reached the database")

	require.NoError(t, m.Config(ctx, "client", nil, []string{"fail-hook"}))
	for _, unit := range []string{"client/0", "client/1"} {
		require.NoError(t, m.Resolve(ctx, unit, true))
	}
	require.NoError(t, m.Settle(ctx))
	assert.Empty(t, m.ErroredUnits())

	assert.True(t, hasDatabase(t, sqlDB, "storydb"), "the retried hook's request was committed and served")
	grants := grantsOf(t, sqlDB, "storydb")
	assert.NotEmpty(t, grants, "user storydb exists")
	reply := relationData(t, m, "client/1", "shared-db").RelatedUnits["mysql/0"].Data
	assert.ElementsMatch(t, []string{"client/0", "client/1"}, strings.Fields(reply["allowed_units"]))

	mysqlView = relationData(t, m, "mysql/0", "shared-db")
	assert.Equal(t, map[string]string{"requested-by": "client/0"}, mysqlView.ApplicationData, "only the leader's app-bag write lands")
	root1, err := m.UnitRoot("client/1")
	require.NoError(t, err)
	refused, err := os.ReadFile(filepath.Join(root1, "app-set.err"))
	require.NoError(t, err)
	assert.Contains(t, string(refused), "cannot write relation settings")
}
