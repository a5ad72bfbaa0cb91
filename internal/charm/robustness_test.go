package charm

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/vault"
)

// robustTenMB is the size of the oversized relation values.
const robustTenMB = 10 << 20

// robustCarry moves what a hook left behind into w, as Juju and the machine keep
// it for the next hook: files, packages and services, leader settings, this
// unit's relation bags, opened ports, status and version.
func (w *world) robustCarry(tools *jujutest.Backend, h *hosttest.Fake) {
	w.carry(tools, h)
}

// robustRelIndex returns the index of the relation on endpoint in w.
func (w *world) robustRelIndex(t *testing.T, endpoint string) int {
	t.Helper()
	for i, r := range w.juju.Relations {
		if strings.HasPrefix(r.ID, endpoint+":") {
			return i
		}
	}
	t.Fatalf("no %s relation", endpoint)
	return -1
}

// robustBag returns the bag of remote unit on endpoint's relation.
func (w *world) robustBag(t *testing.T, endpoint, unit string) map[string]string {
	t.Helper()
	r := w.juju.Relations[w.robustRelIndex(t, endpoint)]
	bag, ok := r.RemoteUnits[unit]
	require.True(t, ok, "%s has no unit %s", endpoint, unit)
	return bag
}

// robustPeers is the peer relation with the given units.
func robustPeers(units map[string]map[string]string) jujutest.Relation {
	return jujutest.Relation{ID: "cluster:4", RemoteUnits: units}
}

// robustEventService is ceilometer/0 related on event-service.
func robustEventService() jujutest.Relation {
	return jujutest.Relation{ID: "event-service:6", RemoteUnits: map[string]map[string]string{"ceilometer/0": {}}}
}

// robustReady is a leader after a successful config-changed with the
// database, keystone, a peer and ceilometer related: active, every file
// written and every service running.
func robustReady(t *testing.T) *world {
	t.Helper()
	w := newWorld(true, sharedDBReady(), keystoneReady(),
		robustPeers(map[string]map[string]string{"panko/1": {"private-address": "10.5.0.11", "private_address": "10.5.0.11"}}),
		robustEventService(), amqpReady(t))
	return robustSettle(t, w, "config-changed")
}

// robustSettle runs ev on w, requires the unit to be active and carries the
// result into w.
func robustSettle(t *testing.T, w *world, ev string) *world {
	t.Helper()
	tools, h, err := w.run(t, hook(ev))
	require.NoError(t, err)
	st, msg := tools.Status()
	require.Equal(t, "active", st, msg)
	w.robustCarry(tools, h)
	return w
}

// robustHA is robustReady clustered behind vip 10.5.0.100.
func robustHA(t *testing.T) *world {
	t.Helper()
	w := robustReady(t)
	w.juju.Config = map[string]any{"vip": "10.5.0.100"}
	w.juju.Relations = append(w.juju.Relations, haRelation(true))
	return robustSettle(t, w, "ha-relation-changed")
}

// robustTLS is a ready leader (database and keystone related) serving
// HTTPS with certificates from a simulated vault.
func robustTLS(t *testing.T) (*world, *vault.CA) {
	t.Helper()
	w, ca := tlsWorld(t)
	return robustSettle(t, w, "certificates-relation-changed"), ca
}

// robustRun runs ev and turns a panic into a test failure with the event.
func robustRun(t *testing.T, w *world, ev juju.Event) (tools *jujutest.Backend, h *hosttest.Fake, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v", ev.Name, r)
		}
	}()
	return w.run(t, ev)
}

// robustUnchanged asserts that every file of before is still on the machine
// with the same content, mode and ownership.
func robustUnchanged(t *testing.T, before hosttest.State, h *hosttest.Fake) {
	t.Helper()
	after := h.State()
	for path, f := range before.Files {
		g, ok := after.Files[path]
		if !assert.True(t, ok, "%s removed", path) {
			continue
		}
		assert.True(t, string(f.Data) == string(g.Data), "%s changed", path)
		assert.Equal(t, f.Mode, g.Mode, "%s mode", path)
		assert.Equal(t, f.Owner+":"+f.Group, g.Owner+":"+g.Group, "%s ownership", path)
	}
}

