package charm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host"
	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/vault"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/tlscerts"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/live"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// liveModuleDir is where Debian's apache2 keeps its loadable modules.
const liveModuleDir = "/usr/lib/apache2/modules"

// liveModules are the Apache modules the live frontend loads: those a stock
// Debian Apache has enabled that the site relies on (the MPM, Require, and
// the session cache Debian's ssl.conf configures), then the ones the charm
// enables for TLS.
func liveModules() []string {
	return append([]string{"mpm_event", "authz_core", "socache_shmcb"}, tlsModules()...)
}

// runResolving fires ev on w like world.run, with reverse DNS answering
// from names (address -> host name) instead of failing.
func (w *world) runResolving(t *testing.T, ev juju.Event, names map[string]string) (*jujutest.Backend, *hosttest.Fake, error) {
	t.Helper()
	tools := jujutest.New(t, charmDir, w.juju)
	h := hosttest.New(w.host)
	h.HandleCommand("panko-dbsync", func([]string) (host.Result, error) { return host.Result{}, nil })
	err := Run(context.Background(), ev, Deps{
		Tools:  tools,
		Host:   h,
		Env:    juju.Env{Unit: w.juju.Unit, App: "panko"},
		DB:     &w.db,
		Random: func(n int) []byte { return make([]byte, n) },
		Now:    time.Now,
		LookupAddr: func(_ context.Context, addr string) ([]string, error) {
			w.lookups++
			if n, ok := names[addr]; ok {
				return []string{n}, nil
			}
			return nil, errors.New("no reverse DNS for " + addr)
		},
		HTTP: w.http,
	})
	return tools, h, err
}

// loopbackNet is a binding whose only address is addr in 127.0.0.0/8.
func loopbackNet(addr string) juju.NetworkInfo {
	return juju.NetworkInfo{
		BindAddresses:    []juju.BindAddress{{MACAddress: "00:00:00:00:00:00", InterfaceName: "lo", Addresses: []juju.Address{{Value: addr, CIDR: "127.0.0.0/8"}}}},
		IngressAddresses: []string{addr},
	}
}

// issuedFrontend is what the charm left on the machine after vault answered:
// the TLS site, the files of the certificate directory and the request it
// published.
type issuedFrontend struct {
	site     string
	sslFiles map[string][]byte // base name -> content
	sslLinks map[string]string // base name -> target
	requests []tlscerts.CertRequest
	modules  []string // enabled Apache modules
}

// issueFrontend runs the charm on w related to ca until it serves TLS: the
// certificates relation joins (the unit publishes its request), vault
// answers, and the relation-changed hook installs the certificates and
// renders the frontend.
func issueFrontend(t *testing.T, w *world, ca *vault.CA, names map[string]string) issuedFrontend {
	t.Helper()
	w.juju.Relations = append(w.juju.Relations, jujutest.Relation{ID: "certificates:7", RemoteUnits: map[string]map[string]string{"vault/0": {}}})
	rel := len(w.juju.Relations) - 1
	tools, h, err := w.runResolving(t, hook("certificates-relation-joined"), names)
	require.NoError(t, err)
	req, _ := tools.RelationData("certificates:7")
	answer, err := ca.Answer(vault.RequestBag{Unit: w.juju.Unit, Data: req})
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Relations[rel].LocalUnit = req
	w.juju.Relations[rel].RemoteUnits["vault/0"] = answer

	tools, h, err = w.runResolving(t, hook("certificates-relation-changed"), names)
	require.NoError(t, err)
	st, msg := tools.Status()
	require.Equal(t, "active", st, msg)
	_, reqs, err := tlscerts.ParseRequest(req)
	require.NoError(t, err)

	site, ok := h.File(HTTPSSiteFile)
	require.True(t, ok, "TLS frontend rendered: %v", h.Calls())
	out := issuedFrontend{site: string(site.Data), sslFiles: map[string][]byte{}, sslLinks: map[string]string{}, requests: reqs}
	state := h.State()
	for p, f := range state.Files {
		if strings.HasPrefix(p, SSLDir+"/") {
			out.sslFiles[strings.TrimPrefix(p, SSLDir+"/")] = f.Data
		}
	}
	for p, target := range state.Links {
		if strings.HasPrefix(p, SSLDir+"/") {
			out.sslLinks[strings.TrimPrefix(p, SSLDir+"/")] = target
		}
		if m, ok := strings.CutPrefix(p, "/etc/apache2/mods-enabled/"); ok && strings.HasSuffix(m, ".load") {
			out.modules = append(out.modules, strings.TrimSuffix(m, ".load"))
		}
	}
	slices.Sort(out.modules)
	return out
}

