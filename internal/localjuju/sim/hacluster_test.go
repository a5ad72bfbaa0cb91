package sim

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

// haFixture is testdata/relations/hacluster-ha.json.
type haFixture struct {
	Local struct {
		Units bags `json:"units"`
	} `json:"local"`
	Variants map[string]struct {
		LocalUnitOverrides map[string]string `json:"local_unit_overrides"`
		LocalUnitData      map[string]string `json:"local_unit_data"`
	} `json:"variants"`
}

// principalBag returns panko/0's ha bag with a variant applied ("" for the
// base bag).
func (f haFixture) principalBag(t *testing.T, variant string) map[string]string {
	t.Helper()
	bag := maps.Clone(f.Local.Units["panko/0"])
	require.NotNil(t, bag)
	if variant != "" {
		v, ok := f.Variants[variant]
		require.True(t, ok, "variant %s", variant)
		if v.LocalUnitData != nil {
			bag = maps.Clone(v.LocalUnitData)
		}
		maps.Copy(bag, v.LocalUnitOverrides)
	}
	return bag
}

func loadHAFixture(t *testing.T) haFixture {
	t.Helper()
	f := relfixture.Load[haFixture](t, "hacluster-ha.json")
	return f
}

// haModel drives a hacluster simulator the way the local model does: one
// Respond per subordinate unit, seeing only its own principal.
type haModel struct {
	app       App
	leader    string
	relID     int
	addrs     map[string]string // every unit the model knows
	principal map[string]string // hacluster unit -> panko unit
	order     []string          // hacluster units in the model's order
	remote    bags              // panko unit -> ha bag
	own       bags              // hacluster unit -> bag
}

// newHAModel relates n panko units to a hacluster application.
func newHAModel(t *testing.T, dir string, config map[string]string, n int, bag map[string]string) *haModel {
	t.Helper()
	m := &haModel{leader: "hacluster/0", relID: 21, addrs: map[string]string{},
		principal: map[string]string{}, remote: bags{}, own: bags{}}
	for i := 0; i < n; i++ {
		m.addPair(i, bag)
	}
	app, err := New("hacluster", config, Env{StateDir: dir, UnitAddress: func(u string) string { return m.addrs[u] }})
	require.NoError(t, err)
	m.app = app
	return m
}

// addPair adds panko/i with its hacluster/i.
func (m *haModel) addPair(i int, bag map[string]string) {
	p, s := fmt.Sprintf("panko/%d", i), fmt.Sprintf("hacluster/%d", i)
	addr := fmt.Sprintf("10.5.0.%d", 10+i)
	m.addrs[p], m.addrs[s] = addr, addr
	m.principal[s] = p
	m.order = append(m.order, s)
	m.remote[p] = maps.Clone(bag)
	maps.Copy(m.remote[p], jujuKeysOf(addr))
	m.own[s] = jujuKeysOf(addr)
}

// removePair removes hacluster/i and its principal from the model.
func (m *haModel) removePair(i int) {
	p, s := fmt.Sprintf("panko/%d", i), fmt.Sprintf("hacluster/%d", i)
	delete(m.addrs, p)
	delete(m.addrs, s)
	delete(m.remote, p)
	delete(m.own, s)
	var keep []string
	for _, u := range m.order {
		if u != s {
			keep = append(keep, u)
		}
	}
	m.order = keep
}

func jujuKeysOf(addr string) map[string]string {
	return map[string]string{"private-address": addr, "ingress-address": addr, "egress-subnets": addr + "/32"}
}

// round asks every hacluster unit once and returns which said clustered.
func (m *haModel) round(t *testing.T) []bool {
	t.Helper()
	var out []bool
	for _, s := range m.order {
		m.respond(t, s)
		out = append(out, m.own[s]["clustered"] == "yes")
	}
	return out
}

