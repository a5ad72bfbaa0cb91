package openstack

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPackages(t *testing.T) {
	py2 := []string{"panko-api", "python-panko", "libapache2-mod-wsgi", "python-pymysql", "python-keystonemiddleware",
		"python-memcache", "memcached", "apache2", "haproxy"}
	py3 := []string{"python3-panko", "libapache2-mod-wsgi-py3", "python3-pymysql", "python3-keystonemiddleware",
		"python3-memcache", "memcached", "apache2", "haproxy", "panko-api"}
	py2purge := []string{"python-panko", "libapache2-mod-wsgi", "python-pymysql", "python-keystonemiddleware", "python-memcache"}
	tests := []struct {
		release string
		python3 bool
		install []string
		purge   []string
		wsgi    string
	}{
		{"ocata", false, py2, nil, "/usr/lib/python2.7/dist-packages/panko/api/app.wsgi"},
		{"pike", false, py2, nil, "/usr/lib/python2.7/dist-packages/panko/api/app.wsgi"},
		{"queens", false, py2, nil, "/usr/lib/python2.7/dist-packages/panko/api/app.wsgi"},
		{"rocky", true, py3, py2purge, "/usr/bin/panko-api"},
		{"train", true, py3, py2purge, "/usr/bin/panko-api"},
		{"wallaby", true, py3, py2purge, "/usr/bin/panko-api"},
	}
	for _, tc := range tests {
		t.Run(tc.release, func(t *testing.T) {
			assert.Equal(t, tc.python3, UsesPython3(tc.release))
			install, purge := Packages(tc.release)
			assert.Equal(t, tc.install, install)
			assert.Equal(t, tc.purge, purge)
			for _, p := range purge {
				assert.NotContains(t, install, p, "a package is both installed and purged")
			}
			assert.Equal(t, tc.wsgi, WSGIScript(tc.release))
		})
	}
}

func TestPorts(t *testing.T) {
	assert.Equal(t, 8977, APIPort)
	assert.Equal(t, 8967, WSGIListenPort(false))
	assert.Equal(t, 8957, WSGIListenPort(true))
	assert.Equal(t, 8967, BackendPort(false))
	assert.Equal(t, 8967, BackendPort(true))
	assert.Equal(t, APIPort-10, TLSFrontendPort)
}
