package config

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

const configYAML = "../../config.yaml"

// TestConfigYAML reads the charm's config.yaml the way Juju does and checks
// it against this package: same options in the same order, explicit types,
// descriptions, and the same defaults.
func TestConfigYAML(t *testing.T) {
	data, err := os.ReadFile(configYAML)
	require.NoError(t, err)
	cfg, err := charm.ReadConfig(bytes.NewReader(data))
	require.NoError(t, err, "charm.ReadConfig")

	// Raw view: charm.ReadConfig silently accepts a missing type and unknown keys.
	var raw struct {
		Options yaml.Node `yaml:"options"`
	}
	require.NoError(t, yaml.Unmarshal(data, &raw))
	require.Equal(t, yaml.MappingNode, raw.Options.Kind)
	var names []string
	for i := 0; i < len(raw.Options.Content); i += 2 {
		name := raw.Options.Content[i].Value
		names = append(names, name)
		var opt map[string]any
		require.NoError(t, raw.Options.Content[i+1].Decode(&opt), name)
		for k := range opt {
			assert.Contains(t, []string{"type", "default", "description"}, k, "%s: unknown key", name)
		}
		assert.NotEmpty(t, opt["type"], "%s: type must be explicit", name)
		desc, _ := opt["description"].(string)
		assert.GreaterOrEqual(t, len(desc), 30, "%s: description too short", name)
	}
	assert.Equal(t, Options(), names, "config.yaml and Options() differ")
	assert.Len(t, cfg.Options, len(names), "duplicate option in config.yaml")

	want := map[string]string{
		"openstack-origin": "string", "action-managed-upgrade": "boolean", "debug": "boolean",
		"worker-multiplier": "float", "haproxy-server-timeout": "int", "vip_cidr": "int",
		"event-time-to-live": "int", "events-delete-batch-size": "int", "api-return-limit": "int",
		"ssl_key": "string", "vip": "string", "dns-ha": "boolean",
	}
	for name, typ := range want {
		assert.Equal(t, typ, cfg.Options[name].Type, name)
	}
	for _, unset := range []string{"worker-multiplier", "haproxy-server-timeout", "haproxy-client-timeout",
		"haproxy-queue-timeout", "haproxy-connect-timeout", "vip", "ssl_cert", "ssl_key", "ssl_ca",
		"os-public-hostname", "os-admin-network"} {
		assert.Nil(t, cfg.Options[unset].Default, "%s must have no default", unset)
	}

	// The defaults Juju fills in are the defaults of this package.
	got, probs := Parse(cfg.DefaultSettings())
	assert.Empty(t, probs)
	assert.Equal(t, Defaults(), got)
	assert.Empty(t, got.Validate(), "defaults must be valid")
}

// decode turns a JSON object into what config-get --format=json gives,
// either with json.Number (UseNumber) or float64 numbers.
func decode(t *testing.T, js string, useNumber bool) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(js)))
	if useNumber {
		d.UseNumber()
	}
	var m map[string]any
	require.NoError(t, d.Decode(&m), js)
	return m
}

func ptr[T any](v T) *T { return &v }

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want func(c *Config)
	}{
		{"empty map gives defaults", `{}`, func(c *Config) {}},
		{"nulls give defaults", `{"vip": null, "worker-multiplier": null, "region": null, "vip_cidr": null}`, func(c *Config) {}},
		{"typical config-get output",
			`{"openstack-origin": "cloud:bionic-rocky", "debug": true, "use-syslog": true, "region": "RegionTwo",
			  "worker-multiplier": 0.25, "haproxy-server-timeout": 120000, "vip": "10.5.0.100 fd00::100",
			  "vip_iface": "ens3", "vip_cidr": 16, "event-time-to-live": 2592000, "events-delete-batch-size": 500,
			  "api-return-limit": 1000, "dns-ha": false, "os-public-hostname": "{service_name}.example.com",
			  "os-internal-network": "10.5.0.0/24", "action-managed-upgrade": true, "unknown-key": 3}`,
			func(c *Config) {
				c.OpenStackOrigin = "cloud:bionic-rocky"
				c.Debug, c.UseSyslog, c.ActionManagedUpgrade = true, true, true
				c.Region = "RegionTwo"
				c.WorkerMultiplier = ptr(0.25)
				c.HAProxyServerTimeout = ptr(120000)
				c.VIP, c.VIPIface, c.VIPCIDR = "10.5.0.100 fd00::100", "ens3", 16
				c.EventTimeToLive, c.EventsDeleteBatchSize, c.APIReturnLimit = 2592000, 500, 1000
				c.PublicHostname = "{service_name}.example.com"
				c.InternalNetwork = "10.5.0.0/24"
			}},
		{"integral float for int and int for float", `{"vip_cidr": 24.0, "worker-multiplier": 2}`,
			func(c *Config) { c.WorkerMultiplier = ptr(2.0) }},
		{"numeric and boolean strings are tolerated",
			`{"vip_cidr": "20", "worker-multiplier": "1.5", "debug": "true", "haproxy-queue-timeout": " 5000 "}`,
			func(c *Config) {
				c.VIPCIDR = 20
				c.WorkerMultiplier = ptr(1.5)
				c.Debug = true
				c.HAProxyQueueTimeout = ptr(5000)
			}},
		{"negative numbers are parsed, not rejected, by Parse", `{"worker-multiplier": -1, "api-return-limit": -3}`,
			func(c *Config) { c.WorkerMultiplier = ptr(-1.0); c.APIReturnLimit = -3 }},
	}
	for _, tc := range tests {
		for _, useNumber := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				want := Defaults()
				tc.want(&want)
				got, probs := Parse(decode(t, tc.in, useNumber))
				assert.Empty(t, probs)
				assert.Equal(t, want, got)
			})
		}
	}
}

