package sim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"maps"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/vault"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

// vaultFixture is testdata/relations/vault-certificates.json.
type vaultFixture struct {
	Local struct {
		Units bags `json:"units"`
	} `json:"local"`
	Variants map[string]struct {
		LocalUnitData map[string]string `json:"local_unit_data"`
	} `json:"variants"`
}

func loadVaultFixture(t *testing.T) vaultFixture {
	t.Helper()
	f := relfixture.Load[vaultFixture](t, "vault-certificates.json")
	return f
}

func vaultAddrs() map[string]string {
	return map[string]string{"vault/0": "10.5.0.50", "vault/1": "10.5.0.51", "vault/2": "10.5.0.52"}
}

func vaultUnits() []string { return []string{"vault/0", "vault/1", "vault/2"} }

func newVaultSim(t *testing.T, dir string) App {
	t.Helper()
	app, err := New("vault", nil, Env{StateDir: dir, UnitAddress: addressOf(vaultAddrs())})
	require.NoError(t, err)
	return app
}

func certificatesRelation(id int, remoteApp string, remote bags) Relation {
	return Relation{ID: id, Endpoint: "certificates", RemoteApp: remoteApp, RemoteUnits: remote, Units: ownBags(vaultAddrs())}
}

// wantedCerts is what a requester bag asks for: CN -> SANs, and the
// top-level request's CN ("" when there is none).
func wantedCerts(t *testing.T, bag map[string]string) (map[string][]string, string) {
	t.Helper()
	reqs, err := vault.ParseRequests(bag)
	require.NoError(t, err)
	out := map[string][]string{}
	top := ""
	for _, r := range reqs {
		out[r.CN] = r.SANs
		if r.TopLevel {
			top = r.CN
		}
	}
	return out, top
}

// pairsOf returns every certificate and key vault published for the
// requester name in bag, by the certificate's CN.
func pairsOf(t *testing.T, name string, bag map[string]string) map[string]vault.Pair {
	t.Helper()
	server, processed, err := vault.Published(name, bag)
	require.NoError(t, err)
	if server != nil {
		processed[parsedCert(t, server.Cert).Subject.CommonName] = *server
	}
	return processed
}

// certPEMs returns the certificate (not key) PEM per CN vault answered unit.
func certPEMs(t *testing.T, unit string, bag map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for cn, p := range pairsOf(t, strings.ReplaceAll(unit, "/", "_"), bag) {
		out[cn] = p.Cert
	}
	return out
}

func parsedCert(t *testing.T, certPEM string) *x509.Certificate {
	t.Helper()
	c, err := parsePEMCert([]byte(certPEM))
	require.NoError(t, err)
	return c
}

// checkReply verifies vault's answer to unit as a TLS client would: each
// requested CN has a certificate whose key matches, which chains through
// "chain" to the simulator's root in "ca" and covers the CN and its SANs.
func checkReply(t *testing.T, dir, unit string, request, answer map[string]string) {
	t.Helper()
	want, _ := wantedCerts(t, request)
	pairs := pairsOf(t, vault.RequesterName(unit, request), answer)
	ca, err := testVaultCA(dir)
	require.NoError(t, err)
	assert.True(t, string(ca) == answer["ca"], "ca is the simulator's root")
	require.NotEmpty(t, answer["chain"])
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(parsedCert(t, answer["ca"]))
	inter.AddCert(parsedCert(t, answer["chain"]))
	assert.Len(t, pairs, len(want), "one certificate per request of %s", unit)
	for cn, sans := range want {
		p, ok := pairs[cn]
		if !assert.True(t, ok, "no certificate for %s", cn) {
			continue
		}
		_, err := tls.X509KeyPair([]byte(p.Cert), []byte(p.Key))
		require.NoError(t, err, "key of %s", cn)
		leaf := parsedCert(t, p.Cert)
		_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		require.NoError(t, err, "certificate %s of %s", cn, unit)
		assert.Equal(t, cn, leaf.Subject.CommonName)
		for _, n := range append([]string{cn}, sans...) {
			assert.NoError(t, leaf.VerifyHostname(n), "certificate %s covers %s", cn, n)
		}
	}
}

