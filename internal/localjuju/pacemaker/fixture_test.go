package pacemaker

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/relation/pyjson"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

// Names the recorded reactive Panko charm uses for its resources.
const (
	fixtureVIP      = "res_panko_c461f31_vip" // 10.20.0.100
	haproxyResource = "res_panko_haproxy"
	haproxyClone    = "cl_res_panko_haproxy"
	vipGroup        = "grp_panko_vips"
)

// fixture is testdata/relations/hacluster-ha.json: what the reactive Panko
// charm and the hacluster charm exchanged.
type fixture struct {
	Local    relfixture.Side `json:"local"`
	Variants map[string]struct {
		LocalUnitOverrides map[string]string `json:"local_unit_overrides"`
		LocalUnitData      map[string]string `json:"local_unit_data"`
	} `json:"variants"`
}

// principalBag returns the recorded panko/0 bag without Juju's keys, with
// a variant's overrides applied ("" for the base bag).
func principalBag(t *testing.T, variant string) map[string]string {
	t.Helper()
	f := relfixture.Load[fixture](t, "hacluster-ha.json")
	bag := maps.Clone(f.Local.Units["panko/0"])
	require.NotEmpty(t, bag, "panko/0 in the fixture")
	if variant != "" {
		v, ok := f.Variants[variant]
		require.True(t, ok, "variant %s", variant)
		if v.LocalUnitData != nil {
			bag = maps.Clone(v.LocalUnitData)
		}
		maps.Copy(bag, v.LocalUnitOverrides)
	}
	for _, k := range []string{"egress-subnets", "ingress-address", "private-address"} {
		delete(bag, k)
	}
	return bag
}

func pyObject(m map[string]string) string { return pyjson.Encode(m) }

func pyList(l []string) string { return pyjson.Encode(l) }
