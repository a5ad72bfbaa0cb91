// Package config turns the charm's config-get output into a typed Config and
// checks it. Validation returns every problem at once, each naming the option
// and the offending value, so one status message can tell the operator all
// that must change. The package is pure: no I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package config

import (
	"fmt"
)

// Defaults of options that config.yaml leaves unset.
const (
	// DefaultHAProxyServerTimeout is haproxy's server timeout (ms) when unset.
	DefaultHAProxyServerTimeout = 90000
	// DefaultHAProxyClientTimeout is haproxy's client timeout (ms) when unset.
	DefaultHAProxyClientTimeout = 90000
	// DefaultHAProxyQueueTimeout is haproxy's queue timeout (ms) when unset.
	DefaultHAProxyQueueTimeout = 9000
	// DefaultHAProxyConnectTimeout is haproxy's connect timeout (ms) when unset.
	DefaultHAProxyConnectTimeout = 9000
	// DefaultWorkersPerCPU is the WSGI processes per CPU when
	// worker-multiplier is unset.
	DefaultWorkersPerCPU = 2
	// MaxDefaultWorkers caps the WSGI processes when worker-multiplier is unset.
	MaxDefaultWorkers = 4
)

// Config is the charm configuration, one field per option of config.yaml.
// Optional numbers without a default are nil when unset; optional strings are
// "" when unset.
type Config struct {
	// OpenStackOrigin is openstack-origin.
	OpenStackOrigin string
	// ActionManagedUpgrade is action-managed-upgrade.
	ActionManagedUpgrade bool
	// Debug is debug.
	Debug bool
	// Verbose is verbose (no effect on Panko).
	Verbose bool
	// UseSyslog is use-syslog.
	UseSyslog bool
	// UseInternalEndpoints is use-internal-endpoints.
	UseInternalEndpoints bool
	// SSLCert is ssl_cert, base64 as configured (tlscerts.VerifyConfig decodes it).
	SSLCert string
	// SSLKey is ssl_key, base64 as configured. Never log it.
	SSLKey string
	// SSLCA is ssl_ca, base64 as configured.
	SSLCA string
	// AdminNetwork is os-admin-network (space-separated CIDRs).
	AdminNetwork string
	// InternalNetwork is os-internal-network (space-separated CIDRs).
	InternalNetwork string
	// PublicNetwork is os-public-network (space-separated CIDRs).
	PublicNetwork string
	// AdminHostname is os-admin-hostname, as configured.
	AdminHostname string
	// InternalHostname is os-internal-hostname, as configured.
	InternalHostname string
	// PublicHostname is os-public-hostname, as configured.
	PublicHostname string
	// Region is region.
	Region string
	// WorkerMultiplier is worker-multiplier; nil when unset.
	WorkerMultiplier *float64
	// HAProxyServerTimeout is haproxy-server-timeout (ms); nil when unset.
	HAProxyServerTimeout *int
	// HAProxyClientTimeout is haproxy-client-timeout (ms); nil when unset.
	HAProxyClientTimeout *int
	// HAProxyQueueTimeout is haproxy-queue-timeout (ms); nil when unset.
	HAProxyQueueTimeout *int
	// HAProxyConnectTimeout is haproxy-connect-timeout (ms); nil when unset.
	HAProxyConnectTimeout *int
	// DNSHA is dns-ha.
	DNSHA bool
	// VIP is vip (space-separated addresses), as configured.
	VIP string
	// VIPIface is vip_iface.
	VIPIface string
	// VIPCIDR is vip_cidr.
	VIPCIDR int
	// EventTimeToLive is event-time-to-live in seconds; -1 keeps events forever.
	EventTimeToLive int
	// EventsDeleteBatchSize is events-delete-batch-size: with N > 0 each
	// panko-expirer run deletes one batch of N; 0 deletes batches of 100
	// until nothing expired is left.
	EventsDeleteBatchSize int
	// ExpirerInterval is expirer-interval: minutes between panko-expirer
	// runs on the leader.
	ExpirerInterval int
	// APIReturnLimit is api-return-limit.
	APIReturnLimit int
	// NagiosContext is nagios_context and NagiosServicegroups
	// nagios_servicegroups (the nrpe checks).
	NagiosContext, NagiosServicegroups string
	// UsePolicydOverride is use-policyd-override: install the policy
	// overrides of the policyd-override resource.
	UsePolicydOverride bool
	// TelemetrySecret is telemetry-secret: ceilometer's telemetry_secret,
	// checked on every event the listener receives ("" = no check).
	TelemetrySecret string
}

// Defaults returns the configuration config.yaml's defaults give.
func Defaults() Config {
	return Config{
		OpenStackOrigin:       "distro",
		Region:                "RegionOne",
		VIPIface:              "eth0",
		VIPCIDR:               24,
		EventTimeToLive:       -1,
		EventsDeleteBatchSize: 0,
		ExpirerInterval:       60,
		NagiosContext:         "juju",
		APIReturnLimit:        100,
	}
}

// spec ties an option name to its field.
type spec struct {
	name string
	// field returns a pointer to the field: *string, *bool, *int, **int or
	// **float64.
	field func(c *Config) any
	// secret options never have their value shown.
	secret bool
}