// robustNoSecret asserts that s holds none of the secrets (without printing them).
func robustNoSecret(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" {
			assert.False(t, strings.Contains(s, sec), "%s holds a secret", what)
		}
	}
}

// robustCerts are real certificates issued by a simulated vault CA for the
// ssl_* cases.
type robustCerts struct {
	cert, key, otherKey, expired, expiredKey, ca, foreignCA string
}

func newRobustCerts(t *testing.T) robustCerts {
	t.Helper()
	ca, err := vault.NewCA(t.TempDir())
	require.NoError(t, err)
	other, err := vault.NewCA(t.TempDir())
	require.NoError(t, err)
	cert, key, err := ca.Issue("10.5.0.10", []string{"10.5.0.10"}, 30*24*time.Hour)
	require.NoError(t, err)
	_, otherKey, err := ca.Issue("10.5.0.10", []string{"10.5.0.10"}, 30*24*time.Hour)
	require.NoError(t, err)
	now := ca.Now
	ca.Now = func() time.Time { return now().Add(-400 * 24 * time.Hour) }
	expired, expiredKey, err := ca.Issue("10.5.0.10", []string{"10.5.0.10"}, 24*time.Hour)
	require.NoError(t, err)
	ca.Now = now
	b64 := func(parts ...[]byte) string { return base64.StdEncoding.EncodeToString(pemJoin(parts...)) }
	return robustCerts{
		cert: b64(cert, ca.ChainPEM()), key: b64(key), otherKey: b64(otherKey),
		expired: b64(expired, ca.ChainPEM()), expiredKey: b64(expiredKey),
		ca: b64(ca.CertPEM()), foreignCA: b64(other.CertPEM()),
	}
}

