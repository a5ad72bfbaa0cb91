package charm

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/vault"
	"github.com/openstack-charmers/charm-panko/internal/relation/tlscerts"
)

func haRelation(clustered bool) jujutest.Relation {
	bag := map[string]string{}
	if clustered {
		bag["clustered"] = "yes"
	}
	return jujutest.Relation{ID: "ha:5", RemoteUnits: map[string]map[string]string{"hacluster/0": bag}}
}

func TestHAResourcesAndCanonicalURLs(t *testing.T) {
	for _, clustered := range []bool{false, true} {
		w := ready(t, true)
		w.juju.Relations = append(w.juju.Relations, haRelation(clustered))
		w.juju.Config = map[string]any{"vip": "10.5.0.100"}
		tools, _, err := w.run(t, hook("ha-relation-changed"))
		require.NoError(t, err)
		ha, _ := tools.RelationData("ha:5")
		assert.Contains(t, ha["json_resources"], "res_panko_")
		assert.Contains(t, ha["json_resource_params"], "10.5.0.100")
		ks, _ := tools.RelationData("identity-service:2")
		st, msg := tools.Status()
		if clustered {
			assert.Equal(t, "http://10.5.0.100:8977", ks["public_url"], "VIP once clustered")
			assert.Equal(t, "active", st, msg)
		} else {
			assert.Equal(t, "http://10.5.0.10:8977", ks["public_url"], "own address until clustered")
			assert.Equal(t, "waiting", st)
			assert.Equal(t, "Waiting for hacluster to report clustered", msg)
		}
	}
}

func TestHAConfigProblems(t *testing.T) {
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"ha without vip or dns-ha", nil, "vip"},
		{"vip in no network of several", map[string]any{"vip": "192.168.77.1"}, "192.168.77.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ready(t, true)
			w.juju.Relations = append(w.juju.Relations, haRelation(false))
			w.juju.Networks["public"] = netInfoCIDR("172.16.5.10", "172.16.5.0/24")
			w.juju.Config = tt.config
			tools, h, err := w.run(t, hook("config-changed"))
			require.NoError(t, err)
			st, msg := tools.Status()
			assert.Equal(t, "blocked", st)
			assert.Contains(t, msg, tt.want)
			assert.Zero(t, h.Writes())
		})
	}
}

// tlsWorld is a ready leader related to a simulated vault.
func tlsWorld(t *testing.T) (*world, *vault.CA) {
	w := ready(t, true)
	w.juju.Relations = append(w.juju.Relations, jujutest.Relation{ID: "certificates:7", RemoteUnits: map[string]map[string]string{"vault/0": {}}})
	ca, err := vault.NewCA(t.TempDir())
	require.NoError(t, err)
	// First hook: the unit asks; vault answers.
	tools, h, err := w.run(t, hook("certificates-relation-joined"))
	require.NoError(t, err)
	req, _ := tools.RelationData("certificates:7")
	require.NotEmpty(t, req["common_name"])
	answer, err := ca.Answer(vault.RequestBag{Unit: "panko/0", Data: req})
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Relations[2].LocalUnit = req
	w.juju.Relations[2].RemoteUnits["vault/0"] = answer
	return w, ca
}

