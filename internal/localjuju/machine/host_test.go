package machine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host"
	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

// argvs lists the command lines of the unit's log.
func argvs(t *testing.T, root string) [][]string {
	t.Helper()
	log, err := CommandLog(root)
	require.NoError(t, err)
	var out [][]string
	for _, c := range log {
		out = append(out, c.Argv)
	}
	return out
}

// TestRealHostDrivesTheStandIns runs host.Real on a unit root: every command it runs is found
// under the root and answered by the stand-ins, so the two agree on command lines and outputs.
func TestRealHostDrivesTheStandIns(t *testing.T) {
	ctx := context.Background()
	root := newUnit(t, "focal")
	writeFile(t, root, "/etc/apt/sources.list.d/cloud-archive.list",
		"deb http://ubuntu-cloud.archive.canonical.com/ubuntu focal-updates/wallaby main\n")
	var waits []time.Duration
	h := host.New(root, host.WithSleep(func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}))

	require.NoError(t, h.Update(ctx))
	require.NoError(t, h.Install(ctx, []string{"panko-api", "python3-panko", "apache2", "libapache2-mod-wsgi-py3", "haproxy"}))
	v, err := h.InstalledVersion(ctx, "panko-api")
	require.NoError(t, err)
	assert.Equal(t, "1:10.0.0-0ubuntu1~cloud0", v)
	v, err = h.InstalledVersion(ctx, "memcached")
	require.NoError(t, err)
	assert.Equal(t, "", v)

	// The panko group exists once the package is installed; the file gets it.
	changed, err := h.WriteFile("/etc/panko/panko.conf", []byte("[DEFAULT]\ndebug = False\n"), 0o640, "root", "panko")
	require.NoError(t, err)
	assert.True(t, changed)
	changed, err = h.WriteFile("/etc/panko/panko.conf", []byte("[DEFAULT]\ndebug = False\n"), 0o640, "root", "panko")
	require.NoError(t, err)
	assert.False(t, changed)
	if os.Geteuid() == 0 {
		groups, err := accountIDs(filepath.Join(root, "etc/group"))
		require.NoError(t, err)
		fi, err := os.Stat(filepath.Join(root, "etc/panko/panko.conf"))
		require.NoError(t, err)
		assert.Equal(t, uint32(groups["panko"]), fi.Sys().(*syscall.Stat_t).Gid)
		assert.Equal(t, fs.FileMode(0o640), fi.Mode().Perm())
	}

	// The distro panko-api service is stopped and masked.
	api := h.Service("panko-api")
	require.NoError(t, api.Stop(ctx))
	require.NoError(t, api.Mask(ctx))
	err = api.Start(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Unit panko-api.service is masked.")
	var ce *host.CommandError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, 1, ce.ExitCode)
	masked, err := api.Masked(ctx)
	require.NoError(t, err)
	assert.True(t, masked)
	active, err := api.Active(ctx)
	require.NoError(t, err)
	assert.False(t, active)
	enabled, err := h.Service("apache2").Enabled(ctx)
	require.NoError(t, err)
	assert.True(t, enabled)

	// Apache site handling: a2query (as an operator checks) and a2ensite (as the charm enables it).
	_, err = h.WriteFile("/etc/apache2/sites-available/panko-api.conf", []byte("Listen 8967\n"), 0o644, "root", "root")
	require.NoError(t, err)
	_, err = h.Run(ctx, []string{"a2query", "-s", "panko-api"}, time.Minute)
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, 1, ce.ExitCode)
	res, err := h.Run(ctx, []string{"a2ensite", "panko-api"}, time.Minute)
	require.NoError(t, err)
	assert.Contains(t, string(res.Stdout), "Enabling site panko-api.")
	require.NoError(t, h.Service("apache2").Reload(ctx))
	require.NoError(t, h.Service("apache2").Restart(ctx))

	// A held dpkg lock is retried.
	require.NoError(t, SetAptLocked(root, 1))
	require.NoError(t, h.Install(ctx, []string{"memcached"}))
	assert.Len(t, waits, 1)

	// A broken dpkg is reported with apt's message.
	require.NoError(t, SetAptFailure(root, true))
	err = h.Install(ctx, []string{"python3-memcache"})
	require.Error(t, err)
	assert.Equal(t, "install python3-memcache: apt-get exited with status 100: E: Sub-process /usr/bin/dpkg returned an error code (1)", err.Error())
	require.NoError(t, SetAptFailure(root, false))
	require.NoError(t, h.Purge(ctx, []string{"haproxy"}))

	st := state(t, root)
	assert.Equal(t, map[string]hosttest.ServiceState{
		"panko-api": {Enabled: true, Masked: true},
		"apache2":   {Active: true, Enabled: true},
		"memcached": {Active: true, Enabled: true},
	}, st.Services)
	assert.Equal(t, 1, st.Restarts["apache2"])
	assert.Equal(t, 1, st.Reloads["apache2"])
	assert.Contains(t, st.Sites, "panko-api")
	assert.NotContains(t, st.Packages, "haproxy")

	install := []string{"apt-get", "install", "-y", "--option=Dpkg::Options::=--force-confold"}
	assert.Equal(t, [][]string{
		{"apt-get", "update"},
		append(install, "panko-api", "python3-panko", "apache2", "libapache2-mod-wsgi-py3", "haproxy"),
		{"dpkg-query", "-W", "-f=${Version}", "panko-api"},
		{"dpkg-query", "-W", "-f=${Version}", "memcached"},
		{"systemctl", "stop", "panko-api"},
		{"systemctl", "mask", "panko-api"},
		{"systemctl", "start", "panko-api"},
		{"systemctl", "is-enabled", "panko-api"},
		{"systemctl", "is-active", "panko-api"},
		{"systemctl", "is-enabled", "apache2"},
		{"a2query", "-s", "panko-api"},
		{"a2ensite", "panko-api"},
		{"systemctl", "reload", "apache2"},
		{"systemctl", "restart", "apache2"},
		append(install, "memcached"),
		append(install, "memcached"),
		append(install, "python3-memcache"),
		{"apt-get", "purge", "-y", "haproxy"},
	}, argvs(t, root))
}

// TestRealHostRunsDBSync runs panko-dbsync through host.Real against a real MariaDB.
func TestRealHostRunsDBSync(t *testing.T) {
	db := startMariaDB(t)
	password := db.addDatabase(t, "panko", false)
	root := newUnit(t, "focal")
	h := host.New(root)
	ctx := context.Background()
	_, err := h.Run(ctx, []string{"panko-dbsync"}, time.Minute)
	var ce *host.CommandError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, 127, ce.ExitCode, "no panko-dbsync before panko is installed")

	require.NoError(t, h.Install(ctx, []string{"python3-panko"}))
	conf := fmt.Sprintf("[database]\nconnection = mysql+pymysql://panko:%s@127.0.0.1:%d/panko?charset=utf8\n", password, db.port)
	_, err = h.WriteFile("/etc/panko/panko.conf", []byte(conf), 0o640, "root", "panko")
	require.NoError(t, err)
	_, err = h.Run(ctx, []string{"panko-dbsync", "--log-file=/var/log/panko/panko-upgrade.log"}, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, pankoTables(), tables(t, db.admin, "panko"))
	log := argvs(t, root)
	assert.Equal(t, []string{"panko-dbsync", "--log-file=/var/log/panko/panko-upgrade.log"}, log[len(log)-1])
}
