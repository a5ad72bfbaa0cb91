package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unicode"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// Problem is one thing wrong with the configuration.
type Problem struct {
	// Option is the config option at fault.
	Option string
	// Value is the offending value (or list entry); "" when the value is
	// empty or must not be shown (ssl_*).
	Value string
	// Reason completes the sentence after the value.
	Reason string
}

// maxShown is how many characters of a value String shows.
const maxShown = 64

// String renders the problem for a status message, e.g.
// "vip: '10.0.0.300' is not an IP address", or "ssl_key: not valid base64
// ..." when there is no value to show.
func (p Problem) String() string {
	if p.Value == "" {
		return p.Option + ": " + p.Reason
	}
	v := strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(p.Value)
	if r := []rune(v); len(r) > maxShown {
		v = string(r[:maxShown]) + "..."
	}
	return fmt.Sprintf("%s: '%s' %s", p.Option, v, p.Reason)
}

// Join renders problems as one message, separated by "; ".
func Join(problems []Problem) string {
	s := make([]string, len(problems))
	for i, p := range problems {
		s[i] = p.String()
	}
	return strings.Join(s, "; ")
}

// Validate returns every problem of c that does not depend on the unit's
// series, in config.yaml order; nil when there is none. openstack-origin is
// only checked for syntax (see ValidateFor). Rules:
//
//   - openstack-origin: a form openstack.ParseOrigin accepts.
//   - ssl_cert, ssl_key, ssl_ca: base64 of PEM (certificates; one unencrypted
//     private key); ssl_cert and ssl_key set together.
//   - os-*-network: space-separated CIDRs. os-*-hostname: a DNS name or an
//     IP address ("{service_name}" allowed).
//   - region: not empty, no white space (keystone takes one name).
//   - worker-multiplier: > 0 when set. haproxy-*-timeout: > 0 when set.
//   - dns-ha: needs an os-*-hostname and excludes vip.
//   - vip: space-separated IPv4/IPv6 addresses, no duplicates.
//   - vip_iface: a network interface name. vip_cidr: 1 to 32 (the IPv4
//     netmask length used when a VIP's netmask cannot be detected).
//   - event-time-to-live: -1 (keep forever) or > 0 seconds. 0 is refused:
//     Panko reads every value <= 0 as "forever", so only -1 says it plainly.
//   - events-delete-batch-size: >= 0. expirer-interval: >= 5 minutes.
//     api-return-limit: >= 1.
//   - telemetry-secret: one line.
func (c Config) Validate() []Problem {
	return c.validate("", false)
}

// ValidateFor is Validate for a unit running series: openstack-origin must
// also suit the series (a cloud: origin for this series, a release its Cloud
// Archive carries) and, when the origin alone gives the release (distro,
// cloud:), that release must be one Panko exists for (Ocata to Wallaby). For
// ppa and deb origins the release is checked later, from the installed
// package, with openstack.CheckSupported.
func (c Config) ValidateFor(series string) []Problem {
	return c.validate(series, true)
}

