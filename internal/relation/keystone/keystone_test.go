package keystone

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

type bag = map[string]string

// fixture is the part of keystone-identity-service.json these tests use.
type fixture struct {
	Local struct {
		Units map[string]bag `json:"units"`
	} `json:"local"`
	Remote struct {
		Units map[string]bag `json:"units"`
	} `json:"remote"`
	Variants map[string]struct {
		LocalUnitData       bag `json:"local_unit_data"`
		LocalUnitOverrides  bag `json:"local_unit_overrides"`
		RemoteUnitData      bag `json:"remote_unit_data"`
		RemoteUnitOverrides bag `json:"remote_unit_overrides"`
	} `json:"variants"`
	Layer map[string]string `json:"expected_keystone_authtoken_charms_openstack_layer"`
	V3    map[string]string `json:"expected_keystone_authtoken_charm_helpers_v3only_stein_plus"`
}

func loadFixture(t testing.TB) fixture {
	t.Helper()
	f := relfixture.Load[fixture](t, "keystone-identity-service.json")
	return f
}

// remoteBags returns the keystone unit bags in unit order with a variant
// applied to the leader (the unit that answers).
func (f fixture) remoteBags(variant string) []bag {
	names := make([]string, 0, len(f.Remote.Units))
	for u := range f.Remote.Units {
		names = append(names, u)
	}
	sort.Strings(names)
	v := f.Variants[variant]
	var out []bag
	for _, u := range names {
		b := copyBag(f.Remote.Units[u])
		if b[KeyServiceHost] != "" {
			if v.RemoteUnitData != nil {
				b = copyBag(v.RemoteUnitData)
			}
			for k, val := range v.RemoteUnitOverrides {
				b[k] = val
			}
		}
		out = append(out, b)
	}
	return out
}

func copyBag(b bag) bag {
	out := bag{}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestParseFixture(t *testing.T) {
	f := loadFixture(t)
	cases := []struct {
		name      string
		variant   string
		reorder   bool // put the silent keystone units first
		complete  bool
		missing   []string
		authURI   string
		authURL   string
		protocol  string
		hasSecret bool
	}{
		{"full reply", "", false, true, nil, f.Layer["auth_uri"], f.Layer["auth_url"], "https", true},
		{"leader bag last", "", true, true, nil, f.Layer["auth_uri"], f.Layer["auth_url"], "https", true},
		{"requested roles", "requested_roles", false, true, nil, f.Layer["auth_uri"], f.Layer["auth_url"], "https", true},
		{"plain http unclustered", "plain_http_unclustered", false, true, nil, "http://10.20.0.21:5000", "http://10.20.0.21:35357", "http", true},
		{"endpoint info only", "endpoint_info_only", false, false,
			[]string{KeyServiceTenant, KeyServiceUsername, KeyServicePassword, KeyServiceTenantID},
			f.Layer["auth_uri"], f.Layer["auth_url"], "https", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bags := f.remoteBags(tc.variant)
			if tc.reorder {
				bags = append(bags[1:], bags[0])
			}

			c, complete, err := Parse(bags)

			require.NoError(t, err)
			assert.Equal(t, tc.complete, complete)
			assert.Equal(t, tc.missing, c.Missing)
			assert.Equal(t, tc.authURI, c.PublicAuthURI())
			assert.Equal(t, tc.authURL, c.AuthURL())
			assert.Equal(t, tc.protocol, c.ServiceProtocol)
			assert.Equal(t, "3", c.APIVersion)
			if tc.hasSecret {
				assert.True(t, c.ServicePassword == f.Layer["password"], "password differs from the fixture")
				assert.Equal(t, f.Layer["username"], c.ServiceUsername)
				assert.Equal(t, f.Layer["project_name"], c.ServiceTenant)
				assert.Equal(t, f.Layer["project_domain_name"], c.ServiceDomain)
				assert.Equal(t, f.Layer["service_type"], c.ServiceType)
				if tc.authURI == f.Layer["auth_uri"] {
					assert.Equal(t, f.V3["www_authenticate_uri"], c.PublicAuthURI()+"/v3")
					assert.Equal(t, f.V3["auth_url"], c.AuthURL()+"/v3")
				}
			} else {
				assert.True(t, c.ServicePassword == "", "unexpected password")
				assert.Equal(t, "RegionOne", c.Region)
			}
		})
	}
}