// TestBadConfigOnReadyUnit: every invalid configuration blocks a ready unit
// with a message naming the option (and the value, unless it is secret),
// the hook succeeds, and nothing on the machine changes: no file written,
// no command run, no service restarted or stopped, nothing published.
func TestBadConfigOnReadyUnit(t *testing.T) {
	certs := newRobustCerts(t)
	tests := []struct {
		name   string
		config map[string]any
		option string
		value  string // "" for secrets and empty values
		secret string // must not appear in the message
	}{
		{"vip not an address", map[string]any{"vip": "10.0.0.300"}, "vip", "10.0.0.300", ""},
		{"vip multicast", map[string]any{"vip": "224.0.0.1"}, "vip", "224.0.0.1", ""},
		{"vip twice", map[string]any{"vip": "10.5.0.100 10.5.0.100"}, "vip", "10.5.0.100", ""},
		{"vip with zone", map[string]any{"vip": "fe80::1%eth0"}, "vip", "fe80::1%eth0", ""},
		{"vip in no network", map[string]any{"vip": "192.168.77.1", "os-public-network": "172.16.5.0/24"}, "vip", "192.168.77.1", ""},
		{"vip_cidr too large", map[string]any{"vip_cidr": int64(40)}, "vip_cidr", "40", ""},
		{"vip_cidr zero", map[string]any{"vip_cidr": int64(0)}, "vip_cidr", "0", ""},
		{"vip_iface with slash", map[string]any{"vip_iface": "eth0/1"}, "vip_iface", "eth0/1", ""},
		{"vip_iface too long", map[string]any{"vip_iface": "averyveryverylongiface"}, "vip_iface", "averyveryverylongiface", ""},
		{"negative worker-multiplier", map[string]any{"worker-multiplier": -1.0}, "worker-multiplier", "-1", ""},
		{"zero worker-multiplier", map[string]any{"worker-multiplier": 0.0}, "worker-multiplier", "0", ""},
		{"negative haproxy-server-timeout", map[string]any{"haproxy-server-timeout": int64(-5)}, "haproxy-server-timeout", "-5", ""},
		{"zero haproxy-client-timeout", map[string]any{"haproxy-client-timeout": int64(0)}, "haproxy-client-timeout", "0", ""},
		{"negative haproxy-queue-timeout", map[string]any{"haproxy-queue-timeout": int64(-1)}, "haproxy-queue-timeout", "-1", ""},
		{"negative haproxy-connect-timeout", map[string]any{"haproxy-connect-timeout": int64(-100)}, "haproxy-connect-timeout", "-100", ""},
		{"empty region", map[string]any{"region": ""}, "region", "", ""},
		{"blank region", map[string]any{"region": "   "}, "region", "", ""},
		{"empty openstack-origin", map[string]any{"openstack-origin": ""}, "openstack-origin", "", ""},
		{"unknown origin release", map[string]any{"openstack-origin": "cloud:focal-nonsense"}, "openstack-origin", "cloud:focal-nonsense", ""},
		{"unknown origin pocket", map[string]any{"openstack-origin": "cloud:focal-wallaby/bogus"}, "openstack-origin", "cloud:focal-wallaby/bogus", ""},
		{"origin for another series", map[string]any{"openstack-origin": "cloud:bionic-rocky"}, "openstack-origin", "cloud:bionic-rocky", ""},
		{"unsupported release", map[string]any{"openstack-origin": "cloud:focal-xena"}, "openstack-origin", "cloud:focal-xena", ""},
		{"origin garbage", map[string]any{"openstack-origin": "foo:bar:baz"}, "openstack-origin", "foo:bar:baz", ""},
		{"public network CIDR out of range", map[string]any{"os-public-network": "10.0.0.0/33"}, "os-public-network", "10.0.0.0/33", ""},
		{"internal network not a CIDR", map[string]any{"os-internal-network": "not-a-cidr"}, "os-internal-network", "not-a-cidr", ""},
		{"admin network bad address", map[string]any{"os-admin-network": "300.1.1.0/24"}, "os-admin-network", "300.1.1.0/24", ""},
		{"public hostname with scheme", map[string]any{"os-public-hostname": "http://panko.example.com"}, "os-public-hostname", "http://panko.example.com", ""},
		{"internal hostname bad characters", map[string]any{"os-internal-hostname": "bad_host!"}, "os-internal-hostname", "bad_host!", ""},
		{"zero event-time-to-live", map[string]any{"event-time-to-live": int64(0)}, "event-time-to-live", "0", ""},
		{"negative events-delete-batch-size", map[string]any{"events-delete-batch-size": int64(-1)}, "events-delete-batch-size", "-1", ""},
		{"zero api-return-limit", map[string]any{"api-return-limit": int64(0)}, "api-return-limit", "0", ""},
		{"dns-ha without hostnames", map[string]any{"dns-ha": true}, "dns-ha", "true", ""},
		{"dns-ha with vip", map[string]any{"dns-ha": true, "vip": "10.5.0.100", "os-public-hostname": "panko.example.com"}, "dns-ha", "true", ""},
		{"ssl_cert not base64", map[string]any{"ssl_cert": "%%%not-base64%%%", "ssl_key": certs.key}, "ssl_cert", "", certs.key},
		{"ssl_key not base64", map[string]any{"ssl_cert": certs.cert, "ssl_key": "!!not base64!!"}, "ssl_key", "", ""},
		{"ssl_ca not base64", map[string]any{"ssl_cert": certs.cert, "ssl_key": certs.key, "ssl_ca": "***"}, "ssl_ca", "", certs.key},
		{"ssl_cert raw PEM", map[string]any{"ssl_cert": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "ssl_key": certs.key}, "ssl_cert", "", certs.key},
		{"ssl_cert base64 of garbage", map[string]any{"ssl_cert": base64.StdEncoding.EncodeToString([]byte("garbage")), "ssl_key": certs.key}, "ssl_cert", "", certs.key},
		{"ssl_cert without ssl_key", map[string]any{"ssl_cert": certs.cert}, "ssl_key", "", ""},
		{"ssl_key without ssl_cert", map[string]any{"ssl_key": certs.key}, "ssl_cert", "", certs.key},
		{"key does not match cert", map[string]any{"ssl_cert": certs.cert, "ssl_key": certs.otherKey}, "ssl_key", "", certs.otherKey},
		{"expired cert", map[string]any{"ssl_cert": certs.expired, "ssl_key": certs.expiredKey}, "ssl_cert", "", certs.expiredKey},
		{"cert not from ssl_ca", map[string]any{"ssl_cert": certs.cert, "ssl_key": certs.key, "ssl_ca": certs.foreignCA}, "ssl_cert", "", certs.key},
	}
	base := robustReady(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := base.clone()
			w.juju.Config = tt.config
			before := w.host
			tools, h, err := robustRun(t, w, hook("config-changed"))
			require.NoError(t, err, "an invalid config is a status, not a hook error")
			st, msg := tools.Status()
			assert.Equal(t, "blocked", st)
			assert.Contains(t, msg, tt.option)
			for _, opt := range []string{"ssl_cert:", "ssl_key:", "ssl_ca:"} {
				assert.LessOrEqual(t, strings.Count(msg, opt), 1, "%s reported once: %q", opt, msg)
			}
			if tt.value != "" {
				assert.Contains(t, msg, "'"+tt.value+"'", "the message quotes the value")
			}
			robustNoSecret(t, "status message", msg, tt.secret, dbPassword, ksPassword)
			for _, l := range tools.Logs() {
				robustNoSecret(t, "juju-log", l.Message, tt.secret, dbPassword, ksPassword)
			}
			assert.Zero(t, h.Writes(), "no file may change")
			assert.Zero(t, h.Restarts(), "no service restarted")
			assert.Empty(t, h.Calls(), "nothing may run or change on the machine")
			robustUnchanged(t, before, h)
			for _, svc := range apiServices() {
				assert.True(t, h.State().Services[svc].Active, "%s keeps running", svc)
			}
			assert.Zero(t, tools.Calls()["relation-set"], "nothing is published")
		})
	}
}

