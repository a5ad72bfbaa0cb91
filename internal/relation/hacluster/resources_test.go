package hacluster

import (
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/pacemaker"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// oneNIC is a unit with one interface on 10.20.0.0/24, as in the fixture.
func oneNIC() []Interface {
	return []Interface{{Name: "eth0", CIDRs: []string{"10.20.0.11/24"}}}
}

// TestResourcesMatchReactiveCharm checks the bag against the one the
// reactive Panko charm sent for the same configuration.
func TestResourcesMatchReactiveCharm(t *testing.T) {
	f := loadFixture(t)
	cases := []struct {
		name    string
		variant string
		in      Input
	}{
		{
			name: "one VIP detected on eth0",
			in:   Input{VIPs: []string{"10.20.0.100"}, VIPIface: "eth0", VIPCIDR: 24, Interfaces: oneNIC()},
		},
		{
			name:    "dns-ha with os-public-hostname",
			variant: "dns_ha",
			in: Input{
				VIPIface: "eth0", VIPCIDR: 24, Interfaces: oneNIC(), DNSHA: true,
				Hostnames: []Hostname{{Binding: openstack.Public, FQDN: "panko.example.com", Address: "10.20.0.11"}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := f.principalBag(t, tc.variant)

			got := Resources(tc.in)

			assert.Equal(t, want, got)
		})
	}
}

// TestResourcesFallbackMatchesReactiveParams checks a VIP outside the
// unit's networks: the definition is the reactive charm's (nic and
// cidr_netmask from config), under the sha1 name, and the reactive charm's
// name for it is deleted.
func TestResourcesFallbackMatchesReactiveParams(t *testing.T) {
	ref := loadFixture(t).principalBag(t, "vip_fallback_config")
	var refParams map[string]string
	require.NoError(t, json.Unmarshal([]byte(ref[KeyResourceParams]), &refParams))
	require.Contains(t, refParams, "res_panko_eth0_vip")

	got := Resources(Input{VIPs: []string{"10.20.0.100"}, VIPIface: "eth0", VIPCIDR: 24})

	var params map[string]string
	require.NoError(t, json.Unmarshal([]byte(got[KeyResourceParams]), &params))
	name := VIPResourceName("10.20.0.100")
	assert.Equal(t, refParams["res_panko_eth0_vip"], params[name])
	assert.Equal(t, `["res_panko_eth0_vip"]`, got[KeyDeleteResources])
	assert.Equal(t, `{"grp_panko_vips": "`+name+`"}`, got[KeyGroups])
}

// goldenCase is one configuration whose bag is kept in testdata/golden.
type goldenCase struct {
	name string
	in   Input
}

func goldenCases() []goldenCase {
	threeNICs := []Interface{
		{Name: "eth0", CIDRs: []string{"10.20.0.11/24", "fe80::1/64"}},
		{Name: "eth1", CIDRs: []string{"10.30.0.11/24"}},
		{Name: "eth2", CIDRs: []string{"10.40.0.0/24"}},
	}
	twoVIPs := Input{VIPs: []string{"10.20.0.100", "10.20.0.101"}, VIPIface: "eth0", VIPCIDR: 24, Interfaces: oneNIC()}
	return []goldenCase{
		{"one-vip", Input{VIPs: []string{"10.20.0.100"}, VIPIface: "eth0", VIPCIDR: 24, Interfaces: oneNIC()}},
		{"three-vips-three-bindings", Input{
			VIPs:     []string{"10.40.0.100", "10.20.0.100", "10.30.0.100"},
			VIPIface: "eth0", VIPCIDR: 24, Interfaces: threeNICs,
		}},
		{"ipv6", Input{
			VIPs: []string{"2001:db8:20::100"}, VIPIface: "eth0", VIPCIDR: 24,
			Interfaces: []Interface{{Name: "eth0", CIDRs: []string{"2001:db8:20::11/64"}}},
		}},
		{"fallback-iface-cidr", Input{
			VIPs: []string{"10.50.0.100", "2001:db8:50::100"}, VIPIface: "ens3", VIPCIDR: 22, Interfaces: oneNIC(),
		}},
		{"vip-removed", Input{
			VIPs: []string{"10.20.0.101"}, VIPIface: "eth0", VIPCIDR: 24, Interfaces: oneNIC(),
			Previous: Resources(twoVIPs),
		}},
		{"dns-ha", Input{
			VIPIface: "eth0", VIPCIDR: 24, Interfaces: threeNICs, DNSHA: true,
			Hostnames: []Hostname{
				{Binding: openstack.Public, FQDN: "panko.example.com", Address: "10.20.0.11"},
				{Binding: openstack.Internal, FQDN: "panko-int.example.com", Address: "10.30.0.11"},
				{Binding: openstack.Admin, FQDN: "panko-admin.example.com", Address: "10.40.0.11"},
			},
		}},
	}
}

func goldenFile(name string) string {
	return filepath.Join("testdata", "golden", name+".json")
}

// TestResourcesGolden compares each configuration's bag with its golden
// file (go test -update rewrites them) and checks that the local model's
// hacluster (pacemaker.ParseRequest) accepts it.
func TestResourcesGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := Resources(tc.in)

			if *update {
				raw, err := json.MarshalIndent(got, "", "  ")
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(goldenFile(tc.name), append(raw, '\n'), 0o644))
			}
			raw, err := os.ReadFile(goldenFile(tc.name))
			require.NoError(t, err)
			var want map[string]string
			require.NoError(t, json.Unmarshal(raw, &want))
			assert.Equal(t, want, got)

			_, err = pacemaker.ParseRequest(got)
			assert.NoError(t, err)
		})
	}
}

