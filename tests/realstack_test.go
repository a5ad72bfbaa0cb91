package tests

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/sandbox"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// pankoPackageDir is where Debian installs the Panko Python package.
const pankoPackageDir = "/usr/lib/python3/dist-packages/panko"

// realServiceBinaries are the programs of the real stack, with the
// Debian package that installs each (see `make deps`).
func realServiceBinaries() map[string]string {
	return map[string]string{
		"/usr/bin/panko-api":                   "python3-panko (Debian 11, 9.0.0)",
		"/usr/bin/panko-dbsync":                "python3-panko (Debian 11, 9.0.0)",
		"/usr/bin/keystone-manage":             "python3-keystone",
		"/usr/bin/keystone-wsgi-public":        "python3-keystone",
		"/usr/bin/openstack":                   "python3-openstackclient",
		"/usr/sbin/apache2":                    "apache2",
		"/usr/sbin/haproxy":                    "haproxy",
		"/usr/lib/apache2/modules/mod_wsgi.so": "libapache2-mod-wsgi-py3",
		"/usr/bin/apt-get":                     "apt",
		"/usr/bin/dpkg-deb":                    "dpkg",
	}
}

// requireOrSkip stops the test when err says a real service is missing
// (a skip; a failure under CI=true, see need.Skip).
func requireOrSkip(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	need.Skip(t, "%s needed: %v", what, err)
}

// requireRealStack checks that the real Panko, keystone, pankoclient,
// Apache and haproxy are installed and that a sandbox can run.
func requireRealStack(t *testing.T) {
	t.Helper()
	requireOrSkip(t, "a sandbox (root, namespaces)", sandbox.Available())
	for bin, pkg := range realServiceBinaries() {
		if _, err := os.Stat(bin); err != nil {
			requireOrSkip(t, "the real services", fmt.Errorf("%s is missing (Debian package %s; run make deps)", bin, pkg))
		}
	}
	if _, err := os.Stat(filepath.Join(pankoPackageDir, "storage", "impl_sqlalchemy.py")); err != nil {
		requireOrSkip(t, "the real Panko", err)
	}
}

// randomSecret returns 32 hex digits from crypto/rand.
func randomSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// pankoCommonDeb is Debian's panko-common package of the installed Panko,
// kept (not installed) by `make deps` (scripts/deps.sh).
const pankoCommonDeb = "/var/cache/charm-panko-tests/panko-common_9.0.0-1_all.deb"

