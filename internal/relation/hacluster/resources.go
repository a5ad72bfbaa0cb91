package hacluster

import (
	"encoding/json"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
)

// crm collects one request in the shape the reactive interface builds it.
type crm struct {
	resources map[string]string
	params    map[string]string
	groups    map[string]string
	clones    map[string]string
	deletes   []string
}

// spec formats a primitive's sections the way the reactive interface does:
// two spaces before each section keyword, trailing spaces trimmed.
func spec(sections ...[2]string) string {
	var b strings.Builder
	for _, s := range sections {
		if s[1] == "" {
			continue
		}
		b.WriteString("  " + s[0] + " " + s[1])
	}
	return strings.TrimRight(b.String(), " ")
}

// Resources returns the unit bag Panko publishes on the ha relation: the
// eleven json_* keys plus corosync_bindiface (vip_iface; empty deletes the
// key) and corosync_mcastport. A vip_iface holding quotes, backslashes or
// spaces is treated as unset. It is deterministic: objects have sorted
// keys, lists and group members are sorted.
//
// Each VIP becomes VIPResourceName(vip) with IPaddr2 (ip=) or IPv6addr
// (ipv6addr=). When a unit interface holds the VIP's network, the agent
// finds nic and netmask itself, as charm-helpers leaves them out so that
// units with different interface names share one definition; otherwise
// nic is vip_iface and, for IPv4, cidr_netmask is vip_cidr. The VIPs form
// VIPGroup. With DNSHA, each Hostname becomes HostnameResourceName with
// ocf:maas:dns (fqdn=, ip_address=), grouped in HostnameGroup. haproxy is
// always HAProxyResource (lsb:haproxy) cloned as HAProxyClone.
//
// json_delete_resources lists, sorted: the names the charm's earlier
// versions gave the same VIPs (res_panko_<nic>_vip, for IPv6 also
// res_panko_<nic>_ipv6addr_vip and res_panko_None_ipv6addr_vip); every
// resource, group or clone of Previous that is no longer wanted; and the
// deletions already pending in Previous. A name that is wanted again is
// never deleted.
func Resources(in Input) map[string]string {
	c := crm{
		resources: map[string]string{},
		params:    map[string]string{},
		groups:    map[string]string{},
		clones:    map[string]string{},
	}
	legacy := map[string]bool{}

	var vipNames []string
	seen := map[string]bool{}
	for _, vip := range in.VIPs {
		vip = strings.TrimSpace(vip)
		ip := net.ParseIP(vip)
		if ip == nil || seen[vip] {
			continue
		}
		seen[vip] = true
		name := VIPResourceName(vip)
		v6 := ip.To4() == nil
		agent, param := AgentIPaddr2, "ip"
		if v6 {
			agent, param = AgentIPv6addr, "ipv6addr"
		}
		params := param + `="` + vip + `"`
		nic, _, detected := DetectVIP(vip, in.Interfaces)
		if !detected {
			nic = in.VIPIface
			if !plainValue(nic) {
				nic = ""
			}
			if nic != "" {
				params += ` nic="` + nic + `"`
			}
			if !v6 && in.VIPCIDR > 0 {
				params += ` cidr_netmask="` + strconv.Itoa(in.VIPCIDR) + `"`
			}
		}
		if nic != "" {
			legacy["res_"+Service+"_"+nic+"_vip"] = true
			if v6 {
				legacy["res_"+Service+"_"+nic+"_ipv6addr_vip"] = true
			}
		}
		if v6 {
			legacy["res_"+Service+"_None_ipv6addr_vip"] = true
		}
		c.resources[name] = agent
		c.params[name] = spec([2]string{"params", params}, [2]string{"meta", resourceMeta}, [2]string{"op", vipMonitor})
		vipNames = append(vipNames, name)
	}
	if len(vipNames) > 0 {
		slices.Sort(vipNames)
		c.groups[VIPGroup] = strings.Join(vipNames, " ")
	}

	if in.DNSHA {
		var dnsNames []string
		for _, h := range in.Hostnames {
			if !plainValue(h.FQDN) || !plainValue(h.Address) {
				continue
			}
			name := HostnameResourceName(h.Binding)
			if _, dup := c.resources[name]; dup {
				continue
			}
			c.resources[name] = AgentDNS
			c.params[name] = spec([2]string{"params", ` fqdn="` + h.FQDN + `" ip_address="` + h.Address + `"`})
			dnsNames = append(dnsNames, name)
		}
		if len(dnsNames) > 0 {
			slices.Sort(dnsNames)
			c.groups[HostnameGroup] = strings.Join(dnsNames, " ")
		}
	}

	c.resources[HAProxyResource] = AgentHAProxy
	c.params[HAProxyResource] = spec([2]string{"meta", resourceMeta}, [2]string{"op", serviceMonitor})
	c.clones[HAProxyClone] = HAProxyResource

	c.deletes = deletions(in.Previous, c, legacy)

	bindIface := in.VIPIface
	if !plainValue(bindIface) {
		bindIface = ""
	}
	return map[string]string{
		KeyBindIface:       bindIface,
		KeyMcastPort:       McastPort,
		KeyResources:       pyObject(c.resources),
		KeyResourceParams:  pyObject(c.params),
		KeyGroups:          pyObject(c.groups),
		KeyClones:          pyObject(c.clones),
		KeyInitServices:    pyList([]string{HAProxyService}),
		KeyDeleteResources: pyList(c.deletes),
		KeyColocations:     "{}",
		KeyLocations:       "{}",
		KeyOrders:          "{}",
		KeyMS:              "{}",
		KeySystemdServices: "[]",
	}
}

// deletions computes json_delete_resources for the wanted request c.
func deletions(prev map[string]string, c crm, legacy map[string]bool) []string {
	del := maps.Clone(legacy)
	for _, key := range []string{KeyResources, KeyGroups, KeyClones} {
		for name := range decodeObject(prev[key]) {
			del[name] = true
		}
	}
	for _, name := range decodeList(prev[KeyDeleteResources]) {
		del[name] = true
	}
	for _, m := range []map[string]string{c.resources, c.groups, c.clones} {
		for name := range m {
			delete(del, name)
		}
	}
	out := make([]string, 0, len(del))
	for name := range del {
		if validID(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// plainValue reports whether s can be written inside a crm attribute's
// double quotes: not empty, no quotes, backslashes, spaces or control
// characters.
func plainValue(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '"' || r == '\\' {
			return false
		}
	}
	return true
}

// decodeObject decodes a JSON object of strings; anything else gives nil.
func decodeObject(s string) map[string]string {
	var m map[string]string
	if s == "" || json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// decodeList decodes a JSON list of strings; anything else gives nil.
func decodeList(s string) []string {
	var l []string
	if s == "" || json.Unmarshal([]byte(s), &l) != nil {
		return nil
	}
	return l
}
