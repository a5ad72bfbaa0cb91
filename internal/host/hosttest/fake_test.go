package hosttest

import (
	"context"
	"errors"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host"
)

var ctx = context.Background()

func TestSystemctl(t *testing.T) {
	on := ServiceState{Active: true, Enabled: true}
	tests := []struct {
		name       string
		in         map[string]ServiceState
		verb, unit string
		want       map[string]ServiceState
		wantOut    string
		wantErr    string
		wantCode   int
	}{
		{"start stopped", map[string]ServiceState{"a": {Enabled: true}}, "start", "a",
			map[string]ServiceState{"a": on}, "", "", 0},
		{"start with suffix", map[string]ServiceState{"a": {}}, "start", "a.service",
			map[string]ServiceState{"a": {Active: true}}, "", "", 0},
		{"start unknown", map[string]ServiceState{}, "start", "a", map[string]ServiceState{}, "",
			"Failed to start a.service: Unit a.service not found.\n", 5},
		{"start masked", map[string]ServiceState{"a": {Masked: true}}, "start", "a",
			map[string]ServiceState{"a": {Masked: true}}, "", "Failed to start a.service: Unit a.service is masked.\n", 1},
		{"restart masked", map[string]ServiceState{"a": {Masked: true}}, "restart", "a",
			map[string]ServiceState{"a": {Masked: true}}, "", "Failed to restart a.service: Unit a.service is masked.\n", 1},
		{"restart stopped starts", map[string]ServiceState{"a": {}}, "restart", "a",
			map[string]ServiceState{"a": {Active: true}}, "", "", 0},
		{"try-restart stopped stays stopped", map[string]ServiceState{"a": {Enabled: true}}, "try-restart", "a",
			map[string]ServiceState{"a": {Enabled: true}}, "", "", 0},
		{"try-restart running", map[string]ServiceState{"a": on}, "try-restart", "a", map[string]ServiceState{"a": on}, "", "", 0},
		{"try-restart unknown", map[string]ServiceState{}, "try-restart", "a", map[string]ServiceState{}, "",
			"Failed to try-restart a.service: Unit a.service not found.\n", 5},
		{"reload inactive", map[string]ServiceState{"a": {}}, "reload", "a",
			map[string]ServiceState{"a": {}}, "", "a.service is not active, cannot reload.\n", 1},
		{"reload active", map[string]ServiceState{"a": on}, "reload", "a", map[string]ServiceState{"a": on}, "", "", 0},
		{"stop masked works", map[string]ServiceState{"a": {Active: true, Masked: true}}, "stop", "a",
			map[string]ServiceState{"a": {Masked: true}}, "", "", 0},
		{"stop unknown", map[string]ServiceState{}, "stop", "a", map[string]ServiceState{}, "",
			"Failed to stop a.service: Unit a.service not loaded.\n", 5},
		{"enable masked", map[string]ServiceState{"a": {Masked: true}}, "enable", "a",
			map[string]ServiceState{"a": {Masked: true}}, "",
			"Failed to enable unit: Unit file /etc/systemd/system/a.service is masked.\n", 1},
		{"disable", map[string]ServiceState{"a": on}, "disable", "a",
			map[string]ServiceState{"a": {Active: true}}, "", "", 0},
		{"mask running keeps it running", map[string]ServiceState{"a": on}, "mask", "a",
			map[string]ServiceState{"a": {Active: true, Enabled: true, Masked: true}}, "",
			"Created symlink /etc/systemd/system/a.service → /dev/null.\n", 0},
		{"mask unknown", map[string]ServiceState{}, "mask", "a", map[string]ServiceState{"a": {Masked: true}}, "",
			"Created symlink /etc/systemd/system/a.service → /dev/null.\n", 0},
		{"unmask", map[string]ServiceState{"a": {Enabled: true, Masked: true}}, "unmask", "a",
			map[string]ServiceState{"a": {Enabled: true}}, "", "Removed /etc/systemd/system/a.service.\n", 0},
		{"is-active", map[string]ServiceState{"a": on}, "is-active", "a", map[string]ServiceState{"a": on}, "active\n", "", 0},
		{"is-active stopped", map[string]ServiceState{"a": {}}, "is-active", "a", map[string]ServiceState{"a": {}},
			"inactive\n", "", 3},
		{"is-active unknown", map[string]ServiceState{}, "is-active", "a", map[string]ServiceState{}, "inactive\n", "", 3},
		{"is-enabled", map[string]ServiceState{"a": on}, "is-enabled", "a", map[string]ServiceState{"a": on}, "enabled\n", "", 0},
		{"is-enabled masked", map[string]ServiceState{"a": {Enabled: true, Masked: true}}, "is-enabled", "a",
			map[string]ServiceState{"a": {Enabled: true, Masked: true}}, "masked\n", "", 1},
		{"is-enabled disabled", map[string]ServiceState{"a": {}}, "is-enabled", "a", map[string]ServiceState{"a": {}},
			"disabled\n", "", 1},
		{"is-enabled unknown", map[string]ServiceState{}, "is-enabled", "a", map[string]ServiceState{}, "",
			"Failed to get unit file state for a.service: No such file or directory\n", 1},
		{"unknown verb", map[string]ServiceState{}, "frobnicate", "a", map[string]ServiceState{}, "",
			"Unknown command verb frobnicate.\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := Systemctl(tt.in, tt.verb, tt.unit)
			assert.Equal(t, tt.want, tt.in)
			assert.Equal(t, tt.wantOut, out)
			assert.Equal(t, tt.wantErr, errOut)
			assert.Equal(t, tt.wantCode, code)
		})
	}
}

