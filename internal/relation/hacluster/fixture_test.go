package hacluster

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

// fixture is testdata/relations/hacluster-ha.json: what the reactive Panko charm and
// the hacluster charm exchanged.
type fixture struct {
	Local struct {
		Units map[string]map[string]string `json:"units"`
	} `json:"local"`
	Remote struct {
		Units map[string]map[string]string `json:"units"`
	} `json:"remote"`
	Variants map[string]struct {
		LocalUnitOverrides map[string]string `json:"local_unit_overrides"`
		LocalUnitData      map[string]string `json:"local_unit_data"`
		RemoteUnitData     map[string]string `json:"remote_unit_data"`
	} `json:"variants"`
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	f := relfixture.Load[fixture](t, "hacluster-ha.json")
	require.Contains(t, f.Local.Units, "panko/0")
	return f
}

// jujuKeys are the keys Juju writes itself.
func jujuKeys() []string {
	return []string{"egress-subnets", "ingress-address", "private-address"}
}

// principalBag returns panko/0's bag without Juju's keys, with a variant's
// overrides applied ("" for the base bag).
func (f fixture) principalBag(t *testing.T, variant string) map[string]string {
	t.Helper()
	bag := maps.Clone(f.Local.Units["panko/0"])
	if variant != "" {
		v, ok := f.Variants[variant]
		require.True(t, ok, "variant %s", variant)
		if v.LocalUnitData != nil {
			bag = maps.Clone(v.LocalUnitData)
		}
		maps.Copy(bag, v.LocalUnitOverrides)
	}
	for _, k := range jujuKeys() {
		delete(bag, k)
	}
	return bag
}
