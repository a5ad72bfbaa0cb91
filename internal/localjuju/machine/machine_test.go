package machine

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

// TestMain lets the test binary serve as the stand-ins, as the localjuju binary does: Install
// links the commands to this executable.
func TestMain(m *testing.M) {
	if slices.Contains(Commands(), filepath.Base(os.Args[0])) {
		os.Exit(Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// newUnit prepares a unit root of series linked to the test binary.
func newUnit(t *testing.T, series string) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	root := t.TempDir()
	require.NoError(t, Install(root, exe, series))
	return root
}

// result is what a stand-in printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// run calls Main as if <root>/usr/bin/<argv[0]> had been executed.
func run(t *testing.T, root string, argv ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	argv = append([]string{filepath.Join(root, "usr/bin", argv[0])}, argv[1:]...)
	code := Main(argv, strings.NewReader(""), &out, &errOut)
	return result{out.String(), errOut.String(), code}
}

// mustRun runs argv and requires exit 0.
func mustRun(t *testing.T, root string, argv ...string) result {
	t.Helper()
	r := run(t, root, argv...)
	require.Equal(t, 0, r.code, "%v: %s", argv, r.stderr)
	return r
}

// state loads the unit's state.
func state(t *testing.T, root string) State {
	t.Helper()
	st, err := LoadState(root)
	require.NoError(t, err)
	return st
}

// writeFile writes a file in the unit's view.
func writeFile(t *testing.T, root, p, data string) {
	t.Helper()
	full := filepath.Join(root, p)
	require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
	require.NoError(t, os.WriteFile(full, []byte(data), 0o644))
}

func TestRootFromArgv0(t *testing.T) {
	root := newUnit(t, "focal")
	bare := t.TempDir()
	tests := []struct {
		argv0   string
		want    string
		wantErr string
	}{
		{filepath.Join(root, "usr/bin/apt-get"), root, ""},
		{filepath.Join(root, "usr/sbin/a2ensite"), root, ""},
		{filepath.Join(root, "bin/systemctl"), root, ""},
		{"/usr/bin/apt-get", "", "not inside a local model unit root"},
		{"/bin/apt-get", "", "not inside a local model unit root"},
		{"apt-get", "", "run the command by its full path"},
		{filepath.Join(root, "opt/apt-get"), "", "not inside a local model unit root"},
		{filepath.Join(bare, "usr/bin/apt-get"), "", "not prepared by Install"},
	}
	for _, tt := range tests {
		t.Run(tt.argv0, func(t *testing.T) {
			got, err := RootFromArgv0(tt.argv0)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestMainRefusesTheRealRoot(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Main([]string{"/usr/bin/systemctl", "stop", "ssh"}, nil, &out, &errOut)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut.String(), "refusing to act")
}

func TestInstall(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	root := newUnit(t, "bionic")
	for _, c := range Commands() {
		target, err := os.Readlink(filepath.Join(root, "usr/bin", c))
		require.NoError(t, err, c)
		assert.Equal(t, exe, target)
	}
	osRelease, err := os.ReadFile(filepath.Join(root, "etc/os-release"))
	require.NoError(t, err)
	assert.Contains(t, string(osRelease), "VERSION_CODENAME=bionic\n")
	assert.Contains(t, string(osRelease), `VERSION_ID="18.04"`)
	passwd, err := os.ReadFile(filepath.Join(root, "etc/passwd"))
	require.NoError(t, err)
	assert.Contains(t, string(passwd), "www-data:x:")
	assert.True(t, strings.HasPrefix(string(passwd), "root:x:"))
	group, err := os.ReadFile(filepath.Join(root, "etc/group"))
	require.NoError(t, err)
	assert.Contains(t, string(group), "www-data:x:")
	st := state(t, root)
	assert.Equal(t, Lists{Release: "queens"}, st.Lists)
	assert.Contains(t, st.Packages, "ca-certificates")
	assert.Empty(t, st.Services)

	// A second Install keeps accounts and state but refreshes the links.
	mustRun(t, root, "apt-get", "install", "-y", "haproxy")
	require.NoError(t, Install(root, exe, "bionic"))
	assert.Contains(t, state(t, root).Packages, "haproxy")
	passwd2, err := os.ReadFile(filepath.Join(root, "etc/passwd"))
	require.NoError(t, err)
	assert.Contains(t, string(passwd2), "haproxy:x:")

	assert.ErrorContains(t, Install(t.TempDir(), exe, "trusty"), `unknown series "trusty"`)
	assert.ErrorContains(t, Install("/", exe, "focal"), "must be an absolute directory other than /")
	assert.ErrorContains(t, Install(t.TempDir(), "localjuju", "focal"), "must be an absolute path")
}

func TestAptGet(t *testing.T) {
	const uca = "/etc/apt/sources.list.d/cloud-archive.list"
	tests := []struct {
		name         string
		series       string
		sources      map[string]string // files written before the steps
		steps        [][]string
		wantCode     int // of the last step
		wantStderr   string
		wantPackages map[string]string // subset of the installed packages; "" means not installed
		wantLists    Lists
	}{
		{name: "focal distro is ussuri", series: "focal",
			steps:        [][]string{{"apt-get", "install", "-y", "--option=Dpkg::Options::=--force-confold", "panko-api"}},
			wantPackages: map[string]string{"panko-api": "1:8.0.0-0ubuntu1", "panko-common": "1:8.0.0-0ubuntu1"},
			wantLists:    Lists{Release: "ussuri"}},
		{name: "cloud archive after update", series: "focal",
			sources: map[string]string{uca: "deb http://ubuntu-cloud.archive.canonical.com/ubuntu focal-updates/wallaby main\n"},
			steps:   [][]string{{"apt-get", "update"}, {"apt-get", "install", "-y", "python3-panko", "apache2"}},
			wantPackages: map[string]string{"python3-panko": "1:10.0.0-0ubuntu1~cloud0",
				"apache2": "2.4.41-4ubuntu3.14"},
			wantLists: Lists{Release: "wallaby", CloudArchive: true}},
		{name: "new source unseen without update", series: "bionic",
			sources:      map[string]string{uca: "deb http://ubuntu-cloud.archive.canonical.com/ubuntu bionic-updates/rocky main\n"},
			steps:        [][]string{{"apt-get", "install", "-y", "python-panko"}},
			wantPackages: map[string]string{"python-panko": "1:4.0.0-0ubuntu1"},
			wantLists:    Lists{Release: "queens"}},
		{name: "commented source is ignored", series: "bionic",
			sources:   map[string]string{uca: "# deb http://ubuntu-cloud.archive.canonical.com/ubuntu bionic-updates/rocky main\n"},
			steps:     [][]string{{"apt-get", "update"}},
			wantLists: Lists{Release: "queens"}},
		{name: "python 3 panko starts with rocky", series: "bionic",
			steps:    [][]string{{"apt-get", "install", "-y", "python3-panko"}},
			wantCode: 100, wantStderr: "E: Unable to locate package python3-panko\n",
			wantPackages: map[string]string{"python3-panko": "", "panko-common": ""}, wantLists: Lists{Release: "queens"}},
		{name: "no python 2 on focal", series: "focal",
			steps:    [][]string{{"apt-get", "install", "-y", "apache2", "python-memcache"}},
			wantCode: 100, wantStderr: "E: Unable to locate package python-memcache\n",
			wantPackages: map[string]string{"apache2": ""}, wantLists: Lists{Release: "ussuri"}},
		{name: "no panko in mitaka", series: "xenial",
			steps:    [][]string{{"apt-get", "install", "-y", "panko-api"}},
			wantCode: 100, wantStderr: "E: Unable to locate package panko-api\n", wantLists: Lists{Release: "mitaka"}},
		{name: "install needs -y", series: "focal",
			steps:        [][]string{{"apt-get", "install", "haproxy"}},
			wantCode:     1,
			wantPackages: map[string]string{"haproxy": ""}, wantLists: Lists{Release: "ussuri"}},
		{name: "dist-upgrade to the new release", series: "bionic",
			sources: map[string]string{uca: "deb http://ubuntu-cloud.archive.canonical.com/ubuntu bionic-updates/stein main\n"},
			steps: [][]string{{"apt-get", "install", "-y", "panko-api"}, {"apt-get", "update"},
				{"apt-get", "dist-upgrade", "-y", "--option=Dpkg::Options::=--force-confnew"}},
			wantPackages: map[string]string{"panko-api": "1:6.0.0-0ubuntu1~cloud0", "panko-common": "1:6.0.0-0ubuntu1~cloud0"},
			wantLists:    Lists{Release: "stein", CloudArchive: true}},
		{name: "purge", series: "focal",
			steps: [][]string{{"apt-get", "install", "-y", "haproxy", "memcached"},
				{"apt-get", "purge", "-y", "haproxy", "not-installed"}},
			wantPackages: map[string]string{"haproxy": "", "memcached": "1.5.22-2ubuntu0.3"},
			wantLists:    Lists{Release: "ussuri"}},
		{name: "invalid operation", series: "focal", steps: [][]string{{"apt-get", "frobnicate"}},
			wantCode: 100, wantStderr: "E: Invalid operation frobnicate\n", wantLists: Lists{Release: "ussuri"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newUnit(t, tt.series)
			for p, data := range tt.sources {
				writeFile(t, root, p, data)
			}
			var last result
			for _, step := range tt.steps {
				last = run(t, root, step...)
			}
			assert.Equal(t, tt.wantCode, last.code, last.stderr)
			if tt.wantStderr != "" {
				assert.Equal(t, tt.wantStderr, last.stderr)
			}
			st := state(t, root)
			for p, v := range tt.wantPackages {
				got, ok := st.Packages[p]
				assert.Equal(t, v != "", ok, p)
				assert.Equal(t, v, got, p)
			}
			assert.Equal(t, tt.wantLists, st.Lists)
		})
	}
}

func TestAptInstallEffects(t *testing.T) {
	root := newUnit(t, "focal")
	mustRun(t, root, "systemctl", "mask", "panko-api")
	r := mustRun(t, root, "apt-get", "install", "-y", "panko-api", "haproxy", "libapache2-mod-wsgi-py3")
	assert.Contains(t, r.stdout, "Setting up panko-api (1:8.0.0-0ubuntu1) ...")
	passwd, err := os.ReadFile(filepath.Join(root, "etc/passwd"))
	require.NoError(t, err)
	assert.Contains(t, string(passwd), "panko:x:")
	assert.Contains(t, string(passwd), "haproxy:x:")
	for _, d := range []string{"etc/panko", "var/log/panko", "etc/apache2/sites-available", "etc/apache2/ssl", "etc/haproxy"} {
		fi, err := os.Stat(filepath.Join(root, d))
		require.NoError(t, err, d)
		assert.True(t, fi.IsDir(), d)
	}
	st := state(t, root)
	assert.Equal(t, map[string]hosttest.ServiceState{
		"panko-api": {Masked: true},
		"apache2":   {Active: true, Enabled: true},
		"haproxy":   {Active: true, Enabled: true},
	}, st.Services, "a masked unit is not started by the package")
	assert.Contains(t, st.Modules, "wsgi")
	assert.Equal(t, []string{"000-default"}, st.Sites)

	r = mustRun(t, root, "apt-get", "install", "-y", "haproxy")
	assert.Contains(t, r.stdout, "haproxy is already the newest version (2.0.31-0ubuntu0.2).")
}

func TestAptFailureMarkers(t *testing.T) {
	root := newUnit(t, "focal")
	require.NoError(t, SetAptLocked(root, 2))
	for i := 0; i < 2; i++ {
		r := run(t, root, "apt-get", "install", "-y", "haproxy")
		assert.Equal(t, 100, r.code)
		assert.Contains(t, r.stderr, "Could not get lock /var/lib/dpkg/lock-frontend")
	}
	mustRun(t, root, "apt-get", "install", "-y", "haproxy")

	require.NoError(t, SetAptFailure(root, true))
	r := run(t, root, "apt-get", "install", "-y", "memcached")
	assert.Equal(t, 100, r.code)
	assert.Equal(t, "E: Sub-process /usr/bin/dpkg returned an error code (1)\n", r.stderr)
	assert.NotContains(t, state(t, root).Packages, "memcached")
	require.NoError(t, SetAptFailure(root, false))
	mustRun(t, root, "apt-get", "install", "-y", "memcached")
}

func TestDpkgQuery(t *testing.T) {
	root := newUnit(t, "focal")
	mustRun(t, root, "apt-get", "install", "-y", "panko-api")
	tests := []struct {
		args       []string
		wantOut    string
		wantErr    string
		wantCode   int
		wantPrefix bool
	}{
		{[]string{"-W", "-f=${Version}", "panko-api"}, "1:8.0.0-0ubuntu1", "", 0, false},
		{[]string{"-W", "-f", "${Version}", "panko-api"}, "1:8.0.0-0ubuntu1", "", 0, false},
		{[]string{"--show", "--showformat=${Package} ${Version}\\n", "panko-api"}, "panko-api 1:8.0.0-0ubuntu1\n", "", 0, false},
		{[]string{"-W", "panko-api"}, "panko-api\t1:8.0.0-0ubuntu1\n", "", 0, false},
		{[]string{"-W", "-f=${Version}", "haproxy"}, "", "dpkg-query: no packages found matching haproxy\n", 1, false},
		{[]string{"panko-api"}, "", "dpkg-query: error: need an action option\n", 2, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, root, append([]string{"dpkg-query"}, tt.args...)...)
			assert.Equal(t, result{tt.wantOut, tt.wantErr, tt.wantCode}, r)
		})
	}
}

func TestSystemctl(t *testing.T) {
	tests := []struct {
		name  string
		steps [][]string
		want  result // of the last step
		state map[string]hosttest.ServiceState
		// restarts of apache2
		restarts int
	}{
		{"is-active", [][]string{{"systemctl", "is-active", "apache2"}}, result{"active\n", "", 0},
			map[string]hosttest.ServiceState{"apache2": {Active: true, Enabled: true}}, 0},
		{"quiet is-active of a stopped unit", [][]string{{"systemctl", "stop", "apache2.service"},
			{"systemctl", "--quiet", "is-active", "apache2"}}, result{"", "", 3},
			map[string]hosttest.ServiceState{"apache2": {Enabled: true}}, 0},
		{"restart counts", [][]string{{"systemctl", "restart", "apache2"}, {"systemctl", "restart", "apache2"}},
			result{"", "", 0}, map[string]hosttest.ServiceState{"apache2": {Active: true, Enabled: true}}, 2},
		{"try-restart counts a running unit only", [][]string{{"systemctl", "try-restart", "apache2"},
			{"systemctl", "stop", "apache2"}, {"systemctl", "try-restart", "apache2"}},
			result{"", "", 0}, map[string]hosttest.ServiceState{"apache2": {Enabled: true}}, 1},
		{"start masked", [][]string{{"systemctl", "stop", "apache2"}, {"systemctl", "mask", "apache2"},
			{"systemctl", "start", "apache2"}},
			result{"", "Failed to start apache2.service: Unit apache2.service is masked.\n", 1},
			map[string]hosttest.ServiceState{"apache2": {Enabled: true, Masked: true}}, 0},
		{"is-enabled masked", [][]string{{"systemctl", "mask", "apache2"}, {"systemctl", "is-enabled", "apache2"}},
			result{"masked\n", "", 1}, map[string]hosttest.ServiceState{"apache2": {Active: true, Enabled: true, Masked: true}}, 0},
		{"disable --now", [][]string{{"systemctl", "disable", "--now", "apache2"}}, result{"", "", 0},
			map[string]hosttest.ServiceState{"apache2": {}}, 0},
		{"unknown unit", [][]string{{"systemctl", "start", "nosuch"}},
			result{"", "Failed to start nosuch.service: Unit nosuch.service not found.\n", 5},
			map[string]hosttest.ServiceState{"apache2": {Active: true, Enabled: true}}, 0},
		{"daemon-reload", [][]string{{"systemctl", "daemon-reload"}}, result{"", "", 0},
			map[string]hosttest.ServiceState{"apache2": {Active: true, Enabled: true}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newUnit(t, "focal")
			mustRun(t, root, "apt-get", "install", "-y", "apache2")
			var last result
			for _, step := range tt.steps {
				last = run(t, root, step...)
			}
			assert.Equal(t, tt.want, last)
			st := state(t, root)
			assert.Equal(t, tt.state, st.Services)
			assert.Equal(t, tt.restarts, st.Restarts["apache2"])
		})
	}
}

func TestApacheTools(t *testing.T) {
	root := newUnit(t, "focal")
	r := run(t, root, "a2ensite", "panko-api")
	assert.Equal(t, 127, r.code, "a2ensite comes with apache2")
	mustRun(t, root, "apt-get", "install", "-y", "apache2")

	r = run(t, root, "a2ensite", "panko-api")
	assert.Equal(t, result{"", "ERROR: Site panko-api does not exist!\n", 1}, r)
	writeFile(t, root, "/etc/apache2/sites-available/panko-api.conf", "Listen 8967\n")
	r = run(t, root, "a2query", "-s", "panko-api")
	assert.Equal(t, result{"", "No site matches panko-api\n", 1}, r)
	r = mustRun(t, root, "a2ensite", "panko-api")
	assert.Equal(t, "Enabling site panko-api.\nTo activate the new configuration, you need to run:\n  systemctl reload apache2\n", r.stdout)
	target, err := os.Readlink(filepath.Join(root, "etc/apache2/sites-enabled/panko-api.conf"))
	require.NoError(t, err)
	assert.Equal(t, "../sites-available/panko-api.conf", target)
	r = mustRun(t, root, "a2query", "-s", "panko-api")
	assert.Equal(t, "panko-api (enabled by site administrator)\n", r.stdout)
	mustRun(t, root, "a2dissite", "000-default")
	mustRun(t, root, "a2enmod", "ssl", "proxy", "proxy_http", "headers")
	r = run(t, root, "a2enmod", "nosuch")
	assert.Equal(t, result{"", "ERROR: Module nosuch does not exist!\n", 1}, r)
	st := state(t, root)
	assert.Equal(t, []string{"panko-api"}, st.Sites)
	for _, m := range []string{"ssl", "proxy", "proxy_http", "headers", "mpm_event"} {
		assert.Contains(t, st.Modules, m)
	}
	mustRun(t, root, "a2dismod", "headers")
	assert.NotContains(t, state(t, root).Modules, "headers")
}

func TestUpdateCACertificates(t *testing.T) {
	root := newUnit(t, "focal")
	writeFile(t, root, "/usr/local/share/ca-certificates/panko.crt", "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n")
	r := mustRun(t, root, "update-ca-certificates")
	assert.Contains(t, r.stdout, "1 added, 0 removed; done.")
	bundle, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"))
	require.NoError(t, err)
	assert.Equal(t, "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n", string(bundle))
	pem, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/panko.pem"))
	require.NoError(t, err, "the link resolves inside the root")
	assert.Equal(t, string(bundle), string(pem))

	r = mustRun(t, root, "update-ca-certificates")
	assert.Contains(t, r.stdout, "0 added, 0 removed; done.")
	r = mustRun(t, root, "update-ca-certificates", "--fresh")
	assert.Contains(t, r.stdout, "1 added, 0 removed; done.")
	require.NoError(t, os.Remove(filepath.Join(root, "usr/local/share/ca-certificates/panko.crt")))
	r = mustRun(t, root, "update-ca-certificates")
	assert.Contains(t, r.stdout, "0 added, 1 removed; done.")
	assert.NoFileExists(t, filepath.Join(root, "etc/ssl/certs/panko.pem"))
}

func TestAddAptRepository(t *testing.T) {
	tests := []struct {
		name     string
		series   string
		args     []string
		wantFile string
		wantLine string
		wantCode int
		wantErr  string
		want     Lists
	}{
		{"cloud archive", "focal", []string{"--yes", "cloud-archive:wallaby"}, "/etc/apt/sources.list.d/cloud-archive.list",
			"deb http://ubuntu-cloud.archive.canonical.com/ubuntu focal-updates/wallaby main\n", 0, "",
			Lists{Release: "wallaby", CloudArchive: true}},
		{"proposed pocket", "bionic", []string{"-y", "cloud-archive:train-proposed"}, "/etc/apt/sources.list.d/cloud-archive.list",
			"deb http://ubuntu-cloud.archive.canonical.com/ubuntu bionic-proposed/train main\n", 0, "",
			Lists{Release: "train", CloudArchive: true}},
		{"release not for this series", "focal", []string{"--yes", "cloud-archive:rocky"}, "", "", 1,
			"ERROR: 'rocky' is not a supported cloud archive release for focal\n", Lists{Release: "ussuri"}},
		{"ppa", "focal", []string{"--yes", "ppa:team/panko"}, "/etc/apt/sources.list.d/team-ubuntu-panko-focal.list",
			"deb http://ppa.launchpad.net/team/panko/ubuntu focal main\n", 0, "", Lists{Release: "ussuri"}},
		{"no update", "focal", []string{"--yes", "-n", "cloud-archive:victoria"}, "/etc/apt/sources.list.d/cloud-archive.list",
			"deb http://ubuntu-cloud.archive.canonical.com/ubuntu focal-updates/victoria main\n", 0, "", Lists{Release: "ussuri"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newUnit(t, tt.series)
			r := run(t, root, append([]string{"add-apt-repository"}, tt.args...)...)
			assert.Equal(t, tt.wantCode, r.code)
			assert.Equal(t, tt.wantErr, r.stderr)
			if tt.wantFile != "" {
				data, err := os.ReadFile(filepath.Join(root, tt.wantFile))
				require.NoError(t, err)
				assert.Equal(t, tt.wantLine, string(data))
			}
			assert.Equal(t, tt.want, state(t, root).Lists)
		})
	}
}

func TestAddAptRepositoryTwiceAndRemove(t *testing.T) {
	root := newUnit(t, "focal")
	mustRun(t, root, "add-apt-repository", "--yes", "ppa:team/panko")
	mustRun(t, root, "add-apt-repository", "--yes", "ppa:team/panko")
	p := filepath.Join(root, "etc/apt/sources.list.d/team-ubuntu-panko-focal.list")
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(data), "deb "))
	mustRun(t, root, "add-apt-repository", "--yes", "--remove", "ppa:team/panko")
	assert.NoFileExists(t, p)
}

func TestCommandLog(t *testing.T) {
	root := newUnit(t, "focal")
	mustRun(t, root, "apt-get", "update")
	run(t, root, "systemctl", "start", "nosuch")
	log, err := CommandLog(root)
	require.NoError(t, err)
	require.Len(t, log, 2)
	assert.Equal(t, []string{"apt-get", "update"}, log[0].Argv)
	assert.Equal(t, 0, log[0].Exit)
	assert.Equal(t, []string{"systemctl", "start", "nosuch"}, log[1].Argv)
	assert.Equal(t, 5, log[1].Exit)
	assert.False(t, log[1].Time.Before(log[0].Time))
	assert.False(t, log[0].Time.IsZero())
}

func TestCommandNeedsItsPackage(t *testing.T) {
	root := newUnit(t, "focal")
	r := run(t, root, "panko-dbsync")
	assert.Equal(t, result{"", "panko-dbsync: command not found (package panko-common is not installed)\n", 127}, r)
}