// packageLayer lays out, in dir, the files Debian's panko-common installs
// under /etc/panko that the charm does not render: api_paste.ini, the WSGI
// pipeline, which its postinst copies from /usr/share/panko-common (on
// Ubuntu the package ships it in /etc/panko).
func packageLayer(t *testing.T, dir string) string {
	t.Helper()
	if _, err := os.Stat(pankoCommonDeb); err != nil {
		requireOrSkip(t, "panko-common's package file (make deps)", err)
	}
	x := filepath.Join(dir, "x")
	require.NoError(t, os.MkdirAll(x, 0o755))
	out, err := exec.Command("dpkg-deb", "-x", pankoCommonDeb, x).CombinedOutput()
	require.NoError(t, err, "dpkg-deb -x: %s", out)
	paste, err := os.ReadFile(filepath.Join(x, "usr/share/panko-common/api_paste.ini"))
	require.NoError(t, err, "panko-common ships api_paste.ini")
	layer := filepath.Join(dir, "layer")
	require.NoError(t, os.MkdirAll(filepath.Join(layer, "etc/panko"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(layer, "etc/panko/api_paste.ini"), paste, 0o644))
	return layer
}

// sqlalchemy14Fixes make Panko 9.0.0's get_events work with Debian 12's
// SQLAlchemy 1.4 on MariaDB, in a copy used by the test's Panko process
// only (Ubuntu's Panko runs SQLAlchemy 1.3, which needs none of this). The
// union that reads traits back casts NULL to FLOAT(53), which MariaDB
// rejects, and leaves its NULL columns unlabeled, which SQLAlchemy 1.4
// folds into one column. Each fix replaces NULLs with labeled NULLs; the
// casts only served PostgreSQL. Each old text must occur exactly once.
func sqlalchemy14Fixes() [][2]string {
	return [][2]string{
		{"sa.cast(sa.null(), sa.Integer),\n                    sa.cast(sa.null(), sa.Float(53)),\n                    sa.cast(sa.null(), sa.String(255)))",
			"sa.null().label('t_int'), sa.null().label('t_float'), sa.null().label('t_text'))"},
		{"models.TraitInt.key, sa.null(),\n                    models.TraitInt.value, sa.null(), sa.null())",
			"models.TraitInt.key, sa.null().label('t_date'), models.TraitInt.value, sa.null().label('t_float'), sa.null().label('t_text'))"},
		{"models.TraitFloat.key, sa.null(), sa.null(),\n                    models.TraitFloat.value, sa.null())",
			"models.TraitFloat.key, sa.null().label('t_date'), sa.null().label('t_int'), models.TraitFloat.value, sa.null().label('t_text'))"},
		{"models.TraitText.key, sa.null(), sa.null(), sa.null(),\n                    models.TraitText.value)",
			"models.TraitText.key, sa.null().label('t_date'), sa.null().label('t_int'), sa.null().label('t_float'), models.TraitText.value)"},
	}
}

// patchedPanko copies the installed Panko package into dir and applies
// sqlalchemy14Fixes to the copy.
func patchedPanko(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(dir, "panko")
	err := filepath.WalkDir(pankoPackageDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "__pycache__" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(pankoPackageDir, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	require.NoError(t, err)
	impl := filepath.Join(dst, "storage", "impl_sqlalchemy.py")
	b, err := os.ReadFile(impl)
	require.NoError(t, err)
	src := string(b)
	for _, fix := range sqlalchemy14Fixes() {
		require.Equal(t, 1, strings.Count(src, fix[0]), "Panko's get_events holds %q once", fix[0])
		src = strings.Replace(src, fix[0], fix[1], 1)
	}
	require.NoError(t, os.WriteFile(impl, []byte(src), 0o644))
	return dst
}

// keystoneReply is what the keystone application told the unit.
type keystoneReply struct {
	authHost, authPort, serviceHost, servicePort string
	domain, project, user, password, role        string
}

// readKeystoneReply reads the unit's view of keystone's answer.
func readKeystoneReply(t *testing.T, m *localjuju.Model, unit string) keystoneReply {
	t.Helper()
	for name, u := range relationData(t, m, unit, "identity-service").RelatedUnits {
		d := u.Data
		if d["service_password"] == "" {
			continue
		}
		registerSecrets(t, secret{Label: "keystone reply of " + name, Value: d["service_password"]})
		return keystoneReply{authHost: d["auth_host"], authPort: d["auth_port"], serviceHost: d["service_host"],
			servicePort: d["service_port"], domain: d["service_domain"], project: d["service_tenant"],
			user: d["service_username"], password: d["service_password"], role: d["admin_role"]}
	}
	t.Fatalf("%s holds no keystone reply", unit)
	return keystoneReply{}
}

// realStack is the real Panko 9.0.0 API (Apache mod_wsgi), haproxy and
// keystone 22 serving one unit's rendered files, unchanged, in a sandbox
// with the unit's and keystone's addresses.
type realStack struct {
	sb            *sandbox.Sandbox
	client        *http.Client
	unitAddr      string
	keystone      keystoneReply
	adminPassword string
	region        string
	caFile        string
	keystoneLog   string
	keystoneDB    string
}

// startRealStack builds keystone from what the keystone simulator handed
// the unit and from the catalog the charm registered, then starts the
// unit's Apache sites and haproxy on its rendered files. ca (PEM), when
// set, is trusted by the stack's clients; extraAddrs are more addresses
// the sandbox carries (other applications' units it forwards).
func startRealStack(t *testing.T, m *localjuju.Model, unit string, ca []byte, extraAddrs ...string) *realStack {
	t.Helper()
	work := t.TempDir()
	root := unitRoot(t, m, unit)
	s := &realStack{unitAddr: unitState(t, m, unit).Address, keystone: readKeystoneReply(t, m, unit),
		adminPassword: randomSecret(t)}
	registerSecrets(t, secret{Label: "real keystone's admin password", Value: s.adminPassword})
	cat := catalogEvent(t, m)
	s.region = cat.Region

	ksDir := bootstrapKeystone(t, m, filepath.Join(work, "keystone"), s)
	s.keystoneLog = filepath.Join(ksDir, "keystone.log")
	pkg := packageLayer(t, filepath.Join(work, "panko-common"))
	sb, err := sandbox.Start(sandbox.Options{
		Root: root,
		// The unit's files over the panko-common package's over the machine's.
		Overlay: []string{"/etc", "/var/lib", "/var/log"},
		Layers:  map[string]string{"/etc": filepath.Join(pkg, "etc")},
		Bind:    map[string]string{pankoPackageDir: patchedPanko(t, work)},
		Addrs:   append([]string{s.unitAddr, s.keystone.authHost}, extraAddrs...),
		Work:    filepath.Join(work, "sandbox"),
	})
	require.NoError(t, err)
	s.sb = sb
	t.Cleanup(func() { sb.Close() })

	transport := &http.Transport{DialContext: sb.DialContext, DisableKeepAlives: true}
	if ca != nil {
		pool := x509.NewCertPool()
		require.True(t, pool.AppendCertsFromPEM(ca), "the CA is PEM")
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		s.caFile = filepath.Join(work, "ca.pem")
		require.NoError(t, os.WriteFile(s.caFile, ca, 0o644))
	}
	s.client = &http.Client{Transport: transport, Timeout: 30 * time.Second}

	// The unit's database, as its panko.conf names it, is the model's
	// MariaDB on this machine.
	conf := parseINI(t, readAll(t, filepath.Join(root, "etc/panko/panko.conf")))
	db := parseConnection(t, conf["database"]["connection"])
	dbAddr := net.JoinHostPort(db.Host, db.Port)
	require.NoError(t, sb.Forward(dbAddr, dbAddr))
	if s.keystoneDB != dbAddr {
		require.NoError(t, sb.Forward(s.keystoneDB, s.keystoneDB))
	}

	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "OS_KEYSTONE_CONFIG_FILES=" + filepath.Join(ksDir, "keystone.conf")}
	for name, port := range map[string]string{"keystone-public": s.keystone.servicePort, "keystone-admin": s.keystone.authPort} {
		require.NoError(t, sb.Spawn(name, env, "/usr/bin/keystone-wsgi-public", "--host", s.keystone.authHost, "--port", port))
	}
	s.waitHTTP(t, "keystone", "http://"+net.JoinHostPort(s.keystone.authHost, s.keystone.servicePort)+"/v3", 60*time.Second)
	s.waitHTTP(t, "keystone", "http://"+net.JoinHostPort(s.keystone.authHost, s.keystone.authPort)+"/v3", 60*time.Second)
	s.registerService(t, cat)

	require.NoError(t, sb.Spawn("apache2", []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "/bin/sh", "-ec",
		`. /etc/apache2/envvars; mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR"; exec apache2 -D FOREGROUND`))
	spawnHAProxy(t, sb, root)
	return s
}

// haproxyConnLimit returns a maxconn that fits this process's hard limit
// on open files when the global maxconn of cfg does not, else 0.
func haproxyConnLimit(t *testing.T, cfg string) int {
	t.Helper()
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	for _, line := range strings.Split(cfg, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "maxconn" {
			n, err := strconv.Atoi(f[1])
			require.NoError(t, err)
			// haproxy needs two descriptors per connection and some more.
			if uint64(2*n+100) > lim.Max {
				return int((lim.Max - 100) / 2)
			}
			return 0
		}
	}
	return 0
}

// bootstrapKeystone creates a keystone 22 in dir with its database on the
// model's MariaDB, fernet keys and the admin account, as keystone-manage
// does for a new cloud, and returns dir. (Two keystone processes serve the
// two ports; sqlite would lock one out.)
func bootstrapKeystone(t *testing.T, m *localjuju.Model, dir string, s *realStack) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o700))
	dsn, err := m.MySQLDSN(context.Background())
	require.NoError(t, err)
	cfg, err := mysql.ParseDSN(dsn)
	require.NoError(t, err)
	dbPassword := randomSecret(t)
	registerSecrets(t, secret{Label: "real keystone's database password", Value: dbPassword})
	db := openDB(t, m)
	name := "keystone_" + randomSecret(t)[:8] // one database per stack
	for _, q := range []string{"CREATE DATABASE " + name, "CREATE USER '" + name + "'@'%' IDENTIFIED BY '" + dbPassword + "'",
		"GRANT ALL ON " + name + ".* TO '" + name + "'@'%'"} {
		_, err := db.Exec(q)
		require.True(t, err == nil, "prepare keystone's database: %v", redactErr(err, dbPassword))
	}
	s.keystoneDB = cfg.Addr
	conf := fmt.Sprintf("[DEFAULT]\nlog_file = %[1]s/keystone.log\n[database]\nconnection = mysql+pymysql://%[4]s:%[2]s@%[3]s/%[4]s\n"+
		"[fernet_tokens]\nkey_repository = %[1]s/fernet-keys\n[credential]\nkey_repository = %[1]s/credential-keys\n"+
		"[token]\nprovider = fernet\n", dir, dbPassword, cfg.Addr, name)
	confFile := filepath.Join(dir, "keystone.conf")
	require.NoError(t, os.WriteFile(confFile, []byte(conf), 0o600))
	public := "http://" + net.JoinHostPort(s.keystone.serviceHost, s.keystone.servicePort) + "/v3"
	admin := "http://" + net.JoinHostPort(s.keystone.authHost, s.keystone.authPort) + "/v3"
	steps := [][]string{
		{"db_sync"},
		{"fernet_setup", "--keystone-user", "root", "--keystone-group", "root"},
		{"credential_setup", "--keystone-user", "root", "--keystone-group", "root"},
		{"bootstrap", "--bootstrap-username", "admin", "--bootstrap-project-name", "admin", "--bootstrap-role-name", "admin",
			"--bootstrap-region-id", s.region, "--bootstrap-public-url", public, "--bootstrap-internal-url", public,
			"--bootstrap-admin-url", admin},
	}
	for _, step := range steps {
		cmd := exec.Command("/usr/bin/keystone-manage", append([]string{"--config-file", confFile}, step...)...)
		cmd.Env = append(os.Environ(), "OS_BOOTSTRAP_PASSWORD="+s.adminPassword)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "keystone-manage %s: %s", step[0], tail(string(out), 2000))
	}
	return dir
}

