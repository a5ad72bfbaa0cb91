// Package hacluster is the codec of the ha relation (interface hacluster):
// the principal's unit bag that asks the hacluster subordinate to run the
// Panko VIPs, DNS records and the cloned haproxy in Pacemaker, and the
// subordinate's "clustered" answer. (The hacluster side lives in the local
// model, internal/localjuju/pacemaker.)
//
// The bag has the shape the reactive hacluster interface writes: all eleven
// json_* keys every time, each JSON with sorted keys and ", "/": "
// separators, init services as a list and the haproxy clone named
// cl_res_panko_haproxy. Resource names differ in one respect: every VIP is
// res_panko_<first 7 hex digits of sha1(vip)>_vip (as charm-helpers names
// them), also for IPv6 VIPs and VIPs whose interface comes from vip_iface;
// the names older charms used for the same VIPs are sent for deletion.
//
// The package is pure: it turns data into data and never performs I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package hacluster

import (
	"crypto/sha1"
	"encoding/hex"
	"net"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// Names of what Panko asks hacluster to manage.
const (
	// Service is the service part of every resource name (res_panko_...).
	Service = "panko"
	// VIPGroup groups the VIP resources so they run on one node.
	VIPGroup = "grp_panko_vips"
	// HostnameGroup groups the DNS-HA resources.
	HostnameGroup = "grp_panko_hostnames"
	// HAProxyResource is the haproxy primitive.
	HAProxyResource = "res_panko_haproxy"
	// HAProxyClone runs HAProxyResource on every node.
	HAProxyClone = "cl_res_panko_haproxy"
	// HAProxyService is the init service hacluster takes over.
	HAProxyService = "haproxy"
	// McastPort is the corosync multicast port the principal proposes.
	McastPort = "4440"
)

// Resource agents used by Panko's resources.
const (
	// AgentIPaddr2 manages an IPv4 VIP.
	AgentIPaddr2 = "ocf:heartbeat:IPaddr2"
	// AgentIPv6addr manages an IPv6 VIP.
	AgentIPv6addr = "ocf:heartbeat:IPv6addr"
	// AgentDNS manages a DNS record in MAAS (DNS HA).
	AgentDNS = "ocf:maas:dns"
	// AgentHAProxy runs haproxy through its init script.
	AgentHAProxy = "lsb:haproxy"
)

// Keys of the principal's unit bag.
const (
	// KeyResources maps resource name to agent.
	KeyResources = "json_resources"
	// KeyResourceParams maps resource name to its crm params/meta/op text.
	KeyResourceParams = "json_resource_params"
	// KeyGroups maps group name to its space-separated members.
	KeyGroups = "json_groups"
	// KeyClones maps clone name to the cloned resource.
	KeyClones = "json_clones"
	// KeyInitServices lists the init services hacluster takes over.
	KeyInitServices = "json_init_services"
	// KeyDeleteResources lists the resources hacluster must delete.
	KeyDeleteResources = "json_delete_resources"
	// KeyColocations holds colocation constraints (Panko sends none).
	KeyColocations = "json_colocations"
	// KeyLocations holds location constraints (Panko sends none).
	KeyLocations = "json_locations"
	// KeyOrders holds ordering constraints (Panko sends none).
	KeyOrders = "json_orders"
	// KeyMS holds master/slave resources (Panko sends none).
	KeyMS = "json_ms"
	// KeySystemdServices lists systemd services (hacluster ignores it).
	KeySystemdServices = "json_systemd_services"
	// KeyBindIface is the interface corosync binds to (multicast only).
	KeyBindIface = "corosync_bindiface"
	// KeyMcastPort is corosync's multicast port (multicast only).
	KeyMcastPort = "corosync_mcastport"
)

// KeyClustered is the key hacluster sets in its unit bag once Pacemaker is
// configured.
const KeyClustered = "clustered"

// Keys returns every key Resources writes, sorted.
func Keys() []string {
	return []string{
		KeyBindIface, KeyMcastPort, KeyClones, KeyColocations, KeyDeleteResources,
		KeyGroups, KeyInitServices, KeyLocations, KeyMS, KeyOrders,
		KeyResourceParams, KeyResources, KeySystemdServices,
	}
}

// Monitoring and meta attributes of the resources, as the hacluster
// interface sets them.
const (
	vipMonitor     = `monitor timeout="20s" interval="10s" depth="0"`
	serviceMonitor = `monitor interval="5s"`
	resourceMeta   = `migration-threshold="INFINITY" failure-timeout="5s"`
)

// Interface is one network interface of the unit with the networks on it.
type Interface struct {
	// Name is the interface name, e.g. "eth0" or "br-ex".
	Name string
	// CIDRs are the interface's addresses or networks in CIDR form
	// ("10.20.0.11/24" or "10.20.0.0/24"), e.g. from network-get's
	// bind-addresses.
	CIDRs []string
}

// Hostname is one DNS-HA record: FQDN should resolve to Address.
type Hostname struct {
	// Binding is the endpoint type whose os-<type>-hostname this is.
	Binding openstack.Binding
	// FQDN is the configured host name.
	FQDN string
	// Address is the unit's own address on Binding (not a VIP).
	Address string
}

// Input is everything Resources looks at.
type Input struct {
	// VIPs are the vip config entries; entries that are not IP addresses
	// are left out (config validation reports them).
	VIPs []string
	// VIPIface is vip_iface: the interface of a VIP that lies in none of
	// Interfaces, and corosync_bindiface.
	VIPIface string
	// VIPCIDR is vip_cidr: the netmask length of an IPv4 VIP that lies in
	// none of Interfaces (IPv6 VIPs then get no netmask and the agent
	// chooses).
	VIPCIDR int
	// Interfaces are the unit's interfaces, searched in order for the
	// network of each VIP.
	Interfaces []Interface
	// DNSHA is dns-ha; with it every Hostname becomes an ocf:maas:dns
	// resource.
	DNSHA bool
	// Hostnames are the configured os-*-hostname records. Entries whose
	// FQDN or Address is empty or holds quotes, backslashes or spaces are
	// left out; the first entry per binding wins.
	Hostnames []Hostname
	// Previous is the unit's current bag on the ha relation: resources it
	// names that are no longer wanted are deleted, and its pending
	// deletions are kept.
	Previous map[string]string
}

// VIPResourceName returns the resource name of vip, e.g.
// "res_panko_c461f31_vip" for 10.20.0.100. The VIP is hashed as written.
func VIPResourceName(vip string) string {
	sum := sha1.Sum([]byte(vip))
	return "res_" + Service + "_" + hex.EncodeToString(sum[:])[:7] + "_vip"
}

// HostnameResourceName returns the DNS-HA resource name for binding, e.g.
// "res_panko_public_hostname"; the internal binding is "int", as
// charm-helpers names it.
func HostnameResourceName(b openstack.Binding) string {
	return "res_" + Service + "_" + hostnameType(b) + "_hostname"
}

func hostnameType(b openstack.Binding) string {
	if b == openstack.Internal {
		return "int"
	}
	return string(b)
}

// DetectVIP returns the interface whose network holds vip and that
// network's prefix length, searching ifaces in order; ok is false when
// none does.
func DetectVIP(vip string, ifaces []Interface) (nic string, prefix int, ok bool) {
	ip := net.ParseIP(vip)
	if ip == nil {
		return "", 0, false
	}
	for _, ifc := range ifaces {
		for _, c := range ifc.CIDRs {
			_, n, err := net.ParseCIDR(strings.TrimSpace(c))
			if err != nil || !n.Contains(ip) {
				continue
			}
			ones, _ := n.Mask.Size()
			return ifc.Name, ones, true
		}
	}
	return "", 0, false
}

// Changes returns the entries of want whose value differs from current's
// (a missing key counts as ""): the arguments relation-set needs. It is
// empty when the bag is already up to date.
func Changes(current, want map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range want {
		if current[k] != v {
			out[k] = v
		}
	}
	return out
}

// Clustered reports whether any of the hacluster units' bags says the
// cluster is up: "clustered" is "yes" or "true" in any case, as hacluster
// writes "yes" and never withdraws it.
func Clustered(bags []map[string]string) bool {
	for _, bag := range bags {
		switch strings.ToLower(strings.TrimSpace(bag[KeyClustered])) {
		case "yes", "true":
			return true
		}
	}
	return false
}

// validID reports whether s can be a Pacemaker id (an XML ID): a letter or
// underscore, then letters, digits, '_', '.' or '-'.
func validID(s string) bool {
	for i, r := range s {
		letter := r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')
		if !letter && (i == 0 || !(r == '.' || r == '-' || (r >= '0' && r <= '9'))) {
			return false
		}
	}
	return s != ""
}
