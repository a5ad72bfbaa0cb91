package pacemaker

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseRequestFixture parses what real principals sent: the reactive
// Panko charm (every variant) and a classic charm-helpers charm.
func TestParseRequestFixture(t *testing.T) {
	for _, variant := range []string{"", "vip_fallback_config", "ipv6_vip", "dns_ha", "classic_charm_helpers_form"} {
		t.Run("variant "+variant, func(t *testing.T) {
			bag := principalBag(t, variant)
			if variant == "ipv6_vip" {
				// The variant only overrides the resources; its group and
				// deletions come from the IPv4 base bag.
				bag[keyGroups] = `{"grp_panko_vips": "res_panko_None_ipv6addr_vip"}`
				bag[keyDeleteResources] = "[]"
			}

			r, err := ParseRequest(bag)

			require.NoError(t, err)
			assert.Contains(t, r.Primitives, haproxyResource)
			assert.Equal(t, []string{"haproxy"}, r.InitServices)
		})
	}
}

// TestParseRequestInconsistentFixture parses the IPv6 variant as given:
// its group still names the IPv4 VIP of the base bag, which hacluster
// could not create.
func TestParseRequestInconsistentFixture(t *testing.T) {
	bag := principalBag(t, "ipv6_vip")

	_, err := ParseRequest(bag)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "member res_panko_c461f31_vip is not a resource of json_resources")
}

func TestParseRequestDecodes(t *testing.T) {
	bag := principalBag(t, "")

	r, err := ParseRequest(bag)

	require.NoError(t, err)
	vip := r.Primitives["res_panko_c461f31_vip"]
	assert.Equal(t, AgentIPaddr2, vip.Agent)
	ip, ok := vip.Param("ip")
	assert.True(t, ok)
	assert.Equal(t, "10.20.0.100", ip)
	assert.Equal(t, []Op{{Action: "monitor", Attrs: []Attr{{"timeout", "20s"}, {"interval", "10s"}, {"depth", "0"}}}}, vip.Ops)
	assert.Equal(t, []Attr{{"migration-threshold", "INFINITY"}, {"failure-timeout", "5s"}}, vip.Meta)
	assert.Equal(t, Group{Name: vipGroup, Members: []string{"res_panko_c461f31_vip"}}, r.Groups[vipGroup])
	assert.Equal(t, Clone{Name: haproxyClone, Resource: haproxyResource}, r.Clones[haproxyClone])
	assert.Equal(t, []string{"res_panko_eth0_vip"}, r.Deletes)
	assert.Equal(t, "eth0", r.BindIface)
	assert.Equal(t, 4440, r.McastPort)
	assert.Empty(t, r.Constraints)
	assert.Equal(t, []string{
		"delete res_panko_eth0_vip",
		`primitive res_panko_c461f31_vip ocf:heartbeat:IPaddr2 params ip="10.20.0.100" meta migration-threshold="INFINITY" failure-timeout="5s" op monitor timeout="20s" interval="10s" depth="0"`,
		`primitive res_panko_haproxy lsb:haproxy meta migration-threshold="INFINITY" failure-timeout="5s" op monitor interval="5s"`,
		"group grp_panko_vips res_panko_c461f31_vip",
		"clone cl_res_panko_haproxy res_panko_haproxy",
	}, r.Commands())
}