// robustRelCase is bad data on one relation of a ready unit.
type robustRelCase struct {
	name string
	// world builds the ready unit; mutate breaks its relation data.
	world  func(t *testing.T) *world
	mutate func(t *testing.T, w *world)
	hook   string
	// status and reason are what the unit must say; keepStatus means the
	// data is not the charm's to read and the unit stays as it was.
	status     string
	reason     string
	keepStatus bool
}

// robustRelCases break every relation the charm reads or writes.
func robustRelCases() []robustRelCase {
	set := func(endpoint, unit string, kv ...string) func(*testing.T, *world) {
		return func(t *testing.T, w *world) {
			bag := w.robustBag(t, endpoint, unit)
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "<delete>" {
					delete(bag, kv[i])
				} else {
					bag[kv[i]] = kv[i+1]
				}
			}
		}
	}
	join := func(endpoint, unit string, bag map[string]string) func(*testing.T, *world) {
		return func(t *testing.T, w *world) {
			w.juju.Relations[w.robustRelIndex(t, endpoint)].RemoteUnits[unit] = bag
		}
	}
	huge := strings.Repeat("x", robustTenMB)
	db, ks := "shared-db", "identity-service"
	return []robustRelCase{
		{name: "shared-db password missing", world: robustReady, mutate: set(db, "mysql/0", "password", "<delete>"), hook: db + "-relation-changed", status: "waiting", reason: "'shared-db' incomplete"},
		{name: "shared-db port not a number", world: robustReady, mutate: set(db, "mysql/0", "db_port", "three-three-o-six"), hook: db + "-relation-changed", status: "blocked", reason: "'shared-db' data from mysql is invalid"},
		{name: "shared-db port out of range", world: robustReady, mutate: set(db, "mysql/0", "db_port", "70000"), hook: db + "-relation-changed", status: "blocked", reason: "db_port"},
		{name: "shared-db host not a host", world: robustReady, mutate: set(db, "mysql/0", "db_host", "not a host!"), hook: db + "-relation-changed", status: "blocked", reason: "db_host"},
		{name: "shared-db our unit not allowed", world: robustReady, mutate: set(db, "mysql/0", "allowed_units", "panko/1 panko/2"), hook: db + "-relation-changed", status: "waiting", reason: "'shared-db' incomplete"},
		{name: "shared-db allowed_units 10 MB", world: robustReady, mutate: set(db, "mysql/0", "allowed_units", huge), hook: db + "-relation-changed", status: "blocked", reason: "allowed_units"},
		{name: "shared-db password 10 MB", world: robustReady, mutate: set(db, "mysql/0", "password", huge), hook: db + "-relation-changed", status: "blocked", reason: "password"},
		{name: "shared-db password with newline", world: robustReady, mutate: set(db, "mysql/0", "password", "pass\nword"), hook: db + "-relation-changed", status: "blocked", reason: "password"},
		{name: "shared-db ssl_ca not base64", world: robustReady, mutate: set(db, "mysql/0", "ssl_ca", "%%%"), hook: db + "-relation-changed", status: "blocked", reason: "ssl_ca"},
		{name: "shared-db ssl_ca not PEM", world: robustReady, mutate: set(db, "mysql/0", "ssl_ca", base64.StdEncoding.EncodeToString([]byte("{\"not\": \"pem\"}"))), hook: db + "-relation-changed", status: "blocked", reason: "ssl_ca"},
		{name: "shared-db wait_timeout negative", world: robustReady, mutate: set(db, "mysql/0", "wait_timeout", "-5"), hook: db + "-relation-changed", status: "blocked", reason: "wait_timeout"},
		{name: "identity-service password missing", world: robustReady, mutate: set(ks, "keystone/0", "service_password", "<delete>"), hook: ks + "-relation-changed", status: "waiting", reason: "'identity-service' incomplete"},
		{name: "identity-service port not a number", world: robustReady, mutate: set(ks, "keystone/0", "service_port", "five-thousand"), hook: ks + "-relation-changed", status: "blocked", reason: "'identity-service' data from keystone is invalid"},
		{name: "identity-service host not a host", world: robustReady, mutate: set(ks, "keystone/0", "auth_host", "bad host/"), hook: ks + "-relation-changed", status: "blocked", reason: "auth_host"},
		{name: "identity-service protocol unknown", world: robustReady, mutate: set(ks, "keystone/0", "auth_protocol", "gopher"), hook: ks + "-relation-changed", status: "blocked", reason: "auth_protocol"},
		{name: "identity-service password 10 MB", world: robustReady, mutate: set(ks, "keystone/0", "service_password", huge), hook: ks + "-relation-changed", status: "blocked", reason: "service_password"},
		{name: "cluster peer address not a host", world: robustReady, mutate: join(Cluster, "panko/2", map[string]string{"private-address": "not an address!", "private_address": "{]"}), hook: Cluster + "-relation-changed", status: "active", reason: "bad address of peer panko/2: not balanced"},
		{name: "cluster peer values 10 MB", world: robustReady, mutate: join(Cluster, "panko/2", map[string]string{"private-address": huge, "admin-address": huge}), hook: Cluster + "-relation-changed", status: "active", reason: "bad address of peer panko/2: not balanced"},
		{name: "event-service non-JSON and 10 MB values", world: robustReady, mutate: set(EventService, "ceilometer/0", "publisher", "{not json", "junk", huge), hook: EventService + "-relation-changed", keepStatus: true},
		{name: "ha clustered not yes", world: robustHA, mutate: set(HA, "hacluster/0", "clustered", "maybe"), hook: HA + "-relation-changed", status: "waiting", reason: "Waiting for hacluster to report clustered"},
		{name: "ha junk 10 MB", world: robustHA, mutate: set(HA, "hacluster/0", "json_resources", huge), hook: HA + "-relation-changed", keepStatus: true},
		{name: "certificates ca not PEM", world: robustTLSReady, mutate: robustSetVault("ca", "not a certificate"), hook: Certificates + "-relation-changed", status: "waiting", reason: "Certificates from vault are invalid"},
		{name: "certificates processed_requests not JSON", world: robustTLSReady, mutate: robustAddVault("panko_0.processed_requests", "{not json"), hook: Certificates + "-relation-changed", status: "waiting", reason: "Certificates from vault are invalid"},
		{name: "certificates processed_requests wrong shape", world: robustTLSReady, mutate: robustAddVault("panko_0.processed_requests", `["a", "list"]`), hook: Certificates + "-relation-changed", status: "waiting", reason: "Certificates from vault are invalid"},
		{name: "certificates server cert not PEM", world: robustTLSReady, mutate: robustSetVault(".server.cert", "MIIB not PEM"), hook: Certificates + "-relation-changed", status: "waiting", reason: "Certificates from vault are invalid"},
		{name: "certificates for another key", world: robustTLSReady, mutate: robustOtherKey, hook: Certificates + "-relation-changed", status: "waiting", reason: "Certificates from vault are invalid"},
		{name: "certificates our answer missing", world: robustTLSReady, mutate: robustDropVault(".processed_requests", ".server.cert", ".server.key"), hook: Certificates + "-relation-changed", status: "waiting", reason: "'certificates' incomplete"},
		{name: "certificates ca 10 MB", world: robustTLSReady, mutate: robustSetVault("ca", huge), hook: Certificates + "-relation-changed", status: "waiting", reason: "Certificates from vault are invalid"},
		{name: "amqp password gone from every unit", world: robustReady, mutate: func(t *testing.T, w *world) {
			for _, bag := range w.juju.Relations[w.robustRelIndex(t, AMQP)].RemoteUnits {
				delete(bag, "password")
			}
		}, hook: AMQP + "-relation-changed", status: "waiting", reason: "'amqp' incomplete"},
		{name: "amqp ssl_port not a port", world: robustReady, mutate: set(AMQP, "rabbitmq-server/0", "ssl_port", "tls please"), hook: AMQP + "-relation-changed", status: "blocked", reason: "'amqp' data from rabbitmq-server is invalid: ssl_port"},
		{name: "amqp ssl_ca 10 MB", world: robustReady, mutate: set(AMQP, "rabbitmq-server/0", "ssl_port", "5671", "ssl_ca", huge), hook: AMQP + "-relation-changed", status: "blocked", reason: "ssl_ca is too long"},
		{name: "amqp address not an address", world: robustReady, mutate: set(AMQP, "rabbitmq-server/1", "private-address", "rabbit; rm -rf /"), hook: AMQP + "-relation-changed", status: "blocked", reason: "private-address of rabbitmq-server/1"},
	}
}

