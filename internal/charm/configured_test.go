package charm

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
