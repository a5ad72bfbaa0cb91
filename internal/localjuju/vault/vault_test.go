package vault

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type bag = map[string]string

// wanted is what a requester bag asks for: CN -> SANs.
func wanted(t *testing.T, data bag) map[string][]string {
	t.Helper()
	reqs, err := ParseRequests(data)
	require.NoError(t, err)
	out := map[string][]string{}
	for _, r := range reqs {
		out[r.CN] = r.SANs
	}
	return out
}

// verified checks that p's key matches its certificate and that the
// certificate chains to ca's root through the intermediate at now, as a
// TLS client trusting only the root would; it returns the leaf.
func verified(t *testing.T, p Pair, ca *CA, now time.Time) *x509.Certificate {
	t.Helper()
	_, err := tls.X509KeyPair([]byte(p.Cert), []byte(p.Key))
	require.NoError(t, err, "key does not match the certificate")
	leaf := parseCert(t, []byte(p.Cert))
	inter := x509.NewCertPool()
	inter.AddCert(parseCert(t, ca.ChainPEM()))
	_, err = leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	require.NoError(t, err)
	return leaf
}

// assertCovers checks that leaf is valid for every name.
func assertCovers(t *testing.T, leaf *x509.Certificate, names ...string) {
	t.Helper()
	for _, n := range names {
		assert.NoError(t, leaf.VerifyHostname(n), "certificate %s does not cover %s", leaf.Subject.CommonName, n)
	}
}

// daysLeft is the whole days from now until leaf expires.
func daysLeft(leaf *x509.Certificate, now time.Time) int {
	return int(leaf.NotAfter.Sub(now).Hours() / 24)
}

// publishedPairs is every pair bag holds for requester name, by CN.
func publishedPairs(t *testing.T, name string, got bag) map[string]Pair {
	t.Helper()
	server, processed, err := Published(name, got)
	require.NoError(t, err)
	if server != nil {
		processed[parseCert(t, []byte(server.Cert)).Subject.CommonName] = *server
	}
	return processed
}

func TestNewCA(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vault")

	ca, err := NewCA(dir)

	require.NoError(t, err)
	for _, f := range []struct {
		name string
		mode os.FileMode
	}{{RootCertFile, 0o644}, {RootKeyFile, 0o600}, {IntermediateCertFile, 0o644}, {IntermediateKeyFile, 0o600}} {
		st, err := os.Stat(filepath.Join(dir, f.name))
		require.NoError(t, err, f.name)
		assert.Equal(t, f.mode, st.Mode().Perm(), f.name)
	}
	root := parseCert(t, ca.CertPEM())
	inter := parseCert(t, ca.ChainPEM())
	assert.Equal(t, RootCN, root.Subject.CommonName)
	assert.True(t, root.IsCA)
	assert.Equal(t, IntermediateCN, inter.Subject.CommonName)
	require.NoError(t, inter.CheckSignatureFrom(root))
	assert.False(t, strings.HasSuffix(string(ca.CertPEM()), "\n"))

	again, err := NewCA(dir)
	require.NoError(t, err)
	assert.Equal(t, ca.CertPEM(), again.CertPEM(), "reloading keeps the root")
	assert.Equal(t, ca.ChainPEM(), again.ChainPEM(), "reloading keeps the intermediate")
}

func TestNewCARepairsAndRefuses(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, dir string)
		wantErr string
		newRoot bool
		newInt  bool
	}{
		{"intermediate missing: reissued from the same root", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, IntermediateKeyFile)))
		}, "", false, true},
		{"root missing: new PKI", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, RootCertFile)))
		}, "", true, true},
		{"corrupt root certificate", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, RootCertFile), []byte("junk"), 0o644))
		}, "load CA: root-ca.pem holds no PEM certificate", false, false},
		{"keys swapped", func(t *testing.T, dir string) {
			k, err := os.ReadFile(filepath.Join(dir, IntermediateKeyFile))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, RootKeyFile), k, 0o600))
		}, "load CA: root-ca-key.pem does not match root-ca.pem", false, false},
		{"intermediate from another root", func(t *testing.T, dir string) {
			other := t.TempDir()
			_, err := NewCA(other)
			require.NoError(t, err)
			for _, f := range []string{IntermediateCertFile, IntermediateKeyFile} {
				raw, err := os.ReadFile(filepath.Join(other, f))
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(dir, f), raw, 0o600))
			}
		}, "load CA: intermediate-ca.pem is not signed by root-ca.pem", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			before, err := NewCA(dir)
			require.NoError(t, err)
			_, err = before.Answer(RequestBag{Unit: "panko/0", Data: bag{"common_name": "a.example"}})
			require.NoError(t, err)
			tt.damage(t, dir)

			after, err := NewCA(dir)

			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.newRoot, string(before.CertPEM()) != string(after.CertPEM()))
			assert.Equal(t, tt.newInt, string(before.ChainPEM()) != string(after.ChainPEM()))
			_, err = os.Stat(filepath.Join(dir, IssuedFile))
			assert.True(t, os.IsNotExist(err), "certificates of the old intermediate are forgotten")
		})
	}
}