func TestTLSFromVault(t *testing.T) {
	w, ca := tlsWorld(t)
	tools, h, err := w.run(t, hook("certificates-relation-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active", st, msg)
	ks, _ := tools.RelationData("identity-service:2")
	assert.Equal(t, "https://10.5.0.10:8977", ks["public_url"])
	cn := "10.5.0.10"
	cert, ok := h.File(certPath(cn))
	require.True(t, ok, "certificate written: %v", h.Calls())
	assert.EqualValues(t, 0o640, cert.Mode)
	assert.Equal(t, "panko", cert.Group)
	key, ok := h.File(keyPath(cn))
	require.True(t, ok)
	// As charm-helpers writes it: root:root 0640.
	assert.EqualValues(t, 0o640, key.Mode, "key mode")
	assert.Equal(t, "root", key.Owner, "key owner")
	assert.Equal(t, "root", key.Group, "key group")
	_, err = tls.X509KeyPair(cert.Data, key.Data)
	require.NoError(t, err, "key matches certificate")
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca.CertPEM()))
	leaf, _ := splitFirstPEM(cert.Data)
	block, _ := pemDecode(leaf)
	parsed, err := x509.ParseCertificate(block)
	require.NoError(t, err)
	inter := x509.NewCertPool()
	inter.AppendCertsFromPEM(ca.ChainPEM())
	_, err = parsed.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter})
	assert.NoError(t, err, "the served chain verifies to the vault CA")
	site, ok := h.File(HTTPSSiteFile)
	require.True(t, ok)
	assert.Contains(t, string(site.Data), "SSLCertificateFile "+certPath(cn))
	assert.True(t, h.Exists(APISiteLink))
	assert.True(t, h.Exists("/etc/apache2/sites-enabled/openstack_https_frontend.conf"))
	for _, m := range tlsModules() {
		assert.True(t, h.Exists("/etc/apache2/mods-enabled/"+m+".load"), m)
	}
	hap, _ := h.File(HAProxyCfg)
	assert.Contains(t, string(hap.Data), "check-ssl verify none")
	api, _ := h.File(APISiteFile)
	assert.Contains(t, string(api.Data), "Listen 127.0.0.1:8957")
	_, ok = h.File(CACertFile)
	assert.True(t, ok)
	assert.Equal(t, 1, h.Runs("update-ca-certificates"))

	// Invalid new material keeps the working setup.
	w.host = h.State()
	w.juju.Relations[2].RemoteUnits["vault/0"]["ca"] = strings.Repeat("x", 10)
	tools, h, err = w.run(t, hook("certificates-relation-changed"))
	require.NoError(t, err)
	st, msg = tools.Status()
	assert.Equal(t, "waiting", st)
	assert.True(t, strings.HasPrefix(msg, "Certificates from vault are invalid: "), msg)
	assert.Zero(t, h.Writes(), "previous TLS files untouched: %v", h.Calls())
	ks, _ = tools.RelationData("identity-service:2")
	assert.Equal(t, "https://10.5.0.10:8977", ks["public_url"])

	// Removing the relation turns TLS off.
	w.host = h.State()
	w.juju.Relations = w.juju.Relations[:2]
	tools, h, err = w.run(t, hook("certificates-relation-broken"))
	require.NoError(t, err)
	ks, _ = tools.RelationData("identity-service:2")
	assert.Equal(t, "http://10.5.0.10:8977", ks["public_url"])
	assert.False(t, h.Exists(HTTPSSiteFile))
	assert.False(t, h.Exists("/etc/apache2/sites-enabled/openstack_https_frontend.conf"))
	assert.False(t, h.Exists(certPath(cn)), "certificate removed")
	assert.False(t, h.Exists(keyPath(cn)), "private key removed")
}

func TestTLSExpiryNote(t *testing.T) {
	w, _ := tlsWorld(t)
	_, h, err := w.run(t, hook("certificates-relation-changed"))
	require.NoError(t, err)
	w.host = h.State()
	w.now = time.Now().Add(vault.DefaultTTL - 10*24*time.Hour)
	tools, _, err := w.run(t, hook("update-status"))
	require.NoError(t, err)
	_, msg := tools.Status()
	assert.Regexp(t, `^Unit is ready \(TLS certificate expires in (9|10) days\)$`, msg)
}

func TestBadSSLConfigBlocks(t *testing.T) {
	w := ready(t, true)
	w.juju.Config = map[string]any{"ssl_cert": base64.StdEncoding.EncodeToString([]byte("not a certificate")), "ssl_key": base64.StdEncoding.EncodeToString([]byte("nope"))}
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked", st)
	assert.Contains(t, msg, "ssl_cert")
	assert.Zero(t, h.Writes())
}