// TestParseRequestInvalid mutates a valid bag (the recorded one-VIP bag) and
// expects ParseRequest to name the problem.
func TestParseRequestInvalid(t *testing.T) {
	vip := fixtureVIP
	valid := principalBag(t, "")
	_, err := ParseRequest(valid)
	require.NoError(t, err)

	const monitor = `  meta migration-threshold="INFINITY" failure-timeout="5s"  op monitor interval="5s"`
	withParams := func(p string) map[string]string {
		return map[string]string{keyResourceParams: pyObject(map[string]string{vip: p, haproxyResource: monitor})}
	}
	cases := []struct {
		name    string
		changes map[string]string
		want    string
	}{
		{"unknown agent", map[string]string{keyResources: pyObject(map[string]string{vip: "ocf:heartbeat:IPaddr3", haproxyResource: AgentHAProxy})}, `unknown resource agent "ocf:heartbeat:IPaddr3"`},
		{"agent without provider", map[string]string{keyResources: pyObject(map[string]string{vip: "IPaddr2", haproxyResource: AgentHAProxy})}, `unknown resource agent "IPaddr2"`},
		{"unknown parameter", withParams(`params ip="10.20.0.100" address="10.20.0.100"`), `has no parameter "address"`},
		{"required parameter missing", withParams(`params nic="eth0"`), "required parameter ip of ocf:heartbeat:IPaddr2 is missing"},
		{"ip not an address", withParams(`params ip="10.20.0.300"`), `parameter ip "10.20.0.300" is not an IP address`},
		{"netmask too long for IPv4", withParams(`params ip="10.20.0.100" cidr_netmask="33"`), `cidr_netmask "33" is longer than an IPv4 netmask`},
		{"netmask not a number", withParams(`params ip="10.20.0.100" cidr_netmask="255.255.255.0"`), "is not a prefix length"},
		{"bad nic", withParams(`params ip="10.20.0.100" nic="eth0:1/x"`), "is not a network interface name"},
		{"unknown meta attribute", withParams(`params ip="10.20.0.100" meta migration_threshold="3"`), `unknown meta attribute "migration_threshold"`},
		{"bad failure-timeout", withParams(`params ip="10.20.0.100" meta failure-timeout="soon"`), `failure-timeout "soon" is not a duration`},
		{"unknown operation", withParams(`params ip="10.20.0.100" op watch interval="10s"`), `unknown operation "watch"`},
		{"bad interval", withParams(`params ip="10.20.0.100" op monitor interval="ten"`), `interval "ten" is not a duration`},
		{"op without action", withParams(`params ip="10.20.0.100" op interval="10s"`), "op without an action"},
		{"unterminated quote", withParams(`params ip="10.20.0.100`), "unterminated quote"},
		{"not name=value", withParams(`params 10.20.0.100`), `"10.20.0.100" in params is not name=value`},
		{"empty params", withParams(`params meta failure-timeout="5s"`), "empty params section"},
		{"unsupported section", withParams(`params ip="10.20.0.100" utilization cpu="1"`), `section "utilization" is not supported`},
		{"unknown keyword", withParams(`parms ip="10.20.0.100"`), `unexpected "parms"`},
		{"lsb agent takes no parameters", map[string]string{keyResourceParams: pyObject(map[string]string{haproxyResource: `params config="/etc/haproxy/haproxy.cfg"`})}, `lsb:haproxy has no parameter "config"`},
		{"params for unknown resource", map[string]string{keyResourceParams: pyObject(map[string]string{"res_panko_ghost_vip": `params ip="10.0.0.1"`, haproxyResource: monitor})}, "res_panko_ghost_vip is not in json_resources"},
		{"invalid resource id", map[string]string{keyResources: pyObject(map[string]string{"res panko": AgentHAProxy})}, `"res panko" is not a valid resource id`},
		{"group member unknown", map[string]string{keyGroups: pyObject(map[string]string{vipGroup: vip + " res_panko_ghost_vip"})}, "member res_panko_ghost_vip is not a resource of json_resources"},
		{"member in two groups", map[string]string{keyGroups: pyObject(map[string]string{vipGroup: vip, "grp_other": vip})}, "is already in"},
		{"group without members", map[string]string{keyGroups: pyObject(map[string]string{vipGroup: ""})}, "has no members"},
		{"group named like a resource", map[string]string{keyGroups: pyObject(map[string]string{vip: vip})}, vip + " is also a resource"},
		{"clone of unknown resource", map[string]string{keyClones: pyObject(map[string]string{haproxyClone: "res_panko_apache"})}, "res_panko_apache is not a resource or group of this request"},
		{"clone of a grouped resource", map[string]string{keyClones: pyObject(map[string]string{haproxyClone: haproxyResource, "cl_vip": vip})}, "cannot be cloned itself"},
		{"resource cloned twice", map[string]string{keyClones: pyObject(map[string]string{haproxyClone: haproxyResource, "cl_haproxy": haproxyResource})}, "is already cloned by"},
		{"clone naming two resources", map[string]string{keyClones: pyObject(map[string]string{haproxyClone: haproxyResource + " " + vip})}, "must name exactly one resource"},
		{"delete of an invalid id", map[string]string{keyDeleteResources: pyList([]string{"res_panko_eth0_vip", "1bad"})}, `"1bad" is not a valid resource id`},
		{"delete of a created resource", map[string]string{keyDeleteResources: pyList([]string{vip})}, vip + " is deleted and created by the same request"},
		{"delete listed twice", map[string]string{keyDeleteResources: pyList([]string{"res_x", "res_x"})}, "res_x is listed twice"},
		{"resources not JSON", map[string]string{keyResources: "{'res_panko_haproxy': 'lsb:haproxy'}"}, "json_resources: not a JSON object of strings"},
		{"deletes not a list", map[string]string{keyDeleteResources: `{"a": "b"}`}, "json_delete_resources: not a JSON list of strings"},
		{"init service of no resource", map[string]string{keyInitServices: pyList([]string{"apache2"})}, `"apache2" is the service of no lsb: or systemd: resource`},
		{"init services object with unknown resource", map[string]string{keyInitServices: pyObject(map[string]string{"res_panko_apache2": "apache2"})}, "res_panko_apache2 is not a resource of json_resources"},
		{"unknown json key", map[string]string{"json_resource": "{}"}, "json_resource: unknown key"},
		{"legacy key", map[string]string{"resources": "{'res_panko_haproxy': 'lsb:haproxy'}"}, "legacy key without the json_ prefix"},
		{"bad mcastport", map[string]string{keyMcastPort: "70000"}, `corosync_mcastport: "70000" is not a port`},
		{"bad bindiface", map[string]string{keyBindIface: "eth 0"}, `corosync_bindiface: "eth 0" is not a network interface name`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bag := maps.Clone(valid)
			maps.Copy(bag, tc.changes)

			_, err := ParseRequest(bag)

			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseRequestAgents(t *testing.T) {
	cases := []struct {
		name   string
		agent  string
		params string
		want   string // "" when valid
	}{
		{"IPv6addr", AgentIPv6addr, `params ipv6addr="2001:db8::1" cidr_netmask="64" nic="eth0"`, ""},
		{"IPv6addr with prefix", AgentIPv6addr, `params ipv6addr="2001:db8::1/64"`, ""},
		{"IPv6addr given IPv4", AgentIPv6addr, `params ipv6addr="10.0.0.1"`, "is not an IPv6 address"},
		{"IPv6addr netmask too long", AgentIPv6addr, `params ipv6addr="2001:db8::1" cidr_netmask="129"`, "is not a prefix length (0 to 128)"},
		{"IPv6addr IPaddr2 parameter", AgentIPv6addr, `params ipv6addr="2001:db8::1" ip="2001:db8::1"`, `has no parameter "ip"`},
		{"dns", AgentDNS, `params fqdn="panko.example.com" ip_address="10.0.0.1"`, ""},
		{"dns with MAAS settings", AgentDNS, `params fqdn="panko.example.com" ip_address="10.0.0.1" maas_url="http://maas/MAAS" maas_credentials="a:b:c"`, ""},
		{"dns without ip_address", AgentDNS, `params fqdn="panko.example.com"`, "required parameter ip_address"},
		{"dns fqdn not a name", AgentDNS, `params fqdn="panko_example com" ip_address="10.0.0.1"`, "is not a DNS name"},
		{"dns fqdn is an address", AgentDNS, `params fqdn="10.0.0.1" ip_address="10.0.0.1"`, "is not a DNS name"},
		{"dns ip_address not an IP", AgentDNS, `params fqdn="panko.example.com" ip_address="panko"`, "is not an IP address"},
		{"IPaddr2 IPv6 netmask allowed for an IPv6 ip", AgentIPaddr2, `params ip="2001:db8::1" cidr_netmask="64"`, ""},
		{"description accepted", AgentIPaddr2, `description="the VIP" params ip="10.0.0.1"`, ""},
		{"op role and on-fail", AgentIPaddr2, `params ip="10.0.0.1" op monitor interval="5s" role="Started" on-fail="restart" op start timeout="PT20S"`, ""},
		{"meta twice", AgentIPaddr2, `params ip="10.0.0.1" meta failure-timeout="5s" failure-timeout="6s"`, "failure-timeout is set twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bag := map[string]string{
				keyResources:      pyObject(map[string]string{"res_x": tc.agent}),
				keyResourceParams: pyObject(map[string]string{"res_x": tc.params}),
			}

			_, err := ParseRequest(bag)

			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseRequestEmpty(t *testing.T) {
	r, err := ParseRequest(map[string]string{})
	require.NoError(t, err)
	assert.Empty(t, r.Primitives)
	assert.Empty(t, r.Commands())
}

func TestClusterApplyDeletes(t *testing.T) {
	prim := func(name string) Primitive { return Primitive{Name: name, Agent: AgentHAProxy} }
	state := Cluster{
		Primitives: map[string]Primitive{"a": prim("a"), "b": prim("b"), "c": prim("c")},
		Groups:     map[string]Group{"g": {Name: "g", Members: []string{"a", "b"}}},
		Clones:     map[string]Clone{"cl_c": {Name: "cl_c", Resource: "c"}, "cl_g": {Name: "cl_g", Resource: "g"}},
	}
	cases := []struct {
		name    string
		deletes []string
		want    []string
		missing []string
	}{
		{"member leaves its group", []string{"a"}, []string{`primitive b lsb:haproxy`, `primitive c lsb:haproxy`, "group g b", "clone cl_c c", "clone cl_g g"}, nil},
		{"emptied group and its clone go", []string{"a", "b"}, []string{`primitive c lsb:haproxy`, "clone cl_c c"}, nil},
		{"group takes its members", []string{"g"}, []string{`primitive c lsb:haproxy`, "clone cl_c c"}, nil},
		{"clone goes with its resource", []string{"c"}, []string{`primitive a lsb:haproxy`, `primitive b lsb:haproxy`, "group g a b", "clone cl_g g"}, nil},
		{"unknown names are skipped", []string{"zz"}, state.Commands(), []string{"zz"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, missing := state.Apply(Request{Deletes: tc.deletes})
			assert.Equal(t, tc.want, got.Commands())
			assert.Equal(t, tc.missing, missing)
		})
	}
}
