// Package pacemaker is the hacluster side of the ha relation in the local
// model: it reads a principal's ha bag as a hacluster unit does (the
// json_* keys of charm-hacluster's hooks/utils.py parse_data and
// ha_relation_changed), checks every resource against the resource
// agents' parameters (verified against the installed agents' meta-data)
// and Pacemaker's attributes, and keeps the Pacemaker configuration the
// hacluster leader builds from the requests it applies.
//
// It shares no code with the charm's hacluster codec: the facts are those
// of charm-hacluster and Pacemaker.
//
// Layer localjuju (see internal/layers): it imports the local model, the host
// double and only the charm packages internal/layers lists with a reason;
// only the local model's commands, cmd/bench and tests import it, never the
// charm.
package pacemaker

// Keys of the principal's unit bag that hacluster reads.
const (
	keyResources       = "json_resources"
	keyResourceParams  = "json_resource_params"
	keyGroups          = "json_groups"
	keyClones          = "json_clones"
	keyInitServices    = "json_init_services"
	keyDeleteResources = "json_delete_resources"
	keyColocations     = "json_colocations"
	keyLocations       = "json_locations"
	keyOrders          = "json_orders"
	keyMS              = "json_ms"
	// keySystemdServices is sent by the reactive interface and not read.
	keySystemdServices = "json_systemd_services"
	// keyBindIface and keyMcastPort are read with multicast transport only.
	keyBindIface = "corosync_bindiface"
	keyMcastPort = "corosync_mcastport"
)

// KeyClustered is the key a hacluster unit sets in its bag once the
// cluster is up.
const KeyClustered = "clustered"

// Resource agents a principal may name.
const (
	// AgentIPaddr2 manages an IPv4 (or IPv6) VIP.
	AgentIPaddr2 = "ocf:heartbeat:IPaddr2"
	// AgentIPv6addr manages an IPv6 VIP.
	AgentIPv6addr = "ocf:heartbeat:IPv6addr"
	// AgentDNS manages a DNS record in MAAS.
	AgentDNS = "ocf:maas:dns"
	// AgentHAProxy runs haproxy through its init script.
	AgentHAProxy = "lsb:haproxy"
)

// jsonKeys are the json_* keys a principal may send.
func jsonKeys() []string {
	return []string{
		keyClones, keyColocations, keyDeleteResources, keyGroups, keyInitServices,
		keyLocations, keyMS, keyOrders, keyResourceParams, keyResources, keySystemdServices,
	}
}