// install writes the certificate directory into dir and returns the site
// with only the certificate directory moved there.
func (f issuedFrontend) install(t *testing.T, dir string) string {
	t.Helper()
	for name, data := range f.sslFiles {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
	}
	for name, target := range f.sslLinks {
		if rest, ok := strings.CutPrefix(target, SSLDir+"/"); ok {
			target = filepath.Join(dir, rest)
		}
		require.NoError(t, os.Symlink(target, filepath.Join(dir, name)))
	}
	return strings.ReplaceAll(f.site, SSLDir+"/", dir+"/")
}

// names returns every name the unit asked a certificate for: each CN and
// SAN, sorted and de-duplicated.
func (f issuedFrontend) names() []string {
	var out []string
	for _, r := range f.requests {
		out = append(out, r.CN)
		out = append(out, r.SANs...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// liveStandIn is a stand-in for the WSGI site: it records the
// X-Forwarded-Proto header of every request by path.
type liveStandIn struct {
	port  int
	mu    sync.Mutex
	proto map[string]string
}

// startStandIn listens on 127.0.0.1:port, or on a free port when that one
// is busy (then moved is true).
func startStandIn(t *testing.T, port int) (s *liveStandIn, moved bool) {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Logf("127.0.0.1:%d is busy (%v): the stand-in API listens on another port and the ProxyPass port is rewritten to it", port, err)
		l, err = net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		moved = true
	}
	s = &liveStandIn{port: l.Addr().(*net.TCPAddr).Port, proto: map[string]string{}}
	live.ServeHTTP(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.proto[r.URL.Path] = r.Header.Get("X-Forwarded-Proto")
		s.mu.Unlock()
		_, _ = io.WriteString(w, "panko-api "+r.URL.Path)
	}))
	return s, moved
}

// seen returns the X-Forwarded-Proto the stand-in got for path, and whether
// a request for path reached it.
func (s *liveStandIn) seen(path string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.proto[path]
	return v, ok
}

// startLiveApache writes a minimal server root that loads modules and
// includes site, starts apache2 in the foreground and waits until every
// address in listen accepts TLS handshakes. Apache and its children are
// stopped when the test ends; the server's diagnostics hold its output and
// error log.
func startLiveApache(t *testing.T, bin string, modules []string, site string, listen []string, roots *x509.CertPool) *live.Server {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.Chmod(root, 0o755))
	errorLog := filepath.Join(root, "error.log")
	var b strings.Builder
	fmt.Fprintf(&b, "ServerRoot %s\nDefaultRuntimeDir %s\nPidFile %s\nServerName localhost\nErrorLog %s\nLogLevel warn\nTimeout 10\n",
		root, root, filepath.Join(root, "apache2.pid"), errorLog)
	if live.CanRunAs("nobody", "nogroup") {
		b.WriteString("User nobody\nGroup nogroup\n")
	}
	for _, m := range modules {
		fmt.Fprintf(&b, "LoadModule %s_module %s\n", m, filepath.Join(liveModuleDir, "mod_"+m+".so"))
	}
	// As Debian's mods-available/ssl.conf sets it.
	fmt.Fprintf(&b, "SSLSessionCache shmcb:%s(512000)\n", filepath.Join(root, "ssl_scache"))
	sitePath := filepath.Join(root, HTTPSSite+".conf")
	require.NoError(t, os.WriteFile(sitePath, []byte(site), 0o644))
	fmt.Fprintf(&b, "Include %s\n", sitePath)
	conf := filepath.Join(root, "apache2.conf")
	require.NoError(t, os.WriteFile(conf, []byte(b.String()), 0o644))

	a := live.Start(t, exec.Command(bin, "-d", root, "-f", conf, "-DFOREGROUND"), func(output string) string {
		log, _ := os.ReadFile(errorLog)
		return output + string(log)
	})
	deadline := time.Now().Add(10 * time.Second)
	for _, addr := range listen {
		a.WaitListening(t, addr, deadline, func(addr string) bool { return acceptsTLS(addr, roots) })
	}
	return a
}