// TestGoldenNoStrays fails on golden files no case writes.
func TestGoldenNoStrays(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	require.NoError(t, err)
	var names []string
	for _, c := range goldenCases() {
		names = append(names, goldenFile(c.name))
	}
	for _, f := range files {
		assert.Contains(t, names, f)
	}
}

// decoded returns the bag's json_* values decoded, for assertions.
type decoded struct {
	resources, params, groups, clones map[string]string
	deletes, initServices             []string
}

func decode(t *testing.T, bag map[string]string) decoded {
	t.Helper()
	var d decoded
	for key, dst := range map[string]*map[string]string{
		KeyResources: &d.resources, KeyResourceParams: &d.params, KeyGroups: &d.groups, KeyClones: &d.clones,
	} {
		require.NoError(t, json.Unmarshal([]byte(bag[key]), dst), key)
	}
	require.NoError(t, json.Unmarshal([]byte(bag[KeyDeleteResources]), &d.deletes))
	require.NoError(t, json.Unmarshal([]byte(bag[KeyInitServices]), &d.initServices))
	return d
}

func TestResourcesBehaviour(t *testing.T) {
	vipA, vipB := "10.20.0.100", "10.20.0.101"
	nameA, nameB := VIPResourceName(vipA), VIPResourceName(vipB)
	base := Input{VIPIface: "eth0", VIPCIDR: 24, Interfaces: oneNIC()}
	with := func(vips ...string) Input {
		in := base
		in.VIPs = vips
		return in
	}
	cases := []struct {
		name  string
		state Input // previous configuration; its bag becomes Previous
		now   Input
		check func(t *testing.T, d decoded)
	}{
		{
			name:  "VIP removed is deleted and leaves the group",
			state: with(vipA, vipB), now: with(vipB),
			check: func(t *testing.T, d decoded) {
				assert.Contains(t, d.deletes, nameA)
				assert.NotContains(t, d.resources, nameA)
				assert.Equal(t, nameB, d.groups[VIPGroup])
			},
		},
		{
			name:  "VIP added back is no longer deleted",
			state: with(vipB), now: with(vipA, vipB),
			check: func(t *testing.T, d decoded) {
				assert.NotContains(t, d.deletes, nameA)
				assert.Equal(t, strings.Join(slices.Sorted(slices.Values([]string{nameA, nameB})), " "), d.groups[VIPGroup])
			},
		},
		{
			name:  "all VIPs removed deletes them and the group",
			state: with(vipA), now: with(),
			check: func(t *testing.T, d decoded) {
				assert.Subset(t, d.deletes, []string{nameA, VIPGroup})
				assert.Empty(t, d.groups)
				assert.Equal(t, map[string]string{HAProxyResource: AgentHAProxy}, d.resources)
			},
		},
		{
			name:  "dns-ha switched off deletes the records and their group",
			state: Input{DNSHA: true, Hostnames: []Hostname{{Binding: openstack.Admin, FQDN: "a.example.com", Address: "10.20.0.11"}}},
			now:   with(vipA),
			check: func(t *testing.T, d decoded) {
				assert.Subset(t, d.deletes, []string{"res_panko_admin_hostname", HostnameGroup})
			},
		},
		{
			name:  "haproxy and its clone are never deleted",
			state: with(vipA), now: with(vipB),
			check: func(t *testing.T, d decoded) {
				assert.NotContains(t, d.deletes, HAProxyResource)
				assert.NotContains(t, d.deletes, HAProxyClone)
				assert.Equal(t, map[string]string{HAProxyClone: HAProxyResource}, d.clones)
				assert.Equal(t, []string{HAProxyService}, d.initServices)
			},
		},
		{
			name:  "entries that are not IPs and duplicates are left out",
			state: Input{}, now: with("10.20.0.300", vipA, " "+vipA, "panko.example.com"),
			check: func(t *testing.T, d decoded) {
				assert.Equal(t, map[string]string{nameA: AgentIPaddr2, HAProxyResource: AgentHAProxy}, d.resources)
			},
		},
		{
			name:  "IPv6 VIP deletes the reactive charm's names",
			state: Input{}, now: Input{VIPs: []string{"2001:db8::5"}, VIPIface: "eth9", Interfaces: []Interface{{Name: "eth1", CIDRs: []string{"2001:db8::/64"}}}},
			check: func(t *testing.T, d decoded) {
				assert.Equal(t, []string{"res_panko_None_ipv6addr_vip", "res_panko_eth1_ipv6addr_vip", "res_panko_eth1_vip"}, d.deletes)
				assert.Equal(t, `  params ipv6addr="2001:db8::5"  meta migration-threshold="INFINITY" failure-timeout="5s"  op monitor timeout="20s" interval="10s" depth="0"`, d.params[VIPResourceName("2001:db8::5")])
			},
		},
		{
			name:  "unsafe vip_iface and hostname values are not written",
			state: Input{}, now: Input{
				VIPs: []string{"10.9.0.1"}, VIPIface: `eth0" evil="1`, VIPCIDR: 24, DNSHA: true,
				Hostnames: []Hostname{{Binding: openstack.Public, FQDN: "a b", Address: "10.9.0.2"}, {Binding: openstack.Admin, FQDN: "ok.example.com"}},
			},
			check: func(t *testing.T, d decoded) {
				assert.Equal(t, `  params ip="10.9.0.1" cidr_netmask="24"  meta migration-threshold="INFINITY" failure-timeout="5s"  op monitor timeout="20s" interval="10s" depth="0"`, d.params[VIPResourceName("10.9.0.1")])
				assert.NotContains(t, d.groups, HostnameGroup)
				assert.Empty(t, d.deletes)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			now.Previous = Resources(tc.state)

			got := Resources(now)

			tc.check(t, decode(t, got))
			_, err := pacemaker.ParseRequest(got)
			assert.NoError(t, err)
		})
	}
}