func TestIssue(t *testing.T) {
	ca, err := NewCA(t.TempDir())
	require.NoError(t, err)
	// Certificates carry whole seconds: from a time rounded down, the days
	// left are the ttl's whole days.
	now := time.Now().Truncate(time.Second)
	tests := []struct {
		name     string
		cn       string
		sans     []string
		ttl      time.Duration
		wantDNS  []string
		wantIPs  []string
		wantDays int // -1: valid until the intermediate expires
		wantErr  string
	}{
		{"host name with ip and dns sans", "panko.example.com", []string{"10.20.0.100", "10.20.0.11", "panko.example.com", "fd00::11"}, 24 * time.Hour,
			[]string{"panko.example.com"}, []string{"10.20.0.100", "10.20.0.11", "fd00::11"}, 1, ""},
		{"cn added to the sans", "juju-1.maas", []string{"10.0.0.5"}, DefaultTTL,
			[]string{"juju-1.maas"}, []string{"10.0.0.5"}, 364, ""},
		{"ip cn", "10.0.0.5", nil, 72 * time.Hour, []string{}, []string{"10.0.0.5"}, 3, ""},
		{"ttl beyond the intermediate is cut", "a.example", nil, 100 * 365 * 24 * time.Hour, []string{"a.example"}, []string{}, -1, ""},
		{"empty cn", "", nil, time.Hour, nil, nil, 0, "issue certificate: empty common name"},
		{"no ttl", "a.example", nil, 0, nil, nil, 0, "issue certificate for a.example: ttl 0s is not positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certPEM, keyPEM, err := ca.Issue(tt.cn, tt.sans, tt.ttl)

			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.False(t, strings.HasSuffix(string(certPEM), "\n"), "no trailing newline")
			assert.True(t, strings.HasPrefix(string(keyPEM), "-----BEGIN RSA PRIVATE KEY-----\n"), "PKCS#1 key")
			c := verified(t, Pair{Cert: string(certPEM), Key: string(keyPEM)}, ca, now)
			assert.Equal(t, tt.cn, c.Subject.CommonName)
			assert.Equal(t, tt.wantDNS, nonNil(c.DNSNames))
			assert.Equal(t, tt.wantIPs, ipStrings(c.IPAddresses))
			assertCovers(t, c, append([]string{tt.cn}, tt.sans...)...)
			if tt.wantDays < 0 {
				assert.Equal(t, parseCert(t, ca.ChainPEM()).NotAfter, c.NotAfter)
			} else {
				assert.Equal(t, tt.wantDays, daysLeft(c, now))
			}
			assert.ElementsMatch(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, c.ExtKeyUsage)
			assert.False(t, c.IsCA)
		})
	}
}

