package shareddb

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

// fixture is the part of a relation fixture these tests use.
type fixture struct {
	Local struct {
		Units map[string]Bag `json:"units"`
	} `json:"local"`
	Remote struct {
		Units map[string]Bag `json:"units"`
	} `json:"remote"`
	Variants map[string]struct {
		RemoteUnitOverrides  Bag      `json:"remote_unit_overrides"`
		RemoteUnitData       Bag      `json:"remote_unit_data"`
		RemoteUnitRemoveKeys []string `json:"remote_unit_remove_keys"`
		LocalUnitData        Bag      `json:"local_unit_data"`
	} `json:"variants"`
	Expected map[string]string `json:"expected_client_view"`
}

func loadFixture(t testing.TB, name string) fixture {
	t.Helper()
	f := relfixture.Load[fixture](t, name+".json")
	return f
}

// remoteBags returns the remote bags in unit order with a variant applied.
func (f fixture) remoteBags(variant string) []Bag {
	names := make([]string, 0, len(f.Remote.Units))
	for u := range f.Remote.Units {
		names = append(names, u)
	}
	sort.Strings(names)
	v := f.Variants[variant]
	var out []Bag
	for _, u := range names {
		b := Bag{}
		for k, val := range f.Remote.Units[u] {
			b[k] = val
		}
		if v.RemoteUnitData != nil {
			b = Bag{}
			for k, val := range v.RemoteUnitData {
				b[k] = val
			}
		}
		if b[KeyDBHost] != "" { // overrides apply to the units that answer
			for k, val := range v.RemoteUnitOverrides {
				b[k] = val
			}
		}
		for _, k := range v.RemoteUnitRemoveKeys {
			delete(b, k)
		}
		out = append(out, b)
	}
	return out
}

// leaderBag is the first remote bag that carries a reply.
func (f fixture) leaderBag(t testing.TB) Bag {
	t.Helper()
	for _, b := range f.remoteBags("") {
		if b[KeyDBHost] != "" {
			return b
		}
	}
	t.Fatal("fixture has no reply")
	return nil
}

func TestParseFixtures(t *testing.T) {
	type want struct {
		ready  bool
		reason string // substring of Reason when not ready
		port   string // expected db_port text, "" = default
		ca     bool
		wait   string
	}
	cases := []struct {
		name, fixture, variant, unit string
		want                         want
	}{
		{"percona full reply", "percona-shared-db", "", "panko/0", want{ready: true}},
		{"percona third unit", "percona-shared-db", "", "panko/2", want{ready: true}},
		{"percona unit not yet granted", "percona-shared-db", "unit_not_yet_granted", "panko/2", want{reason: "waiting for allowed_units to include panko/2"}},
		{"percona granted unit of partial list", "percona-shared-db", "unit_not_yet_granted", "panko/1", want{ready: true}},
		{"percona series upgrading", "percona-shared-db", "series_upgrading", "panko/0", want{reason: "upgrading"}},
		{"percona access network", "percona-shared-db", "access_network", "panko/0", want{ready: true}},
		{"percona prefixed reply is not ours", "percona-shared-db", "prefixed_request", "panko/0", want{reason: "waiting for password, allowed_units"}},
		{"router full reply", "mysql-router-shared-db", "", "panko/0", want{ready: true, port: "3306", ca: true, wait: "3600"}},
		{"router other principal", "mysql-router-shared-db", "", "panko/1", want{reason: "allowed_units to include panko/1", port: "3306", ca: true, wait: "3600"}},
		{"router without tls", "mysql-router-shared-db", "no_tls", "panko/0", want{ready: true, port: "3306", wait: "3600"}},
		{"router not bootstrapped", "mysql-router-shared-db", "router_not_bootstrapped", "panko/0", want{reason: "waiting for db_host, password, allowed_units"}},
		{"innodb leader-only reply", "mysql-innodb-cluster-shared-db", "", "panko/1", want{ready: true, port: "3306", ca: true, wait: "3600"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := loadFixture(t, tc.fixture)
			bags := f.remoteBags(tc.variant)
			src := Bag{}
			for _, b := range bags {
				if b[KeyDBHost] != "" {
					src = b
					break
				}
			}

			got, err := Parse(tc.unit, bags)

			require.NoError(t, err)
			assert.Equal(t, tc.want.ready, got.Ready, "reason: %s", got.Reason)
			if tc.want.ready {
				assert.Empty(t, got.Reason)
				assert.Equal(t, src[KeyDBHost], got.Host)
				assert.True(t, src[KeyPassword] == got.Password, "password differs")
				assert.Equal(t, strings.Fields(src[KeyAllowedUnits]), got.AllowedUnits)
			} else {
				assert.Contains(t, got.Reason, tc.want.reason)
			}
			wantPort := DefaultPort
			if tc.want.port != "" {
				wantPort = atoi(t, tc.want.port)
			}
			assert.Equal(t, wantPort, got.Port)
			if tc.want.ca {
				raw, err := base64.StdEncoding.DecodeString(src[KeySSLCA])
				require.NoError(t, err)
				assert.True(t, bytes.Equal(raw, got.SSLCA), "ssl_ca differs")
				assert.True(t, strings.HasPrefix(string(got.SSLCA), "-----BEGIN CERTIFICATE-----"))
			} else {
				assert.True(t, got.SSLCA == nil, "unexpected ssl_ca")
			}
			if tc.want.wait != "" {
				assert.Equal(t, atoi(t, tc.want.wait), got.WaitTimeout)
			} else {
				assert.Zero(t, got.WaitTimeout)
			}
		})
	}
}

