package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsMaterial is a self-signed certificate and its key, as PEM.
type tlsMaterial struct {
	certPEM, keyPEM, rsaKeyPEM, pkcs1KeyPEM []byte
}

func newTLSMaterial(t *testing.T) tlsMaterial {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "panko.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"panko.example.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ecDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	require.NoError(t, err)
	return tlsMaterial{
		certPEM:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:      pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}),
		rsaKeyPEM:   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		pkcs1KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}),
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// want is one expected problem: the option, the value the message must quote
// ("" when the message shows no value) and a part of the reason.
type want struct {
	option, value, reason string
}

func TestValidateInvalid(t *testing.T) {
	m := newTLSMaterial(t)
	cert, key := b64(m.certPEM), b64(m.keyPEM)
	tests := []struct {
		name string
		cfg  map[string]any
		want []want
	}{
		{"vip not an address", map[string]any{"vip": "10.0.0.300"}, []want{{"vip", "10.0.0.300", "is not an IP address"}}},
		{"second vip garbage", map[string]any{"vip": "10.0.0.1 bogus"}, []want{{"vip", "bogus", "is not an IP address"}}},
		{"vip with zone", map[string]any{"vip": "fe80::1%eth0"}, []want{{"vip", "fe80::1%eth0", "is not an IP address"}}},
		{"vip in brackets", map[string]any{"vip": "[fd00::1]"}, []want{{"vip", "[fd00::1]", "is not an IP address"}}},
		{"vip with netmask", map[string]any{"vip": "10.5.0.100/24"}, []want{{"vip", "10.5.0.100/24", "is not an IP address"}}},
		{"vip unspecified", map[string]any{"vip": "0.0.0.0"}, []want{{"vip", "0.0.0.0", "cannot be a virtual IP"}}},
		{"vip multicast", map[string]any{"vip": "ff02::1"}, []want{{"vip", "ff02::1", "cannot be a virtual IP"}}},
		{"vip twice", map[string]any{"vip": "10.0.0.1 10.0.0.1"}, []want{{"vip", "10.0.0.1", "is listed twice"}}},
		{"worker-multiplier negative", map[string]any{"worker-multiplier": -1.0}, []want{{"worker-multiplier", "-1", "must be greater than 0"}}},
		{"worker-multiplier zero", map[string]any{"worker-multiplier": 0}, []want{{"worker-multiplier", "0", "must be greater than 0"}}},
		{"vip_cidr too large", map[string]any{"vip_cidr": 40}, []want{{"vip_cidr", "40", "from 1 to 32"}}},
		{"vip_cidr 33", map[string]any{"vip_cidr": 33}, []want{{"vip_cidr", "33", "from 1 to 32"}}},
		{"vip_cidr zero", map[string]any{"vip_cidr": 0}, []want{{"vip_cidr", "0", "from 1 to 32"}}},
		{"vip_iface with slash", map[string]any{"vip_iface": "eth0/1"}, []want{{"vip_iface", "eth0/1", "not a valid interface name"}}},
		{"vip_iface too long", map[string]any{"vip_iface": "enp0s31f6averylong"}, []want{{"vip_iface", "enp0s31f6averylong", "15 characters"}}},
		{"vip_iface empty", map[string]any{"vip_iface": ""}, []want{{"vip_iface", "", "must not be empty"}}},
		{"origin unknown release", map[string]any{"openstack-origin": "cloud:focal-nonsense"},
			[]want{{"openstack-origin", "cloud:focal-nonsense", "unknown OpenStack release 'nonsense'"}}},
		{"origin garbage", map[string]any{"openstack-origin": "bogus"}, []want{{"openstack-origin", "bogus", "is not a recognised source"}}},
		{"origin reversed", map[string]any{"openstack-origin": "cloud:rocky-bionic"},
			[]want{{"openstack-origin", "cloud:rocky-bionic", "puts the release before the series"}}},
		{"origin empty ppa", map[string]any{"openstack-origin": "ppa:"}, []want{{"openstack-origin", "ppa:", "is not a valid PPA"}}},
		{"origin empty", map[string]any{"openstack-origin": " "}, []want{{"openstack-origin", "", "must not be empty"}}},
		{"origin cloud series absent from the archive", map[string]any{"openstack-origin": "cloud:focal-rocky"},
			[]want{{"openstack-origin", "cloud:focal-rocky", "does not provide"}}},
		{"haproxy-server-timeout zero", map[string]any{"haproxy-server-timeout": 0},
			[]want{{"haproxy-server-timeout", "0", "positive number of milliseconds; unset it for the default 90000"}}},
		{"haproxy-client-timeout negative", map[string]any{"haproxy-client-timeout": -5},
			[]want{{"haproxy-client-timeout", "-5", "positive number of milliseconds"}}},
		{"haproxy-queue-timeout negative", map[string]any{"haproxy-queue-timeout": -1},
			[]want{{"haproxy-queue-timeout", "-1", "the default 9000"}}},
		{"haproxy-connect-timeout zero", map[string]any{"haproxy-connect-timeout": 0},
			[]want{{"haproxy-connect-timeout", "0", "the default 9000"}}},
		{"admin network bad mask", map[string]any{"os-admin-network": "10.0.0.0/33"},
			[]want{{"os-admin-network", "10.0.0.0/33", "is not a CIDR"}}},
		{"internal network entry without mask", map[string]any{"os-internal-network": "10.0.0.0/24 192.168.0.0"},
			[]want{{"os-internal-network", "192.168.0.0", "is not a CIDR"}}},
		{"public network word", map[string]any{"os-public-network": "public"},
			[]want{{"os-public-network", "public", "is not a CIDR"}}},
		{"public hostname with scheme", map[string]any{"os-public-hostname": "https://panko.example.com"},
			[]want{{"os-public-hostname", "https://panko.example.com", "is not a valid DNS name"}}},
		{"internal hostname underscore", map[string]any{"os-internal-hostname": "bad_host.example.com"},
			[]want{{"os-internal-hostname", "bad_host.example.com", "is not a valid DNS name"}}},
		{"admin hostname leading hyphen", map[string]any{"os-admin-hostname": "-panko.example.com"},
			[]want{{"os-admin-hostname", "-panko.example.com", "is not a valid DNS name"}}},
		{"hostname label too long", map[string]any{"os-public-hostname": strings.Repeat("a", 64) + ".example.com"},
			[]want{{"os-public-hostname", strings.Repeat("a", 64), "is not a valid DNS name"}}},
		{"hostname with port", map[string]any{"os-public-hostname": "{service_name}.example.com:8977"},
			[]want{{"os-public-hostname", "{service_name}.example.com:8977", "is not a valid DNS name"}}},
		{"region empty", map[string]any{"region": ""}, []want{{"region", "", "must not be empty"}}},
		{"region blank", map[string]any{"region": "  "}, []want{{"region", "", "must not be empty"}}},
		{"expirer-interval too short", map[string]any{"expirer-interval": 1}, []want{{"expirer-interval", "1", "must be at least 5 (minutes)"}}},
		{"telemetry-secret with a newline", map[string]any{"telemetry-secret": "s3cret\nline2"}, []want{{"telemetry-secret", "", "must be one line"}}},
		// keystone takes one region name; "RegionOne RegionTwo" would reach it as one.
		{"region with spaces", map[string]any{"region": "RegionOne RegionTwo"}, []want{{"region", "RegionOne RegionTwo", "without spaces"}}},
		{"api-return-limit zero", map[string]any{"api-return-limit": 0}, []want{{"api-return-limit", "0", "must be at least 1"}}},
		{"api-return-limit negative", map[string]any{"api-return-limit": -10}, []want{{"api-return-limit", "-10", "must be at least 1"}}},
		{"event-time-to-live zero", map[string]any{"event-time-to-live": 0},
			[]want{{"event-time-to-live", "0", "must be -1 (keep events forever) or a positive number of seconds"}}},
		{"event-time-to-live -2", map[string]any{"event-time-to-live": -2}, []want{{"event-time-to-live", "-2", "must be -1"}}},
		{"events-delete-batch-size negative", map[string]any{"events-delete-batch-size": -1},
			[]want{{"events-delete-batch-size", "-1", "must be 0"}}},
		{"dns-ha without hostnames", map[string]any{"dns-ha": true},
			[]want{{"dns-ha", "true", "needs at least one of os-admin-hostname, os-internal-hostname, os-public-hostname"}}},
		{"dns-ha with vip", map[string]any{"dns-ha": true, "vip": "10.5.0.100", "os-public-hostname": "panko.example.com"},
			[]want{{"dns-ha", "true", "cannot be combined with vip"}}},
		{"ssl_cert without ssl_key", map[string]any{"ssl_cert": cert}, []want{{"ssl_key", "", "must be set together with ssl_cert"}}},
		{"ssl_key without ssl_cert", map[string]any{"ssl_key": key}, []want{{"ssl_cert", "", "must be set together with ssl_key"}}},
		{"ssl_key not base64", map[string]any{"ssl_cert": cert, "ssl_key": "not*base64!"}, []want{{"ssl_key", "", "not valid base64"}}},
		{"ssl_cert raw PEM", map[string]any{"ssl_cert": string(m.certPEM), "ssl_key": key}, []want{{"ssl_cert", "", "is raw PEM, not base64"}}},
		{"ssl_ca base64 of garbage", map[string]any{"ssl_ca": b64([]byte("hello"))}, []want{{"ssl_ca", "", "no PEM certificate found"}}},
		{"ssl_key holds a certificate", map[string]any{"ssl_cert": cert, "ssl_key": cert}, []want{{"ssl_key", "", "no PEM private key found"}}},
		{"ssl_cert holds a key", map[string]any{"ssl_cert": key, "ssl_key": key},
			[]want{{"ssl_cert", "", `holds a PEM block of type "EC PRIVATE KEY"`}}},
		{"ssl_cert corrupt certificate", map[string]any{"ssl_cert": b64(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})), "ssl_key": key},
			[]want{{"ssl_cert", "", "certificate 1 of the PEM data cannot be parsed"}}},
		{"ssl_key corrupt key", map[string]any{"ssl_cert": cert, "ssl_key": b64(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")}))},
			[]want{{"ssl_key", "", "the PEM private key cannot be parsed"}}},
		{"ssl_key encrypted", map[string]any{"ssl_cert": cert, "ssl_key": b64(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("x")}))},
			[]want{{"ssl_key", "", "encrypted private key"}}},
	}
	require.GreaterOrEqual(t, len(tests), 25)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, probs := Parse(tc.cfg)
			require.Empty(t, probs, "Parse")
			got := c.Validate()
			require.Len(t, got, len(tc.want), "problems: %s", redact(Join(got), tc.cfg))
			for i, w := range tc.want {
				msg := got[i].String()
				assert.Equal(t, w.option, got[i].Option)
				assert.True(t, strings.HasPrefix(msg, w.option+": "), "message %q must start with the option", msg)
				if w.value != "" {
					assert.Contains(t, msg, "'"+w.value)
				}
				assert.Contains(t, msg, w.reason)
			}
			// Secret contents never appear in a message.
			for _, s := range []string{"ssl_cert", "ssl_key", "ssl_ca"} {
				v, _ := tc.cfg[s].(string)
				if len(v) < 8 {
					continue
				}
				for _, p := range got {
					assert.False(t, strings.Contains(p.String(), v) || strings.Contains(p.String(), v[:8]),
						"%s contents leaked into a message", s)
				}
			}
		})
	}
}