// waitHTTP waits until url answers any HTTP status.
func (s *realStack) waitHTTP(t *testing.T, what, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := s.client.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer %s: %v\n%s", what, url, err, s.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// output is what the stack's services printed, for failure messages.
func (s *realStack) output() string {
	var b strings.Builder
	if log, err := os.ReadFile(s.keystoneLog); err == nil {
		fmt.Fprintf(&b, "--- keystone.log\n%s\n", tail(string(log), 3000))
	}
	for _, name := range []string{"keystone-public", "keystone-admin", "apache2", "haproxy"} {
		if out := s.sb.Output(name); out != "" {
			fmt.Fprintf(&b, "--- %s\n%s\n", name, tail(out, 3000))
		}
	}
	return b.String()
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// keystoneURL is keystone's public v3 URL.
func (s *realStack) keystoneURL() string {
	return "http://" + net.JoinHostPort(s.keystone.serviceHost, s.keystone.servicePort) + "/v3"
}

// token issues a project-scoped token for user@domain and returns it with
// the project's id.
func (s *realStack) token(t *testing.T, user, password, domain, project string) (string, string) {
	t.Helper()
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": user, "domain": map[string]string{"name": domain}, "password": password}}},
		"scope": map[string]any{"project": map[string]any{"name": project, "domain": map[string]string{"name": domain}}},
	}}
	var issued struct {
		Token struct{ Project struct{ ID string } }
	}
	resp := s.keystoneCall(t, "", http.MethodPost, "/auth/tokens", body, &issued)
	tok := resp.Header.Get("X-Subject-Token")
	require.NotEmpty(t, tok, "keystone issued a token")
	registerSecrets(t, secret{Label: "keystone token of " + user, Value: tok})
	return tok, issued.Token.Project.ID
}