// TestResourcesPendingDeletesKept checks that a deletion stays in the bag
// on later evaluations, so a hacluster that was not ready when it first
// appeared still applies it.
func TestResourcesPendingDeletesKept(t *testing.T) {
	in := Input{VIPs: []string{"10.20.0.100", "10.20.0.101"}, Interfaces: oneNIC()}
	first := Resources(in)
	in.VIPs = []string{"10.20.0.101"}
	in.Previous = first
	second := Resources(in)
	in.Previous = second

	third := Resources(in)

	assert.Contains(t, decode(t, third).deletes, VIPResourceName("10.20.0.100"))
	assert.Empty(t, Changes(second, third), "a stable configuration must not change the bag")
}

func TestResourcesDeterministic(t *testing.T) {
	in := goldenCases()[1].in
	want := Resources(in)
	for i := range 20 {
		shuffled := in
		shuffled.VIPs = slices.Clone(in.VIPs)
		// Rotate the VIP order; the output must not depend on it.
		k := i % len(shuffled.VIPs)
		shuffled.VIPs = append(shuffled.VIPs[k:], shuffled.VIPs[:k]...)
		assert.Equal(t, want, Resources(shuffled))
	}
}

func TestResourcesAllKeys(t *testing.T) {
	got := Resources(Input{})
	assert.ElementsMatch(t, Keys(), slices.Collect(maps.Keys(got)))
	assert.Equal(t, "", got[KeyBindIface], "no vip_iface deletes corosync_bindiface")
	assert.Equal(t, McastPort, got[KeyMcastPort])
}