func TestVaultAnswersRequests(t *testing.T) {
	f := loadVaultFixture(t)
	cases := []struct {
		name   string
		remote bags
	}{
		{"common_name and cert_requests", copyBags(f.Local.Units)},
		{"common_name only", bags{"panko/0": f.Variants["no_hostname_override"].LocalUnitData}},
		{"classic cert_requests only", bags{"panko/0": f.Variants["classic_charm_helpers_request"].LocalUnitData}},
		{"no unit_name: the Juju name is used", bags{"panko/3": withoutKey(f.Local.Units["panko/0"], "unit_name")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			app := newVaultSim(t, dir)

			resp, err := app.Respond(context.Background(), vaultUnits(), "vault/1", certificatesRelation(31, "panko", copyBags(tc.remote)))

			require.NoError(t, err)
			assert.Nil(t, resp.AppData)
			require.Len(t, resp.Units, len(vaultUnits()), "every vault unit publishes")
			first := resp.Units["vault/0"]
			for _, u := range vaultUnits() {
				bag := resp.Units[u]
				assert.Equal(t, vaultAddrs()[u], bag["private-address"], "Juju's key is kept")
				assert.True(t, equalBags(bags{"v": withoutJujuKeys(first)}, bags{"v": withoutJujuKeys(bag)}), "%s differs from vault/0", u)
			}
			wantKeys := []string{"ca", "chain", "client.cert", "client.key"}
			for u, req := range tc.remote {
				name := vault.RequesterName(u, req)
				want, top := wantedCerts(t, req)
				if top != "" {
					wantKeys = append(wantKeys, name+".server.cert", name+".server.key")
				}
				if len(want) > 1 || (top == "" && len(want) > 0) {
					wantKeys = append(wantKeys, name+".processed_requests")
				}
				checkReply(t, dir, u, req, first)
			}
			sort.Strings(wantKeys)
			assert.Equal(t, wantKeys, keysOf(withoutJujuKeys(first)))
		})
	}
}

func withoutKey(b map[string]string, key string) map[string]string {
	out := maps.Clone(b)
	delete(out, key)
	return out
}

func TestVaultKeepsCertificatesUntilRenewed(t *testing.T) {
	f := loadVaultFixture(t)
	dir := t.TempDir()
	app := newVaultSim(t, dir)
	rel := certificatesRelation(31, "panko", copyBags(f.Local.Units))
	first, err := app.Respond(context.Background(), vaultUnits(), "vault/0", rel)
	require.NoError(t, err)
	before := certPEMs(t, "panko/0", first.Units["vault/0"])
	caBefore, err := testVaultCA(dir)
	require.NoError(t, err)

	again, err := newVaultSim(t, dir).Respond(context.Background(), vaultUnits(), "vault/0", rel)
	require.NoError(t, err)
	require.NoError(t, RenewVault(dir, "vault"))
	renewed, err := newVaultSim(t, dir).Respond(context.Background(), vaultUnits(), "vault/0", rel)
	require.NoError(t, err)

	assert.Equal(t, before, certPEMs(t, "panko/0", again.Units["vault/0"]), "answering again reissues nothing")
	after := certPEMs(t, "panko/0", renewed.Units["vault/0"])
	require.Len(t, after, len(before))
	for cn := range before {
		assert.NotEqual(t, before[cn], after[cn], "certificate %s was not renewed", cn)
	}
	for u, req := range f.Local.Units {
		checkReply(t, dir, u, req, renewed.Units["vault/2"])
	}
	caAfter, err := testVaultCA(dir)
	require.NoError(t, err)
	assert.Equal(t, string(caBefore), string(caAfter), "renewal keeps the CA")
	status, ok, err := Vault(dir, "vault")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Len(t, status.Certificates, 4, "two certificates for each of two units")
}

func TestVaultSANChangeReissuesOnlyThatCertificate(t *testing.T) {
	f := loadVaultFixture(t)
	dir := t.TempDir()
	app := newVaultSim(t, dir)
	remote := copyBags(f.Local.Units)
	first, err := app.Respond(context.Background(), vaultUnits(), "vault/0", certificatesRelation(31, "panko", remote))
	require.NoError(t, err)
	before := certPEMs(t, "panko/0", first.Units["vault/0"])

	remote["panko/0"]["sans"] = `["10.20.0.100", "10.20.0.11", "10.20.0.200", "panko.example.com"]`
	second, err := app.Respond(context.Background(), vaultUnits(), "vault/0", certificatesRelation(31, "panko", remote))
	require.NoError(t, err)

	after := certPEMs(t, "panko/0", second.Units["vault/0"])
	assert.NotEqual(t, before["panko.example.com"], after["panko.example.com"], "new SANs, new certificate")
	assert.Equal(t, before["juju-4f2a1c-3.maas"], after["juju-4f2a1c-3.maas"], "unchanged request keeps its certificate")
	checkReply(t, dir, "panko/0", remote["panko/0"], second.Units["vault/0"])
}