// keystoneCall sends a keystone v3 API request and decodes the answer
// into out (when not nil); any status other than 2xx fails the test.
func (s *realStack) keystoneCall(t *testing.T, token, method, path string, body, out any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.keystoneURL()+path, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := s.client.Do(req)
	require.NoError(t, err, "keystone %s %s", method, path)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.True(t, resp.StatusCode/100 == 2, "keystone %s %s: %s %s\n%s", method, path, resp.Status, tail(string(data), 500), s.output())
	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), "keystone %s %s", method, path)
	}
	return resp
}

// registerService gives keystone what the keystone charm creates for the
// unit: the service domain, project and user with the credentials it
// sent, the admin role on that project, and the event service with the
// endpoints the charm registered.
func (s *realStack) registerService(t *testing.T, cat struct{ Service, Region, Public, Internal, Admin, By string }) {
	t.Helper()
	tok, _ := s.token(t, "admin", s.adminPassword, "Default", "admin")
	k := s.keystone
	var dom struct{ Domain struct{ ID string } }
	s.keystoneCall(t, tok, http.MethodPost, "/domains", map[string]any{"domain": map[string]any{"name": k.domain}}, &dom)
	var proj struct{ Project struct{ ID string } }
	s.keystoneCall(t, tok, http.MethodPost, "/projects", map[string]any{"project": map[string]any{"name": k.project, "domain_id": dom.Domain.ID}}, &proj)
	var user struct{ User struct{ ID string } }
	s.keystoneCall(t, tok, http.MethodPost, "/users", map[string]any{"user": map[string]any{"name": k.user, "password": k.password, "domain_id": dom.Domain.ID}}, &user)
	// The keystone charm looks the role up by name and creates it only
	// when missing; on MySQL "Admin" finds bootstrap's "admin".
	var roles struct{ Roles []struct{ ID string } }
	s.keystoneCall(t, tok, http.MethodGet, "/roles?name="+url.QueryEscape(k.role), nil, &roles)
	if len(roles.Roles) == 0 {
		var role struct{ Role struct{ ID string } }
		s.keystoneCall(t, tok, http.MethodPost, "/roles", map[string]any{"role": map[string]any{"name": k.role}}, &role)
		roles.Roles = append(roles.Roles, struct{ ID string }{role.Role.ID})
	}
	s.keystoneCall(t, tok, http.MethodPut, "/projects/"+proj.Project.ID+"/users/"+user.User.ID+"/roles/"+roles.Roles[0].ID, nil, nil)
	var svc struct{ Service struct{ ID string } }
	s.keystoneCall(t, tok, http.MethodPost, "/services", map[string]any{"service": map[string]any{"name": cat.Service, "type": "event"}}, &svc)
	for iface, u := range map[string]string{"public": cat.Public, "internal": cat.Internal, "admin": cat.Admin} {
		s.keystoneCall(t, tok, http.MethodPost, "/endpoints", map[string]any{"endpoint": map[string]any{
			"service_id": svc.Service.ID, "interface": iface, "url": u, "region_id": cat.Region}}, nil)
	}
}

