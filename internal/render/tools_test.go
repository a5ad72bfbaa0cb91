package render

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// apacheModDir is where Debian's apache2 keeps its loadable modules.
const apacheModDir = "/usr/lib/apache2/modules"

// needBinary returns the path of bin or skips the test, naming the Debian
// package that provides it.
func needBinary(t *testing.T, bin, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(bin); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if p := filepath.Join(dir, bin); isExecutable(p) {
			return p
		}
	}
	need.Skip(t, "%s not installed (Debian package %s)", bin, pkg)
	return ""
}

func isExecutable(p string) bool {
	info, err := os.Stat(p)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}

// TestHAProxyConfigValid checks every scenario's haproxy.cfg with the real
// `haproxy -c`.
func TestHAProxyConfigValid(t *testing.T) {
	haproxy := needBinary(t, "haproxy", "haproxy")
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			out, err := sc.data.Render(HAProxyCfg)
			if err != nil {
				t.Fatal(err)
			}
			if msg, ok := haproxyCheck(t, haproxy, out); !ok {
				t.Fatalf("haproxy -c rejected haproxy.cfg:\n%s", redact(sc.data, msg))
			}
		})
	}
	// The check must be able to fail.
	t.Run("broken", func(t *testing.T) {
		sc := newScenario("wallaby", false, false, false)
		out, err := sc.data.Render(HAProxyCfg)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, "    server broken 10.5.0.99:70000 check\n"...)
		if _, ok := haproxyCheck(t, haproxy, out); ok {
			t.Fatal("haproxy -c accepted a server with port 70000")
		}
	})
}

// haproxyCheck runs `haproxy -c -f` on cfg and returns its output and
// whether the configuration is valid.
func haproxyCheck(t *testing.T, haproxy string, cfg []byte) (string, bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(haproxy, "-c", "-f", path).CombinedOutput()
	return string(out), err == nil
}

// apacheEnv is the environment Debian's apache2 expects, pointed at dir.
func apacheEnv(dir string) []string {
	return append(os.Environ(),
		"APACHE_RUN_DIR="+filepath.Join(dir, "run"),
		"APACHE_LOCK_DIR="+filepath.Join(dir, "lock"),
		"APACHE_LOG_DIR="+filepath.Join(dir, "log"),
		"APACHE_PID_FILE="+filepath.Join(dir, "run", "apache2.pid"),
		"APACHE_RUN_USER=nobody",
		"APACHE_RUN_GROUP=nogroup",
	)
}

// apacheServerRoot writes a minimal main configuration into a new server
// root that loads modules and includes the given files; it returns the
// server root and the configuration file. Missing modules skip the test.
func apacheServerRoot(t *testing.T, modules map[string]string, includes []string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"run", "lock", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ServerRoot %s\nDefaultRuntimeDir %s\nPidFile %s\nMutex file:%s default\n",
		dir, filepath.Join(dir, "run"), filepath.Join(dir, "run", "apache2.pid"), filepath.Join(dir, "lock"))
	fmt.Fprintf(&b, "ServerName localhost\nErrorLog %s\nLogLevel warn\n", filepath.Join(dir, "log", "error.log"))
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("nobody"); err == nil {
			if _, err := user.LookupGroup("nogroup"); err == nil {
				b.WriteString("User nobody\nGroup nogroup\n")
			}
		}
	}
	for _, mod := range sortedKeys(modules) {
		so := filepath.Join(apacheModDir, "mod_"+mod+".so")
		if _, err := os.Stat(so); err != nil {
			need.Skip(t, "Apache module %s missing (Debian package %s)", mod, modules[mod])
		}
		fmt.Fprintf(&b, "LoadModule %s_module %s\n", mod, so)
	}
	for _, inc := range includes {
		fmt.Fprintf(&b, "Include %s\n", inc)
	}
	conf := filepath.Join(dir, "apache2.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, conf
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// siteModules are the modules the mod_wsgi site needs, with their packages;
// frontendModules those of the TLS frontend.
func siteModules() map[string]string {
	return map[string]string{"mpm_event": "apache2", "authz_core": "apache2", "wsgi": "libapache2-mod-wsgi-py3"}
}

func frontendModules() map[string]string {
	return map[string]string{
		"mpm_event": "apache2", "authz_core": "apache2", "ssl": "apache2",
		"proxy": "apache2", "proxy_http": "apache2", "headers": "apache2",
	}
}

// hostAccounts replaces the WSGI user and group by accounts that exist on
// this machine when the panko account does not: mod_wsgi resolves them
// while reading the configuration.
func hostAccounts(d *Data) {
	if _, err := user.Lookup(d.WSGI.User); err == nil {
		if _, err := user.LookupGroup(d.WSGI.Group); err == nil {
			return
		}
	}
	d.WSGI.User, d.WSGI.Group = "nobody", "nogroup"
	if _, err := user.LookupGroup("nogroup"); err != nil {
		d.WSGI.Group = "nobody"
	}
}

// testPKI is a throwaway CA that issues server certificates into a
// directory.
type testPKI struct {
	dir    string
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	caFile string
	serial int64
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "panko test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{dir: t.TempDir(), caCert: cert, caKey: key, serial: 1}
	p.caFile = filepath.Join(p.dir, "ca.crt")
	writePEM(t, p.caFile, "CERTIFICATE", der)
	return p
}

// issue writes cert_<cn> (certificate, then the CA as chain) and key_<cn>
// for cn, with cn as the only SAN, and returns their paths.
func (p *testPKI) issue(t *testing.T, cn string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(cn); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{cn}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(p.dir, "cert_"+cn)
	keyFile = filepath.Join(p.dir, "key_"+cn)
	chain := append(pemBytes("CERTIFICATE", der), pemBytes("CERTIFICATE", p.caCert.Raw)...)
	if err := os.WriteFile(certFile, chain, 0o600); err != nil {
		t.Fatal(err)
	}
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile
}

func pemBytes(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pemBytes(typ, der), 0o600); err != nil {
		t.Fatal(err)
	}
}