// redact hides ssl_* values in failure output.
func redact(s string, cfg map[string]any) string {
	for _, k := range []string{"ssl_cert", "ssl_key", "ssl_ca"} {
		if v, _ := cfg[k].(string); v != "" {
			s = strings.ReplaceAll(s, v, "<"+k+">")
		}
	}
	return s
}

func TestValidateValid(t *testing.T) {
	m := newTLSMaterial(t)
	cert, key := b64(m.certPEM), b64(m.keyPEM)
	tests := []struct {
		name string
		cfg  map[string]any
	}{
		{"defaults", map[string]any{}},
		{"full HA with vips", map[string]any{"vip": "10.5.0.100 192.168.0.100 fd00:5::100", "vip_iface": "ens3", "vip_cidr": 16,
			"os-public-network": "10.5.0.0/24", "os-internal-network": "192.168.0.0/24 192.168.1.0/24", "os-admin-network": "fd00:5::/64"}},
		{"dns-ha", map[string]any{"dns-ha": true, "os-public-hostname": "{service_name}.example.com"}},
		{"hostnames", map[string]any{"os-admin-hostname": "admin.panko.example.com.", "os-internal-hostname": "10.5.0.100",
			"os-public-hostname": "fd00::100"}},
		{"tuning", map[string]any{"worker-multiplier": 0.25, "haproxy-server-timeout": 1, "haproxy-client-timeout": 180000,
			"haproxy-queue-timeout": 5000, "haproxy-connect-timeout": 5000, "event-time-to-live": 86400,
			"events-delete-batch-size": 1000, "api-return-limit": 1}},
		{"event-time-to-live forever", map[string]any{"event-time-to-live": -1, "events-delete-batch-size": 0}},
		{"vip_cidr bounds", map[string]any{"vip_cidr": 32}},
		{"vip_cidr low bound", map[string]any{"vip_cidr": 1}},
		{"ssl ec key", map[string]any{"ssl_cert": cert, "ssl_key": key, "ssl_ca": cert}},
		{"ssl pkcs8 rsa key wrapped in lines", map[string]any{"ssl_cert": cert, "ssl_key": wrap(b64(m.rsaKeyPEM))}},
		{"ssl pkcs1 key unpadded", map[string]any{"ssl_cert": cert, "ssl_key": strings.TrimRight(b64(m.pkcs1KeyPEM), "=")}},
		{"ssl_ca alone", map[string]any{"ssl_ca": cert}},
		{"origins", map[string]any{"openstack-origin": "cloud:bionic-rocky/proposed"}},
		{"ppa origin", map[string]any{"openstack-origin": "ppa:team/panko"}},
		{"deb origin", map[string]any{"openstack-origin": "deb http://10.0.0.1/ubuntu focal main"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, probs := Parse(tc.cfg)
			require.Empty(t, probs)
			assert.Empty(t, redact(Join(c.Validate()), tc.cfg))
		})
	}
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	b.WriteString(s)
	return b.String()
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c, probs := Parse(map[string]any{
		"openstack-origin": "cloud:focal-nonsense", "vip": "10.0.0.300 10.0.0.1 nope", "vip_cidr": 40,
		"worker-multiplier": -1, "region": "", "api-return-limit": 0, "haproxy-connect-timeout": -1,
		"ssl_key": "!!", "event-time-to-live": 0,
	})
	require.Empty(t, probs)
	var got []string
	for _, p := range c.Validate() {
		got = append(got, p.Option)
	}
	assert.Equal(t, []string{"openstack-origin", "ssl_key", "ssl_cert", "region", "worker-multiplier",
		"haproxy-connect-timeout", "vip", "vip", "vip_cidr", "event-time-to-live", "api-return-limit"}, got)
	assert.Equal(t, "vip: '10.0.0.300' is not an IP address", c.Validate()[6].String())
}

