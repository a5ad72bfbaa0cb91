package charm

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/eventservice"
	"github.com/openstack-charmers/charm-panko/internal/relation/hacluster"
	"github.com/openstack-charmers/charm-panko/internal/relation/keystone"
	"github.com/openstack-charmers/charm-panko/internal/relation/peers"
	"github.com/openstack-charmers/charm-panko/internal/relation/shareddb"
	"github.com/openstack-charmers/charm-panko/internal/render"
	"github.com/openstack-charmers/charm-panko/internal/status"
)

// planSharedDB requests the database and reads the reply.
func planSharedDB(in Inputs, p *Plan, st *status.Collector) (shareddb.Reply, bool) {
	rels := in.Relations[SharedDB]
	if len(rels) == 0 {
		st.Missing(SharedDB)
		return shareddb.Reply{}, false
	}
	rel := rels[0]
	reply, err := shareddb.Parse(in.Unit, rel.UnitBags())
	host := in.Addresses[SharedDB]
	if a := addressIn(in.Networks, reply.AccessNetwork); err == nil && a != "" {
		// As charm-helpers' SharedDBContext: percona-cluster grants only
		// a hostname inside its access-network.
		host = a
	}
	publish(p, rel, shareddb.Request(host))
	if err != nil {
		st.Add(status.Blocked, fmt.Sprintf("'%s' data from %s is invalid: %v", SharedDB, rel.RemoteApp, err))
		return reply, false
	}
	// With an access-network the answer counts only once the database has
	// seen the hostname inside it: after asking again, wait for its answer.
	if !reply.Ready || (reply.AccessNetwork != "" && rel.Local[shareddb.KeyHostname] != host) {
		st.Incomplete(SharedDB)
		return reply, false
	}
	return reply, true
}

// addressIn returns this unit's first address inside cidr on any binding
// read (bindings in name order), or "" when there is none or cidr is empty.
func addressIn(networks map[string]juju.NetworkInfo, cidr string) string {
	_, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(networks))
	for name := range networks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, ba := range networks[name].BindAddresses {
			for _, a := range ba.Addresses {
				if ip := net.ParseIP(a.Value); ip != nil && ipnet.Contains(ip) {
					return a.Value
				}
			}
		}
	}
	return ""
}

// planKeystone registers the endpoints and reads the credentials.
func planKeystone(in Inputs, p *Plan, st *status.Collector, scheme string) (keystone.Credentials, bool) {
	rels := in.Relations[IdentityService]
	if len(rels) == 0 {
		st.Missing(IdentityService)
		return keystone.Credentials{}, false
	}
	rel := rels[0]
	urls := map[openstack.Binding]string{}
	for _, b := range openstack.Bindings() {
		addr := endpointAddress(in, b)
		urls[b] = openstack.URL(scheme, addr, openstack.APIPort)
	}
	publish(p, rel, keystone.Registration(in.Config.Region, urls[openstack.Public], urls[openstack.Internal], urls[openstack.Admin]))
	creds, complete, err := keystone.Parse(rel.UnitBags())
	if err != nil {
		st.Add(status.Blocked, fmt.Sprintf("'%s' data from %s is invalid: %v", IdentityService, rel.RemoteApp, err))
		return creds, false
	}
	if !complete {
		st.Incomplete(IdentityService)
		return creds, false
	}
	return creds, true
}

// endpointAddress is the address clients (keystone's catalog, ceilometer)
// get for one endpoint type: its os-*-hostname, the VIP once clustered, else
// the unit's own address.
func endpointAddress(in Inputs, b openstack.Binding) string {
	return resolveAddress(in, b, true)
}

// unitAddress is the unit's own address for an endpoint type: inside
// os-<type>-network when set, else the binding's address.
func unitAddress(in Inputs, b openstack.Binding) string {
	return resolveAddress(in, b, false)
}

// resolveAddress is openstack.ResolveAddress over the unit's addresses; the
// unit's own address (without hostname and VIPs) unless endpoint.
func resolveAddress(in Inputs, b openstack.Binding, endpoint bool) string {
	var local []string
	for _, a := range in.Addresses {
		local = append(local, a)
	}
	sort.Strings(local)
	ai := openstack.AddressInput{
		Networks:       in.Config.Networks(b),
		LocalAddresses: local,
		BindingAddress: in.Addresses[string(b)],
		BindingCIDRs:   in.CIDRs[string(b)],
		Fallback:       in.Addresses[Cluster],
	}
	if endpoint {
		ai.Hostname, ai.VIPs, ai.Clustered = in.Config.Hostname(b, "panko"), in.Config.VIPs(), clustered(in)
	}
	addr, err := openstack.ResolveAddress(ai)
	if err != nil {
		return in.Addresses[Cluster]
	}
	return addr
}

// clustered reports whether hacluster says the cluster is up.
func clustered(in Inputs) bool {
	rels := in.Relations[HA]
	return len(rels) > 0 && hacluster.Clustered(rels[0].UnitBags())
}

// planPeers publishes this unit's addresses and builds the haproxy
// backends. A peer without a usable address is left out, logged, and named
// in the returned status note.
func planPeers(in Inputs, p *Plan, data *render.Data) string {
	port := openstack.BackendPort(data.TLS != nil)
	if data.TLS == nil {
		port = data.WSGI.Port
	}
	self := render.Backend{Name: render.BackendName(in.Unit), Addr: in.Addresses[Cluster], Port: port}
	backends := []render.Backend{self}
	var left []string
	for _, rel := range in.Relations[Cluster] {
		addrs := map[string]string{"private": in.Addresses[Cluster]}
		for _, b := range openstack.Bindings() {
			if a := in.Addresses[string(b)]; a != "" {
				addrs[string(b)] = a
			}
		}
		publish(p, rel, peers.Publish(addrs))
		for _, peer := range peers.Parse(rel.Bags) {
			if addr := peer.Address("private"); addr != "" {
				backends = append(backends, render.Backend{Name: render.BackendName(peer.Unit), Addr: addr, Port: port})
			} else if len(peer.Invalid) > 0 {
				left = append(left, peer.Unit)
				p.Warnings = append(p.Warnings, fmt.Sprintf("peer %s left out of haproxy: bad %s", peer.Unit, strings.Join(peer.Invalid, ", ")))
			}
		}
	}
	sort.Slice(backends, func(i, j int) bool { return backends[i].Name < backends[j].Name })
	data.HAProxy.Backends = backends
	if len(left) == 0 {
		return ""
	}
	return "bad address of peer " + strings.Join(left, ", ") + ": not balanced"
}

// planEventService gives every related ceilometer Panko's public URL and
// deletes any "publisher" (it breaks the ceilometer charm's pipeline).
func planEventService(in Inputs, p *Plan, scheme string) {
	url := openstack.URL(scheme, endpointAddress(in, openstack.Public), openstack.APIPort)
	for _, rel := range in.Relations[EventService] {
		publish(p, rel, eventservice.Publish(url))
	}
}

// publish queues want for rel's own bag when it differs from what is there.
func publish(p *Plan, rel Relation, want map[string]string) {
	diff := map[string]string{}
	for k, v := range want {
		if rel.Local[k] != v {
			diff[k] = v
		}
	}
	if len(diff) > 0 {
		p.Relations = append(p.Relations, RelationSet{ID: rel.ID, Data: diff})
	}
}
