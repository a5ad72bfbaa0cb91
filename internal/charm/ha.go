package charm

import (
	"fmt"

	"github.com/openstack-charmers/charm-panko/internal/config"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/hacluster"
	"github.com/openstack-charmers/charm-panko/internal/status"
)

// haProblems checks the HA settings against the unit's networks: config
// problems that block the unit before anything changes.
func haProblems(in Inputs) []config.Problem {
	vips := in.Config.VIPs()
	if len(in.Relations[HA]) > 0 && len(vips) == 0 && !in.Config.DNSHA {
		return []config.Problem{{Option: "vip", Reason: "the ha relation needs vip (or dns-ha=true with os-*-hostname set)"}}
	}
	if len(vips) == 0 {
		return nil
	}
	var nets []hacluster.Network
	for _, b := range haBindings() {
		if cidrs := in.CIDRs[b]; len(cidrs) > 0 {
			nets = append(nets, hacluster.Network{Name: b, CIDRs: cidrs})
		}
	}
	for _, b := range openstack.Bindings() {
		if cidrs := in.Config.Networks(b); len(cidrs) > 0 {
			nets = append(nets, hacluster.Network{Name: fmt.Sprintf("os-%s-network", b), CIDRs: cidrs})
		}
	}
	return hacluster.ValidateVIPs(vips, nets)
}

// haBindings are the bindings whose networks may hold a VIP.
func haBindings() []string {
	return []string{Cluster, string(openstack.Public), string(openstack.Internal), string(openstack.Admin)}
}

// planHA sends the hacluster resources and reports whether the cluster is up.
func planHA(in Inputs, p *Plan, st *status.Collector) bool {
	rels := in.Relations[HA]
	if len(rels) == 0 {
		return false
	}
	rel := rels[0]
	var ifaces []hacluster.Interface
	seen := map[string]bool{}
	for _, b := range haBindings() {
		for _, ba := range in.Networks[b].BindAddresses {
			var cidrs []string
			for _, a := range ba.Addresses {
				if a.CIDR != "" {
					cidrs = append(cidrs, a.CIDR)
				}
			}
			if key := ba.InterfaceName + fmt.Sprint(cidrs); ba.InterfaceName != "" && !seen[key] {
				seen[key] = true
				ifaces = append(ifaces, hacluster.Interface{Name: ba.InterfaceName, CIDRs: cidrs})
			}
		}
	}
	var hostnames []hacluster.Hostname
	for _, b := range openstack.Bindings() {
		if fqdn := in.Config.Hostname(b, "panko"); fqdn != "" {
			hostnames = append(hostnames, hacluster.Hostname{Binding: b, FQDN: fqdn, Address: unitAddress(in, b)})
		}
	}
	want := hacluster.Resources(hacluster.Input{
		VIPs:       in.Config.VIPs(),
		VIPIface:   in.Config.VIPIface,
		VIPCIDR:    in.Config.VIPCIDR,
		Interfaces: ifaces,
		DNSHA:      in.Config.DNSHA,
		Hostnames:  hostnames,
		Previous:   rel.Local,
	})
	if changes := hacluster.Changes(rel.Local, want); len(changes) > 0 {
		p.Relations = append(p.Relations, RelationSet{ID: rel.ID, Data: changes})
	}
	clustered := hacluster.Clustered(rel.UnitBags())
	if !clustered {
		st.Add(status.Waiting, "Waiting for hacluster to report clustered")
	}
	return clustered
}