// acceptsTLS reports whether a TLS handshake with addr completes, whether
// or not the certificate verifies (that is checked by the test itself).
func acceptsTLS(addr string, roots *x509.CertPool) bool {
	host, _, _ := net.SplitHostPort(addr)
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: time.Second}, Config: &tls.Config{RootCAs: roots, ServerName: host}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		c.Close()
		return true
	}
	var verr *tls.CertificateVerificationError
	return errors.As(err, &verr)
}

// tlsProbe is one HTTPS request: the name the client verifies (and sends
// as SNI when it is a host name), the loopback address it connects to.
type tlsProbe struct {
	name, dial string
}

// get makes one HTTPS GET on a new connection to p.dial:port for path, the
// URL naming p.name, the certificate verified against roots for p.name.
func (p tlsProbe) get(roots *x509.CertPool, port int, path string, minV, maxV uint16) (*http.Response, []byte, error) {
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, net.JoinHostPort(p.dial, strconv.Itoa(port)))
		},
		TLSClientConfig:     &tls.Config{RootCAs: roots, ServerName: p.name, MinVersion: minV, MaxVersion: maxV},
		TLSHandshakeTimeout: 3 * time.Second,
		DisableKeepAlives:   true,
	}
	defer tr.CloseIdleConnections()
	return live.Get(&http.Client{Transport: tr}, "https://"+net.JoinHostPort(p.name, strconv.Itoa(port))+path, 5*time.Second)
}

