package charm

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/config"
	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

func TestReadConfigured(t *testing.T) {
	golden, err := os.ReadFile("../render/testdata/golden/wallaby-single-tls/panko.conf")
	require.NoError(t, err)
	tests := []struct {
		name string
		conf string
		want Configured
	}{
		{"rendered with both relations", string(golden), Configured{Database: true, Keystone: true}},
		{"no file", "", Configured{}},
		{"database only", "[database]\nconnection = mysql+pymysql://panko@10.5.0.2/panko\n[keystone_authtoken]\n", Configured{Database: true}},
		{"keys in other sections", "[DEFAULT]\nconnection = x\n[api]\nauth_url = y\n", Configured{}},
		{"empty values", "[database]\nconnection =\n[keystone_authtoken]\nauth_url = \n", Configured{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := hosttest.State{Files: map[string]hosttest.File{}}
			if tt.conf != "" {
				st.Files[PankoConf] = hosttest.File{Data: []byte(tt.conf), Mode: 0o640, Owner: "root", Group: "panko"}
			}
			assert.Equal(t, tt.want, readConfigured(Deps{Host: hosttest.New(st)}))
		})
	}
}

// TestEndpointAddressInNetwork: with os-public-network set, keystone's
// public URL and the unit's certificate address both take the unit's
// address inside that network (charm-helpers' resolve_address and
// get_address_in_network), the other endpoints the binding's.
func TestEndpointAddressInNetwork(t *testing.T) {
	w := ready(t, true)
	w.juju.Config = map[string]any{"os-public-network": "10.20.0.0/24"}
	w.juju.Networks["public"] = netInfoCIDR("10.20.0.5", "10.20.0.0/24")
	tools, _, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	bag, _ := tools.RelationData("identity-service:2")
	assert.Equal(t, "http://10.20.0.5:8977", bag["public_url"])
	assert.Equal(t, "http://10.5.0.10:8977", bag["internal_url"])
	cfg, problems := config.Parse(map[string]any{"os-public-network": "10.20.0.0/24"})
	require.Empty(t, problems)
	in := Inputs{Config: cfg, Addresses: map[string]string{Cluster: "10.5.0.10", "public": "10.30.0.7", SharedDB: "10.20.0.9"}}
	assert.Equal(t, "10.20.0.9", unitAddress(in, "public"), "any of the unit's addresses inside the network")
	assert.Equal(t, "10.20.0.9", endpointAddress(in, "public"))
}
