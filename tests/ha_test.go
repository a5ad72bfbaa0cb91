package tests

import (
	"context"
	"crypto/sha1" //nolint:gosec // resource names, not security
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
)

// vipResource is the hacluster resource name of a VIP:
// res_panko_<sha1(vip)[:7]>_vip.
func vipResource(vip string) string {
	sum := sha1.Sum([]byte(vip)) //nolint:gosec // naming only
	return "res_panko_" + hex.EncodeToString(sum[:])[:7] + "_vip"
}

// haSteps continue the percona story: hacluster and a VIP are added to
// the running panko -n 3: every unit ready, the catalog on the VIP once
// clustered, every resource accepted by the hacluster simulator; a new VIP
// deletes the old resource; a removed unit leaves every other unit's
// haproxy backends.
func haSteps(t *testing.T, s *coreStoryState) {
	ctx := context.Background()
	m := s.m
	units := s.units
	const vip, vip2 = "10.5.0.100", "10.5.0.101"

	step(t, "ha: hacluster and a VIP, ready on the VIP", func(t *testing.T) {
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "hacluster"}))
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"vip": vip}, nil))
		_, err := m.Relate(ctx, "panko", "hacluster")
		require.NoError(t, err)
		settle(t, m)
		for _, u := range units {
			st, msg := workload(t, m, u)
			assert.Equal(t, "active", st, u)
			assert.Equal(t, "Unit is ready", msg, u)
		}
		ha := haclusterShows(t, m)
		assert.Len(t, ha.Nodes, 3, "a hacluster unit next to every panko unit")
		require.Len(t, ha.Principals, 1)
		p := ha.Principals[0]
		assert.Equal(t, "panko", p.Application)
		assert.Len(t, p.Clustered, 3, "every hacluster unit reports clustered")
		assert.Empty(t, p.Errors, "the simulator accepted every request")
		// The first request also deletes the names older charms gave the
		// VIP (res_panko_<nic>_vip); Pacemaker never held them here.
		assert.Equal(t, []string{"res_panko_eth0_vip"}, p.SkippedDeletions, "only legacy names are skipped")
		assert.True(t, hasCommand(p.Commands, "primitive "+vipResource(vip)+" ocf:heartbeat:IPaddr2", `ip="`+vip+`"`), "VIP resource: %v", p.Commands)
		assert.True(t, hasCommand(p.Commands, "group grp_panko_vips", vipResource(vip)), "VIP group: %v", p.Commands)
		assert.True(t, hasCommand(p.Commands, "lsb:haproxy"), "haproxy resource: %v", p.Commands)
		assert.True(t, hasCommand(p.Commands, "clone "), "haproxy clone: %v", p.Commands)

		e := catalogEvent(t, m)
		for _, u := range []string{e.Public, e.Internal, e.Admin} {
			assertURL(t, u, "http", vip, "8977")
		}
		for _, u := range units {
			bag := relationData(t, m, u, "identity-service").LocalUnit.Data
			assertURL(t, bag["public_url"], "http", vip, "8977")
		}
	})

	step(t, "ha: a new VIP deletes the old resource", func(t *testing.T) {
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"vip": vip2}, nil))
		settle(t, m)
		bag := relationData(t, m, "panko/0", "ha").LocalUnit.Data
		assert.Contains(t, bag["json_delete_resources"], vipResource(vip), "the request deletes the old VIP resource")
		p := haclusterShows(t, m).Principals[0]
		assert.Empty(t, p.Errors)
		assert.True(t, hasCommand(p.Commands, "primitive "+vipResource(vip2), `ip="`+vip2+`"`), "new VIP resource: %v", p.Commands)
		assert.False(t, hasCommand(p.Commands, vipResource(vip)), "old VIP resource gone: %v", p.Commands)
		e := catalogEvent(t, m)
		assertURL(t, e.Public, "http", vip2, "8977")
	})

	step(t, "ha: pause leaves haproxy to pacemaker", func(t *testing.T) {
		const unit = "panko/1"
		res := runAction(t, m, unit, "pause", "completed")
		assert.Equal(t, map[string]any{"stopped": "memcached,apache2"}, charmResults(res))
		require.NoError(t, m.Fire(ctx, unit, "config-changed", -1, ""))
		require.NoError(t, m.Fire(ctx, unit, "update-status", -1, ""))
		settle(t, m)
		want := allServices(paused)
		want["haproxy"] = running
		assert.Equal(t, want, serviceStates(t, m, unit))
		st, msg := workload(t, m, unit)
		assert.Equal(t, [2]string{"maintenance", pausedMessage}, [2]string{st, msg})

		res = runAction(t, m, unit, "resume", "completed")
		assert.Equal(t, map[string]any{"started": "memcached,apache2,haproxy"}, charmResults(res))
		assert.Equal(t, allServices(running), serviceStates(t, m, unit))
		settle(t, m)
		requireReady(t, m, units...)
	})

	step(t, "ha: remove-unit, its backend leaves every other haproxy", func(t *testing.T) {
		gone := unitState(t, m, "panko/2").Address
		for _, u := range units[:2] {
			assert.Contains(t, haproxyBackends(t, m, u), gone+":8967", "%s balanced panko/2", u)
		}
		before := map[string][2]int{}
		for _, u := range units[:2] {
			ms := machineState(t, m, u)
			before[u] = [2]int{ms.Restarts["haproxy"], ms.Reloads["haproxy"]}
		}
		require.NoError(t, m.RemoveUnit(ctx, "panko/2"))
		settle(t, m)
		assert.Equal(t, units[:2], unitsOf(t, m, "panko"))
		for _, u := range units[:2] {
			backends := haproxyBackends(t, m, u)
			assert.NotContains(t, backends, gone+":8967", "%s: the removed unit's backend is gone", u)
			assert.Len(t, backends, 2, "%s: %v", u, backends)
			// haproxy.service reloads gracefully (ExecReload: check, then
			// SIGUSR2 to the master): the connections it holds survive.
			ms := machineState(t, m, u)
			assert.Equal(t, before[u][0], ms.Restarts["haproxy"], "%s: haproxy not restarted", u)
			assert.Greater(t, ms.Reloads["haproxy"], before[u][1], "%s: haproxy reloaded", u)
		}
		e := catalogEvent(t, m)
		for _, u := range []string{e.Public, e.Internal, e.Admin} {
			assertURL(t, u, "http", vip2, "8977")
		}
		s.units = units[:2]
	})

	step(t, "ha: the relation departs, the URLs return to the units' own addresses", func(t *testing.T) {
		require.NoError(t, m.RemoveRelation(ctx, "panko", "hacluster"))
		settle(t, m)
		for _, u := range s.units {
			requireReady(t, m, u)
			bag := relationData(t, m, u, "identity-service").LocalUnit.Data
			assertURL(t, bag["public_url"], "http", unitState(t, m, u).Address, "8977")
		}
		// Without a VIP every unit registers its own URL; keystone keeps
		// the last one.
		var addrs []string
		for _, u := range s.units {
			addrs = append(addrs, "http://"+unitState(t, m, u).Address+":8977")
		}
		assert.Contains(t, addrs, catalogEvent(t, m).Public)
	})
}