// robustTLSReady is robustTLS without the CA.
func robustTLSReady(t *testing.T) *world {
	w, _ := robustTLS(t)
	return w
}

// robustVaultBag returns vault/0's bag on the certificates relation.
func robustVaultBag(t *testing.T, w *world) map[string]string {
	return w.robustBag(t, Certificates, "vault/0")
}

// robustSetVault sets every key of vault's bag that ends with suffix to value.
func robustSetVault(suffix, value string) func(*testing.T, *world) {
	return func(t *testing.T, w *world) {
		bag := robustVaultBag(t, w)
		n := 0
		for k := range bag {
			if strings.HasSuffix(k, suffix) {
				bag[k] = value
				n++
			}
		}
		require.NotZero(t, n, "vault's bag has no key ending in %q: %v", suffix, robustKeys(bag))
	}
}

// robustAddVault sets key of vault's bag to value.
func robustAddVault(key, value string) func(*testing.T, *world) {
	return func(t *testing.T, w *world) {
		robustVaultBag(t, w)[key] = value
	}
}

// robustDropVault deletes every key of vault's bag that ends with one of suffixes.
func robustDropVault(suffixes ...string) func(*testing.T, *world) {
	return func(t *testing.T, w *world) {
		bag := robustVaultBag(t, w)
		for k := range bag {
			for _, s := range suffixes {
				if strings.HasSuffix(k, s) {
					delete(bag, k)
				}
			}
		}
	}
}

