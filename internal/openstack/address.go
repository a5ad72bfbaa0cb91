package openstack

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Binding is an endpoint type and the extra-binding that carries it.
type Binding string

// The three endpoint types registered in keystone.
const (
	// Public is the public endpoint and the "public" extra-binding.
	Public Binding = "public"
	// Internal is the internal endpoint and the "internal" extra-binding.
	Internal Binding = "internal"
	// Admin is the admin endpoint and the "admin" extra-binding.
	Admin Binding = "admin"
)

// Bindings returns the endpoint bindings in the order URLs are usually
// listed: public, internal, admin.
func Bindings() []Binding {
	return []Binding{Public, Internal, Admin}
}

// Valid reports whether b is one of Public, Internal, Admin.
func (b Binding) Valid() bool {
	return b == Public || b == Internal || b == Admin
}

// NetworkOption is the config option with b's legacy CIDRs, e.g.
// "os-public-network".
func (b Binding) NetworkOption() string {
	return "os-" + string(b) + "-network"
}

// HostnameOption is the config option overriding b's address, e.g.
// "os-public-hostname".
func (b Binding) HostnameOption() string {
	return "os-" + string(b) + "-hostname"
}

// FallbackKey is the unit-get key used when nothing better is known:
// public-address for Public, private-address otherwise.
func (b Binding) FallbackKey() string {
	if b == Public {
		return "public-address"
	}
	return "private-address"
}

// AddressInput is everything ResolveAddress looks at for one endpoint type.
type AddressInput struct {
	// Hostname is os-<type>-hostname with {service_name} already replaced.
	Hostname string
	// VIPs are the vip config entries.
	VIPs []string
	// Clustered is true once hacluster has reported the cluster up.
	Clustered bool
	// Networks are the os-<type>-network CIDRs.
	Networks []string
	// LocalAddresses are the unit's interface addresses; with Networks set,
	// the first one inside them is the unit's address.
	LocalAddresses []string
	// BindingAddress is the unit's address on the binding (network-get).
	BindingAddress string
	// BindingCIDRs are the CIDRs of the binding's networks (network-get).
	BindingCIDRs []string
	// Fallback is unit-get's public-address or private-address.
	Fallback string
}

// ErrNoAddress is returned (wrapped) by ResolveAddress when nothing resolves.
var ErrNoAddress = errors.New("no address")

// ResolveAddress chooses the address for one endpoint type:
//
//  1. Hostname, when set.
//  2. When Clustered and VIPs are set: the first VIP inside Networks, or, when
//     Networks is empty, inside BindingCIDRs; with neither known, the first
//     VIP. When no VIP lies in those networks, the endpoint keeps the unit's
//     own address (step 3): that network has no VIP.
//  3. The unit's own address: with Networks set, the first LocalAddress
//     inside them, else Fallback; without Networks, BindingAddress, else
//     Fallback.
//
// It returns an error wrapping ErrNoAddress when nothing resolves.
func ResolveAddress(in AddressInput) (string, error) {
	if in.Hostname != "" {
		return in.Hostname, nil
	}
	if in.Clustered && len(in.VIPs) > 0 {
		nets := in.Networks
		if len(nets) == 0 {
			nets = in.BindingCIDRs
		}
		if len(nets) == 0 {
			return in.VIPs[0], nil
		}
		if vip, ok := FirstInNetworks(in.VIPs, nets); ok {
			return vip, nil
		}
	}
	if len(in.Networks) > 0 {
		if a, ok := FirstInNetworks(in.LocalAddresses, in.Networks); ok {
			return a, nil
		}
	} else if in.BindingAddress != "" {
		return in.BindingAddress, nil
	}
	if in.Fallback != "" {
		return in.Fallback, nil
	}
	if len(in.Networks) > 0 {
		return "", fmt.Errorf("resolve address: no unit address in %s: %w", strings.Join(in.Networks, " "), ErrNoAddress)
	}
	return "", fmt.Errorf("resolve address: no binding or fallback address: %w", ErrNoAddress)
}

// InNetworks reports whether addr lies in any of cidrs. Unparsable entries
// never match.
func InNetworks(addr string, cidrs []string) bool {
	a, err := netip.ParseAddr(strings.Trim(addr, "[]"))
	if err != nil {
		return false
	}
	a = a.WithZone("").Unmap()
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			continue
		}
		if p.Masked().Contains(a) {
			return true
		}
	}
	return false
}

// FirstInNetworks returns the first of addrs that lies in any of cidrs.
func FirstInNetworks(addrs, cidrs []string) (string, bool) {
	for _, a := range addrs {
		if InNetworks(a, cidrs) {
			return a, true
		}
	}
	return "", false
}

// IsIPv6 reports whether addr is an IPv6 address (brackets allowed).
func IsIPv6(addr string) bool {
	a, err := netip.ParseAddr(strings.Trim(addr, "[]"))
	return err == nil && a.Is6() && !a.Is4In6()
}

// URL returns "<scheme>://<addr>:<port>", with an IPv6 address in brackets
// (and its zone escaped), e.g. URL("https", "fd00::1", 8977) is
// "https://[fd00::1]:8977".
func URL(scheme, addr string, port int) string {
	host := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	if IsIPv6(host) {
		host = strings.Replace(host, "%", "%25", 1)
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
}