func TestInstall(t *testing.T) {
	tests := []struct {
		name         string
		in           State
		pkgs         []string
		wantPackages map[string]string
		wantServices map[string]ServiceState
		wantUsers    []string
		wantErr      string
	}{
		{name: "panko-api brings its user, dependency and running service",
			pkgs:         []string{"panko-api"},
			wantPackages: map[string]string{"panko-api": DefaultVersion, "panko-common": DefaultVersion},
			wantServices: map[string]ServiceState{"panko-api": {Active: true, Enabled: true}},
			wantUsers:    []string{"panko"}},
		{name: "candidate versions", in: State{Available: map[string]string{"haproxy": "2.0.13-2", "apache2": "2.4.41"}},
			pkgs:         []string{"haproxy"},
			wantPackages: map[string]string{"haproxy": "2.0.13-2"},
			wantServices: map[string]ServiceState{"haproxy": {Active: true, Enabled: true}},
			wantUsers:    []string{"haproxy"}},
		{name: "unknown package fails the whole call", in: State{Available: map[string]string{"apache2": "2.4.41"}},
			pkgs:         []string{"apache2", "panko-api"},
			wantPackages: map[string]string{}, wantServices: map[string]ServiceState{},
			wantErr: "install apache2 panko-api: apt-get exited with status 100: Reading package lists...; E: Unable to locate package panko-api"},
		{name: "masked service stays masked and stopped",
			in:           State{Services: map[string]ServiceState{"panko-api": {Masked: true}}},
			pkgs:         []string{"panko-api"},
			wantPackages: map[string]string{"panko-api": DefaultVersion, "panko-common": DefaultVersion},
			wantServices: map[string]ServiceState{"panko-api": {Masked: true}},
			wantUsers:    []string{"panko"}},
		{name: "reinstall upgrades the version but keeps service state",
			in: State{Packages: map[string]string{"apache2": "1"}, Available: map[string]string{"apache2": "2"},
				Services: map[string]ServiceState{"apache2": {}}},
			pkgs:         []string{"apache2"},
			wantPackages: map[string]string{"apache2": "2"},
			wantServices: map[string]ServiceState{"apache2": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(tt.in)
			err := f.Install(ctx, tt.pkgs)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				var ce *host.CommandError
				assert.True(t, errors.As(err, &ce))
			} else {
				require.NoError(t, err)
			}
			s := f.State()
			assert.Equal(t, tt.wantPackages, s.Packages)
			assert.Equal(t, tt.wantServices, s.Services)
			assert.Equal(t, tt.wantUsers, s.Users)
		})
	}
}