func TestParseMergesFirstNonEmptyValue(t *testing.T) {
	f := loadFixture(t, "mysql-innodb-cluster-shared-db")
	bags := f.remoteBags("")
	// Put the silent non-leaders first: the leader's values must still win.
	reordered := append(append([]Bag{}, bags[1:]...), bags[0])
	first := Bag{KeyDBHost: "10.9.9.9"}

	got, err := Parse("panko/0", reordered)
	require.NoError(t, err)
	assert.True(t, got.Ready, got.Reason)
	assert.Equal(t, bags[0][KeyDBHost], got.Host)

	got, err = Parse("panko/0", append([]Bag{first}, bags...))
	require.NoError(t, err)
	assert.Equal(t, "10.9.9.9", got.Host)
}

func TestParseMalformed(t *testing.T) {
	f := loadFixture(t, "mysql-router-shared-db")
	good := f.remoteBags("")[0]
	huge := strings.Repeat("x", 10<<20)
	notPEM := base64.StdEncoding.EncodeToString([]byte("hello"))
	cases := []struct {
		name     string
		override Bag
		reason   string
	}{
		{"port not a number", Bag{KeyDBPort: "mysql"}, "db_port"},
		{"port zero", Bag{KeyDBPort: "0"}, "db_port"},
		{"port too large", Bag{KeyDBPort: "70000"}, "db_port"},
		{"ssl_ca not base64", Bag{KeySSLCA: "!!not base64!!"}, "ssl_ca is not base64"},
		{"ssl_ca not PEM", Bag{KeySSLCA: notPEM}, "ssl_ca is not a PEM"},
		{"ssl_ca key block", Bag{KeySSLCA: base64.StdEncoding.EncodeToString([]byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"))}, "want CERTIFICATE"},
		{"db_host with spaces", Bag{KeyDBHost: "db host"}, "db_host"},
		{"db_host with url syntax", Bag{KeyDBHost: "a@b/c"}, "db_host"},
		{"negative wait_timeout", Bag{KeyWaitTimeout: "-5"}, "wait_timeout"},
		{"access-network not a CIDR", Bag{KeyAccessNetwork: "10.30.0.0/33"}, "access-network"},
		{"10 MB password", Bag{KeyPassword: huge}, "password is too long"},
		{"10 MB allowed_units", Bag{KeyAllowedUnits: huge}, "allowed_units is too long"},
		{"10 MB ssl_ca", Bag{KeySSLCA: huge}, "ssl_ca is too long"},
		{"10 MB db_host", Bag{KeyDBHost: huge}, "db_host is too long"},
		{"password with newline", Bag{KeyPassword: "abc\ndef"}, "control characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bag := Bag{}
			for k, v := range good {
				bag[k] = v
			}
			for k, v := range tc.override {
				bag[k] = v
			}

			got, err := Parse("panko/0", []Bag{bag})

			require.Error(t, err)
			assert.False(t, got.Ready)
			assert.Contains(t, got.Reason, tc.reason)
			assert.Contains(t, err.Error(), tc.reason)
			assert.Less(t, len(got.Reason), 200)
			assert.False(t, strings.Contains(got.Reason, bag[KeyPassword]), "reason leaks the password")
		})
	}
}

func TestParseNoBags(t *testing.T) {
	for _, bags := range [][]Bag{nil, {}, {{}}, {nil, {"private-address": "10.0.0.1"}}} {
		got, err := Parse("panko/0", bags)
		require.NoError(t, err)
		assert.False(t, got.Ready)
		assert.Equal(t, "waiting for db_host, password, allowed_units", got.Reason)
	}
}

func TestMySQLConfig(t *testing.T) {
	ca := loadFixture(t, "mysql-router-shared-db").leaderBag(t)[KeySSLCA]
	caPEM, err := base64.StdEncoding.DecodeString(ca)
	require.NoError(t, err)
	cases := []struct {
		name, host string
		port       int
		ca         []byte
		wantAddr   string
		wantTLS    bool
		wantErr    string
	}{
		{"ipv4 default port", "10.20.0.130", 3306, nil, "10.20.0.130:3306", false, ""},
		{"router port with tls", "127.0.0.1", 13306, caPEM, "127.0.0.1:13306", true, ""},
		{"ipv6 bracketed", "2001:db8::5", 3306, nil, "[2001:db8::5]:3306", false, ""},
		{"ca that is not PEM", "127.0.0.1", 3306, []byte("not a certificate"), "", false, "database CA is not PEM"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Reply{Host: tc.host, Port: tc.port, Password: "p@ss/w:rd(1)?", SSLCA: tc.ca}

			c, err := r.MySQLConfig("panko", "panko")

			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "panko", c.User)
			assert.True(t, c.Passwd == r.Password, "password does not round-trip")
			assert.Equal(t, "tcp", c.Net)
			assert.Equal(t, tc.wantAddr, c.Addr)
			assert.Equal(t, tc.wantAddr, r.Addr())
			assert.Equal(t, "panko", c.DBName)
			assert.True(t, c.Timeout > 0 && c.Timeout <= 10*time.Second, "timeout %s", c.Timeout)
			assert.Equal(t, tc.wantTLS, c.TLS != nil, "TLS")
			if tc.wantTLS {
				assert.NotNil(t, c.TLS.RootCAs)
				assert.False(t, c.TLS.InsecureSkipVerify)
			}
		})
	}
}