// useTestCerts points every TLS endpoint of d at certificates issued by pki
// for its server name.
func useTestCerts(t *testing.T, d *Data, pki *testPKI) {
	t.Helper()
	if d.TLS == nil {
		return
	}
	eps := append([]TLSEndpoint(nil), d.TLS.Endpoints...)
	for i := range eps {
		cn := eps[i].ServerName
		if cn == "" {
			cn, _ = cleanHost(eps[i].Addr)
		}
		eps[i].CertFile, eps[i].KeyFile = pki.issue(t, cn)
		if eps[i].CAFile != "" {
			eps[i].CAFile = pki.caFile
		}
	}
	tlsCopy := *d.TLS
	tlsCopy.Endpoints = eps
	d.TLS = &tlsCopy
}

// TestApacheConfigValid checks every scenario's Apache sites (the mod_wsgi
// site, and the TLS frontend with real certificate files) with the real
// `apache2 -t`. Only host-dependent data is changed: the WSGI account when
// panko does not exist here, and the certificate paths.
func TestApacheConfigValid(t *testing.T) {
	apache := needBinary(t, "apache2", "apache2")
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			d := sc.data
			hostAccounts(&d)
			useTestCerts(t, &d, newTestPKI(t))
			if msg, ok := apacheCheck(t, apache, d, nil); !ok {
				t.Fatalf("apache2 -t rejected the sites:\n%s", msg)
			}
		})
	}
	// The check must be able to fail: a missing certificate file and an
	// unknown directive are both rejected.
	t.Run("broken", func(t *testing.T) {
		d := newScenario("wallaby", false, true, false).data
		hostAccounts(&d)
		if _, ok := apacheCheck(t, apache, d, nil); ok {
			t.Error("apache2 -t accepted certificate files that do not exist")
		}
		useTestCerts(t, &d, newTestPKI(t))
		if _, ok := apacheCheck(t, apache, d, []byte("NoSuchDirective on\n")); ok {
			t.Error("apache2 -t accepted an unknown directive")
		}
	})
}