func TestParseNativeGoTypes(t *testing.T) {
	got, probs := Parse(map[string]any{"vip_cidr": int64(28), "api-return-limit": 7, "worker-multiplier": float32(0.5),
		"event-time-to-live": json.Number("60"), "haproxy-client-timeout": uint32(10)})
	assert.Empty(t, probs)
	assert.Equal(t, 28, got.VIPCIDR)
	assert.Equal(t, 7, got.APIReturnLimit)
	assert.Equal(t, 0.5, *got.WorkerMultiplier)
	assert.Equal(t, 60, got.EventTimeToLive)
	assert.Equal(t, 10, *got.HAProxyClientTimeout)
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`{"vip_cidr": 24.5}`, []string{"vip_cidr: '24.5' is not a whole number"}},
		{`{"vip_cidr": "abc"}`, []string{"vip_cidr: 'abc' is not a whole number"}},
		{`{"worker-multiplier": "lots"}`, []string{"worker-multiplier: 'lots' is not a number"}},
		{`{"debug": "maybe"}`, []string{"debug: 'maybe' is not a boolean (true or false)"}},
		{`{"region": 5}`, []string{"region: '5' is not a string"}},
		{`{"ssl_key": 12345}`, []string{"ssl_key: must be a string"}},
		{`{"haproxy-server-timeout": true, "vip": ["a"]}`, []string{
			"haproxy-server-timeout: 'true' is not a whole number",
			"vip: '[a]' is not a string"}},
		{`{"api-return-limit": 1e300}`, []string{"api-return-limit: '1e+300' is not a whole number"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, probs := Parse(decode(t, tc.in, false))
			var msgs []string
			for _, p := range probs {
				msgs = append(msgs, p.String())
			}
			assert.Equal(t, tc.want, msgs)
			// A rejected value leaves the default in place.
			assert.Equal(t, Defaults().VIPCIDR, got.VIPCIDR)
			assert.Equal(t, Defaults().Region, got.Region)
		})
	}
}

func TestHelpers(t *testing.T) {
	c, probs := Parse(decode(t, `{"vip": " 10.5.0.100  fd00::100 ", "os-public-network": "10.0.0.0/24 10.1.0.0/24",
		"os-admin-network": "192.168.0.0/24", "os-public-hostname": "{service_name}.example.com",
		"os-internal-hostname": " internal.example.com ", "haproxy-queue-timeout": 1234}`, true))
	require.Empty(t, probs)
	assert.Equal(t, []string{"10.5.0.100", "fd00::100"}, c.VIPs())
	assert.Equal(t, []string{"10.0.0.0/24", "10.1.0.0/24"}, c.Networks(openstack.Public))
	assert.Empty(t, c.Networks(openstack.Internal))
	assert.Equal(t, []string{"192.168.0.0/24"}, c.Networks(openstack.Admin))
	assert.Equal(t, "panko-2.example.com", c.Hostname(openstack.Public, "panko-2"))
	assert.Equal(t, "internal.example.com", c.Hostname(openstack.Internal, "panko"))
	assert.Equal(t, "", c.Hostname(openstack.Admin, "panko"))
	assert.Equal(t, HAProxyTimeouts{Server: 90000, Client: 90000, Queue: 1234, Connect: 9000}, c.HAProxyTimeouts())
	assert.Equal(t, HAProxyTimeouts{Server: 90000, Client: 90000, Queue: 9000, Connect: 9000}, Defaults().HAProxyTimeouts())
	assert.True(t, Secret("ssl_key"))
	assert.True(t, Secret("ssl_cert"))
	assert.False(t, Secret("vip"))
}

func TestWorkerProcesses(t *testing.T) {
	tests := []struct {
		multiplier *float64
		cpus       int
		want       int
	}{
		{nil, 1, 2},
		{nil, 2, 4},
		{nil, 8, 4},
		{nil, 0, 2},
		{ptr(1.0), 8, 8},
		{ptr(0.25), 8, 2},
		{ptr(0.25), 1, 1},
		{ptr(0.1), 3, 1},
		{ptr(0.3), 10, 3},
		{ptr(1.5), 3, 5},
		{ptr(2.0), 16, 32},
		{ptr(0.01), 4, 1},
	}
	for _, tc := range tests {
		c := Defaults()
		c.WorkerMultiplier = tc.multiplier
		assert.Equal(t, tc.want, c.WorkerProcesses(tc.cpus), "multiplier %v, cpus %d", tc.multiplier, tc.cpus)
	}
}