func TestValidateFor(t *testing.T) {
	tests := []struct {
		origin, series string
		want           string // "" for no problem
	}{
		{"distro", "bionic", ""},
		{"distro", "focal", ""},
		{"cloud:xenial-ocata", "xenial", ""},
		{"cloud:focal-wallaby", "focal", ""},
		{"ppa:team/panko", "focal", ""},
		{"deb http://10.0.0.1/ubuntu focal main", "focal", ""},
		{"distro", "xenial", "openstack-origin: 'distro' gives mitaka on xenial; panko needs ocata or later (e.g. cloud:xenial-ocata)"},
		{"cloud:focal-xena", "focal", "openstack-origin: 'cloud:focal-xena' gives xena on focal; panko was retired after wallaby (e.g. cloud:focal-wallaby)"},
		{"cloud:bionic-rocky", "focal", "openstack-origin: 'cloud:bionic-rocky' is for bionic but this unit runs focal; use cloud:focal-<release> (focal has ussuri as distro and victoria to yoga in the cloud archive)"},
		{"cloud:focal-nonsense", "focal", "openstack-origin: 'cloud:focal-nonsense' names unknown OpenStack release 'nonsense'; use cloud:<series>-<release>, e.g. cloud:focal-victoria"},
		{"distro", "jammy", "openstack-origin: 'distro' gives yoga on jammy; panko was retired after wallaby, which jammy does not offer: deploy on an older series"},
	}
	for _, tc := range tests {
		t.Run(tc.origin+"@"+tc.series, func(t *testing.T) {
			c := Defaults()
			c.OpenStackOrigin = tc.origin
			got := Join(c.ValidateFor(tc.series))
			assert.Equal(t, tc.want, got)
		})
	}
	// Validate alone does not know the series: a cross-series origin passes.
	c := Defaults()
	c.OpenStackOrigin = "cloud:bionic-rocky"
	assert.Empty(t, c.Validate())
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{Option: "vip", Value: "10.0.0.300", Reason: "is not an IP address"}, "vip: '10.0.0.300' is not an IP address"},
		{Problem{Option: "region", Reason: "must not be empty"}, "region: must not be empty"},
		{Problem{Option: "os-public-hostname", Value: "a\nb", Reason: "x"}, `os-public-hostname: 'a\nb' x`},
		{Problem{Option: "vip", Value: strings.Repeat("9", 70), Reason: "x"}, "vip: '" + strings.Repeat("9", 64) + "...' x"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.p.String())
	}
	assert.Equal(t, "a: 'b' c; d: e", Join([]Problem{{"a", "b", "c"}, {"d", "", "e"}}))
	assert.Equal(t, "", Join(nil))
}

func FuzzParseValidate(f *testing.F) {
	f.Add(`{"vip": "10.0.0.300", "vip_cidr": 40, "worker-multiplier": -1}`, "focal")
	f.Add(`{"openstack-origin": "cloud:focal-nonsense", "ssl_key": "!!"}`, "")
	f.Add(`{"os-public-hostname": "{service_name}.x", "dns-ha": true, "region": 3}`, "xenial")
	f.Fuzz(func(t *testing.T, js, series string) {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(js))
		d.UseNumber()
		if d.Decode(&m) != nil {
			return
		}
		c, probs := Parse(m)
		probs = append(probs, c.ValidateFor(series)...)
		for _, p := range probs {
			if p.Option == "" || p.Reason == "" {
				t.Fatalf("incomplete problem %+v", p)
			}
			if Secret(p.Option) && p.Value != "" {
				t.Fatalf("secret value shown for %s", p.Option)
			}
		}
		_ = c.WorkerProcesses(4)
	})
}