// get sends GET url (with a token when not empty) and returns the status,
// the headers and the body.
func (s *realStack) get(t *testing.T, url, token string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := s.client.Do(req)
	require.NoError(t, err, "GET %s\n%s", url, s.output())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}

// waitBackends waits until the real stack's haproxy shows every server
// of the panko-api backend UP, and returns their states.
func (s *realStack) waitBackends(t *testing.T, root string, timeout time.Duration) map[string]string {
	t.Helper()
	return waitBackends(t, s.client, root, timeout, s.output)
}

// haproxyStats returns the address and the user and password of the
// statistics listener of a rendered haproxy.cfg.
func haproxyStats(t *testing.T, cfg string) (bind, user, pass string) {
	t.Helper()
	inStats := false
	for _, line := range strings.Split(cfg, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && (f[0] == "global" || f[0] == "defaults" || f[0] == "frontend" || f[0] == "backend" || f[0] == "listen"):
			inStats = len(f) == 2 && f[0] == "listen" && f[1] == "stats"
		case inStats && len(f) == 2 && f[0] == "bind":
			bind = f[1]
		case inStats && len(f) == 3 && f[0] == "stats" && f[1] == "auth":
			user, pass, _ = strings.Cut(f[2], ":")
		}
	}
	require.NotEmpty(t, bind, "haproxy.cfg has a stats listener")
	registerSecrets(t, secret{Label: "haproxy stats password", Value: pass})
	return bind, user, pass
}

// haproxyServers returns the servers (name: address) of the panko-api
// backend of a rendered haproxy.cfg.
func haproxyServers(t *testing.T, cfg string) map[string]string {
	t.Helper()
	out := map[string]string{}
	in := false
	for _, line := range strings.Split(cfg, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && (f[0] == "global" || f[0] == "defaults" || f[0] == "frontend" || f[0] == "backend" || f[0] == "listen"):
			in = len(f) == 2 && f[0] == "backend" && f[1] == "panko-api"
		case in && len(f) >= 3 && f[0] == "server":
			out[f[1]] = f[2]
		}
	}
	require.NotEmpty(t, out, "haproxy.cfg has panko-api servers")
	return out
}