func (c Config) validate(series string, withSeries bool) []Problem {
	var ps []Problem
	add := func(option, value, format string, a ...any) {
		ps = append(ps, Problem{Option: option, Value: value, Reason: fmt.Sprintf(format, a...)})
	}

	// openstack-origin
	if strings.TrimSpace(c.OpenStackOrigin) == "" {
		add("openstack-origin", "", "must not be empty; use distro or cloud:<series>-<release>, e.g. cloud:focal-wallaby")
	} else if o, err := openstack.ParseOrigin(c.OpenStackOrigin, series); err != nil {
		ps = append(ps, originProblem(err))
	} else if withSeries && o.Release != "" {
		if err := openstack.CheckSupported(o.Release, c.OpenStackOrigin, series); err != nil {
			ps = append(ps, originProblem(err))
		}
	}

	// ssl_*
	ps = append(ps, c.sslProblems()...)

	// os-*-network, os-*-hostname
	for _, b := range []openstack.Binding{openstack.Admin, openstack.Internal, openstack.Public} {
		for _, cidr := range c.Networks(b) {
			if _, err := netip.ParsePrefix(cidr); err != nil {
				add(b.NetworkOption(), cidr, "is not a CIDR (e.g. 10.0.0.0/24); separate several with spaces")
			}
		}
	}
	for _, b := range []openstack.Binding{openstack.Admin, openstack.Internal, openstack.Public} {
		h := c.Hostname(b, "panko")
		if h != "" && !validHost(h) {
			add(b.HostnameOption(), c.rawHostname(b), "is not a valid DNS name (e.g. panko.example.com, without scheme, port or path)")
		}
	}

	// region
	if strings.TrimSpace(c.Region) == "" {
		add("region", "", "must not be empty (e.g. RegionOne)")
	} else if strings.IndexFunc(c.Region, unicode.IsSpace) >= 0 {
		add("region", c.Region, "must be one region name without spaces (e.g. RegionOne)")
	}

	// worker-multiplier, haproxy-*
	if m := c.WorkerMultiplier; m != nil && !(*m > 0 && !math.IsInf(*m, 0)) {
		add("worker-multiplier", strconv.FormatFloat(*m, 'g', -1, 64),
			"must be greater than 0 (e.g. 0.5 or 2); unset it for %d per CPU, at most %d", DefaultWorkersPerCPU, MaxDefaultWorkers)
	}
	for _, t := range []struct {
		name string
		v    *int
		def  int
	}{
		{"haproxy-server-timeout", c.HAProxyServerTimeout, DefaultHAProxyServerTimeout},
		{"haproxy-client-timeout", c.HAProxyClientTimeout, DefaultHAProxyClientTimeout},
		{"haproxy-queue-timeout", c.HAProxyQueueTimeout, DefaultHAProxyQueueTimeout},
		{"haproxy-connect-timeout", c.HAProxyConnectTimeout, DefaultHAProxyConnectTimeout},
	} {
		if t.v != nil && *t.v <= 0 {
			add(t.name, strconv.Itoa(*t.v), "must be a positive number of milliseconds; unset it for the default %d", t.def)
		}
	}

	// dns-ha
	if c.DNSHA {
		if c.Hostname(openstack.Public, "") == "" && c.Hostname(openstack.Internal, "") == "" && c.Hostname(openstack.Admin, "") == "" {
			add("dns-ha", "true", "needs at least one of os-admin-hostname, os-internal-hostname, os-public-hostname")
		}
		if len(c.VIPs()) > 0 {
			add("dns-ha", "true", "cannot be combined with vip; use either vip or dns-ha")
		}
	}

	// vip, vip_iface, vip_cidr
	seen := map[netip.Addr]bool{}
	for _, v := range c.VIPs() {
		a, err := netip.ParseAddr(v)
		switch {
		case err != nil || a.Zone() != "":
			add("vip", v, "is not an IP address")
		case a.IsUnspecified() || a.IsMulticast():
			add("vip", v, "cannot be a virtual IP (unspecified or multicast address)")
		case seen[a.Unmap()]:
			add("vip", v, "is listed twice")
		default:
			seen[a.Unmap()] = true
		}
	}
	if reason := ifaceProblem(c.VIPIface); reason != "" {
		add("vip_iface", c.VIPIface, "%s", reason)
	}
	if c.VIPCIDR < 1 || c.VIPCIDR > 32 {
		add("vip_cidr", strconv.Itoa(c.VIPCIDR), "is out of range; use an IPv4 netmask length from 1 to 32")
	}

	// Panko database and API options
	if c.EventTimeToLive != -1 && c.EventTimeToLive <= 0 {
		add("event-time-to-live", strconv.Itoa(c.EventTimeToLive), "must be -1 (keep events forever) or a positive number of seconds")
	}
	if c.EventsDeleteBatchSize < 0 {
		add("events-delete-batch-size", strconv.Itoa(c.EventsDeleteBatchSize), "must be 0 (delete all expired events at once) or a positive number")
	}
	if c.ExpirerInterval < 5 {
		add("expirer-interval", strconv.Itoa(c.ExpirerInterval), "must be at least 5 (minutes)")
	}
	if c.APIReturnLimit < 1 {
		add("api-return-limit", strconv.Itoa(c.APIReturnLimit), "must be at least 1")
	}
	if strings.ContainsAny(c.TelemetrySecret, "\r\n\x00") {
		// The value is secret: the problem never shows it.
		add("telemetry-secret", "", "must be one line")
	}
	return ps
}

func originProblem(err error) Problem {
	var oe *openstack.OriginError
	if errors.As(err, &oe) {
		return Problem{Option: openstack.OriginOption, Value: oe.Origin, Reason: oe.Reason}
	}
	return Problem{Option: openstack.OriginOption, Reason: err.Error()}
}

func (c Config) rawHostname(b openstack.Binding) string {
	switch b {
	case openstack.Public:
		return c.PublicHostname
	case openstack.Internal:
		return c.InternalHostname
	}
	return c.AdminHostname
}

// validHost reports whether h is an IP address or a DNS name (letters,
// digits and hyphens in labels of 1 to 63 characters, 253 at most, an
// optional final dot).
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// ifaceProblem returns why name cannot be a Linux interface name, or "".
func ifaceProblem(name string) string {
	switch {
	case name == "":
		return "must not be empty (e.g. eth0)"
	case len(name) > 15:
		return "is longer than 15 characters, the limit for interface names"
	case name == "." || name == ".." || strings.ContainsAny(name, "/ \t\n\r:"):
		return "is not a valid interface name (e.g. eth0, ens3, br-ex)"
	}
	return ""
}