func TestWriteFile(t *testing.T) {
	conf := "/etc/panko/panko.conf"
	tests := []struct {
		name        string
		in          State
		data        string
		mode        fs.FileMode
		owner       string
		group       string
		wantChanged bool
		wantFile    File
		wantWrites  int
		wantErr     string
	}{
		{name: "new file", in: State{Users: []string{"panko"}, Groups: []string{"panko"}}, data: "x", mode: 0o640,
			owner: "root", group: "panko", wantChanged: true, wantFile: File{[]byte("x"), 0o640, "root", "panko"}, wantWrites: 1},
		{name: "same file is a no-op",
			in:   State{Groups: []string{"panko"}, Files: map[string]File{conf: {[]byte("x"), 0o640, "root", "panko"}}},
			data: "x", mode: 0o640, owner: "root", group: "panko",
			wantChanged: false, wantFile: File{[]byte("x"), 0o640, "root", "panko"}},
		{name: "mode differs",
			in:   State{Groups: []string{"panko"}, Files: map[string]File{conf: {[]byte("x"), 0o644, "root", "panko"}}},
			data: "x", mode: 0o640, owner: "root", group: "panko",
			wantChanged: true, wantFile: File{[]byte("x"), 0o640, "root", "panko"}, wantWrites: 1},
		{name: "group differs",
			in:   State{Groups: []string{"panko"}, Files: map[string]File{conf: {[]byte("x"), 0o640, "root", "root"}}},
			data: "x", mode: 0o640, owner: "root", group: "panko",
			wantChanged: true, wantFile: File{[]byte("x"), 0o640, "root", "panko"}, wantWrites: 1},
		{name: "group missing before panko is installed", data: "x", mode: 0o640, owner: "root", group: "panko",
			wantErr: `write /etc/panko/panko.conf: group "panko": no such entry in /etc/group`},
		{name: "user missing", data: "x", mode: 0o640, owner: "panko", group: "root",
			wantErr: `write /etc/panko/panko.conf: user "panko": no such entry in /etc/passwd`},
		{name: "directory in the way", in: State{Dirs: []string{conf}}, data: "x", mode: 0o640, owner: "root", group: "root",
			wantErr: "write /etc/panko/panko.conf: is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(tt.in)
			changed, err := f.WriteFile(conf, []byte(tt.data), tt.mode, tt.owner, tt.group)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				_, ok := f.File(conf)
				assert.False(t, ok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantChanged, changed)
			got, ok := f.File(conf)
			require.True(t, ok)
			assert.Equal(t, tt.wantFile, got)
			assert.Equal(t, tt.wantWrites, f.Writes())
			assert.True(t, f.Exists("/etc/panko"), "parent directory exists")
			assert.Equal(t, []string{"write " + conf}, f.Calls())
		})
	}
}

func TestPankoUserComesWithThePackage(t *testing.T) {
	f := New(State{})
	_, err := f.WriteFile("/etc/panko/panko.conf", []byte("x"), 0o640, "root", "panko")
	require.Error(t, err)
	require.NoError(t, f.Install(ctx, []string{"python3-panko"}))
	changed, err := f.WriteFile("/etc/panko/panko.conf", []byte("x"), 0o640, "root", "panko")
	require.NoError(t, err)
	assert.True(t, changed, "the package's default panko.conf is replaced")
	assert.Equal(t, []string{"write /etc/panko/panko.conf", "install python3-panko", "write /etc/panko/panko.conf"}, f.Calls())
}

func TestServices(t *testing.T) {
	tests := []struct {
		name         string
		in           map[string]ServiceState
		act          func(s host.Service) error
		wantErr      string
		want         ServiceState
		wantRestarts int
	}{
		{"restart counts", map[string]ServiceState{"apache2": {Active: true, Enabled: true}},
			func(s host.Service) error { return s.Restart(ctx) }, "",
			ServiceState{Active: true, Enabled: true}, 1},
		{"start masked fails like systemctl", map[string]ServiceState{"apache2": {Masked: true}},
			func(s host.Service) error { return s.Start(ctx) },
			"start apache2: systemctl exited with status 1: Failed to start apache2.service: Unit apache2.service is masked.",
			ServiceState{Masked: true}, 0},
		{"failed restart does not count", map[string]ServiceState{"apache2": {Masked: true}},
			func(s host.Service) error { return s.Restart(ctx) },
			"restart apache2: systemctl exited with status 1: Failed to restart apache2.service: Unit apache2.service is masked.",
			ServiceState{Masked: true}, 0},
		{"stop then mask", map[string]ServiceState{"apache2": {Active: true, Enabled: true}},
			func(s host.Service) error {
				if err := s.Stop(ctx); err != nil {
					return err
				}
				return s.Mask(ctx)
			}, "", ServiceState{Enabled: true, Masked: true}, 0},
		{"reload stopped fails", map[string]ServiceState{"apache2": {}},
			func(s host.Service) error { return s.Reload(ctx) },
			"reload apache2: systemctl exited with status 1: apache2.service is not active, cannot reload.",
			ServiceState{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(State{Services: tt.in})
			err := tt.act(f.Service("apache2"))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, f.State().Services["apache2"])
			assert.Equal(t, tt.wantRestarts, f.Restarts())
			assert.Equal(t, tt.wantRestarts, f.RestartsOf("apache2.service"))
			s := f.Service("apache2")
			active, err := s.Active(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.want.Active, active)
			enabled, err := s.Enabled(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.want.Enabled && !tt.want.Masked, enabled)
			masked, err := s.Masked(ctx)
			require.NoError(t, err)
			assert.Equal(t, tt.want.Masked, masked)
		})
	}
}