// respond asks one hacluster unit and applies its answer.
func (m *haModel) respond(t *testing.T, s string) {
	t.Helper()
	p := m.principal[s]
	rel := Relation{ID: m.relID, Endpoint: "ha", RemoteApp: "panko",
		RemoteUnits: bags{p: maps.Clone(m.remote[p])}, Units: bags{s: maps.Clone(m.own[s])}}
	resp, err := m.app.Respond(context.Background(), []string{s}, m.leader, rel)
	require.NoError(t, err)
	assert.Nil(t, resp.AppData, "hacluster has no application data")
	for u, b := range resp.Units {
		require.Equal(t, s, u, "answered for a unit not asked")
		m.own[u] = b
	}
}

func TestHAClusterClusteredAtClusterCount(t *testing.T) {
	cases := []struct {
		name   string
		config map[string]string
		units  int
		first  []bool // after the first answer of each unit, in order
		second []bool // after every unit was asked again
	}{
		{"default cluster_count 3, three units", nil, 3, []bool{false, false, true}, []bool{true, true, true}},
		{"default cluster_count 3, two units", nil, 2, []bool{false, false}, []bool{false, false}},
		{"cluster_count 1", map[string]string{"cluster_count": "1"}, 3, []bool{true, true, true}, []bool{true, true, true}},
		{"cluster_count 2, three units", map[string]string{"cluster_count": "2"}, 3, []bool{false, true, true}, []bool{true, true, true}},
		{"cluster_count 5, three units", map[string]string{"cluster_count": "5"}, 3, []bool{false, false, false}, []bool{false, false, false}},
	}
	bag := loadHAFixture(t).principalBag(t, "")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newHAModel(t, t.TempDir(), tc.config, tc.units, bag)

			first := m.round(t)
			second := m.round(t)

			assert.Equal(t, tc.first, first, "first round")
			assert.Equal(t, tc.second, second, "second round")
			for _, s := range m.order {
				assert.Equal(t, m.addrs[s], m.own[s]["private-address"], "Juju's keys are kept")
				if v, ok := m.own[s]["clustered"]; ok {
					assert.Equal(t, "yes", v)
				}
			}
		})
	}
}

func TestHAClusterNeverWithdrawsClustered(t *testing.T) {
	dir := t.TempDir()
	m := newHAModel(t, dir, nil, 3, loadHAFixture(t).principalBag(t, ""))
	m.round(t)
	require.Equal(t, []bool{true, true, true}, m.round(t))

	m.removePair(2)                             // below cluster_count now
	m.remote["panko/0"]["json_resources"] = "{" // and an invalid request
	got := m.round(t)

	assert.Equal(t, []bool{true, true}, got)
	status, ok, err := HACluster(dir, "hacluster")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []string{"hacluster/0", "hacluster/1"}, status.Nodes, "the removed unit left the cluster")
	assert.Contains(t, status.Principals[0].Errors, "panko/0")
}

func TestHAClusterCountsOnlyUnitsTheModelKnows(t *testing.T) {
	dir := t.TempDir()
	bag := loadHAFixture(t).principalBag(t, "")
	m := newHAModel(t, dir, map[string]string{"cluster_count": "4"}, 3, bag)
	require.Equal(t, []bool{false, false, false}, m.round(t))

	m.removePair(2)
	m.addPair(3, bag)
	afterReplace := m.round(t)
	m.addPair(4, bag)
	m.round(t)
	afterGrow := m.round(t)

	assert.Equal(t, []bool{false, false, false}, afterReplace, "3 nodes: hacluster/2 is gone")
	assert.Equal(t, []bool{true, true, true, true}, afterGrow)
}

