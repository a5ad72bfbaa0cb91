package charm

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

func TestSandboxedStaysOnTheMachine(t *testing.T) {
	h := hosttest.New(hosttest.State{Files: map[string]hosttest.File{
		"/etc/hosts": {Data: []byte("127.0.0.1 localhost\n10.5.0.10 juju-panko-0.local juju-panko-0 # unit\n"), Mode: 0o644, Owner: "root", Group: "root"},
	}})
	d := Sandboxed(Deps{Host: h, HTTP: fakeHTTP{"http://127.0.0.1:8977/": 200, "http://10.5.0.12:35357": 300}})

	names, err := d.LookupAddr(t.Context(), "10.5.0.10")
	require.NoError(t, err)
	assert.Equal(t, []string{"juju-panko-0.local", "juju-panko-0"}, names)
	_, err = d.LookupAddr(t.Context(), "10.5.0.11")
	assert.Error(t, err)

	code, err := d.HTTP.Get(context.Background(), "http://127.0.0.1:8977/")
	require.NoError(t, err)
	assert.Equal(t, 200, code)
	_, err = d.HTTP.Get(context.Background(), "http://10.5.0.12:35357")
	assert.ErrorContains(t, err, "outside this emulated unit")
}