// waitBackends waits until haproxy's statistics (read through client)
// show every server of the panko-api backend UP, and returns their
// states; diag adds to a failure.
func waitBackends(t *testing.T, client *http.Client, root string, timeout time.Duration, diag func() string) map[string]string {
	t.Helper()
	bind, user, pass := haproxyStats(t, readAll(t, filepath.Join(root, "etc/haproxy/haproxy.cfg")))
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		states := map[string]string{}
		req, err := http.NewRequest(http.MethodGet, "http://"+bind+"/;csv", nil)
		require.NoError(t, err)
		req.SetBasicAuth(user, pass)
		resp, err := client.Do(req)
		if err != nil {
			last = err.Error()
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = resp.Status
			for _, line := range strings.Split(string(body), "\n") {
				f := strings.Split(line, ",")
				if len(f) > 17 && f[0] == "panko-api" && f[1] != "FRONTEND" && f[1] != "BACKEND" {
					states[f[1]] = f[17]
				}
			}
		}
		up := len(states) > 0
		for _, st := range states {
			up = up && st == "UP"
		}
		if up {
			return states
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy's panko-api servers are %v after %s (statistics: %s), want all UP\n%s", states, timeout, last, diag())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// spawnHAProxy starts the real haproxy on the sandbox's
// /etc/haproxy/haproxy.cfg (the unit's rendered file).
func spawnHAProxy(t *testing.T, sb *sandbox.Sandbox, root string) {
	t.Helper()
	hap := []string{"/bin/sh", "-ec", `mkdir -p /run/haproxy; exec haproxy -f /etc/haproxy/haproxy.cfg -db "$@"`, "haproxy"}
	if n := haproxyConnLimit(t, readAll(t, filepath.Join(root, "etc/haproxy/haproxy.cfg"))); n > 0 {
		// This machine's hard limit on open files is below what the
		// rendered maxconn needs (haproxy refuses to start): -n lowers
		// maxconn for this run only.
		hap = append(hap, "-n", strconv.Itoa(n))
	}
	require.NoError(t, sb.Spawn("haproxy", []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, hap...))
}

// openstack runs the operator's `openstack` command in the sandbox as
// keystone's admin and returns its output.
func (s *realStack) openstack(t *testing.T, args ...string) []byte {
	t.Helper()
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
		"OS_AUTH_URL=" + s.keystoneURL(), "OS_IDENTITY_API_VERSION=3", "OS_USERNAME=admin", "OS_PASSWORD=" + s.adminPassword,
		"OS_PROJECT_NAME=admin", "OS_USER_DOMAIN_NAME=Default", "OS_PROJECT_DOMAIN_NAME=Default", "OS_REGION_NAME=" + s.region,
		"OS_INTERFACE=public"}
	if s.caFile != "" {
		env = append(env, "OS_CACERT="+s.caFile)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := s.sb.Run(ctx, env, "/usr/bin/openstack", args...)
	require.NoError(t, err, "openstack %s: %s", strings.Join(args, " "), out)
	return out
}

// recordEventScript stores one event through Panko's own storage API
// (record_events, what Panko's publisher calls): a message id, a type, a
// generation time and one trait of each type, project_id the project given.
const recordEventScript = `import datetime, sys
from panko import service, storage
from panko.storage import models
conf = service.prepare_service(argv=[], config_files=[sys.argv[1]])
conn = storage.get_connection_from_config(conf)
when = datetime.datetime(2026, 12, 1, 10, 30, 0)
conn.record_events([models.Event(sys.argv[2], 'compute.instance.create.end', when, [
    models.Trait('project_id', models.Trait.TEXT_TYPE, sys.argv[3]),
    models.Trait('vcpus', models.Trait.INT_TYPE, 4),
    models.Trait('memory_gb', models.Trait.FLOAT_TYPE, 1.5),
    models.Trait('launched_at', models.Trait.DATETIME_TYPE, when)], {})])
`

// recordEvent stores an event of project in the unit's database with the
// real Panko storage driver and returns its message id.
func recordEvent(t *testing.T, root, project string) string {
	t.Helper()
	conf := parseINI(t, readAll(t, filepath.Join(root, "etc/panko/panko.conf")))
	dir := t.TempDir()
	own := filepath.Join(dir, "panko.conf")
	require.NoError(t, os.WriteFile(own, []byte("[database]\nconnection = "+conf["database"]["connection"]+"\n"), 0o600))
	id := "8f9e1c0a-4b6d-4e2f-9a3b-" + randomSecret(t)[:12]
	cmd := exec.Command("/usr/bin/python3", "-c", recordEventScript, own, id, project)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "record an event with Panko's storage API: %s", out)
	return id
}

// eventJSON is an event as Panko's v2 API returns it.
type eventJSON struct {
	MessageID string `json:"message_id"`
	EventType string `json:"event_type"`
	Generated string `json:"generated"`
	Traits    []struct {
		Name, Type, Value string
	} `json:"traits"`
}

// fileMissing says why p does not exist, or nil.
func fileMissing(p string) error {
	_, err := os.Stat(p)
	return err
}