// robustOtherKey swaps the keys of vault's answer for keys of other
// certificates: every certificate is for another key.
func robustOtherKey(t *testing.T, w *world) {
	bag := robustVaultBag(t, w)
	ca, err := vault.NewCA(t.TempDir())
	require.NoError(t, err)
	_, key, err := ca.Issue("10.5.0.10", []string{"10.5.0.10"}, 24*time.Hour)
	require.NoError(t, err)
	swapped := 0
	for k, v := range bag {
		switch {
		case strings.HasSuffix(k, ".server.key"):
			bag[k] = string(key)
			swapped++
		case strings.HasSuffix(k, ".processed_requests") && v != "":
			bag[k] = robustSwapKeys(t, v, string(key))
			swapped++
		}
	}
	require.NotZero(t, swapped)
}

// robustSwapKeys replaces the "key" of every entry of a
// processed_requests JSON value.
func robustSwapKeys(t *testing.T, raw, key string) string {
	var m map[string]map[string]string
	require.NoError(t, json.Unmarshal([]byte(raw), &m))
	for cn := range m {
		m[cn]["key"] = key
	}
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return string(out)
}

func robustKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestBadRelationDataOnReadyUnit: bad data on any relation of a ready unit
// never panics and never fails the hook; the unit says what is wrong
// (waiting or blocked with the reason) or, for data it does not read,
// stays as it was; every file it had written is kept.
func TestBadRelationDataOnReadyUnit(t *testing.T) {
	for _, tt := range robustRelCases() {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.world(t)
			wasStatus, wasMsg := w.juju.Status, w.juju.StatusMessage
			tt.mutate(t, w)
			before := w.host
			tools, h, err := robustRun(t, w, hook(tt.hook))
			require.NoError(t, err, "bad relation data is a status, not a hook error")
			st, msg := tools.Status()
			for _, l := range tools.Logs() {
				assert.LessOrEqual(t, len(l.Message), 1024, "log messages stay short")
			}
			if tt.keepStatus {
				assert.Equal(t, wasStatus+": "+wasMsg, st+": "+msg)
			} else {
				assert.Equal(t, tt.status, st, msg)
				assert.Contains(t, msg, tt.reason)
				assert.LessOrEqual(t, len(msg), 1024, "the status message stays short")
			}
			robustNoSecret(t, "status message", msg, dbPassword, ksPassword)
			robustUnchanged(t, before, h)
			assert.Zero(t, h.Writes(), "no file written: %v", h.Calls())
			assert.Zero(t, h.Restarts(), "no service restarted")
		})
	}
}

