package tlscerts

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/pyjson"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type bag = map[string]string

// requesterKeys keeps only the keys Request owns.
func requesterKeys(b bag) bag {
	out := bag{}
	for _, k := range RequestKeys() {
		if v, ok := b[k]; ok {
			out[k] = v
		}
	}
	return out
}

// fixtureInput is the fixture's scenario for unit panko/<n>: address
// 10.20.0.1<n+1> in 10.20.0.0/24, vip 10.20.0.100 (clustered),
// os-public-hostname panko.example.com, all bindings on one network.
func fixtureInput(host, addr string, publicHostname string) RequestInput {
	cidrs := []string{"10.20.0.0/24"}
	in := RequestInput{Hostname: host, Address: addr, CIDRs: cidrs, VIPs: []string{"10.20.0.100"}}
	for _, b := range openstack.Bindings() {
		ep := Endpoint{Binding: b, Resolved: "10.20.0.100", Address: addr, CIDRs: cidrs}
		if b == openstack.Public && publicHostname != "" {
			ep.Hostname, ep.Resolved = publicHostname, publicHostname
		}
		in.Endpoints = append(in.Endpoints, ep)
	}
	return in
}

func TestRequestMatchesFixture(t *testing.T) {
	f := relfixture.Read(t, "vault-certificates.json")
	tests := []struct {
		name     string
		unit     string
		in       RequestInput
		expected bag
	}{
		{"panko/0 with os-public-hostname", "panko/0", fixtureInput("juju-4f2a1c-3.maas.", "10.20.0.11", "panko.example.com"), f.Local.Units["panko/0"]},
		{"panko/1 with os-public-hostname", "panko/1", fixtureInput("juju-4f2a1c-4.maas", "10.20.0.12", "panko.example.com"), f.Local.Units["panko/1"]},
		{"no hostname override", "panko/0", fixtureInput("juju-4f2a1c-3.maas", "10.20.0.11", ""), f.Variants["no_hostname_override"].LocalUnitData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			main, extra := Plan(tt.in)
			got := Request(tt.unit, main, extra)

			want := requesterKeys(tt.expected)
			// certificate_name is a random uuid in the fixture, a stable one here.
			want[KeyCertificateName] = CertificateName(tt.unit)
			assert.Equal(t, want, got)
		})
	}
}