// apacheCheck renders the sites of d (the TLS frontend only with d.TLS),
// appends extra to the mod_wsgi site and runs `apache2 -t` on them.
func apacheCheck(t *testing.T, apache string, d Data, extra []byte) (string, bool) {
	t.Helper()
	sites := t.TempDir()
	modules := siteModules()
	names := []string{APISite}
	if d.TLS != nil {
		names = append(names, HTTPSFrontend)
		for k, v := range frontendModules() {
			modules[k] = v
		}
	}
	var includes []string
	for _, name := range names {
		out, err := d.Render(name)
		if err != nil {
			t.Fatal(err)
		}
		if name == APISite {
			out = append(out, extra...)
		}
		path := filepath.Join(sites, name)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		includes = append(includes, path)
	}
	root, conf := apacheServerRoot(t, modules, includes)
	cmd := exec.Command(apache, "-d", root, "-f", conf, "-t")
	cmd.Env = apacheEnv(root)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestApacheTLSFrontendServes starts the real Apache with the rendered TLS
// frontend on 127.0.0.1 in front of a stand-in API and checks the TLS
// handshake (certificate per server name, TLS 1.1 refused) and the proxying
// (X-Forwarded-Proto https, Host preserved).
func TestApacheTLSFrontendServes(t *testing.T) {
	apache := needBinary(t, "apache2", "apache2")
	if testing.Short() {
		t.Skip("starts Apache")
	}

	var mu sync.Mutex
	var seen []http.Header
	var hosts []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		hosts = append(hosts, r.Host)
		mu.Unlock()
		_, _ = io.WriteString(w, "panko "+r.URL.Path)
	}))
	defer backend.Close()
	backendPort := backend.Listener.Addr().(*net.TCPAddr).Port

	pki := newTestPKI(t)
	d := newScenario("wallaby", true, true, false).data
	d.WSGI.Port = backendPort
	d.TLS.ListenPort = freePort(t)
	// A non-empty CAFile is replaced by the test CA in useTestCerts.
	d.TLS.Endpoints = []TLSEndpoint{
		{Addr: "127.0.0.1", ServerName: "127.0.0.1", CAFile: "ca"},
		{Addr: "127.0.0.1", ServerName: "panko.example.com", CAFile: "ca"},
	}
	useTestCerts(t, &d, pki)
	out, err := d.Render(HTTPSFrontend)
	if err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(t.TempDir(), HTTPSFrontend)
	if err := os.WriteFile(site, out, 0o644); err != nil {
		t.Fatal(err)
	}
	root, conf := apacheServerRoot(t, frontendModules(), []string{site})
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, apache, "-d", root, "-f", conf, "-DFOREGROUND")
	cmd.Env = apacheEnv(root)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(d.TLS.ListenPort))
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-done:
			log, _ := os.ReadFile(filepath.Join(root, "log", "error.log"))
			t.Fatalf("apache2 exited: %v\n%s\n%s", err, stderr.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("apache2 did not listen on %s:\n%s", addr, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	roots := x509.NewCertPool()
	roots.AddCert(pki.caCert)
	tests := []struct {
		name       string
		serverName string // SNI and verified name; "" dials the IP without SNI
		maxVersion uint16
		wantCN     string
		wantFail   bool
	}{
		{name: "address, no SNI", wantCN: "127.0.0.1"},
		{name: "host name by SNI", serverName: "panko.example.com", wantCN: "panko.example.com"},
		{name: "TLS 1.1 refused", maxVersion: tls.VersionTLS11, wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &tls.Config{RootCAs: roots, ServerName: tt.serverName, MaxVersion: tt.maxVersion}
			if tt.maxVersion != 0 {
				cfg.MinVersion = tls.VersionTLS10
			}
			client := &http.Client{
				Timeout:   10 * time.Second,
				Transport: &http.Transport{TLSClientConfig: cfg},
			}
			req, err := http.NewRequest(http.MethodGet, "https://"+addr+"/healthcheck", nil)
			if err != nil {
				t.Fatal(err)
			}
			wantHost := addr
			if tt.serverName != "" {
				req.Host, wantHost = tt.serverName, tt.serverName
			}
			resp, err := client.Do(req)
			if tt.wantFail {
				if err == nil {
					resp.Body.Close()
					t.Fatal("request succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || string(body) != "panko /healthcheck" {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			if cn := resp.TLS.PeerCertificates[0].Subject.CommonName; cn != tt.wantCN {
				t.Errorf("certificate CN %q, want %q", cn, tt.wantCN)
			}
			if v := resp.TLS.Version; v < tls.VersionTLS12 {
				t.Errorf("negotiated TLS version %x", v)
			}
			mu.Lock()
			h, host := seen[len(seen)-1], hosts[len(hosts)-1]
			mu.Unlock()
			if got := h.Get("X-Forwarded-Proto"); got != "https" {
				t.Errorf("backend saw X-Forwarded-Proto %q", got)
			}
			if host != wantHost {
				t.Errorf("backend saw Host %q, want %q (ProxyPreserveHost)", host, wantHost)
			}
		})
	}
}