func TestVaultRelationsGetTheirOwnUnits(t *testing.T) {
	f := loadVaultFixture(t)
	dir := t.TempDir()
	app := newVaultSim(t, dir)
	panko := certificatesRelation(31, "panko", bags{"panko/0": f.Local.Units["panko/0"]})
	aodh := certificatesRelation(40, "aodh", bags{"aodh/0": {
		"unit_name": "aodh_0", "common_name": "aodh.example.com", "sans": `["10.20.0.31"]`,
	}})

	p1, err := app.Respond(context.Background(), vaultUnits(), "vault/0", panko)
	require.NoError(t, err)
	a1, err := app.Respond(context.Background(), vaultUnits(), "vault/0", aodh)
	require.NoError(t, err)
	p2, err := app.Respond(context.Background(), vaultUnits(), "vault/0", panko)
	require.NoError(t, err)

	pankoKeys, aodhKeys := keysOf(withoutJujuKeys(p2.Units["vault/0"])), keysOf(withoutJujuKeys(a1.Units["vault/0"]))
	assert.NotContains(t, pankoKeys, "aodh_0.server.cert")
	assert.Contains(t, aodhKeys, "aodh_0.server.cert")
	assert.NotContains(t, aodhKeys, "panko_0.server.cert")
	assert.Equal(t, certPEMs(t, "panko/0", p1.Units["vault/0"]), certPEMs(t, "panko/0", p2.Units["vault/0"]),
		"answering another relation reissued panko's certificates")
	checkReply(t, dir, "aodh/0", aodh.RemoteUnits["aodh/0"], a1.Units["vault/1"])
	status, _, err := Vault(dir, "vault")
	require.NoError(t, err)
	assert.Equal(t, map[int]string{31: "panko", 40: "aodh"}, status.Relations)
}

func TestVaultForgetsDepartedUnitsAndRelations(t *testing.T) {
	f := loadVaultFixture(t)
	dir := t.TempDir()
	app := newVaultSim(t, dir)
	remote := copyBags(f.Local.Units)
	_, err := app.Respond(context.Background(), vaultUnits(), "vault/0", certificatesRelation(31, "panko", remote))
	require.NoError(t, err)

	delete(remote, "panko/1")
	rel := certificatesRelation(31, "panko", remote)
	resp, err := app.Respond(context.Background(), vaultUnits(), "vault/0", rel)
	require.NoError(t, err)
	keys := keysOf(withoutJujuKeys(resp.Units["vault/0"]))
	statusBefore, _, err := Vault(dir, "vault")
	require.NoError(t, err)
	lastGone, err := app.Respond(context.Background(), vaultUnits(), "vault/0", certificatesRelation(31, "panko", bags{}))
	require.NoError(t, err)
	require.NoError(t, app.Departed(context.Background(), rel))
	statusAfter, ok, err := Vault(dir, "vault")
	require.NoError(t, err)

	assert.NotContains(t, keys, "panko_1.server.cert")
	assert.NotContains(t, keys, "panko_1.processed_requests")
	assert.Contains(t, keys, "panko_0.server.cert")
	assert.Len(t, statusBefore.Certificates, 2, "panko_0's two certificates")
	assert.Equal(t, []string{"ca", "chain", "client.cert", "client.key"},
		keysOf(withoutJujuKeys(lastGone.Units["vault/0"])), "the last requester left")
	require.True(t, ok, "the CA stays")
	assert.Empty(t, statusAfter.Relations)
	assert.Empty(t, statusAfter.Certificates)
}

func TestVaultWaitsAndRefuses(t *testing.T) {
	f := loadVaultFixture(t)
	cases := []struct {
		name    string
		leader  string
		rel     Relation
		wantErr string
	}{
		{"no leader", "", certificatesRelation(31, "panko", copyBags(f.Local.Units)), ""},
		{"leader not among the units", "vault/7", certificatesRelation(31, "panko", copyBags(f.Local.Units)), ""},
		{"no requester yet", "vault/0", certificatesRelation(31, "panko", bags{}), ""},
		{"malformed request", "vault/0", certificatesRelation(31, "panko", bags{"panko/0": {"cert_requests": "{"}}), "certificate request of panko/0"},
		{"wrong endpoint", "vault/0", Relation{ID: 2, Endpoint: "secrets"}, `no endpoint "secrets"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()

			resp, err := newVaultSim(t, dir).Respond(context.Background(), vaultUnits(), tc.leader, tc.rel)

			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
			} else {
				require.NoError(t, err)
				assert.Empty(t, resp.Units)
			}
			_, caErr := testVaultCA(dir)
			assert.True(t, errors.Is(caErr, os.ErrNotExist), "no CA before an answer: %v", caErr)
			assert.Error(t, RenewVault(dir, "vault"), "nothing to renew")
		})
	}
}

func TestVaultConfigAndEndpoints(t *testing.T) {
	app, err := New("vault", nil, Env{StateDir: t.TempDir()})
	require.NoError(t, err)
	_, errOpt := New("vault", map[string]string{"totally-unsecure-auto-unlock": "true"}, Env{StateDir: t.TempDir()})

	assert.Equal(t, "vault", app.Charm())
	assert.False(t, app.Subordinate())
	assert.Equal(t, map[string]Endpoint{"certificates": {Interface: "tls-certificates", Role: RoleProvides, Scope: ScopeGlobal}}, app.Endpoints())
	require.Error(t, errOpt)
	assert.Contains(t, errOpt.Error(), "unknown option(s) totally-unsecure-auto-unlock")
}

// testVaultCA is the root CA (PEM) of the vault simulator "vault" in dir.
func testVaultCA(dir string) ([]byte, error) {
	ca, err := loadVaultCA(dir, "vault")
	if err != nil {
		return nil, err
	}
	return ca.CertPEM(), nil
}
