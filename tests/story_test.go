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

// TestStoryCommitOnSuccessAndLeaderOnlyAppBag uses a scripted client of the
// mysql simulator: a failing hook leaves no relation data (so no database
// appears in MariaDB); after resolve the retried hook commits; only the
// leader can write the application bag.
func TestStoryCommitOnSuccessAndLeaderOnlyAppBag(t *testing.T) {
	requireMariaDB(t)
	t.Parallel()
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