func TestAnswerFixtureRequests(t *testing.T) {
	f := relfixture.Read(t, "vault-certificates.json")
	tests := []struct {
		name     string
		requests []RequestBag
	}{
		{"two units, common_name and cert_requests", []RequestBag{
			{Unit: "panko/0", Data: f.Local.Units["panko/0"]},
			{Unit: "panko/1", Data: f.Local.Units["panko/1"]},
		}},
		{"common_name only", []RequestBag{{Unit: "panko/0", Data: f.Variants["no_hostname_override"].LocalUnitData}}},
		{"classic cert_requests only", []RequestBag{{Unit: "panko/0", Data: f.Variants["classic_charm_helpers_request"].LocalUnitData}}},
		{"no unit_name: the Juju unit name is used", []RequestBag{{Unit: "panko/7", Data: bag{"common_name": "p7.example", "sans": `["10.0.0.7"]`}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca, err := NewCA(t.TempDir())
			require.NoError(t, err)
			now := time.Now()

			got, err := ca.Answer(tt.requests...)

			require.NoError(t, err)
			wantKeys := []string{"ca", "chain", "client.cert", "client.key"}
			for _, rb := range tt.requests {
				unit := rb.Data["unit_name"]
				if unit == "" {
					unit = strings.ReplaceAll(rb.Unit, "/", "_")
				}
				if rb.Data["common_name"] != "" {
					wantKeys = append(wantKeys, unit+".server.cert", unit+".server.key")
				}
				if len(wanted(t, rb.Data)) > 1 || rb.Data["common_name"] == "" {
					wantKeys = append(wantKeys, unit+".processed_requests")
				}
			}
			assert.ElementsMatch(t, wantKeys, keys(got))
			for k := range got {
				assert.True(t, Owned(k), k)
			}
			assert.Equal(t, string(ca.CertPEM()), got["ca"])
			assert.Equal(t, string(ca.ChainPEM()), got["chain"])

			for _, rb := range tt.requests {
				pairs := publishedPairs(t, RequesterName(rb.Unit, rb.Data), got)
				want := wanted(t, rb.Data)
				assert.Len(t, pairs, len(want))
				for cn, sans := range want {
					p, ok := pairs[cn]
					require.True(t, ok, "no certificate for %s", cn)
					leaf := verified(t, p, ca, now)
					assertCovers(t, leaf, append([]string{cn}, sans...)...)
					assert.Equal(t, 364, daysLeft(leaf, now))
				}
			}
		})
	}
}

// TestAnswerMatchesFixtureKeys checks the simulator publishes the same keys
// as the recorded vault bag for the same requests.
func TestAnswerMatchesFixtureKeys(t *testing.T) {
	f := relfixture.Read(t, "vault-certificates.json")
	ca, err := NewCA(t.TempDir())
	require.NoError(t, err)

	got, err := ca.Answer(RequestBag{Unit: "panko/0", Data: f.Local.Units["panko/0"]}, RequestBag{Unit: "panko/1", Data: f.Local.Units["panko/1"]})

	require.NoError(t, err)
	var want []string
	for k := range f.Remote.Units["vault/0"] {
		if Owned(k) {
			want = append(want, k)
		}
	}
	assert.ElementsMatch(t, want, keys(got))
	var processed map[string]map[string]string
	require.NoError(t, json.Unmarshal([]byte(got["panko_0.processed_requests"]), &processed))
	assert.ElementsMatch(t, []string{"juju-4f2a1c-3.maas"}, keys(processed))
	assert.ElementsMatch(t, []string{"cert", "key"}, keys(processed["juju-4f2a1c-3.maas"]))
}

func TestAnswerLifecycle(t *testing.T) {
	dir := t.TempDir()
	ca, err := NewCA(dir)
	require.NoError(t, err)
	p0 := RequestBag{Unit: "panko/0", Data: bag{"unit_name": "panko_0", "common_name": "panko.example.com", "sans": `["10.0.0.100", "10.0.0.5"]`,
		"cert_requests": `{"juju-1.maas": {"sans": ["10.0.0.5"]}}`}}
	p1 := RequestBag{Unit: "panko/1", Data: bag{"unit_name": "panko_1", "common_name": "juju-2.maas", "sans": `["10.0.0.6"]`}}
	first, err := ca.Answer(p0, p1)
	require.NoError(t, err)
	s0, s1, proc0 := "panko_0.server.cert", "panko_1.server.cert", "panko_0.processed_requests"

	t.Run("same requests: same certificates", func(t *testing.T) {
		again, err := ca.Answer(p1, p0)
		require.NoError(t, err)
		assert.True(t, equalBags(first, again), "bag changed")
	})
	t.Run("state survives a reload", func(t *testing.T) {
		reloaded, err := NewCA(dir)
		require.NoError(t, err)
		again, err := reloaded.Answer(p0, p1)
		require.NoError(t, err)
		assert.True(t, equalBags(first, again), "bag changed")
		st, err := os.Stat(filepath.Join(dir, IssuedFile))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	})
	t.Run("changed SANs: only that certificate is reissued", func(t *testing.T) {
		moved := RequestBag{Unit: "panko/1", Data: bag{"unit_name": "panko_1", "common_name": "juju-2.maas", "sans": `["10.0.0.100", "10.0.0.6"]`}}
		got, err := ca.Answer(p0, moved)
		require.NoError(t, err)
		assert.True(t, got[s0] == first[s0] && got[proc0] == first[proc0], "panko/0 was reissued")
		assert.True(t, got[s1] != first[s1], "panko/1 was not reissued")
		leaf := verified(t, publishedPairs(t, "panko_1", got)["juju-2.maas"], ca, time.Now())
		assertCovers(t, leaf, "10.0.0.100", "10.0.0.6")
	})
	t.Run("renew reissues every requested certificate", func(t *testing.T) {
		got, err := ca.Renew(p0, p1)
		require.NoError(t, err)
		for _, k := range []string{s0, s1, proc0} {
			assert.True(t, got[k] != first[k], "%s not reissued", k)
		}
		assert.True(t, got["ca"] == first["ca"] && got["client.cert"] == first["client.cert"], "ca or client certificate changed")
		for _, u := range []string{"panko_0", "panko_1"} {
			for _, p := range publishedPairs(t, u, got) {
				verified(t, p, ca, time.Now())
			}
		}
	})
	t.Run("a CN no longer requested stays published; a departed unit's keys go", func(t *testing.T) {
		fewer := RequestBag{Unit: "panko/0", Data: bag{"unit_name": "panko_0", "common_name": "panko.example.com", "sans": `["10.0.0.100", "10.0.0.5"]`}}
		got, err := ca.Answer(fewer)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"juju-1.maas", "panko.example.com"}, keys(publishedPairs(t, "panko_0", got)))
		for k := range got {
			assert.False(t, strings.HasPrefix(k, "panko_1."), "%s still published", k)
		}
	})
	t.Run("bad request", func(t *testing.T) {
		_, err := ca.Answer(RequestBag{Unit: "panko/0", Data: bag{"common_name": "a.example", "sans": "nope"}})
		require.EqualError(t, err, "certificate request of panko/0: sans of a.example: not a JSON list of strings")
	})
}