func TestQueriesOfUnknownService(t *testing.T) {
	s := New(State{}).Service("nosuch")
	active, err := s.Active(ctx)
	require.NoError(t, err)
	assert.False(t, active)
	enabled, err := s.Enabled(ctx)
	require.NoError(t, err)
	assert.False(t, enabled)
	assert.EqualError(t, s.Start(ctx), "start nosuch: systemctl exited with status 5: Failed to start nosuch.service: Unit nosuch.service not found.")
}

func TestPurge(t *testing.T) {
	f := New(State{})
	require.NoError(t, f.Install(ctx, []string{"panko-api", "apache2"}))
	require.NoError(t, f.Service("panko-api").Stop(ctx))
	require.NoError(t, f.Service("panko-api").Mask(ctx))
	require.NoError(t, f.Purge(ctx, []string{"panko-api", "apache2", "not-installed"}))
	s := f.State()
	assert.Equal(t, map[string]string{"panko-common": DefaultVersion}, s.Packages)
	assert.Equal(t, map[string]ServiceState{"panko-api": {Masked: true}}, s.Services, "the mask outlives the package")
	v, err := f.InstalledVersion(ctx, "apache2")
	require.NoError(t, err)
	assert.Equal(t, "", v)
}

func TestUpgrade(t *testing.T) {
	f := New(State{Packages: map[string]string{"panko-api": "1:8.0.0-0ubuntu1", "vim": "2"},
		Available: map[string]string{"panko-api": "1:10.0.0-0ubuntu1~cloud0"}})
	require.NoError(t, f.Upgrade(ctx, host.UpgradeOptions{ForceConfNew: true}))
	assert.Equal(t, map[string]string{"panko-api": "1:10.0.0-0ubuntu1~cloud0", "vim": "2"}, f.State().Packages)
	assert.Equal(t, []string{"upgrade --force-confnew"}, f.Calls())
}

func TestRunApacheTools(t *testing.T) {
	f := New(State{})
	run := func(argv ...string) (host.Result, error) { return f.Run(ctx, argv, 0) }

	_, err := run("a2ensite", "panko-api")
	assert.ErrorIs(t, err, host.ErrCommandNotFound, "apache2 not installed yet")

	require.NoError(t, f.Install(ctx, []string{"apache2"}))
	res, err := run("a2ensite", "panko-api")
	require.Error(t, err)
	assert.Equal(t, 1, res.ExitCode)
	assert.Equal(t, "ERROR: Site panko-api does not exist!\n", string(res.Stderr))

	_, err = f.WriteFile("/etc/apache2/sites-available/panko-api.conf", []byte("<VirtualHost *:8967>\n"), 0o644, "root", "root")
	require.NoError(t, err)
	res, err = run("a2query", "-s", "panko-api")
	assert.Error(t, err)
	assert.Equal(t, "No site matches panko-api\n", string(res.Stderr))

	res, err = run("a2ensite", "panko-api")
	require.NoError(t, err)
	assert.Equal(t, "Enabling site panko-api.\nTo activate the new configuration, you need to run:\n  systemctl reload apache2\n",
		string(res.Stdout))
	assert.Equal(t, "../sites-available/panko-api.conf", f.State().Links["/etc/apache2/sites-enabled/panko-api.conf"])

	res, err = run("a2query", "-s", "panko-api")
	require.NoError(t, err)
	assert.Equal(t, "panko-api (enabled by site administrator)\n", string(res.Stdout))
	data, err := f.ReadFile("/etc/apache2/sites-enabled/panko-api.conf")
	require.NoError(t, err)
	assert.Equal(t, "<VirtualHost *:8967>\n", string(data), "reads follow links")

	res, err = run("a2ensite", "panko-api.conf")
	require.NoError(t, err)
	assert.Equal(t, "Site panko-api already enabled\n", string(res.Stdout))

	res, err = run("a2enmod", "ssl", "proxy_http")
	require.NoError(t, err)
	assert.Equal(t, "Enabling module ssl.\nEnabling module proxy_http.\nTo activate the new configuration, you need to run:\n  systemctl restart apache2\n",
		string(res.Stdout))
	res, err = run("a2query", "-m", "ssl")
	require.NoError(t, err)
	assert.Equal(t, "ssl (enabled by site administrator)\n", string(res.Stdout))

	res, err = run("a2dissite", "000-default")
	require.NoError(t, err)
	assert.Equal(t, "Site 000-default disabled.\nTo activate the new configuration, you need to run:\n  systemctl reload apache2\n",
		string(res.Stdout))
	res, err = run("a2dissite", "000-default")
	require.NoError(t, err)
	assert.Equal(t, "Site 000-default already disabled\n", string(res.Stdout))
	assert.Equal(t, 10, f.Runs("a2ensite")+f.Runs("a2dissite")+f.Runs("a2query")+f.Runs("a2enmod"))
}