func TestVIPResourceName(t *testing.T) {
	// The fixture's name for 10.20.0.100.
	assert.Equal(t, "res_panko_c461f31_vip", VIPResourceName("10.20.0.100"))
	assert.NotEqual(t, VIPResourceName("10.20.0.100"), VIPResourceName("10.20.0.101"))
}

func TestHostnameResourceName(t *testing.T) {
	for b, want := range map[openstack.Binding]string{
		openstack.Public: "res_panko_public_hostname", openstack.Internal: "res_panko_int_hostname",
		openstack.Admin: "res_panko_admin_hostname",
	} {
		assert.Equal(t, want, HostnameResourceName(b))
	}
}

func TestDetectVIP(t *testing.T) {
	ifaces := []Interface{
		{Name: "eth0", CIDRs: []string{"not-a-cidr", "10.20.0.11/24"}},
		{Name: "eth1", CIDRs: []string{"10.20.0.0/16", "2001:db8::1/64"}},
	}
	cases := []struct {
		vip    string
		nic    string
		prefix int
		ok     bool
	}{
		{"10.20.0.100", "eth0", 24, true},
		{"10.20.5.1", "eth1", 16, true},
		{"2001:db8::100", "eth1", 64, true},
		{"10.99.0.1", "", 0, false},
		{"nonsense", "", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.vip, func(t *testing.T) {
			nic, prefix, ok := DetectVIP(tc.vip, ifaces)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.nic, nic)
			assert.Equal(t, tc.prefix, prefix)
		})
	}
}

func TestChanges(t *testing.T) {
	cur := map[string]string{"a": "1", "b": "2"}
	want := map[string]string{"a": "1", "b": "3", "c": ""}
	assert.Equal(t, map[string]string{"b": "3"}, Changes(cur, want))
	want["c"] = "x"
	assert.Equal(t, map[string]string{"b": "3", "c": "x"}, Changes(cur, want))
}

// TestResourcesInPacemaker applies the charm's successive bags for a VIP
// change to the local model's Pacemaker: state in -> request -> state out.
func TestResourcesInPacemaker(t *testing.T) {
	vipA, vipB := VIPResourceName("10.20.0.100"), VIPResourceName("10.20.0.101")
	one := Input{VIPs: []string{"10.20.0.100"}, VIPIface: "eth0", VIPCIDR: 24, Interfaces: oneNIC()}
	first := Resources(one)
	changed := one
	changed.VIPs = []string{"10.20.0.101"}
	changed.Previous = first
	second := Resources(changed)

	req1, err := pacemaker.ParseRequest(first)
	require.NoError(t, err)
	req2, err := pacemaker.ParseRequest(second)
	require.NoError(t, err)

	c1, missing1 := pacemaker.Cluster{}.Apply(req1)
	c2, missing2 := c1.Apply(req2)

	assert.Equal(t, []string{"res_panko_eth0_vip"}, missing1, "the legacy name is not configured")
	assert.Contains(t, c1.Primitives, vipA)
	assert.Equal(t, []string{vipA}, c1.Groups[VIPGroup].Members)
	assert.Equal(t, pacemaker.Clone{Name: HAProxyClone, Resource: HAProxyResource}, c1.Clones[HAProxyClone])

	assert.Equal(t, []string{"res_panko_eth0_vip"}, missing2)
	assert.NotContains(t, c2.Primitives, vipA, "the old VIP is deleted")
	assert.Contains(t, c2.Primitives, vipB)
	// Deleting the only member removed the group, so it is created anew
	// with the new VIP.
	assert.Equal(t, []string{vipB}, c2.Groups[VIPGroup].Members)
}