// haclusterShows returns the hacluster simulator's Pacemaker picture.
func haclusterShows(t *testing.T, m *localjuju.Model) sim.HAClusterStatus {
	t.Helper()
	for _, a := range m.Status().Applications["panko"].Units {
		for name := range a.Subordinates {
			if strings.HasPrefix(name, "hacluster/") {
				ha, ok := simulatorShows[sim.HAClusterStatus](t, m, name, "hacluster")
				require.True(t, ok, "the hacluster simulator answered")
				return ha
			}
		}
	}
	t.Fatal("no hacluster unit")
	return sim.HAClusterStatus{}
}

// hasCommand reports whether one crm command contains every part.
func hasCommand(cmds []string, parts ...string) bool {
	for _, c := range cmds {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(c, p)
		}
		if all {
			return true
		}
	}
	return false
}

// haproxyBackends lists the host:port of every server line of a unit's
// haproxy.cfg.
func haproxyBackends(t *testing.T, m *localjuju.Model, unit string) []string {
	t.Helper()
	var out []string
	for _, s := range regexp.MustCompile(`(?m)^\s*server \S+ (\S+)`).FindAllStringSubmatch(unitFile(t, m, unit, "/etc/haproxy/haproxy.cfg"), -1) {
		out = append(out, s[1])
	}
	return out
}

// TestStoryRemoveUnitKeepsTheCatalog removes one unit of panko -n 3 behind
// a VIP with TLS, its hacluster and vault relations created before the
// keystone one so that the dying unit tears them down first (Juju tears
// non-peer relations down by id): keystone registers a unit's endpoints
// whenever that unit's data changes and never on departure, so the catalog
// keeps the https VIP URLs only if the dying unit publishes nothing.
func TestStoryRemoveUnitKeepsTheCatalog(t *testing.T) {
	ctx, charm, m := story(t)
	const vip = "10.5.0.100"

	step(t, "deploy panko -n 3 with hacluster and vault, then keystone", func(t *testing.T) {
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Name: "panko", CharmPath: charm, Units: 3,
			Config: map[string]string{"openstack-origin": "cloud:focal-wallaby", "vip": vip}}))
		for _, app := range []string{"hacluster", "vault", "mysql", "keystone"} {
			require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: app}))
		}
		for _, other := range []string{"hacluster", "vault", "mysql", "keystone"} {
			_, err := m.Relate(ctx, "panko", other)
			require.NoError(t, err)
		}
		settle(t, m)
		requireReady(t, m, "panko/0", "panko/1", "panko/2")
		e := catalogEvent(t, m)
		for _, u := range []string{e.Public, e.Internal, e.Admin} {
			assertURL(t, u, "https", vip, "8977")
		}
	})

	step(t, "remove-unit panko/2: the catalog still holds the VIP URLs", func(t *testing.T) {
		require.NoError(t, m.RemoveUnit(ctx, "panko/2"))
		settle(t, m)
		assert.Equal(t, []string{"panko/0", "panko/1"}, unitsOf(t, m, "panko"))
		e := catalogEvent(t, m)
		for _, u := range []string{e.Public, e.Internal, e.Admin} {
			assertURL(t, u, "https", vip, "8977")
		}
		requireReady(t, m, "panko/0", "panko/1")
	})
}