func TestHAClusterRefusesInvalidRequests(t *testing.T) {
	base := loadHAFixture(t).principalBag(t, "")
	vip := vipResource("10.20.0.100")
	cases := []struct {
		name    string
		changes map[string]string
		want    string // "" = accepted
	}{
		{"fixture request", nil, ""},
		{"unknown agent", map[string]string{"json_resources": `{"` + vip + `": "ocf:heartbeat:IPaddr3", "res_panko_haproxy": "lsb:haproxy"}`}, `unknown resource agent "ocf:heartbeat:IPaddr3"`},
		{"parameter does not parse", map[string]string{"json_resource_params": `{"` + vip + `": "params ip=\"10.20.0.300\"", "res_panko_haproxy": ""}`}, `"10.20.0.300" is not an IP address`},
		{"unknown parameter", map[string]string{"json_resource_params": `{"` + vip + `": "params ip=\"10.20.0.100\" address=\"x\"", "res_panko_haproxy": ""}`}, `has no parameter "address"`},
		{"group of an unknown resource", map[string]string{"json_groups": `{"grp_panko_vips": "res_panko_ghost_vip"}`}, "res_panko_ghost_vip is not a resource of json_resources"},
		{"clone of an unknown resource", map[string]string{"json_clones": `{"cl_res_panko_haproxy": "res_panko_apache"}`}, "res_panko_apache is not a resource or group"},
		{"deletion of an invalid name", map[string]string{"json_delete_resources": `["1bad"]`}, `"1bad" is not a valid resource id`},
		{"legacy key", map[string]string{"resources": `{"res_panko_haproxy": "lsb:haproxy"}`}, "legacy key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bag := maps.Clone(base)
			maps.Copy(bag, tc.changes)
			m := newHAModel(t, dir, map[string]string{"cluster_count": "1"}, 1, bag)

			got := m.round(t)

			status, ok, err := HACluster(dir, "hacluster")
			require.NoError(t, err)
			require.True(t, ok)
			require.Len(t, status.Principals, 1)
			p := status.Principals[0]
			if tc.want == "" {
				assert.Equal(t, []bool{true}, got)
				assert.Empty(t, p.Errors)
				assert.NotEmpty(t, p.Commands)
				return
			}
			assert.Equal(t, []bool{false}, got, "an invalid request is not answered")
			assert.Contains(t, p.Errors["panko/0"], tc.want)
			assert.Empty(t, p.Commands, "nothing reaches Pacemaker")
			assert.Empty(t, p.Clustered)
		})
	}
}

func TestHAClusterPacemakerPicture(t *testing.T) {
	f := loadHAFixture(t)
	for _, variant := range []string{"", "vip_fallback_config", "dns_ha", "classic_charm_helpers_form"} {
		t.Run("variant "+variant, func(t *testing.T) {
			dir := t.TempDir()
			bag := f.principalBag(t, variant)
			m := newHAModel(t, dir, nil, 3, bag)

			m.round(t)

			status, ok, err := HACluster(dir, "hacluster")
			require.NoError(t, err)
			require.True(t, ok)
			require.Len(t, status.Principals, 1)
			p := status.Principals[0]
			assert.Equal(t, "panko", p.Application)
			assert.Equal(t, 21, p.RelationID)
			assert.Equal(t, "panko/0", p.AppliedFrom, "the leader hacluster/0 applies its principal's request")
			var resources, groups, clones map[string]string
			var deletes []string
			require.NoError(t, json.Unmarshal([]byte(bag["json_resources"]), &resources))
			require.NoError(t, json.Unmarshal([]byte(bag["json_groups"]), &groups))
			require.NoError(t, json.Unmarshal([]byte(bag["json_clones"]), &clones))
			require.NoError(t, json.Unmarshal([]byte(bag["json_delete_resources"]), &deletes))
			var want []string
			for name, agent := range resources {
				want = append(want, "primitive "+name+" "+agent)
			}
			for name, members := range groups {
				want = append(want, "group "+name+" "+members)
			}
			for name, res := range clones {
				want = append(want, "clone "+name+" "+res)
			}
			require.Len(t, p.Commands, len(want))
			for _, w := range want {
				assert.True(t, hasPrefixIn(p.Commands, w), "no command starting with %q in %q", w, p.Commands)
			}
			if len(deletes) == 0 {
				assert.Empty(t, p.SkippedDeletions)
			} else {
				assert.Equal(t, deletes, p.SkippedDeletions, "nothing to delete in a new cluster")
			}
		})
	}
}

func hasPrefixIn(list []string, prefix string) bool {
	for _, s := range list {
		if s == prefix || strings.HasPrefix(s, prefix+" ") {
			return true
		}
	}
	return false
}

