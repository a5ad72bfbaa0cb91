package rabbitmq

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

func TestNodeServesUsersAndIsReused(t *testing.T) {
	if err := Installed(); err != nil {
		need.Skip(t, "%v", err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Start(ctx, dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Stop(ctx) })

	require.NoError(t, s.EnsureUser(ctx, "openstack", "panko", "first-Pw-1"))
	require.NoError(t, s.EnsureUser(ctx, "openstack", "panko", "second-Pw-2"), "again, new password")

	_, err = s.Ctl(ctx, "authenticate_user", "panko", "second-Pw-2")
	assert.NoError(t, err, "the password set last is the user's")
	_, err = s.Ctl(ctx, "authenticate_user", "panko", "first-Pw-1")
	assert.Error(t, err)
	perms, err := s.Ctl(ctx, "list_permissions", "-p", "openstack", "--quiet", "--no-table-headers")
	require.NoError(t, err)
	assert.Contains(t, perms, "panko\t.*\t.*\t.*")
	conn, err := net.DialTimeout("tcp", s.AMQPAddr(), 5*time.Second)
	require.NoError(t, err)
	conn.Close()

	again, err := Start(ctx, dir)
	require.NoError(t, err)
	assert.Equal(t, s.PID, again.PID, "a running node is reused")
}
