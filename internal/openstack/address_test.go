package openstack

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBinding(t *testing.T) {
	tests := []struct {
		b                      Binding
		network, host, fallbck string
	}{
		{Public, "os-public-network", "os-public-hostname", "public-address"},
		{Internal, "os-internal-network", "os-internal-hostname", "private-address"},
		{Admin, "os-admin-network", "os-admin-hostname", "private-address"},
	}
	for _, tc := range tests {
		assert.True(t, tc.b.Valid())
		assert.Equal(t, tc.network, tc.b.NetworkOption())
		assert.Equal(t, tc.host, tc.b.HostnameOption())
		assert.Equal(t, tc.fallbck, tc.b.FallbackKey())
	}
	assert.False(t, Binding("int").Valid())
	assert.Equal(t, []Binding{Public, Internal, Admin}, Bindings())
}

func TestResolveAddress(t *testing.T) {
	tests := []struct {
		name string
		in   AddressInput
		want string
	}{
		{"hostname wins over everything",
			AddressInput{Hostname: "panko.example.com", VIPs: []string{"10.5.0.100"}, Clustered: true, BindingAddress: "10.5.0.11"},
			"panko.example.com"},
		{"single unit uses the binding address",
			AddressInput{BindingAddress: "10.5.0.11", BindingCIDRs: []string{"10.5.0.0/24"}, Fallback: "10.1.0.11"},
			"10.5.0.11"},
		{"no binding falls back to unit-get",
			AddressInput{Fallback: "10.1.0.11"},
			"10.1.0.11"},
		{"vip set but not clustered yet: own address",
			AddressInput{VIPs: []string{"10.5.0.100"}, BindingAddress: "10.5.0.11", BindingCIDRs: []string{"10.5.0.0/24"}},
			"10.5.0.11"},
		{"clustered: vip in the binding network",
			AddressInput{VIPs: []string{"10.5.0.100"}, Clustered: true, BindingAddress: "10.5.0.11", BindingCIDRs: []string{"10.5.0.0/24"}},
			"10.5.0.100"},
		{"clustered: the vip of this binding among three",
			AddressInput{VIPs: []string{"10.5.0.100", "192.168.0.100", "172.16.0.100"}, Clustered: true,
				BindingAddress: "192.168.0.11", BindingCIDRs: []string{"192.168.0.0/24"}},
			"192.168.0.100"},
		{"clustered: no vip on this binding's network keeps own address",
			AddressInput{VIPs: []string{"10.5.0.100"}, Clustered: true, BindingAddress: "192.168.0.11", BindingCIDRs: []string{"192.168.0.0/24"}},
			"192.168.0.11"},
		{"clustered without network knowledge: first vip",
			AddressInput{VIPs: []string{"10.5.0.100", "10.6.0.100"}, Clustered: true, Fallback: "10.5.0.11"},
			"10.5.0.100"},
		{"clustered: os-*-network picks the vip over the binding",
			AddressInput{VIPs: []string{"10.5.0.100", "172.16.0.100"}, Clustered: true, Networks: []string{"172.16.0.0/16"},
				BindingAddress: "10.5.0.11", BindingCIDRs: []string{"10.5.0.0/24"}},
			"172.16.0.100"},
		{"os-*-network picks the local address inside it",
			AddressInput{Networks: []string{"172.16.0.0/16"}, LocalAddresses: []string{"10.5.0.11", "172.16.3.4"},
				BindingAddress: "10.5.0.11", Fallback: "10.5.0.11"},
			"172.16.3.4"},
		{"os-*-network list, second matches",
			AddressInput{Networks: []string{"192.168.9.0/24", "172.16.0.0/16"}, LocalAddresses: []string{"172.16.3.4"}},
			"172.16.3.4"},
		{"os-*-network without a local address falls back to unit-get, not the binding",
			AddressInput{Networks: []string{"172.16.0.0/16"}, LocalAddresses: []string{"10.5.0.11"},
				BindingAddress: "10.5.0.12", Fallback: "10.5.0.11"},
			"10.5.0.11"},
		{"ipv6 vip on ipv6 binding",
			AddressInput{VIPs: []string{"10.5.0.100", "fd00:5::100"}, Clustered: true,
				BindingAddress: "fd00:5::11", BindingCIDRs: []string{"fd00:5::/64"}},
			"fd00:5::100"},
		{"ipv4 vip is not in an ipv6 network",
			AddressInput{VIPs: []string{"10.5.0.100"}, Clustered: true,
				BindingAddress: "fd00:5::11", BindingCIDRs: []string{"fd00:5::/64"}},
			"fd00:5::11"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveAddress(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestResolveAddressNothing(t *testing.T) {
	for _, in := range []AddressInput{
		{},
		{VIPs: []string{"10.5.0.100"}},
		{Networks: []string{"172.16.0.0/16"}, LocalAddresses: []string{"10.0.0.1"}, BindingAddress: "10.0.0.1"},
	} {
		_, err := ResolveAddress(in)
		assert.True(t, errors.Is(err, ErrNoAddress), "%+v: %v", in, err)
	}
}

func TestInNetworks(t *testing.T) {
	tests := []struct {
		addr  string
		cidrs []string
		want  bool
	}{
		{"10.0.0.5", []string{"10.0.0.0/24"}, true},
		{"10.0.0.5", []string{"10.0.0.7/24"}, true},
		{"10.0.1.5", []string{"10.0.0.0/24"}, false},
		{"10.0.1.5", []string{"bogus", "10.0.0.0/16"}, true},
		{"fd00::5", []string{"fd00::/64"}, true},
		{"[fd00::5]", []string{"fd00::/64"}, true},
		{"::ffff:10.0.0.5", []string{"10.0.0.0/24"}, true},
		{"fd00::5", []string{"10.0.0.0/8"}, false},
		{"not-an-ip", []string{"10.0.0.0/8"}, false},
		{"10.0.0.5", nil, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, InNetworks(tc.addr, tc.cidrs), "%s in %v", tc.addr, tc.cidrs)
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		scheme, addr string
		port         int
		want         string
	}{
		{"http", "10.5.0.11", 8977, "http://10.5.0.11:8977"},
		{"https", "panko.example.com", 8977, "https://panko.example.com:8977"},
		{"http", "fd00:5::100", 8977, "http://[fd00:5::100]:8977"},
		{"https", "[fd00:5::100]", 8977, "https://[fd00:5::100]:8977"},
		{"http", "fe80::1%eth0", 8977, "http://[fe80::1%25eth0]:8977"},
		{"http", "::ffff:10.0.0.1", 8977, "http://[::ffff:10.0.0.1]:8977"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, URL(tc.scheme, tc.addr, tc.port))
	}
	assert.True(t, IsIPv6("fd00::1"))
	assert.False(t, IsIPv6("10.0.0.1"))
	assert.False(t, IsIPv6("panko.example.com"))
}