// TestDepartedRelationRewritesConfig is the counterpart of the cases
// above: when a relation truly goes away the unit stops using it.
func TestDepartedRelationRewritesConfig(t *testing.T) {
	w := robustReady(t)
	before, ok := w.host.Files[PankoConf]
	require.True(t, ok)
	w.juju.Relations = w.juju.Relations[1:]
	tools, h, err := robustRun(t, w, hook("shared-db-relation-broken"))
	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "blocked: 'shared-db' missing", st+": "+msg)
	after, _ := h.File(PankoConf)
	assert.False(t, string(before.Data) == string(after.Data), "panko.conf drops the database")
	robustNoSecret(t, "panko.conf", string(after.Data), dbPassword)
}

func TestRelationCasesCoverEveryEndpoint(t *testing.T) {
	seen := map[string]int{}
	for _, c := range robustRelCases() {
		ep, _, _ := strings.Cut(c.hook, "-relation-")
		seen[ep]++
	}
	for _, ep := range []string{SharedDB, IdentityService, Cluster, HA, Certificates, EventService, AMQP} {
		assert.NotZero(t, seen[ep], "no bad-data case for %s", ep)
	}
	assert.GreaterOrEqual(t, len(robustRelCases()), 20)
	assert.Len(t, seen, 7, "cases by endpoint: %v", seen)
}

