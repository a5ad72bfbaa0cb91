package tlscerts

import (
	"sort"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// Endpoint is one endpoint binding (internal, admin or public) as Plan sees
// it.
type Endpoint struct {
	// Binding is the endpoint type.
	Binding openstack.Binding
	// Hostname is os-<type>-hostname with {service_name} replaced; "" when
	// unset.
	Hostname string
	// Resolved is openstack.ResolveAddress for the type: the hostname, a VIP
	// or the unit's address ("" when nothing resolves).
	Resolved string
	// Address is the unit's address on the binding: inside os-<type>-network
	// when that is set, else the binding's primary address ("" when the
	// binding has none).
	Address string
	// CIDRs are the networks Address lies in; a VIP inside them is added to
	// the SANs.
	CIDRs []string
}

// RequestInput is what Plan needs to choose the certificates a unit asks for.
type RequestInput struct {
	// Hostname is the reverse-DNS name of Address; "" falls back to Address.
	// A trailing dot is dropped.
	Hostname string
	// Address is the unit's juju-info primary address.
	Address string
	// CIDRs are the networks Address lies in.
	CIDRs []string
	// VIPs are the vip config entries.
	VIPs []string
	// Endpoints are the endpoint bindings, in any order.
	Endpoints []Endpoint
}

// Plan chooses the server certificates a unit requests, as charm-helpers'
// get_certificate_request does:
//
//   - The hostname request (always): CN is Hostname (else Address); SANs are
//     Address and the VIPs in its networks.
//   - One request per endpoint with a Hostname override, CN the hostname,
//     SANs the endpoint's Resolved and Address and the VIPs in its networks.
//     Endpoints sharing a hostname share one request.
//   - Every other endpoint address (Resolved, Address, VIPs in its networks)
//     is added to the hostname request's SANs.
//
// SANs are sorted and de-duplicated. The override requests come first in the
// order internal, admin, public, then the hostname request; main is the first
// of them (it goes in common_name), extra the rest (cert_requests).
func Plan(in RequestInput) (main CertRequest, extra []CertRequest) {
	eps := append([]Endpoint(nil), in.Endpoints...)
	sort.SliceStable(eps, func(i, j int) bool { return bindingRank(eps[i].Binding) < bindingRank(eps[j].Binding) })

	hostCN := strings.TrimSuffix(in.Hostname, ".")
	if hostCN == "" {
		hostCN = in.Address
	}
	host := CertRequest{CN: hostCN, SANs: append([]string{in.Address}, vipsIn(in.VIPs, in.CIDRs)...)}

	leftover := []string{in.Address}
	for _, ep := range eps {
		leftover = append(leftover, endpointAddrs(ep, in.VIPs)...)
	}
	var reqs []CertRequest
	taken := map[string]bool{}
	for _, ep := range eps {
		if ep.Hostname == "" {
			continue
		}
		addrs := endpointAddrs(ep, in.VIPs)
		reqs = append(reqs, CertRequest{CN: ep.Hostname, SANs: addrs})
		for _, a := range addrs {
			taken[a] = true
		}
	}
	for _, a := range leftover {
		if !taken[a] {
			host.SANs = append(host.SANs, a)
		}
	}
	reqs = mergeRequests(append(reqs, host))
	if len(reqs) == 0 {
		return CertRequest{SANs: []string{}}, nil
	}
	return reqs[0], reqs[1:]
}

// endpointAddrs returns an endpoint's resolved address, its binding address
// and the VIPs in the binding's networks, leaving out empty ones.
func endpointAddrs(ep Endpoint, vips []string) []string {
	var out []string
	for _, a := range []string{ep.Resolved, ep.Address} {
		if a != "" {
			out = append(out, a)
		}
	}
	return append(out, vipsIn(vips, ep.CIDRs)...)
}

// vipsIn returns the VIPs inside any of cidrs.
func vipsIn(vips, cidrs []string) []string {
	var out []string
	for _, v := range vips {
		if openstack.InNetworks(v, cidrs) {
			out = append(out, v)
		}
	}
	return out
}

// bindingRank orders bindings as charm-helpers lists them: internal, admin,
// public, then anything else.
func bindingRank(b openstack.Binding) int {
	switch b {
	case openstack.Internal:
		return 0
	case openstack.Admin:
		return 1
	case openstack.Public:
		return 2
	}
	return 3
}