func TestParseIncomplete(t *testing.T) {
	full := loadFixture(t).remoteBags("")[0]
	for _, k := range required() {
		t.Run("without "+k, func(t *testing.T) {
			b := copyBag(full)
			delete(b, k)

			c, complete, err := Parse([]bag{b})

			require.NoError(t, err)
			assert.False(t, complete)
			assert.Equal(t, []string{k}, c.Missing)
		})
	}
	c, complete, err := Parse(nil)
	require.NoError(t, err)
	assert.False(t, complete)
	assert.Equal(t, required(), c.Missing)
}

func TestParseMalformed(t *testing.T) {
	full := loadFixture(t).remoteBags("")[0]
	huge := strings.Repeat("y", 10<<20)
	cases := []struct {
		name     string
		override bag
		want     string
	}{
		{"port not a number", bag{KeyServicePort: "five"}, "service_port"},
		{"port out of range", bag{KeyAuthPort: "99999"}, "auth_port"},
		{"unknown protocol", bag{KeyAuthProtocol: "ftp"}, "auth_protocol"},
		{"host with slash", bag{KeyServiceHost: "evil/host"}, "service_host"},
		{"internal port bad", bag{KeyInternalPort: "-1"}, "internal_port"},
		{"10 MB password", bag{KeyServicePassword: huge}, "service_password is too long"},
		{"10 MB host", bag{KeyAuthHost: huge}, "auth_host"},
		{"password with newline", bag{KeyServicePassword: "a\nb"}, "control characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := copyBag(full)
			for k, v := range tc.override {
				b[k] = v
			}

			_, complete, err := Parse([]bag{b})

			require.Error(t, err)
			assert.False(t, complete)
			assert.Contains(t, err.Error(), tc.want)
			assert.Less(t, len(err.Error()), 200)
			assert.False(t, strings.Contains(err.Error(), full[KeyServicePassword]), "error leaks the password")
		})
	}
}

func TestURLsBracketIPv6(t *testing.T) {
	c := Credentials{ServiceProtocol: "https", ServiceHost: "2001:db8::10", ServicePort: 5000,
		AuthProtocol: "http", AuthHost: "2001:db8::11", AuthPort: 35357,
		InternalProtocol: "http", InternalHost: "2001:db8::12", InternalPort: 5000}
	assert.Equal(t, "https://[2001:db8::10]:5000", c.PublicAuthURI())
	assert.Equal(t, "http://[2001:db8::11]:35357", c.AuthURL())
	assert.Equal(t, "http://[2001:db8::12]:5000", c.InternalURL())
	assert.Equal(t, "", Credentials{}.InternalURL())
}

// TestRegistrationIsTheFixture: the charm registers what the recorded
// panko unit sent keystone.
func TestRegistrationIsTheFixture(t *testing.T) {
	f := loadFixture(t)
	panko0 := f.Local.Units["panko/0"]
	got := Registration(panko0[KeyRegion], panko0[KeyPublicURL], panko0[KeyInternalURL], panko0[KeyAdminURL])
	for k, v := range got {
		assert.Equal(t, panko0[k], v, k)
	}
	assert.Equal(t, "panko", got[KeyService])
}

func FuzzParse(f *testing.F) {
	leader := loadFixture(f).remoteBags("")[0]
	f.Add(leader[KeyServiceHost], leader[KeyServicePort], leader[KeyServiceProtocol], leader[KeyAuthHost],
		leader[KeyAuthPort], leader[KeyServicePassword], leader[KeyAPIVersion], "")
	f.Add("2001:db8::1", "0", "gopher", "", "65536", "pw", "v3", "v3")
	f.Add("", "", "", "", "", "", "", "http://x")
	f.Fuzz(func(t *testing.T, host, port, proto, authHost, authPort, password, apiVersion, appURL string) {
		unit := copyBag(leader)
		unit[KeyServiceHost], unit[KeyServicePort], unit[KeyServiceProtocol] = host, port, proto
		unit[KeyAuthHost], unit[KeyAuthPort], unit[KeyServicePassword] = authHost, authPort, password
		unit[KeyAPIVersion] = apiVersion

		c, complete, err := Parse([]bag{unit, {}, {"public_auth_url": appURL}})

		if complete {
			if err != nil || len(c.Missing) != 0 || c.ServicePort < 1 || c.AuthPort < 1 {
				t.Fatalf("complete but inconsistent: err=%v missing=%v", err, c.Missing)
			}
			_ = c.PublicAuthURI()
			_ = c.AuthURL()
		}
		if err != nil && len(password) >= 8 && strings.Contains(err.Error(), password) {
			leaks := true
			for _, v := range []string{host, port, proto, authHost, authPort, appURL, apiVersion} {
				if strings.Contains(v, password) {
					leaks = false
				}
			}
			if leaks {
				t.Fatal("error contains the password")
			}
		}
	})
}