func TestOwned(t *testing.T) {
	for k, want := range map[string]bool{
		"ca": true, "chain": true, "client.cert": true, "client.key": true,
		"panko_0.server.cert": true, "panko_0.server.key": true, "panko_0.processed_requests": true,
		".server.cert": false, "private-address": false, "ingress-address": false, "unit_name": false,
	} {
		assert.Equal(t, want, Owned(k), k)
	}
}

// TestHandshake serves each issued certificate (with the chain appended, as
// the charm writes it) over real TLS on loopback and checks a client trusting
// only the root completes the handshake for every name the unit requested,
// and fails for other names and for a client trusting another root.
func TestHandshake(t *testing.T) {
	ca, err := NewCA(t.TempDir())
	require.NoError(t, err)
	other, err := NewCA(t.TempDir())
	require.NoError(t, err)
	// What the charm asks for a unit with an os-public-hostname, a VIP on
	// loopback and an IPv6 admin address (relations.md §4.2).
	req := bag{"unit_name": "panko_0", "common_name": "panko.example.com", "sans": `["127.0.0.1", "panko.example.com"]`,
		"cert_requests": `{"juju-4f2a1c-3.maas": {"sans": ["127.0.0.1", "127.0.0.100", "::1"]}}`}
	got, err := ca.Answer(RequestBag{Unit: "panko/0", Data: req})
	require.NoError(t, err)
	pairs := publishedPairs(t, "panko_0", got)
	reqs, err := ParseRequests(req)
	require.NoError(t, err)
	require.Len(t, reqs, 2)

	for _, r := range reqs {
		t.Run(r.CN, func(t *testing.T) {
			kp := pairs[r.CN]
			require.NotEmpty(t, kp.Cert)
			bundle := kp.Cert + "\n" + got["chain"]
			addr := serveTLS(t, []byte(bundle), []byte(kp.Key))

			for _, name := range append([]string{r.CN}, r.SANs...) {
				assert.NoError(t, handshake(addr, name, ca.Pool()), "name %s", name)
			}
			err := handshake(addr, "elsewhere.example.com", ca.Pool())
			assert.ErrorContains(t, err, "certificate is valid for")
			err = handshake(addr, r.CN, other.Pool())
			assert.ErrorContains(t, err, "certificate signed by unknown authority")
		})
	}
}

// serveTLS serves "ok\n" over TLS on 127.0.0.1 until the test ends.
func serveTLS(t *testing.T, certPEM, keyPEM []byte) string {
	t.Helper()
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				if err := c.(*tls.Conn).Handshake(); err != nil {
					return
				}
				_, _ = io.WriteString(c, "ok\n")
			}(conn)
		}
	}()
	return ln.Addr().String()
}

// handshake connects to addr as a client verifying serverName against roots
// and reads the greeting.
func handshake(addr, serverName string, roots *x509.CertPool) error {
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12})
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "ok\n" {
		return io.ErrUnexpectedEOF
	}
	return nil
}

func parseCert(t *testing.T, p []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(p)
	require.NotNil(t, b)
	c, err := x509.ParseCertificate(b.Bytes)
	require.NoError(t, err)
	return c
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// equalBags compares bags holding keys without printing them.
func equalBags(a, b bag) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func ipStrings(ips []net.IP) []string {
	out := []string{}
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}
