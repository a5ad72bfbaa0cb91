package render

import (
	"fmt"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// scenario is one unit's state used by the golden and tool tests.
type scenario struct {
	name string
	data Data
}

// Fake credentials used by the scenarios; none is a real secret.
const (
	fakeDBPassword       = "db-Pw-4Kq9Zt2Lm7Xr"
	fakeKeystonePassword = "ks-Pw-8Hd3Vn6Bc1Qs"
	fakeStatsPassword    = "Zr8vQ3nB1xK7mW2pL5tY9cH4jF6dS0aE"
)

// unitAddrs are the addresses of panko/0, panko/1 and panko/2; this unit is
// panko/0.
func unitAddrs(ipv6 bool) []string {
	if ipv6 {
		return []string{"fd00:5::10", "fd00:5::11", "fd00:5::12"}
	}
	return []string{"10.5.0.10", "10.5.0.11", "10.5.0.12"}
}

// newScenario builds the data the charm would produce for release, one or
// three units, with or without TLS.
func newScenario(release string, ha, tls, ipv6 bool) scenario {
	py3 := openstack.Compare(release, "rocky") >= 0
	stein := openstack.Compare(release, "stein") >= 0
	check := openstack.HealthCheckFor(release)
	addrs := unitAddrs(ipv6)
	dbHost, ksHost, loop := "10.5.0.20", "10.5.0.30", "127.0.0.1"
	if ipv6 {
		dbHost, ksHost, loop = "fd00:5::20", "[fd00:5::30]", "::1"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	d := Data{
		Py3:             py3,
		APIReturnLimit:  100,
		EventTTL:        -1,
		DeleteBatchSize: 0,
		DB: &Database{
			User: "panko", Password: fakeDBPassword, Host: dbHost, Port: 3306, Name: "panko",
		},
		Keystone: &Keystone{
			AuthURI:         scheme + "://" + ksHost + ":5000",
			AuthURL:         scheme + "://" + ksHost + ":35357",
			ProjectDomain:   "service_domain",
			UserDomain:      "service_domain",
			Project:         "services",
			Username:        "panko",
			Password:        fakeKeystonePassword,
			Region:          "RegionOne",
			WWWAuthenticate: stein,
		},
		Memcache: Memcache{Listen: []string{loop}, Port: 11211, MemoryMB: 64},
		WSGI:     WSGI{Port: 8967, Processes: 4, Threads: 10, User: "panko", Group: "panko"},
		HAProxy: HAProxy{
			FrontendPort:  8977,
			BindIPv6:      ipv6,
			Timeouts:      DefaultTimeouts(),
			StatsPort:     8888,
			StatsPassword: fakeStatsPassword,
			CheckPath:     check.Path,
			CheckStatus:   check.Status,
		},
	}
	units := 1
	if ha {
		units = 3
	}
	// Peers are listed in reverse to show that the output is sorted.
	for i := units - 1; i >= 0; i-- {
		d.HAProxy.Backends = append(d.HAProxy.Backends, Backend{
			Name: BackendName(fmt.Sprintf("panko/%d", i)), Addr: addrs[i], Port: 8967,
		})
	}
	if tls {
		d.DB.Port = 3306
		d.DB.SSLCAFile = "/usr/local/share/ca-certificates/db-client.ca"
		d.WSGI.Addr = "127.0.0.1"
		d.WSGI.Port = 8957
		d.HAProxy.BackendTLS = true
		d.TLS = &TLS{ListenPort: 8967}
		cns := []string{addrs[0]}
		if ha {
			// The VIP and a public host name, both served on this unit's
			// address.
			vip := "10.5.0.100"
			if ipv6 {
				vip = "fd00:5::100"
			}
			cns = []string{addrs[0], vip, "panko.example.com"}
		}
		for _, cn := range cns {
			ep := TLSEndpoint{
				Addr:       addrs[0],
				ServerName: cn,
				CertFile:   "/etc/apache2/ssl/panko/cert_" + cn,
				KeyFile:    "/etc/apache2/ssl/panko/key_" + cn,
			}
			if ha {
				ep.CAFile = "/usr/local/share/ca-certificates/panko.crt"
			}
			d.TLS.Endpoints = append(d.TLS.Endpoints, ep)
		}
	}
	name := fmt.Sprintf("%s-%s-%s", release, map[bool]string{false: "single", true: "ha"}[ha], map[bool]string{false: "notls", true: "tls"}[tls])
	if ipv6 {
		name += "-ipv6"
	}
	return scenario{name: name, data: d}
}

// scenarios returns the golden matrix: {queens (Python 2), wallaby (Python
// 3)} x {single unit, three units} x {no TLS, TLS}, plus IPv6, a unit whose
// relations are not ready, and passwords full of special characters.
func scenarios() []scenario {
	var out []scenario
	for _, release := range []string{"queens", "wallaby"} {
		for _, ha := range []bool{false, true} {
			for _, tls := range []bool{false, true} {
				out = append(out, newScenario(release, ha, tls, false))
			}
		}
	}
	out = append(out, newScenario("wallaby", true, true, true))
	// The event listener: wallaby behind a TLS broker, queens plain.
	for i := range out {
		switch out[i].name {
		case "wallaby-ha-tls":
			out[i].data.Listener = newListener("/usr/bin/python3", "/var/lib/charm/panko/rabbit-client-ca.pem", false)
			out[i].data.Expirer = &Expirer{Interval: 60, Delay: 15, Program: "/usr/lib/charm-panko/panko-expirer-run",
				LogFile: "/var/log/panko/panko-expirer.log", StateFile: "/var/lib/panko/expirer-last-run"}
		case "queens-single-notls":
			out[i].data.Listener = newListener("/usr/bin/python2", "", false)
		}
	}

	notReady := newScenario("stein", false, false, false)
	notReady.name = "stein-single-notls-notready"
	notReady.data.DB, notReady.data.Keystone = nil, nil
	out = append(out, notReady)

	special := newScenario("ocata", false, false, false)
	special.name = "ocata-single-notls-specialchars"
	special.data.DB.Password = specialDBPassword
	special.data.DB.SSLCAFile = "/etc/mysql/ca dir/ca+1.pem"
	special.data.Keystone.Password = specialKeystonePassword
	special.data.Keystone.Project = " services "
	special.data.Debug, special.data.UseSyslog = true, true
	special.data.EventTTL, special.data.DeleteBatchSize = 86400, 500
	special.data.Listener = newListener("/usr/bin/python2", "/var/lib/charm/panko/rabbit ca.pem", true)
	special.data.Listener.Topics = []string{"event", "alarm.all"}
	special.data.Listener.TransportURL = "rabbit://panko:" + specialRabbitPassword + "@10.5.0.10:5671/openstack"
	special.data.Listener.TelemetrySecret = specialKeystonePassword
	out = append(out, special)
	return out
}

// Passwords with every character that is special in a URL, in oslo.config or
// in a shell.
const (
	specialDBPassword       = `p@ss:w/rd?#&=%+ $HOME ${x} "q" 'a' \ é;`
	specialKeystonePassword = `"$ecret pa$$ 100%"`
	specialRabbitPassword   = `p%40$$word`
)

// newListener is the event listener of a unit related to rabbitmq-server.
func newListener(python, caFile string, legacySSL bool) *Listener {
	return &Listener{
		Python:           python,
		TransportURL:     "rabbit://panko:Rz7kXm2WqTn9Vb4Hc6Jy8Pd3Fs5Gt@10.5.0.10:5672,panko:Rz7kXm2WqTn9Vb4Hc6Jy8Pd3Fs5Gt@10.5.0.11:5672/openstack",
		Topics:           []string{"alarm.all"},
		Exchange:         "ceilometer",
		Pool:             "panko",
		SSLCAFile:        caFile,
		LegacySSLOptions: legacySSL,
		LogFile:          "/var/log/panko/panko-event-listener.log",
		StateFile:        "/var/lib/panko/event-listener.json",
	}
}