// specs lists every option in config.yaml order.
func specs() []spec {
	return []spec{
		{name: "openstack-origin", field: func(c *Config) any { return &c.OpenStackOrigin }},
		{name: "action-managed-upgrade", field: func(c *Config) any { return &c.ActionManagedUpgrade }},
		{name: "debug", field: func(c *Config) any { return &c.Debug }},
		{name: "verbose", field: func(c *Config) any { return &c.Verbose }},
		{name: "use-syslog", field: func(c *Config) any { return &c.UseSyslog }},
		{name: "use-internal-endpoints", field: func(c *Config) any { return &c.UseInternalEndpoints }},
		{name: "ssl_cert", field: func(c *Config) any { return &c.SSLCert }, secret: true},
		{name: "ssl_key", field: func(c *Config) any { return &c.SSLKey }, secret: true},
		{name: "ssl_ca", field: func(c *Config) any { return &c.SSLCA }, secret: true},
		{name: "os-admin-network", field: func(c *Config) any { return &c.AdminNetwork }},
		{name: "os-internal-network", field: func(c *Config) any { return &c.InternalNetwork }},
		{name: "os-public-network", field: func(c *Config) any { return &c.PublicNetwork }},
		{name: "os-admin-hostname", field: func(c *Config) any { return &c.AdminHostname }},
		{name: "os-internal-hostname", field: func(c *Config) any { return &c.InternalHostname }},
		{name: "os-public-hostname", field: func(c *Config) any { return &c.PublicHostname }},
		{name: "region", field: func(c *Config) any { return &c.Region }},
		{name: "worker-multiplier", field: func(c *Config) any { return &c.WorkerMultiplier }},
		{name: "haproxy-server-timeout", field: func(c *Config) any { return &c.HAProxyServerTimeout }},
		{name: "haproxy-client-timeout", field: func(c *Config) any { return &c.HAProxyClientTimeout }},
		{name: "haproxy-queue-timeout", field: func(c *Config) any { return &c.HAProxyQueueTimeout }},
		{name: "haproxy-connect-timeout", field: func(c *Config) any { return &c.HAProxyConnectTimeout }},
		{name: "dns-ha", field: func(c *Config) any { return &c.DNSHA }},
		{name: "vip", field: func(c *Config) any { return &c.VIP }},
		{name: "vip_iface", field: func(c *Config) any { return &c.VIPIface }},
		{name: "vip_cidr", field: func(c *Config) any { return &c.VIPCIDR }},
		{name: "event-time-to-live", field: func(c *Config) any { return &c.EventTimeToLive }},
		{name: "events-delete-batch-size", field: func(c *Config) any { return &c.EventsDeleteBatchSize }},
		{name: "expirer-interval", field: func(c *Config) any { return &c.ExpirerInterval }},
		{name: "api-return-limit", field: func(c *Config) any { return &c.APIReturnLimit }},
		{name: "telemetry-secret", field: func(c *Config) any { return &c.TelemetrySecret }, secret: true},
		{name: "use-policyd-override", field: func(c *Config) any { return &c.UsePolicydOverride }},
		{name: "nagios_context", field: func(c *Config) any { return &c.NagiosContext }},
		{name: "nagios_servicegroups", field: func(c *Config) any { return &c.NagiosServicegroups }},
	}
}

// Options returns the name of every option Config holds, in config.yaml order.
func Options() []string {
	var out []string
	for _, s := range specs() {
		out = append(out, s.name)
	}
	return out
}

// Secret reports whether option's value must never be shown (ssl_*,
// telemetry-secret).
func Secret(option string) bool {
	for _, s := range specs() {
		if s.name == option {
			return s.secret
		}
	}
	return false
}

// Parse builds a Config from config-get's JSON output decoded into a map.
// Numbers may be int, int64, float64 or json.Number, and numeric or boolean
// strings are accepted too. A missing or null option keeps its default (nil
// for optional numbers). Unknown keys are ignored. A value of the wrong type
// is reported as a Problem and the option keeps its default.
func Parse(m map[string]any) (Config, []Problem) {
	c := Defaults()
	var probs []Problem
	for _, s := range specs() {
		v, ok := m[s.name]
		if !ok || v == nil {
			continue
		}
		bad := func(want string) {
			p := Problem{Option: s.name, Reason: "is not " + want}
			if s.secret {
				p.Reason = "must be " + want
			} else {
				p.Value = fmt.Sprint(v)
			}
			probs = append(probs, p)
		}
		switch f := s.field(&c).(type) {
		case *string:
			str, ok := v.(string)
			if !ok {
				bad("a string")
				continue
			}
			*f = str
		case *bool:
			b, ok := toBool(v)
			if !ok {
				bad("a boolean (true or false)")
				continue
			}
			*f = b
		case *int:
			n, ok := toInt(v)
			if !ok {
				bad("a whole number")
				continue
			}
			*f = n
		case **int:
			n, ok := toInt(v)
			if !ok {
				bad("a whole number")
				continue
			}
			*f = &n
		case **float64:
			x, ok := toFloat(v)
			if !ok {
				bad("a number")
				continue
			}
			*f = &x
		}
	}
	return c, probs
}
