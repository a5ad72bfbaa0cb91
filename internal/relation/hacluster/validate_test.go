package hacluster

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openstack-charmers/charm-panko/internal/config"
)

func TestValidateVIPs(t *testing.T) {
	three := []Network{
		{Name: "public", CIDRs: []string{"10.20.0.0/24"}},
		{Name: "internal", CIDRs: []string{"10.30.0.11/24"}},
		{Name: "admin", CIDRs: []string{"10.40.0.0/24", "2001:db8:40::/64"}},
	}
	sameSpace := []Network{
		{Name: "public", CIDRs: []string{"10.20.0.0/24"}},
		{Name: "internal", CIDRs: []string{"10.20.0.11/24"}},
		{Name: "admin", CIDRs: []string{"10.20.0.0/24"}},
	}
	outside := func(vip string) config.Problem {
		return config.Problem{
			Option: "vip", Value: vip,
			Reason: "is in none of the unit's networks (public 10.20.0.0/24, internal 10.30.0.0/24, admin 10.40.0.0/24, admin 2001:db8:40::/64)",
		}
	}
	cases := []struct {
		name     string
		vips     []string
		networks []Network
		want     []config.Problem
	}{
		{"one VIP per network", []string{"10.20.0.100", "10.30.0.100", "2001:db8:40::100"}, three, nil},
		{"VIP outside every network", []string{"10.20.0.100", "10.50.0.100"}, three, []config.Problem{outside("10.50.0.100")}},
		{"each outside VIP reported once", []string{"10.50.0.1", "10.50.0.1", "192.168.0.1"}, three, []config.Problem{outside("10.50.0.1"), outside("192.168.0.1")}},
		{"single network: fallback allowed", []string{"10.50.0.100"}, sameSpace, nil},
		{"no networks known", []string{"10.50.0.100"}, nil, nil},
		{"entries that are not IPs are left to config", []string{"10.20.0.300", "vip.example.com"}, three, nil},
		{"unparsable CIDRs ignored", []string{"10.50.0.100"}, []Network{{Name: "public", CIDRs: []string{"bogus", "10.20.0.0/24"}}, {Name: "admin", CIDRs: []string{"10.20.0.0/33"}}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ValidateVIPs(tc.vips, tc.networks))
		})
	}
	assert.Equal(t, "vip: '10.50.0.100' is in none of the unit's networks (public 10.20.0.0/24, internal 10.30.0.0/24, admin 10.40.0.0/24, admin 2001:db8:40::/64)",
		ValidateVIPs([]string{"10.50.0.100"}, three)[0].String())
}

func TestClustered(t *testing.T) {
	f := loadFixture(t)
	var remote []map[string]string
	for _, bag := range f.Remote.Units {
		remote = append(remote, bag)
	}
	notYet := f.Variants["not_yet_clustered"].RemoteUnitData
	with := func(v string) map[string]string {
		b := maps.Clone(notYet)
		b[KeyClustered] = v
		return b
	}
	cases := []struct {
		name string
		bags []map[string]string
		want bool
	}{
		{"fixture: hacluster says yes", remote, true},
		{"fixture: not yet clustered", []map[string]string{notYet}, false},
		{"True from a Python str(bool)", []map[string]string{with("True")}, true},
		{"YES in capitals", []map[string]string{with(" YES ")}, true},
		{"false", []map[string]string{with("false")}, false},
		{"no", []map[string]string{with("no")}, false},
		{"empty", []map[string]string{with("")}, false},
		{"any unit suffices", []map[string]string{notYet, with("yes")}, true},
		{"no units", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Clustered(tc.bags))
		})
	}
}