func TestHAClusterVIPChange(t *testing.T) {
	oldVIP, newVIP := vipResource("10.5.0.100"), vipResource("10.5.0.101")
	before := principalRequest("10.5.0.100", []string{oldVIP}, nil)
	after := principalRequest("10.5.0.101", []string{newVIP}, []string{oldVIP})
	dir := t.TempDir()
	m := newHAModel(t, dir, map[string]string{"cluster_count": "1"}, 1, before)
	m.round(t)
	status, _, err := HACluster(dir, "hacluster")
	require.NoError(t, err)
	require.True(t, hasPrefixIn(status.Principals[0].Commands, "primitive "+oldVIP), "old VIP configured first")

	maps.Copy(m.remote["panko/0"], after)
	m.round(t)

	status, _, err = HACluster(dir, "hacluster")
	require.NoError(t, err)
	cmds := status.Principals[0].Commands
	assert.True(t, hasPrefixIn(cmds, "primitive "+newVIP), "new VIP in %q", cmds)
	assert.False(t, hasPrefixIn(cmds, "primitive "+oldVIP), "old VIP still in %q", cmds)
	assert.Contains(t, cmds, "group grp_panko_vips "+newVIP)
	assert.NotContains(t, status.Principals[0].SkippedDeletions, oldVIP, "the old VIP was really deleted")
}

func TestHAClusterOnlyLeaderApplies(t *testing.T) {
	first := principalRequest("10.5.0.100", nil, nil)
	second := principalRequest("10.5.0.102", nil, nil)
	dir := t.TempDir()
	m := newHAModel(t, dir, map[string]string{"cluster_count": "2"}, 2, first)
	m.round(t)
	maps.Copy(m.remote["panko/1"], second)

	m.respond(t, "hacluster/1") // not the leader
	status, _, err := HACluster(dir, "hacluster")
	require.NoError(t, err)
	notApplied := status.Principals[0].Commands
	m.leader = "hacluster/1"
	m.respond(t, "hacluster/1")
	status, _, err = HACluster(dir, "hacluster")
	require.NoError(t, err)
	applied := status.Principals[0].Commands

	newVIP := "primitive " + vipResource("10.5.0.102")
	assert.False(t, hasPrefixIn(notApplied, newVIP), "a non-leader applied its request")
	assert.True(t, hasPrefixIn(applied, newVIP), "the leader did not apply its request")
	assert.Equal(t, "panko/1", status.Principals[0].AppliedFrom)
}

func TestHAClusterWaitsForResources(t *testing.T) {
	dir := t.TempDir()
	m := newHAModel(t, dir, map[string]string{"cluster_count": "1"}, 1, map[string]string{})

	got := m.round(t)

	assert.Equal(t, []bool{false}, got, "nothing asked, nothing to cluster")
	status, ok, err := HACluster(dir, "hacluster")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Empty(t, status.Principals[0].Commands, "nothing configured yet")
}

func TestHAClusterEndpointsAndConfig(t *testing.T) {
	cases := []struct {
		name    string
		config  map[string]string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"cluster_count 5", map[string]string{"cluster_count": "5"}, ""},
		{"cluster_count 0", map[string]string{"cluster_count": "0"}, `cluster_count "0" is not a positive number`},
		{"cluster_count not a number", map[string]string{"cluster_count": "three"}, `cluster_count "three" is not a positive number`},
		{"unknown option", map[string]string{"corosync_transport": "udpu"}, "unknown option(s) corosync_transport"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app, err := New("hacluster", tc.config, Env{StateDir: t.TempDir()})
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "hacluster", app.Charm())
			assert.True(t, app.Subordinate())
			assert.Equal(t, map[string]Endpoint{
				"ha":     {Interface: "hacluster", Role: RoleProvides, Scope: ScopeContainer},
				"hanode": {Interface: "hacluster", Role: RolePeers, Scope: ScopeGlobal},
			}, app.Endpoints())
		})
	}
}