func TestURL(t *testing.T) {
	f := loadFixture(t, "percona-shared-db")
	got, err := Parse("panko/0", f.remoteBags(""))
	require.NoError(t, err)
	// The fixture's URL is Panko's upstream template, which drops the port;
	// this package always includes it.
	want := strings.Replace(f.Expected["connection"], "@"+got.Host+"/", "@"+got.Host+":3306/", 1)
	assert.True(t, got.URL("panko", "panko", "") == want, "percona URL differs from the fixture (with port)")

	r := Reply{Host: "2001:db8::5", Port: 13306, Password: "p@ss/w:rd%?#"}
	u, err := url.Parse(r.URL("panko", "panko", "/usr/local/share/ca-certificates/db-client.ca"))
	require.NoError(t, err)
	pw, _ := u.User.Password()
	assert.True(t, pw == r.Password, "password does not round-trip")
	assert.Equal(t, "mysql+pymysql", u.Scheme)
	assert.Equal(t, "[2001:db8::5]:13306", u.Host)
	assert.Equal(t, "/panko", u.Path)
	assert.Equal(t, "charset=utf8&ssl_ca=/usr/local/share/ca-certificates/db-client.ca", u.RawQuery)
}

func FuzzParse(f *testing.F) {
	router := loadFixture(f, "mysql-router-shared-db").leaderBag(f)
	percona := loadFixture(f, "percona-shared-db").leaderBag(f)
	f.Add(router[KeyDBHost], router[KeyDBPort], router[KeyPassword], router[KeyAllowedUnits], router[KeySSLCA], router[KeyWaitTimeout], "")
	f.Add(percona[KeyDBHost], "", percona[KeyPassword], percona[KeyAllowedUnits], "", "", "True")
	f.Add("2001:db8::1", "65536", "pw", "panko/0", "!!", "x", "False")
	f.Fuzz(func(t *testing.T, host, port, password, allowed, ca, wait, upgrading string) {
		bag := Bag{KeyDBHost: host, KeyDBPort: port, KeyPassword: password, KeyAllowedUnits: allowed,
			KeySSLCA: ca, KeyWaitTimeout: wait, KeySeriesUpgrading: upgrading}

		got, err := Parse("panko/0", []Bag{bag, nil, {}})

		if got.Ready {
			if err != nil || got.Host == "" || got.Password == "" || got.Port < 1 || got.Port > 65535 {
				t.Fatalf("ready reply is inconsistent: err=%v host=%q port=%d", err, got.Host, got.Port)
			}
			_, _ = got.MySQLConfig("panko", "panko")
			_ = got.URL("panko", "panko", "/tmp/ca")
		} else if got.Reason == "" {
			t.Fatal("not ready without a reason")
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
		leakable := len(password) >= 8
		for k, v := range bag {
			if k != KeyPassword && strings.Contains(v, password) {
				leakable = false
			}
		}
		if leakable && strings.Contains(got.Reason, password) {
			t.Fatal("reason contains the password")
		}
	})
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	var n int
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', "not a number: %q", s)
		n = n*10 + int(c-'0')
	}
	return n
}