// TestTLSStaleNamesRemoved: when a name is no longer requested, its
// certificate and key files go; those of the names still served stay.
func TestTLSStaleNamesRemoved(t *testing.T) {
	w := ready(t, true)
	w.juju.Config = map[string]any{"os-public-hostname": "panko.example.com"}
	w.juju.Relations = append(w.juju.Relations, jujutest.Relation{ID: "certificates:7", RemoteUnits: map[string]map[string]string{"vault/0": {}}})
	ca, err := vault.NewCA(t.TempDir())
	require.NoError(t, err)
	tools, h, err := w.run(t, hook("certificates-relation-joined"))
	require.NoError(t, err)
	req, _ := tools.RelationData("certificates:7")
	answer, err := ca.Answer(vault.RequestBag{Unit: "panko/0", Data: req})
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Relations[2].LocalUnit = req
	w.juju.Relations[2].RemoteUnits["vault/0"] = answer
	tools, h, err = w.run(t, hook("certificates-relation-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	require.Equal(t, "active", st, msg)
	for _, cn := range []string{"10.5.0.10", "panko.example.com"} {
		require.True(t, h.Exists(certPath(cn)), "cert_%s", cn)
		require.True(t, h.Exists(keyPath(cn)), "key_%s", cn)
	}

	// os-public-hostname unset: panko.example.com is no longer requested.
	w.host = h.State()
	w.juju.Relations[2].LocalUnit, _ = tools.RelationData("certificates:7")
	w.juju.Config = nil
	tools, h, err = w.run(t, hook("config-changed"))
	require.NoError(t, err)
	st, msg = tools.Status()
	require.Equal(t, "active", st, msg)
	req, _ = tools.RelationData("certificates:7")
	assert.Equal(t, "10.5.0.10", req["common_name"])
	assert.False(t, h.Exists(certPath("panko.example.com")), "old certificate removed")
	assert.False(t, h.Exists(keyPath("panko.example.com")), "old private key removed")
	assert.True(t, h.Exists(certPath("10.5.0.10")), "served certificate stays")
	assert.True(t, h.Exists(keyPath("10.5.0.10")), "served key stays")
	site, _ := h.File(HTTPSSiteFile)
	assert.NotContains(t, string(site.Data), "panko.example.com")
}

// TestTLSNameStable: once the unit asked for its reverse-DNS name, a hook
// whose lookup fails (or would answer another name) keeps the same request
// while the addresses stay the same: TLS stays up and the URLs stay https.
// A changed address looks the name up again.
func TestTLSNameStable(t *testing.T) {
	w := ready(t, true)
	w.juju.Relations = append(w.juju.Relations, jujutest.Relation{ID: "certificates:7", RemoteUnits: map[string]map[string]string{"vault/0": {}}})
	ca, err := vault.NewCA(t.TempDir())
	require.NoError(t, err)
	names := map[string]string{"10.5.0.10": "juju-abc.maas."}
	tools, h, err := w.runResolving(t, hook("certificates-relation-joined"), names)
	require.NoError(t, err)
	req, _ := tools.RelationData("certificates:7")
	require.Equal(t, "juju-abc.maas", req["common_name"])
	answer, err := ca.Answer(vault.RequestBag{Unit: "panko/0", Data: req})
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Relations[2].LocalUnit = req
	w.juju.Relations[2].RemoteUnits["vault/0"] = answer
	tools, h, err = w.runResolving(t, hook("certificates-relation-changed"), names)
	require.NoError(t, err)
	st, msg := tools.Status()
	require.Equal(t, "active", st, msg)
	require.True(t, h.Exists(certPath("juju-abc.maas")))
	w.host = h.State()
	w.juju.Relations[2].LocalUnit, _ = tools.RelationData("certificates:7")
	published := w.juju.Relations[2].LocalUnit

	for _, tc := range []struct {
		name  string
		names map[string]string
	}{
		{"lookup fails", nil},
		{"lookup would answer another name", map[string]string{"10.5.0.10": "other.maas."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tools, h, err := w.runResolving(t, hook("update-status"), tc.names)
			require.NoError(t, err)
			st, msg := tools.Status()
			assert.Equal(t, "active", st, msg)
			req, _ := tools.RelationData("certificates:7")
			assert.Equal(t, published, req, "request unchanged")
			ks, _ := tools.RelationData("identity-service:2")
			assert.Equal(t, "https://10.5.0.10:8977", ks["public_url"])
			assert.True(t, h.Exists(HTTPSSiteFile), "TLS stays")
			assert.True(t, h.Exists(certPath("juju-abc.maas")))
			assert.True(t, h.Exists(keyPath("juju-abc.maas")))
		})
	}

	t.Run("the name is recorded, not looked up again", func(t *testing.T) {
		w := w.clone()
		tools, h, err := w.runResolving(t, hook("config-changed"), names)
		require.NoError(t, err)
		w.carry(tools, h)
		w.lookups = 0
		tools, _, err = w.runResolving(t, hook("config-changed"), nil)
		require.NoError(t, err)
		req, _ := tools.RelationData("certificates:7")
		assert.Equal(t, published, req, "request unchanged")
		assert.Zero(t, w.lookups, "no reverse lookup while the address stays")
		assert.Zero(t, tools.Calls()["state-set"], "the record is unchanged")
	})

	t.Run("address changed", func(t *testing.T) {
		w.juju.Networks[""] = netInfoCIDR("10.5.0.11", "10.5.0.0/24")
		tools, _, err := w.runResolving(t, hook("config-changed"), map[string]string{"10.5.0.11": "juju-def.maas."})
		require.NoError(t, err)
		req, _ := tools.RelationData("certificates:7")
		assert.Equal(t, "juju-def.maas", req["common_name"], "the new address is looked up")
	})
}

// TestCNsForAddressNamedFirst: on an address, the virtual host named by the
// address comes before those whose SANs merely contain it (else Apache >=
// 2.4.64 answers 421 to clients without SNI), then the others.
func TestCNsForAddressNamedFirst(t *testing.T) {
	want := []tlscerts.CertRequest{
		{CN: "panko.example.com", SANs: []string{"10.5.0.10", "panko.example.com"}},
		{CN: "10.5.0.10", SANs: []string{"10.5.0.10"}},
		{CN: "other.example.com", SANs: []string{"10.5.1.10"}},
	}
	cns := []string{"panko.example.com", "10.5.0.10", "other.example.com"}
	assert.Equal(t, []string{"10.5.0.10", "panko.example.com", "other.example.com"}, cnsFor("10.5.0.10", cns, want))
	assert.Equal(t, []string{"other.example.com", "panko.example.com", "10.5.0.10"}, cnsFor("10.5.1.10", cns, want))
}

// A unit being removed stays in scope of each relation until that relation
// breaks (Juju leaves scope on committing relation-broken), so whatever it
// publishes reaches keystone, which registers a unit's endpoints whenever
// that unit's data changes. From its first relation-departed with
// JUJU_DEPARTING_UNIT set to itself, it publishes nothing more.
func TestDyingUnitPublishesNothing(t *testing.T) {
	tests := []struct {
		name      string
		departing string
		dying     bool
	}{
		{"this unit departs", "panko/0", true},
		{"another unit departs", "panko/1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ready(t, true)
			w.juju.Relations = append(w.juju.Relations, haRelation(true))
			w.juju.Config = map[string]any{"vip": "10.5.0.100"}
			tools, h, err := w.run(t, hook("ha-relation-changed"))
			require.NoError(t, err)
			ks, _ := tools.RelationData("identity-service:2")
			require.Equal(t, "http://10.5.0.100:8977", ks["public_url"])
			w.carry(tools, h)

			// Teardown: the hacluster relation departs first (lower id),
			// then the unit gets the other relations' hooks.
			w.departing = tt.departing
			w.juju.Relations = w.juju.Relations[:len(w.juju.Relations)-1]
			tools, h, err = w.run(t, hook("ha-relation-departed"))
			require.NoError(t, err)
			w.carry(tools, h)
			w.departing = ""
			tools, h, err = w.run(t, hook("shared-db-relation-departed"))
			require.NoError(t, err)

			ks, _ = tools.RelationData("identity-service:2")
			st, msg := tools.Status()
			if !tt.dying {
				assert.Equal(t, "http://10.5.0.10:8977", ks["public_url"], "a living unit without hacluster registers its own address")
				assert.NotContains(t, h.State().Files, DyingMarker)
				return
			}
			assert.Equal(t, "http://10.5.0.100:8977", ks["public_url"], "the dying unit leaves the VIP registration alone")
			assert.Equal(t, [2]string{"maintenance", "Unit is being removed"}, [2]string{st, msg})
			assert.Contains(t, h.State().Files, DyingMarker)
			assert.Empty(t, tools.Calls(), "no hook-tool call once the unit is known to be dying")
		})
	}
}

func TestPeerWithBadAddressIsNamed(t *testing.T) {
	w := ready(t, true)
	w.juju.Relations = append(w.juju.Relations, jujutest.Relation{ID: "cluster:4", RemoteUnits: map[string]map[string]string{
		"panko/1": {"private-address": "10.5.0.11"},
		"panko/2": {"private-address": "10.5.0.12; drop"},
	}})
	tools, h, err := w.run(t, hook("cluster-relation-changed"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active", st)
	assert.Equal(t, "Unit is ready (bad address of peer panko/2: not balanced)", msg)
	assert.Contains(t, tools.Logs(), jujutest.LogEntry{Level: juju.LevelWarning, Message: "peer panko/2 left out of haproxy: bad private-address"})
	cfg, _ := h.File(HAProxyCfg)
	assert.Contains(t, string(cfg.Data), "10.5.0.11:")
	assert.NotContains(t, string(cfg.Data), "panko-2")
}
