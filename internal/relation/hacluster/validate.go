package hacluster

import (
	"net"
	"slices"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/config"
)

// Network is one network the unit is on, as a binding (network-get) or an
// os-*-network option gives it.
type Network struct {
	// Name says where the network comes from, e.g. "public" or
	// "os-public-network"; it is used in problem messages.
	Name string
	// CIDRs are the network's subnets ("10.20.0.0/24"); host addresses with
	// a prefix ("10.20.0.11/24") stand for their subnet.
	CIDRs []string
}

// ValidateVIPs checks the vip entries against the unit's networks. When
// the networks hold more than one distinct subnet, every VIP must lie in
// one of them, or nothing says which binding it serves: each VIP outside
// all of them is a problem naming option vip and the VIP. With a single
// subnet (or none known) a VIP elsewhere is accepted, as vip_iface and
// vip_cidr then place it. Entries that are not IP addresses are left to
// config validation. Problems come in vip order; nil when there is none.
func ValidateVIPs(vips []string, networks []Network) []config.Problem {
	var subnets []*net.IPNet
	var names []string
	seen := map[string]bool{}
	for _, n := range networks {
		for _, c := range n.CIDRs {
			_, sn, err := net.ParseCIDR(strings.TrimSpace(c))
			if err != nil || seen[sn.String()] {
				continue
			}
			seen[sn.String()] = true
			subnets = append(subnets, sn)
			label := sn.String()
			if n.Name != "" {
				label = n.Name + " " + label
			}
			names = append(names, label)
		}
	}
	if len(subnets) < 2 {
		return nil
	}
	var out []config.Problem
	reported := map[string]bool{}
	for _, vip := range vips {
		vip = strings.TrimSpace(vip)
		ip := net.ParseIP(vip)
		if ip == nil || reported[vip] {
			continue
		}
		if slices.ContainsFunc(subnets, func(sn *net.IPNet) bool { return sn.Contains(ip) }) {
			continue
		}
		reported[vip] = true
		out = append(out, config.Problem{
			Option: "vip",
			Value:  vip,
			Reason: "is in none of the unit's networks (" + strings.Join(names, ", ") + ")",
		})
	}
	return out
}
