package peers

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

func loadUnits(t *testing.T) map[string]map[string]string {
	t.Helper()
	f := relfixture.Load[struct {
		Units map[string]map[string]string `json:"units"`
	}](t, "panko-cluster-peer.json")
	require.NotEmpty(t, f.Units)
	return f.Units
}

func TestPublishMatchesFixture(t *testing.T) {
	for unit, bag := range loadUnits(t) {
		t.Run(unit, func(t *testing.T) {
			addrs := map[string]string{
				BindingAdmin:    bag["admin-address"],
				BindingInternal: bag["internal-address"],
				BindingPublic:   bag["public-address"],
			}

			got := Publish(addrs)

			want := map[string]string{}
			for _, k := range []string{"admin-address", "internal-address", "public-address"} {
				want[k] = bag[k]
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestPublishEdgeCases(t *testing.T) {
	cases := []struct {
		name string
		in   map[string]string
		want map[string]string
	}{
		{"empty address deletes the key", map[string]string{BindingPublic: ""}, map[string]string{"public-address": ""}},
		{"private binding", map[string]string{BindingPrivate: "10.0.0.1"}, map[string]string{"private-address": "10.0.0.1"}},
		{"no bindings", nil, map[string]string{}},
		{"empty binding name skipped", map[string]string{"": "10.0.0.1"}, map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Publish(tc.in))
		})
	}
}

func TestParseFixture(t *testing.T) {
	units := loadUnits(t)

	got := Parse(units)

	require.Len(t, got, len(units))
	for i, p := range got {
		if i > 0 {
			assert.True(t, unitLess(got[i-1].Unit, p.Unit), "not sorted: %s before %s", got[i-1].Unit, p.Unit)
		}
		bag := units[p.Unit]
		for _, b := range []string{BindingPrivate, BindingAdmin, BindingInternal, BindingPublic} {
			assert.Equal(t, bag[b+"-address"], p.Address(b), "%s %s", p.Unit, b)
		}
		_, hasIngress := p.Addresses["ingress"]
		assert.False(t, hasIngress)
		assert.Equal(t, strings.ReplaceAll(p.Unit, "/", "-"), p.BackendName())
	}
}

func TestParseEdgeCases(t *testing.T) {
	cases := []struct {
		name      string
		bags      map[string]map[string]string
		wantUnits []string
		check     func(t *testing.T, ps []Peer)
	}{
		{"numeric unit order", map[string]map[string]string{
			"panko/10": {"private-address": "10.0.0.10"},
			"panko/2":  {"private-address": "10.0.0.2"},
			"panko/1":  {"private-address": "10.0.0.1"},
		}, []string{"panko/1", "panko/2", "panko/10"}, nil},
		{"fallback to private address", map[string]map[string]string{
			"panko/0": {"private-address": "10.0.0.1", "admin-address": ""},
		}, []string{"panko/0"}, func(t *testing.T, ps []Peer) {
			assert.Equal(t, "10.0.0.1", ps[0].Address(BindingAdmin))
		}},
		{"malformed addresses dropped", map[string]map[string]string{
			"panko/0": {"private-address": "10.0.0.1", "public-address": "not an address", "internal-address": strings.Repeat("a", 10<<20)},
		}, []string{"panko/0"}, func(t *testing.T, ps []Peer) {
			assert.Equal(t, map[string]string{BindingPrivate: "10.0.0.1"}, ps[0].Addresses)
			assert.Equal(t, []string{"internal-address", "public-address"}, ps[0].Invalid, "named, sorted")
		}},
		{"unit without data", map[string]map[string]string{"panko/3": nil}, []string{"panko/3"}, func(t *testing.T, ps []Peer) {
			assert.Equal(t, "", ps[0].Address(BindingPublic))
		}},
		{"ipv6 and host names", map[string]map[string]string{
			"panko/0": {"public-address": "2001:db8::1", "admin-address": "panko-0.maas"},
		}, []string{"panko/0"}, func(t *testing.T, ps []Peer) {
			assert.Equal(t, "2001:db8::1", ps[0].Address(BindingPublic))
			assert.Equal(t, "panko-0.maas", ps[0].Address(BindingAdmin))
		}},
		{"no peers", nil, []string{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Parse(tc.bags)

			units := []string{}
			for _, p := range got {
				units = append(units, p.Unit)
			}
			assert.Equal(t, tc.wantUnits, units)
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}