// listenAddrs returns the addresses of the site's Listen directives.
func listenAddrs(t *testing.T, site string) []string {
	t.Helper()
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^Listen (\S+)$`).FindAllStringSubmatch(site, -1) {
		out = append(out, m[1])
	}
	require.NotEmpty(t, out, "the site listens somewhere")
	return out
}

// needApache returns the apache2 binary, skipping the test when it or one of
// modules is not installed.
func needApache(t *testing.T, modules []string) string {
	t.Helper()
	bin, err := exec.LookPath("apache2")
	if err != nil {
		bin = "/usr/sbin/apache2"
		if _, err := os.Stat(bin); err != nil {
			need.Skip(t, "apache2 not installed (Debian package apache2)")
		}
	}
	for _, m := range modules {
		if _, err := os.Stat(filepath.Join(liveModuleDir, "mod_"+m+".so")); err != nil {
			need.Skip(t, "Apache module %s missing from %s (Debian package apache2)", m, liveModuleDir)
		}
	}
	return bin
}

// TestTLSFrontendLive runs the real Apache with the TLS frontend and the
// certificates the charm installed after a simulated vault answered its
// request. For every name the unit asked a certificate for (each CN and
// SAN), an HTTPS request verifies against the vault root CA alone (Apache
// must serve the intermediate) and reaches a stand-in API with
// X-Forwarded-Proto https; IP names are dialled on that address, host names
// (sent as SNI) on every address the site listens on. TLS 1.1 is refused
// on every address.
func TestTLSFrontendLive(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Apache")
	}
	bin := needApache(t, liveModules())
	tests := []struct {
		name     string
		networks map[string]juju.NetworkInfo
		config   map[string]any
		rdns     map[string]string
		// wantNames are the names the request must cover.
		wantNames []string
	}{
		{
			name:      "two bindings, no host names",
			networks:  map[string]juju.NetworkInfo{"": loopbackNet("127.0.0.1"), "public": loopbackNet("127.0.0.2")},
			wantNames: []string{"127.0.0.1", "127.0.0.2"},
		},
		{
			name:      "reverse DNS name",
			networks:  map[string]juju.NetworkInfo{"": loopbackNet("127.0.0.1"), "public": loopbackNet("127.0.0.2")},
			rdns:      map[string]string{"127.0.0.1": "juju-panko-0.example.test."},
			wantNames: []string{"127.0.0.1", "127.0.0.2", "juju-panko-0.example.test"},
		},
		{
			name:      "reverse DNS name and os-public-hostname",
			networks:  map[string]juju.NetworkInfo{"": loopbackNet("127.0.0.1"), "public": loopbackNet("127.0.0.2")},
			config:    map[string]any{"os-public-hostname": "panko.example.test"},
			rdns:      map[string]string{"127.0.0.1": "juju-panko-0.example.test."},
			wantNames: []string{"127.0.0.1", "127.0.0.2", "juju-panko-0.example.test", "panko.example.test"},
		},
		{
			// Two virtual hosts on one address, one named by the address:
			// Apache >= 2.4.64 answers 421 Misdirected Request to a client
			// without SNI (an IP URL) unless that one comes first.
			name:      "os-public-hostname on the unit's only address, no reverse DNS",
			networks:  map[string]juju.NetworkInfo{"": loopbackNet("127.0.0.1")},
			config:    map[string]any{"os-public-hostname": "panko.example.test"},
			wantNames: []string{"127.0.0.1", "panko.example.test"},
		},
		{
			name:      "os-public-hostname on the public address, no reverse DNS",
			networks:  map[string]juju.NetworkInfo{"": loopbackNet("127.0.0.1"), "public": loopbackNet("127.0.0.2")},
			config:    map[string]any{"os-public-hostname": "panko.example.test", "os-internal-hostname": "panko-int.example.test"},
			wantNames: []string{"127.0.0.1", "127.0.0.2", "panko-int.example.test", "panko.example.test"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ready(t, true)
			w.juju.Networks = tt.networks
			w.juju.Config = tt.config
			ca, err := vault.NewCA(t.TempDir())
			require.NoError(t, err)
			fe := issueFrontend(t, w, ca, tt.rdns)
			require.Equal(t, tt.wantNames, fe.names(), "names in the published request")
			for _, m := range tlsModules() {
				require.Contains(t, fe.modules, m, "the charm enables %s", m)
			}

			site := fe.install(t, t.TempDir())
			require.NotContains(t, site, SSLDir, "every certificate path moved")
			listen := listenAddrs(t, site)
			port := openstack.TLSFrontendPort
			for _, addr := range listen {
				l, err := net.Listen("tcp", addr)
				if err != nil {
					t.Skipf("the TLS frontend port %s is busy: %v", addr, err)
				}
				l.Close()
			}
			wsgi := openstack.WSGIListenPort(true)
			backend := fmt.Sprintf("http://127.0.0.1:%d/", wsgi)
			require.Contains(t, site, "ProxyPass / "+backend, "the frontend proxies to the WSGI site")
			api, moved := startStandIn(t, wsgi)
			if moved {
				site = strings.ReplaceAll(site, backend, fmt.Sprintf("http://127.0.0.1:%d/", api.port))
			}
			roots := ca.Pool()
			apache := startLiveApache(t, bin, liveModules(), site, listen, roots)

			var dial []string
			for _, addr := range listen {
				h, _, err := net.SplitHostPort(addr)
				require.NoError(t, err)
				dial = append(dial, h)
			}
			var probes []tlsProbe
			for _, name := range fe.names() {
				if ip := net.ParseIP(name); ip != nil {
					require.True(t, ip.IsLoopback(), "SAN %s is not a loopback address this test can reach", name)
					probes = append(probes, tlsProbe{name: name, dial: name})
					continue
				}
				for _, d := range dial {
					probes = append(probes, tlsProbe{name: name, dial: d})
				}
			}
			for i, p := range probes {
				path := fmt.Sprintf("/v2/events/probe-%d", i)
				resp, body, err := p.get(roots, port, path, 0, 0)
				// Clients of IP names send no SNI and get the first virtual
				// host of the address.
				if !assert.NoError(t, err, "GET https://%s:%d via %s", p.name, port, p.dial) {
					continue
				}
				assert.Equal(t, http.StatusOK, resp.StatusCode, "%s via %s", p.name, p.dial)
				assert.Equal(t, "panko-api "+path, string(body), "%s via %s", p.name, p.dial)
				assert.GreaterOrEqual(t, resp.TLS.Version, uint16(tls.VersionTLS12))
				proto, reached := api.seen(path)
				assert.True(t, reached, "%s via %s reached the API", p.name, p.dial)
				assert.Equal(t, "https", proto, "X-Forwarded-Proto for %s via %s", p.name, p.dial)
			}
			for _, d := range dial {
				_, _, err := tlsProbe{name: d, dial: d}.get(roots, port, "/", tls.VersionTLS10, tls.VersionTLS11)
				if assert.Error(t, err, "TLS 1.1 on %s", d) {
					assert.Contains(t, err.Error(), "protocol version", "TLS 1.1 on %s refused for its version", d)
				}
			}
			if t.Failed() {
				t.Logf("rendered site (certificate directory moved):\n%s\napache2:\n%s", site, apache.Diagnostics())
			}
		})
	}
}
