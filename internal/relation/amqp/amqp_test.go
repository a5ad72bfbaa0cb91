package amqp

import (
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

// fixture is testdata/relations/rabbitmq-server-amqp.json: what
// charm-rabbitmq-server answers a client asking for panko on openstack.
type fixture struct {
	relfixture.Fixture
	Variants map[string]struct {
		relfixture.Variant
		RemoteUnits []string `json:"remote_units"`
	} `json:"variants"`
	Expected struct {
		TransportURL      string `json:"transport_url"`
		TransportURLSSLOn string `json:"transport_url_ssl_on"`
		TransportURLHA    string `json:"transport_url_hacluster"`
	} `json:"expected_client_view"`
}

// units returns the rabbitmq-server bags of a variant ("" for the base).
func (f fixture) units(t *testing.T, variant string) []Unit {
	t.Helper()
	v, ok := f.Variants[variant]
	require.True(t, variant == "" || ok, "variant %s", variant)
	var out []Unit
	for name, bag := range f.Remote.Units {
		if len(v.RemoteUnits) > 0 && !contains(v.RemoteUnits, name) {
			continue
		}
		b := maps.Clone(bag)
		if v.RemoteUnitData != nil {
			b = maps.Clone(v.RemoteUnitData)
		}
		maps.Copy(b, v.RemoteUnitOverrides)
		for _, k := range v.RemoteUnitRemoveKeys {
			delete(b, k)
		}
		out = append(out, Unit{Name: name, Bag: b})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestRequestIsWhatTheReactiveClientSends(t *testing.T) {
	f := relfixture.Load[fixture](t, "rabbitmq-server-amqp.json")
	sent := f.Local.Units["panko/0"]

	got := Request()

	for k, v := range got {
		assert.Equal(t, sent[k], v, k)
	}
	assert.Len(t, got, 2, "username and vhost; Juju writes private-address")
}

func TestParseRecordedReplies(t *testing.T) {
	f := relfixture.Load[fixture](t, "rabbitmq-server-amqp.json")
	password := f.Remote.Units["rabbitmq-server/0"]["password"]
	tests := []struct {
		variant string
		wantURL string
		wantTLS bool
	}{
		{"", f.Expected.TransportURL, false},
		{"ssl_on", f.Expected.TransportURLSSLOn, true},
		{"ssl_off_after_on", f.Expected.TransportURL, false},
		{"hacluster", f.Expected.TransportURLHA, false},
		{"hacluster_vip_only", f.Expected.TransportURL, false},
		{"leader_only", "rabbit://panko:" + password + "@10.5.0.10:5672/openstack", false},
	}
	for _, tt := range tests {
		t.Run("variant "+tt.variant, func(t *testing.T) {
			r, err := Parse(f.units(t, tt.variant))

			require.NoError(t, err)
			assert.True(t, r.TransportURL() == tt.wantURL, "transport URL differs from the recorded client view")
			assert.Equal(t, tt.wantTLS, r.TLS())
			if tt.wantTLS {
				assert.True(t, strings.HasPrefix(string(r.CA), "-----BEGIN CERTIFICATE-----"))
			}
		})
	}
}

func TestParseIncompleteAndMalformed(t *testing.T) {
	f := relfixture.Load[fixture](t, "rabbitmq-server-amqp.json")
	base := f.units(t, "")
	with := func(key, value string) []Unit {
		out := []Unit{}
		for _, u := range base {
			b := maps.Clone(u.Bag)
			b[key] = value
			out = append(out, Unit{Name: u.Name, Bag: b})
		}
		return out
	}
	tests := []struct {
		name       string
		units      []Unit
		incomplete bool
		wantErr    string
	}{
		{"no units", nil, true, ""},
		{"addresses only", f.units(t, "no_username_yet"), true, ""},
		{"bad address", with(KeyPrivateAddress, "10.5.0.10; rm"), false, "private-address of rabbitmq-server/0 is not an address"},
		{"bad ssl_port", append(with(KeySSLPort, "tls"), base...), false, `ssl_port "tls" is not a port`},
		{"ssl_port without ssl_ca", with(KeySSLPort, "5671"), false, "ssl_port is set without ssl_ca"},
		{"ssl_ca not base64", append(with(KeySSLPort, "5671"), Unit{Name: "rabbitmq-server/9", Bag: map[string]string{KeyPassword: "x", KeyPrivateAddress: "10.5.0.19", KeySSLCA: "%%%"}}), false, "ssl_ca is not base64"},
		{"ssl_ca not a certificate", func() []Unit {
			u := with(KeySSLPort, "5671")
			u[0].Bag[KeySSLCA] = "aGVsbG8="
			return u
		}(), false, "ssl_ca holds no PEM certificate"},
		{"password with a newline", with(KeyPassword, "a\nb"), false, "password is malformed"},
		{"clustered with a bad vip", func() []Unit {
			u := with(KeyClustered, "true")
			u[0].Bag[KeyVIP] = "10.5.0.300"
			return u
		}(), false, `vip "10.5.0.300" is not an address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.units)

			require.Error(t, err)
			if tt.incomplete {
				assert.ErrorIs(t, err, ErrIncomplete)
				return
			}
			assert.NotErrorIs(t, err, ErrIncomplete)
			assert.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestTransportURLEscapesAndBracketsIPv6(t *testing.T) {
	r := Reply{Hosts: []string{"fd00::10", "10.5.0.11"}, Port: 5671, Password: "p@ss/w:rd"}

	assert.Equal(t, "rabbit://panko:p%40ss%2Fw%3Ard@[fd00::10]:5671,panko:p%40ss%2Fw%3Ard@10.5.0.11:5671/openstack", r.TransportURL())
}