func TestHAClusterOtherEndpointsAndDeparture(t *testing.T) {
	dir := t.TempDir()
	m := newHAModel(t, dir, map[string]string{"cluster_count": "1"}, 1, loadHAFixture(t).principalBag(t, ""))
	m.round(t)
	before, _, err := HACluster(dir, "hacluster")
	require.NoError(t, err)

	peers, errPeers := m.app.Respond(context.Background(), []string{"hacluster/0"}, "hacluster/0", Relation{ID: 3, Endpoint: "hanode"})
	_, errOther := m.app.Respond(context.Background(), []string{"hacluster/0"}, "hacluster/0", Relation{ID: 4, Endpoint: "juju-info"})
	errDeparted := m.app.Departed(context.Background(), Relation{ID: 21, Endpoint: "ha", RemoteApp: "panko"})

	require.NoError(t, errPeers)
	assert.Empty(t, peers.Units)
	require.Error(t, errOther)
	assert.Contains(t, errOther.Error(), `no endpoint "juju-info"`)
	require.NoError(t, errDeparted)
	after, _, err := HACluster(dir, "hacluster")
	require.NoError(t, err)
	assert.Equal(t, before, after, "Pacemaker keeps its resources when the principal leaves")
	assert.Equal(t, []string{"hacluster/0"}, after.Principals[0].Clustered)
}

func TestShowHAClusterBeforeAnyAnswer(t *testing.T) {
	dir := t.TempDir()

	_, okEmpty, err := HACluster(dir, "hacluster")
	_, ok, errStatus := HACluster(filepath.Join(dir, "missing"), "hacluster")
	_, _, errBad := HACluster(dir, "../x")

	require.NoError(t, err)
	assert.False(t, okEmpty)
	require.NoError(t, errStatus)
	assert.False(t, ok)
	require.Error(t, errBad)
}

// vipResource is the name the reactive Panko charm gives the VIP's
// resource: res_panko_<first 7 hex digits of sha1(vip)>_vip.
func vipResource(vip string) string {
	sum := sha1.Sum([]byte(vip))
	return "res_panko_" + hex.EncodeToString(sum[:])[:7] + "_vip"
}

// principalRequest is the ha bag the reactive Panko charm sends for one
// IPv4 VIP on eth0 (the recorded form: all eleven json_* keys, two spaces
// before each crm section), grouping the VIP resources in group and
// deleting deletes.
func principalRequest(vip string, group, deletes []string) map[string]string {
	name := vipResource(vip)
	groups := "{}"
	if len(group) > 0 {
		groups = `{"grp_panko_vips": "` + strings.Join(group, " ") + `"}`
	}
	del := "[]"
	if len(deletes) > 0 {
		del = `["` + strings.Join(deletes, `", "`) + `"]`
	}
	return map[string]string{
		"corosync_bindiface":    "eth0",
		"corosync_mcastport":    "4440",
		"json_clones":           `{"cl_res_panko_haproxy": "res_panko_haproxy"}`,
		"json_colocations":      "{}",
		"json_delete_resources": del,
		"json_groups":           groups,
		"json_init_services":    `["haproxy"]`,
		"json_locations":        "{}",
		"json_ms":               "{}",
		"json_orders":           "{}",
		"json_resource_params": `{"` + name + `": "  params ip=\"` + vip + `\"  meta migration-threshold=\"INFINITY\" failure-timeout=\"5s\"  op monitor timeout=\"20s\" interval=\"10s\" depth=\"0\"", ` +
			`"res_panko_haproxy": "  meta migration-threshold=\"INFINITY\" failure-timeout=\"5s\"  op monitor interval=\"5s\""}`,
		"json_resources":        `{"` + name + `": "ocf:heartbeat:IPaddr2", "res_panko_haproxy": "lsb:haproxy"}`,
		"json_systemd_services": "[]",
	}
}

// TestPrincipalRequestIsTheRecordedForm pins principalRequest to what the
// reactive Panko charm was recorded sending.
func TestPrincipalRequestIsTheRecordedForm(t *testing.T) {
	vip := vipResource("10.20.0.100")

	got := principalRequest("10.20.0.100", []string{vip}, []string{"res_panko_eth0_vip"})

	assert.Equal(t, "res_panko_c461f31_vip", vip)
	want := loadHAFixture(t).principalBag(t, "")
	for _, k := range []string{"egress-subnets", "ingress-address", "private-address"} {
		delete(want, k)
	}
	assert.Equal(t, want, got)
}