// TestToolCallsPerScale counts the hook-tool calls of a no-op
// config-changed on a ready unit: they must not depend on the number of
// ceilometer units (the charm only publishes on event-service) and may grow
// at most linearly with the number of peers.
func TestToolCallsPerScale(t *testing.T) {
	calls := func(t *testing.T, ceilometers, peers int) int {
		t.Helper()
		ceil := map[string]map[string]string{}
		for i := 0; i < ceilometers; i++ {
			ceil[fmt.Sprintf("ceilometer/%d", i)] = map[string]string{"ingress-address": fmt.Sprintf("10.5.1.%d", i)}
		}
		peerBags := map[string]map[string]string{}
		for i := 1; i < peers; i++ {
			addr := fmt.Sprintf("10.5.0.%d", 10+i)
			peerBags[fmt.Sprintf("panko/%d", i)] = map[string]string{"private-address": addr, "private_address": addr}
		}
		w := newWorld(true, sharedDBReady(), keystoneReady(), robustPeers(peerBags),
			jujutest.Relation{ID: "event-service:6", RemoteUnits: ceil}, amqpReady(t))
		w = robustSettle(t, w, "config-changed")
		tools, _, err := robustRun(t, w, hook("config-changed"))
		require.NoError(t, err)
		n := 0
		for _, c := range tools.Calls() {
			n += c
		}
		return n
	}
	one, hundred := calls(t, 1, 3), calls(t, 100, 3)
	assert.Equal(t, one, hundred, "hook-tool calls with 1 and 100 ceilometer units")
	three, nine := calls(t, 1, 3), calls(t, 1, 9)
	assert.LessOrEqual(t, nine*3, three*9, "calls with 9 peers (%d) grow at most linearly from 3 peers (%d)", nine, three)
}

// TestHoldStillRestartsWhatChanged: while keystone's answer is incomplete
// the unit holds its working panko.conf and keeps serving, but the files
// it does rewrite take effect: haproxy and Apache read theirs only at
// start or reload (haproxy reloads), and the next hook finds the files
// current.
func TestHoldStillRestartsWhatChanged(t *testing.T) {
	w := readyLeader(t)
	for i, r := range w.juju.Relations {
		if r.ID == "identity-service:2" {
			delete(w.juju.Relations[i].RemoteUnits["keystone/0"], "service_password")
		}
	}
	w.juju.Config = map[string]any{"haproxy-server-timeout": 95000, "worker-multiplier": 0.5}
	before, _ := w.host.Files[PankoConf]

	tools, h, err := w.run(t, hook("config-changed"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, [2]string{"waiting", "'identity-service' incomplete"}, [2]string{st, msg})
	conf, _ := h.File(PankoConf)
	assert.Equal(t, string(before.Data), string(conf.Data), "the working panko.conf stays")
	cfg, _ := h.File(HAProxyCfg)
	require.Contains(t, string(cfg.Data), "timeout server 95000")
	assert.Equal(t, [2]int{0, 1}, [2]int{h.RestartsOf("haproxy"), h.ReloadsOf("haproxy")}, "haproxy.cfg changed: a graceful reload")
	assert.Equal(t, 1, h.RestartsOf("apache2"), "the API site changed")
	for _, s := range apiServices() {
		assert.True(t, h.State().Services[s].Active, "%s keeps serving", s)
	}
}