func TestRunOtherCommands(t *testing.T) {
	f := New(State{})
	_, err := f.Run(ctx, []string{"panko-dbsync"}, 0)
	assert.ErrorIs(t, err, host.ErrCommandNotFound)
	require.NoError(t, f.Install(ctx, []string{"python3-panko"}))
	_, err = f.Run(ctx, []string{"panko-dbsync", "--log-file=/var/log/panko/panko-upgrade.log"}, 0)
	require.NoError(t, err)
	assert.Equal(t, 2, f.Runs("panko-dbsync"))

	f.HandleCommand("panko-dbsync", func(argv []string) (host.Result, error) {
		return host.Result{Stderr: []byte("Can't connect to MySQL server\n"), ExitCode: 1}, nil
	})
	res, err := f.Run(ctx, []string{"/usr/bin/panko-dbsync"}, 0)
	var ce *host.CommandError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, 1, ce.ExitCode)
	assert.Equal(t, 1, res.ExitCode)

	_, err = f.WriteFile("/usr/local/share/ca-certificates/panko.crt", []byte("PEM\n"), 0o644, "root", "root")
	require.NoError(t, err)
	res, err = f.Run(ctx, []string{"update-ca-certificates", "--fresh"}, 0)
	require.NoError(t, err)
	assert.Contains(t, string(res.Stdout), "1 added")
	bundle, err := f.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	require.NoError(t, err)
	assert.Equal(t, "PEM\n", string(bundle))
	assert.Equal(t, []string{
		"run panko-dbsync", "install python3-panko", "run panko-dbsync --log-file=/var/log/panko/panko-upgrade.log",
		"run /usr/bin/panko-dbsync", "write /usr/local/share/ca-certificates/panko.crt", "run update-ca-certificates --fresh",
	}, f.Calls())
}

func TestFiles(t *testing.T) {
	f := New(State{Files: map[string]File{"/etc/a/b": {Data: []byte("b"), Mode: 0o644, Owner: "root", Group: "root"}}})
	assert.True(t, f.Exists("/etc/a"))
	assert.True(t, f.Exists("/etc/a/b"))
	assert.False(t, f.Exists("/etc/a/c"))
	assert.False(t, f.Exists("etc/a/b"))

	_, err := f.Remove("/etc/a")
	assert.EqualError(t, err, "remove /etc/a: directory not empty")

	f = New(State{Files: map[string]File{"/etc/a/b": {Data: []byte("b"), Mode: 0o644, Owner: "root", Group: "root"}},
		Links: map[string]string{"/etc/a/l": "b"}})
	data, err := f.ReadFile("/etc/a/l")
	require.NoError(t, err)
	assert.Equal(t, "b", string(data), "a link reads its target")
	_, err = f.ReadFile("/etc/nope")
	assert.ErrorIs(t, err, fs.ErrNotExist)

	for _, p := range []string{"/etc/a/l", "/etc/a/b"} {
		changed, err := f.Remove(p)
		require.NoError(t, err)
		assert.True(t, changed, p)
	}
	changed, err := f.Remove("/etc/a")
	require.NoError(t, err)
	assert.False(t, changed)
	assert.False(t, f.Exists("/etc/a"))
	assert.Equal(t, 2, f.CPUCount())
}

func TestStateIsACopy(t *testing.T) {
	in := State{Packages: map[string]string{"a": "1"}}
	f := New(in)
	in.Packages["a"] = "2"
	s := f.State()
	s.Packages["a"] = "3"
	assert.Equal(t, "1", f.State().Packages["a"])
}

func TestWithDepends(t *testing.T) {
	assert.Equal(t, []string{"panko-common", "panko-api", "apache2", "libapache2-mod-wsgi-py3"},
		WithDepends([]string{"panko-api", "libapache2-mod-wsgi-py3", "apache2"}))
}
