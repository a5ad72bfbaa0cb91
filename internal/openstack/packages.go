package openstack

// Python3From is the first release whose Panko packages use Python 3.
const Python3From = "rocky"

// UsesPython3 reports whether release's Panko packages are the Python 3 ones
// (Rocky and later). Unknown releases are treated as older than every known
// one, so they get the Python 2 set.
func UsesPython3(release string) bool {
	return Compare(release, Python3From) >= 0
}

// Packages returns the packages to install for release and those to purge
// (the Python 2 set, when release uses Python 3). Purge names may be unknown
// to apt on newer series: purge only the ones that are installed.
func Packages(release string) (install []string, purge []string) {
	common := []string{"memcached", "apache2", "haproxy"}
	if !UsesPython3(release) {
		install = append([]string{"panko-api"}, python2Packages()...)
		return append(install, common...), nil
	}
	install = []string{"python3-panko", "libapache2-mod-wsgi-py3", "python3-pymysql", "python3-keystonemiddleware", "python3-memcache"}
	install = append(install, common...)
	install = append(install, "panko-api")
	return install, python2Packages()
}

func python2Packages() []string {
	return []string{"python-panko", "libapache2-mod-wsgi", "python-pymysql", "python-keystonemiddleware", "python-memcache"}
}

// VersionPackage is the package whose version is Panko's version (the
// application version and ReleaseFromPackageVersion's input).
const VersionPackage = "panko-api"

// WSGIScript returns the WSGI script Apache mod_wsgi loads for release:
// /usr/bin/panko-api from Rocky (Python 3), else the Python 2 app.wsgi.
func WSGIScript(release string) string {
	if UsesPython3(release) {
		return "/usr/bin/panko-api"
	}
	return "/usr/lib/python2.7/dist-packages/panko/api/app.wsgi"
}

// Ports of the Panko API, front to back.
const (
	// APIPort is haproxy's frontend on every unit, opened with open-port and
	// registered in keystone.
	APIPort = 8977
	// TLSFrontendPort is Apache's TLS frontend (openstack_https_frontend),
	// which haproxy's backends point at when TLS is on.
	TLSFrontendPort = 8967
	// WSGIPort is the Apache mod_wsgi panko-api vhost without TLS.
	WSGIPort = 8967
	// WSGIPortTLS is the Apache mod_wsgi panko-api vhost behind the TLS frontend.
	WSGIPortTLS = 8957
)

// WSGIListenPort returns the port of the mod_wsgi vhost.
func WSGIListenPort(tls bool) int {
	if tls {
		return WSGIPortTLS
	}
	return WSGIPort
}

// BackendPort returns the port haproxy's backends use on each unit: the TLS
// frontend with TLS, else the mod_wsgi vhost (both 8967).
func BackendPort(tls bool) int {
	if tls {
		return TLSFrontendPort
	}
	return WSGIPort
}

// ListenerPackages returns what the event listener needs beyond Panko:
// oslo.messaging for Panko's Python generation.
func ListenerPackages(release string) []string {
	if UsesPython3(release) {
		return []string{"python3-oslo.messaging"}
	}
	return []string{"python-oslo.messaging"}
}

// Python returns the interpreter of Panko's packages for release.
func Python(release string) string {
	if UsesPython3(release) {
		return "/usr/bin/python3"
	}
	return "/usr/bin/python2"
}

// EventTopics returns the notification topics ceilometer publishes events
// on with its default configuration: from Queens only the aodh sink
// (notifier://?topic=alarm.all); before, also the event topic.
func EventTopics(release string) []string {
	if Compare(release, "queens") >= 0 {
		return []string{"alarm.all"}
	}
	return []string{"event", "alarm.all"}
}
