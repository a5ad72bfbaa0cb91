package config

import (
	"math"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// VIPs returns the vip entries.
func (c Config) VIPs() []string {
	return strings.Fields(c.VIP)
}

// Networks returns the os-<b>-network CIDRs.
func (c Config) Networks(b openstack.Binding) []string {
	switch b {
	case openstack.Public:
		return strings.Fields(c.PublicNetwork)
	case openstack.Internal:
		return strings.Fields(c.InternalNetwork)
	case openstack.Admin:
		return strings.Fields(c.AdminNetwork)
	}
	return nil
}

// Hostname returns os-<b>-hostname with "{service_name}" replaced by app, or
// "" when unset.
func (c Config) Hostname(b openstack.Binding, app string) string {
	var h string
	switch b {
	case openstack.Public:
		h = c.PublicHostname
	case openstack.Internal:
		h = c.InternalHostname
	case openstack.Admin:
		h = c.AdminHostname
	}
	return strings.ReplaceAll(strings.TrimSpace(h), "{service_name}", app)
}

// HAProxyTimeouts are haproxy's timeouts in milliseconds.
type HAProxyTimeouts struct {
	// Server is "timeout server".
	Server int
	// Client is "timeout client".
	Client int
	// Queue is "timeout queue".
	Queue int
	// Connect is "timeout connect".
	Connect int
}

// HAProxyTimeouts returns the configured timeouts, defaults filled in
// (server and client 90000, queue and connect 9000).
func (c Config) HAProxyTimeouts() HAProxyTimeouts {
	or := func(p *int, d int) int {
		if p == nil {
			return d
		}
		return *p
	}
	return HAProxyTimeouts{
		Server:  or(c.HAProxyServerTimeout, DefaultHAProxyServerTimeout),
		Client:  or(c.HAProxyClientTimeout, DefaultHAProxyClientTimeout),
		Queue:   or(c.HAProxyQueueTimeout, DefaultHAProxyQueueTimeout),
		Connect: or(c.HAProxyConnectTimeout, DefaultHAProxyConnectTimeout),
	}
}

// WorkerProcesses returns the number of WSGI processes for a machine with
// cpus CPUs (at least 1 is assumed): with worker-multiplier unset, 2 per CPU
// but at most 4; set, ceil(cpus × multiplier), at least 1.
func (c Config) WorkerProcesses(cpus int) int {
	if cpus < 1 {
		cpus = 1
	}
	if c.WorkerMultiplier == nil {
		return min(DefaultWorkersPerCPU*cpus, MaxDefaultWorkers)
	}
	// The small tolerance keeps 10 × 0.3 at 3 despite binary rounding.
	n := int(math.Ceil(float64(cpus)**c.WorkerMultiplier - 1e-9))
	return max(n, 1)
}