func TestPlanAndRequest(t *testing.T) {
	net0, net1, net2 := []string{"10.0.0.0/24"}, []string{"10.1.0.0/24"}, []string{"10.2.0.0/24"}
	vips := []string{"10.0.0.100", "10.1.0.100", "10.2.0.100"}
	tests := []struct {
		name string
		in   RequestInput
		want bag
	}{
		{
			name: "no override, no vip: hostname only",
			in: RequestInput{Hostname: "juju-1.maas", Address: "10.0.0.5", CIDRs: net0, Endpoints: []Endpoint{
				{Binding: openstack.Public, Resolved: "10.0.0.5", Address: "10.0.0.5", CIDRs: net0},
				{Binding: openstack.Internal, Resolved: "10.0.0.5", Address: "10.0.0.5", CIDRs: net0},
				{Binding: openstack.Admin, Resolved: "10.0.0.5", Address: "10.0.0.5", CIDRs: net0},
			}},
			want: bag{KeyCommonName: "juju-1.maas", KeySANs: `["10.0.0.5"]`},
		},
		{
			name: "no hostname: the address is the CN",
			in:   RequestInput{Address: "10.0.0.5", CIDRs: net0, VIPs: vips},
			want: bag{KeyCommonName: "10.0.0.5", KeySANs: `["10.0.0.100", "10.0.0.5"]`},
		},
		{
			name: "no override, bindings on three networks with vips: every address on the hostname cert",
			in: RequestInput{Hostname: "juju-1.maas", Address: "10.0.0.5", CIDRs: net0, VIPs: vips, Endpoints: []Endpoint{
				{Binding: openstack.Internal, Resolved: "10.0.0.100", Address: "10.0.0.5", CIDRs: net0},
				{Binding: openstack.Admin, Resolved: "10.1.0.100", Address: "10.1.0.5", CIDRs: net1},
				{Binding: openstack.Public, Resolved: "10.2.0.100", Address: "10.2.0.5", CIDRs: net2},
			}},
			want: bag{KeyCommonName: "juju-1.maas", KeySANs: `["10.0.0.100", "10.0.0.5", "10.1.0.100", "10.1.0.5", "10.2.0.100", "10.2.0.5"]`},
		},
		{
			name: "one override: that hostname first, the rest stays on the hostname cert",
			in: RequestInput{Hostname: "juju-1.maas", Address: "10.0.0.5", CIDRs: net0, VIPs: vips, Endpoints: []Endpoint{
				{Binding: openstack.Public, Hostname: "panko.example.com", Resolved: "panko.example.com", Address: "10.2.0.5", CIDRs: net2},
				{Binding: openstack.Internal, Resolved: "10.0.0.100", Address: "10.0.0.5", CIDRs: net0},
				{Binding: openstack.Admin, Resolved: "10.1.0.100", Address: "10.1.0.5", CIDRs: net1},
			}},
			want: bag{
				KeyCommonName:   "panko.example.com",
				KeySANs:         `["10.2.0.100", "10.2.0.5", "panko.example.com"]`,
				KeyCertRequests: `{"juju-1.maas": {"sans": ["10.0.0.100", "10.0.0.5", "10.1.0.100", "10.1.0.5"]}}`,
			},
		},
		{
			name: "three overrides with vips: internal, admin, public, then the hostname",
			in: RequestInput{Hostname: "juju-1.maas", Address: "10.0.0.5", CIDRs: net0, VIPs: vips, Endpoints: []Endpoint{
				{Binding: openstack.Public, Hostname: "public.example.com", Resolved: "public.example.com", Address: "10.2.0.5", CIDRs: net2},
				{Binding: openstack.Admin, Hostname: "admin.example.com", Resolved: "admin.example.com", Address: "10.1.0.5", CIDRs: net1},
				{Binding: openstack.Internal, Hostname: "internal.example.com", Resolved: "internal.example.com", Address: "10.0.0.5", CIDRs: net0},
			}},
			want: bag{
				KeyCommonName: "internal.example.com",
				KeySANs:       `["10.0.0.100", "10.0.0.5", "internal.example.com"]`,
				KeyCertRequests: `{"admin.example.com": {"sans": ["10.1.0.100", "10.1.0.5", "admin.example.com"]}, ` +
					`"juju-1.maas": {"sans": ["10.0.0.100", "10.0.0.5"]}, ` +
					`"public.example.com": {"sans": ["10.2.0.100", "10.2.0.5", "public.example.com"]}}`,
			},
		},
		{
			name: "two bindings share a hostname: one request with both addresses",
			in: RequestInput{Hostname: "juju-1.maas", Address: "10.0.0.5", CIDRs: net0, Endpoints: []Endpoint{
				{Binding: openstack.Internal, Hostname: "panko.example.com", Resolved: "panko.example.com", Address: "10.0.0.5", CIDRs: net0},
				{Binding: openstack.Public, Hostname: "panko.example.com", Resolved: "panko.example.com", Address: "10.2.0.5", CIDRs: net2},
			}},
			want: bag{
				KeyCommonName:   "panko.example.com",
				KeySANs:         `["10.0.0.5", "10.2.0.5", "panko.example.com"]`,
				KeyCertRequests: `{"juju-1.maas": {"sans": ["10.0.0.5"]}}`,
			},
		},
		{
			name: "ipv6 binding without a network address",
			in: RequestInput{Hostname: "juju-1.maas", Address: "fd00::5", CIDRs: []string{"fd00::/64"}, VIPs: []string{"fd00::100"}, Endpoints: []Endpoint{
				{Binding: openstack.Admin, Resolved: "fd00::100"},
			}},
			want: bag{KeyCommonName: "juju-1.maas", KeySANs: `["fd00::100", "fd00::5"]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			main, extra := Plan(tt.in)
			got := Request("panko/3", main, extra)

			tt.want[KeyUnitName] = "panko_3"
			tt.want[KeyCertificateName] = CertificateName("panko/3")
			assert.Equal(t, tt.want, got)

			// What the provider reads back is what was planned.
			unit, reqs, err := ParseRequest(got)
			require.NoError(t, err)
			assert.Equal(t, "panko_3", unit)
			require.NotEmpty(t, reqs)
			assert.Equal(t, main, reqs[0])
			rest := append([]CertRequest{}, extra...)
			sort.Slice(rest, func(i, j int) bool { return rest[i].CN < rest[j].CN })
			assert.Equal(t, rest, append([]CertRequest{}, reqs[1:]...))
		})
	}
}

func TestRequestEdges(t *testing.T) {
	tests := []struct {
		name  string
		main  CertRequest
		extra []CertRequest
		want  bag
	}{
		{"nothing to request", CertRequest{}, nil, bag{}},
		{"no main: first extra promoted", CertRequest{}, []CertRequest{{CN: "a.example", SANs: []string{"b", "a", "b"}}, {CN: "c.example"}},
			bag{KeyCommonName: "a.example", KeySANs: `["a", "b"]`, KeyCertRequests: `{"c.example": {"sans": []}}`}},
		{"repeated CN merged", CertRequest{CN: "a.example", SANs: []string{"10.0.0.1"}}, []CertRequest{{CN: "a.example", SANs: []string{"10.0.0.2"}}},
			bag{KeyCommonName: "a.example", KeySANs: `["10.0.0.1", "10.0.0.2"]`}},
		{"non-ascii escaped like python", CertRequest{CN: "bücher.example", SANs: []string{"bücher.example"}}, nil,
			bag{KeyCommonName: "bücher.example", KeySANs: `["b\u00fccher.example"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Request("panko_0", tt.main, tt.extra)

			tt.want[KeyUnitName] = "panko_0"
			if tt.want[KeyCommonName] != "" {
				tt.want[KeyCertificateName] = CertificateName("panko/0")
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCertificateName(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := CertificateName("panko/0"), CertificateName("panko/1")
	assert.Regexp(t, uuid, a)
	assert.Regexp(t, uuid, b)
	assert.NotEqual(t, a, b)
	assert.Equal(t, a, CertificateName("panko_0"))
}

func TestParseRequest(t *testing.T) {
	f := relfixture.Read(t, "vault-certificates.json")
	tests := []struct {
		name     string
		bag      bag
		wantUnit string
		want     []CertRequest
		wantErr  string
	}{
		{"fixture panko/0", f.Local.Units["panko/0"], "panko_0", []CertRequest{
			{CN: "panko.example.com", SANs: []string{"10.20.0.100", "10.20.0.11", "panko.example.com"}},
			{CN: "juju-4f2a1c-3.maas", SANs: []string{"10.20.0.100", "10.20.0.11"}},
		}, ""},
		{"fixture without override", f.Variants["no_hostname_override"].LocalUnitData, "panko_0", []CertRequest{
			{CN: "juju-4f2a1c-3.maas", SANs: []string{"10.20.0.100", "10.20.0.11"}},
		}, ""},
		{"fixture classic charm-helpers requester", f.Variants["classic_charm_helpers_request"].LocalUnitData, "panko_0", []CertRequest{
			{CN: "juju-4f2a1c-3.maas", SANs: []string{"10.20.0.100", "10.20.0.11"}},
			{CN: "panko.example.com", SANs: []string{"10.20.0.100", "10.20.0.11", "panko.example.com"}},
		}, ""},
		{"no unit_name, no sans", bag{KeyCommonName: "a.example"}, "", []CertRequest{{CN: "a.example", SANs: []string{}}}, ""},
		{"common_name repeated in cert_requests", bag{KeyCommonName: "a.example", KeySANs: `["x"]`, KeyCertRequests: `{"a.example": {"sans": ["y"]}}`},
			"", []CertRequest{{CN: "a.example", SANs: []string{"x"}}}, ""},
		{"nothing requested", bag{KeyUnitName: "panko_0"}, "panko_0", nil, ""},
		{"sans not JSON", bag{KeyCommonName: "a.example", KeySANs: "x, y"}, "", nil, "sans of a.example: not a JSON list of strings"},
		{"sans hold a number", bag{KeyCommonName: "a.example", KeySANs: "[1]"}, "", nil, "sans of a.example: not a JSON list of strings"},
		{"cert_requests not an object", bag{KeyCertRequests: `["a"]`}, "", nil, `cert_requests is not a JSON object of {"sans": [...]}`},
		{"bad common_name", bag{KeyCommonName: "a b"}, "", nil, `common_name "a b" is not a host name`},
		{"bad san", bag{KeyCertRequests: `{"a.example": {"sans": ["ok", "no way"]}}`}, "", nil, `cert_requests sans of a.example: "no way" is not a host name or address`},
		{"bad unit_name", bag{KeyUnitName: "panko 0"}, "", nil, `unit_name "panko 0" is not a unit name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unit, reqs, err := ParseRequest(tt.bag)

			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantUnit, unit)
			assert.Equal(t, tt.want, reqs)
		})
	}
}

// vaultBag builds a provider bag answering unit with real certificates: the
// first CN of cns in the server.cert form, the others in processed_requests.
func vaultBag(t *testing.T, p pki, unit string, cns ...string) (bag, map[string]KeyPair) {
	t.Helper()
	pairs := map[string]KeyPair{}
	processed := map[string]KeyPair{}
	var server *KeyPair
	for i, cn := range cns {
		alg := algRSA
		if i%2 == 1 {
			alg = algECDSA
		}
		k := newKey(t, alg)
		kp := KeyPair{Cert: p.inter.issue(t, k, leafOpts{cn: cn, sans: []string{cn, "10.0.0.5"}}), Key: keyPEM(t, k, fmtNative)}
		pairs[cn] = kp
		if i == 0 {
			server = &kp
		} else {
			processed[cn] = kp
		}
	}
	b := replyBag(unit, server, processed)
	b[KeyCA] = string(p.root.pem)
	b[KeyChain] = string(p.inter.pem)
	return b, pairs
}

func TestParseReplies(t *testing.T) {
	p := newPKI(t)
	full, pairs := vaultBag(t, p, "panko/0", "panko.example.com", "juju-1.maas", "internal.example.com")
	onlyServer, serverPairs := vaultBag(t, p, "panko/0", "juju-1.maas")
	onlyProcessed := bag{KeyCA: full[KeyCA], ProcessedRequestsKey("panko/0"): full[ProcessedRequestsKey("panko/0")]}
	caOnly := bag{KeyCA: full[KeyCA], KeyChain: full[KeyChain], "ingress-address": "10.0.0.9"}
	otherUnit, _ := vaultBag(t, p, "panko/1", "panko.example.com")

	tests := []struct {
		name      string
		unit      string
		bags      []bag
		wantCNs   []string
		wantPairs map[string]KeyPair
		wantChain bool
	}{
		{"both forms", "panko/0", []bag{full}, []string{"internal.example.com", "juju-1.maas", "panko.example.com"}, pairs, true},
		{"unit given in key form", "panko_0", []bag{full}, []string{"internal.example.com", "juju-1.maas", "panko.example.com"}, pairs, true},
		{"server form only", "panko/0", []bag{onlyServer}, []string{"juju-1.maas"}, serverPairs, true},
		{"processed form only, no chain", "panko/0", []bag{onlyProcessed}, []string{"internal.example.com", "juju-1.maas"}, pairs, false},
		{"non-leader without certificates first: merged", "panko/0", []bag{caOnly, nil, full}, []string{"internal.example.com", "juju-1.maas", "panko.example.com"}, pairs, true},
		{"first unit wins a key both set", "panko/0", []bag{onlyServer, full}, []string{"internal.example.com", "juju-1.maas"}, map[string]KeyPair{
			"juju-1.maas": serverPairs["juju-1.maas"], "internal.example.com": pairs["internal.example.com"]}, true},
		{"answers for another unit only", "panko/0", []bag{otherUnit}, nil, nil, true},
		{"no bags", "panko/0", nil, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.unit, tt.bags)

			require.NoError(t, err)
			var cns []string
			for cn := range r.Certs {
				cns = append(cns, cn)
			}
			sort.Strings(cns)
			assert.Equal(t, tt.wantCNs, cns)
			for _, cn := range cns {
				assert.True(t, string(r.Certs[cn].Cert) == string(tt.wantPairs[cn].Cert), "cert of %s differs", cn)
				assert.True(t, string(r.Certs[cn].Key) == string(tt.wantPairs[cn].Key), "key of %s differs", cn)
				info, err := Verify(r.Certs[cn], r.CA, r.Chain, t0)
				if tt.wantChain {
					require.NoError(t, err, cn)
					assert.Equal(t, cn, info.CommonName)
					assert.Empty(t, info.Missing([]string{cn, "10.0.0.5"}))
				} else {
					require.Error(t, err, "verifies without the intermediate")
				}
			}
			assert.Equal(t, tt.wantChain, len(r.Chain) > 0)
			assert.Empty(t, r.Missing(cns))
			assert.Equal(t, []string{"absent.example"}, r.Missing([]string{"absent.example"}))
		})
	}
}

func TestParseErrors(t *testing.T) {
	p := newPKI(t)
	full, _ := vaultBag(t, p, "panko/0", "panko.example.com", "juju-1.maas")
	keyPEMText := full[ServerKeyKey("panko/0")]
	with := func(k, v string) bag {
		b := bag{}
		for kk, vv := range full {
			b[kk] = vv
		}
		if v == "" {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	proc := ProcessedRequestsKey("panko/0")
	tests := []struct {
		name string
		bag  bag
		want string
	}{
		{"cert without key", with(ServerKeyKey("panko/0"), ""), "panko_0.server.cert is set without panko_0.server.key"},
		{"key without cert", with(ServerCertKey("panko/0"), ""), "panko_0.server.key is set without panko_0.server.cert"},
		{"server cert not PEM", with(ServerCertKey("panko/0"), "garbage"), "panko_0.server.cert: no PEM certificate"},
		{"server cert is the key", with(ServerCertKey("panko/0"), keyPEMText), "panko_0.server.cert: no PEM certificate"},
		{"processed not JSON", with(proc, "{"+keyPEMText), `panko_0.processed_requests is not a JSON object of {"cert", "key"}`},
		{"processed entry without key", with(proc, `{"a.example": {"cert": "x"}}`), "panko_0.processed_requests entry a.example lacks its cert or key"},
		{"processed entry null", with(proc, `{"a.example": null}`), "panko_0.processed_requests entry a.example lacks its cert or key"},
		{"processed entry with a bad CN", with(proc, `{"a b": {"cert": "x", "key": "y"}}`), `panko_0.processed_requests names "a b", not a host name`},
		{"ca too long", with(KeyCA, strings.Repeat("A", maxPEMValue+1)), "ca is too long (65537 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse("panko/0", []bag{tt.bag})

			require.EqualError(t, err, tt.want)
			assert.Empty(t, r.Certs)
			assertNoKeyMaterial(t, err.Error(), []byte(keyPEMText))
		})
	}
}

// TestParseFixture reads the fixture's vault bag and checks the received
// certificates chain to its ca through its chain (its keys are placeholders).
func TestParseFixture(t *testing.T) {
	f := relfixture.Read(t, "vault-certificates.json")
	vault := f.Remote.Units["vault/0"]
	when := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		unit  string
		cns   []string
		names map[string][]string
	}{
		{"panko/0", []string{"juju-4f2a1c-3.maas", "panko.example.com"}, map[string][]string{
			"panko.example.com":  {"panko.example.com", "10.20.0.100", "10.20.0.11"},
			"juju-4f2a1c-3.maas": {"juju-4f2a1c-3.maas", "10.20.0.100", "10.20.0.11"},
		}},
		{"panko/1", []string{"juju-4f2a1c-4.maas", "panko.example.com"}, map[string][]string{
			"panko.example.com":  {"panko.example.com", "10.20.0.100", "10.20.0.12"},
			"juju-4f2a1c-4.maas": {"juju-4f2a1c-4.maas", "10.20.0.100", "10.20.0.12"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.unit, func(t *testing.T) {
			r, err := Parse(tt.unit, []bag{vault})

			require.NoError(t, err)
			assert.Equal(t, vault[KeyCA], string(r.CA))
			assert.Equal(t, vault[KeyChain], string(r.Chain))
			assert.Empty(t, r.Missing(tt.cns))
			assert.Len(t, r.Certs, len(tt.cns))
			for _, cn := range tt.cns {
				certs, fail := parseCerts(r.Certs[cn].Cert, "certificate", "ssl_cert")
				require.Nil(t, fail)
				info, fail := checkCert(certs[0], nil, r.CA, r.Chain, when)
				require.Nil(t, fail)
				assert.Equal(t, cn, info.CommonName)
				assert.Empty(t, info.Missing(tt.names[cn]))
				// Without the intermediate the chain does not verify.
				_, fail = checkCert(certs[0], nil, r.CA, nil, when)
				require.NotNil(t, fail)
				assert.True(t, strings.HasPrefix(fail.reason, "chain does not verify to ca: "), fail.reason)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	fx := relfixture.Read(f, "vault-certificates.json")
	v := fx.Remote.Units["vault/0"]
	f.Add(v[KeyCA], v[KeyChain], v["panko_0.server.cert"], "fuzz-secret-key-material", v["panko_0.processed_requests"])
	f.Add("", "", "", "", `{"a.example": {"cert": "x", "key": "fuzz-secret-key-material"}}`)
	f.Add("x", "y", "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----", "k", `{"": null}`)
	f.Fuzz(func(t *testing.T, ca, chain, cert, key, processed string) {
		b := bag{KeyCA: ca, KeyChain: chain, ServerCertKey("panko/0"): cert, ServerKeyKey("panko/0"): key, ProcessedRequestsKey("panko/0"): processed}

		r, err := Parse("panko/0", []bag{{}, b})

		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			if len(r.Certs) != 0 || r.CA != nil {
				t.Fatal("error with a reply")
			}
			if len(key) >= 12 && strings.Contains(err.Error(), key) {
				for _, other := range []string{ca, chain, cert, processed} {
					if strings.Contains(other, key) {
						return
					}
				}
				t.Fatal("error contains the server key")
			}
			return
		}
		for cn, kp := range r.Certs {
			if cn == "" || len(kp.Cert) == 0 || len(kp.Key) == 0 {
				t.Fatalf("incomplete pair for %q", cn)
			}
			_, _ = Verify(kp, r.CA, r.Chain, t0)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	fx := relfixture.Read(f, "vault-certificates.json")
	u := fx.Local.Units["panko/0"]
	f.Add(u[KeyUnitName], u[KeyCommonName], u[KeySANs], u[KeyCertRequests])
	f.Add("", "", "null", `{"a": {"sans": null}}`)
	f.Fuzz(func(t *testing.T, unit, cn, sans, reqs string) {
		b := bag{KeyUnitName: unit, KeyCommonName: cn, KeySANs: sans, KeyCertRequests: reqs}

		gotUnit, got, err := ParseRequest(b)

		if err != nil {
			return
		}
		// A parsed request re-encodes to the same requests.
		main := CertRequest{}
		if len(got) > 0 {
			main = got[0]
		}
		var extra []CertRequest
		if len(got) > 1 {
			extra = got[1:]
		}
		again := Request("u/0", main, extra)
		_, got2, err := ParseRequest(again)
		if err != nil {
			t.Fatalf("re-encoded request does not parse: %v", err)
		}
		if len(got2) != len(mergeRequests(got)) {
			t.Fatalf("re-encoded %d requests, parsed %d", len(got), len(got2))
		}
		_ = gotUnit
	})
}

// replyBag returns, for the tests, the per-unit keys vault publishes for unit: the
// top-level certificate (server, may be nil) in "<unit>.server.cert" and
// "<unit>.server.key", and the others in "<unit>.processed_requests" as JSON
// {"<cn>": {"cert": PEM, "key": PEM}} encoded as Python's
// json.dumps(sort_keys=True) does. The caller adds ca, chain and the client
// certificate. Keys are left out when there is nothing to put in them.
func replyBag(unit string, server *KeyPair, processed map[string]KeyPair) map[string]string {
	bag := map[string]string{}
	if server != nil {
		bag[ServerCertKey(unit)] = string(server.Cert)
		bag[ServerKeyKey(unit)] = string(server.Key)
	}
	if len(processed) > 0 {
		m := make(map[string]any, len(processed))
		for cn, kp := range processed {
			m[cn] = map[string]any{"cert": string(kp.Cert), "key": string(kp.Key)}
		}
		bag[ProcessedRequestsKey(unit)] = pyjson.Encode(m)
	}
	return bag
}
