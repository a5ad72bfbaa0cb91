package render

import (
	"errors"
	"net"
	"strconv"
	"strings"
)

// WSGI script paths of the Panko API, by Python generation.
const (
	// WSGIScriptPy3 is the script of the Python 3 packages (Rocky and later).
	WSGIScriptPy3 = "/usr/bin/panko-api"
	// WSGIScriptPy2 is the script of the Python 2 packages (up to Queens).
	WSGIScriptPy2 = "/usr/lib/python2.7/dist-packages/panko/api/app.wsgi"
)

// Data is what the templates know about one unit. The charm fills it from
// config, relation data and the machine; every template reads the fields it
// needs and Validate checks the whole of it.
type Data struct {
	// Py3 is true when the Python 3 packages are installed (Rocky and later);
	// it chooses the default WSGI script.
	Py3 bool
	// Debug and UseSyslog go to panko.conf [DEFAULT] debug and use_syslog.
	Debug, UseSyslog bool
	// APIReturnLimit is [api] default_api_return_limit (at least 1).
	APIReturnLimit int
	// EventTTL is [database] event_time_to_live in seconds (<= 0: forever).
	EventTTL int
	// DeleteBatchSize is [database] events_delete_batch_size (0: one batch).
	DeleteBatchSize int
	// DB is the database connection; nil while shared-db is not ready, and
	// then panko.conf has no [database] connection.
	DB *Database
	// Keystone is the keystone_authtoken data; nil while identity-service is
	// not ready, and then [keystone_authtoken] stays empty.
	Keystone *Keystone
	// Memcache is the local memcached used as the token cache.
	Memcache Memcache
	// WSGI is the Apache mod_wsgi site serving the API.
	WSGI WSGI
	// HAProxy is the haproxy in front of every unit's API.
	HAProxy HAProxy
	// TLS is the Apache TLS frontend; nil when TLS is off.
	TLS *TLS
	// Listener is the event listener that stores ceilometer's events from
	// the message bus; nil while amqp is not ready.
	Listener *Listener
	// Expirer is the leader's panko-expirer schedule; nil when events are
	// kept forever or on other units.
	Expirer *Expirer
}

// Expirer is the schedule of panko-expirer.
type Expirer struct {
	// Interval is the minutes between runs and Delay the longest random
	// delay before each.
	Interval, Delay int
	// Program is the script the service runs, LogFile the expirer's log
	// and StateFile where the script records the last run.
	Program, LogFile, StateFile string
}

// Listener is the configuration of panko-event-listener.
type Listener struct {
	// Python is the interpreter of Panko's Python packages.
	Python string
	// TransportURL is the oslo.messaging URL of ceilometer's broker (it
	// holds the password).
	TransportURL string
	// Topics are the notification topics ceilometer publishes events on;
	// Exchange is its exchange and Pool the listener pool shared by every
	// Panko unit.
	Topics         []string
	Exchange, Pool string
	// TelemetrySecret is ceilometer's telemetry_secret ("" skips the check).
	TelemetrySecret string
	// SSLCAFile is the broker's CA when it asks for TLS, else "".
	SSLCAFile string
	// LegacySSLOptions writes Ocata's rabbit_use_ssl/kombu_ssl_ca_certs
	// instead of ssl/ssl_ca_file (renamed in Pike).
	LegacySSLOptions bool
	// LogFile is the listener's own log.
	LogFile string
	// StateFile is where the listener writes its counters.
	StateFile string
}

// Database is the panko database as the shared-db relation gave it.
type Database struct {
	// User and Password are the database credentials (percent-encoded in
	// the connection URL, so any characters are allowed).
	User, Password string
	// Host is a host name or an IPv4/IPv6 address (brackets optional).
	Host string
	// Port is the server's TCP port.
	Port int
	// Name is the database name.
	Name string
	// SSLCAFile is the absolute path of the CA file for TLS to the database;
	// empty for no TLS.
	SSLCAFile string
}

// Keystone is the data of [keystone_authtoken].
type Keystone struct {
	// AuthURI is the public identity URL given to clients
	// (www_authenticate_uri or auth_uri), e.g. "https://keystone:5000".
	AuthURI string
	// AuthURL is the URL the middleware authenticates against.
	AuthURL string
	// ProjectDomain, UserDomain, Project, Username and Password are the
	// service credentials.
	ProjectDomain, UserDomain, Project, Username, Password string
	// Region is region_name; empty leaves it out.
	Region string
	// WWWAuthenticate selects www_authenticate_uri (Stein and later) instead
	// of auth_uri.
	WWWAuthenticate bool
}

// Memcache is the local memcached instance.
type Memcache struct {
	// Listen lists the addresses memcached listens on; the first one is the
	// server keystonemiddleware uses.
	Listen []string
	// Port is memcached's TCP port.
	Port int
	// MemoryMB is the item memory in megabytes.
	MemoryMB int
}

// WSGI is the Apache mod_wsgi site of the API.
type WSGI struct {
	// Addr is the address the site listens on; empty for every address. With
	// TLS it must be empty or 127.0.0.1, where the TLS frontend proxies to.
	Addr string
	// Port is the site's port (8967 without TLS, 8957 with TLS).
	Port int
	// Processes and Threads size the WSGI daemon process group.
	Processes, Threads int
	// Script is the WSGI script; empty picks WSGIScriptPy3 or WSGIScriptPy2
	// from Data.Py3.
	Script string
	// User and Group run the WSGI daemon processes.
	User, Group string
}

// HAProxy is the haproxy configuration of a unit.
type HAProxy struct {
	// FrontendPort is the API port haproxy listens on (8977).
	FrontendPort int
	// BindIPv6 adds an IPv6 listener on FrontendPort.
	BindIPv6 bool
	// Backends are every unit's API, this unit included; rendered sorted by
	// name.
	Backends []Backend
	// BackendTLS makes health checks use TLS (the backends are the TLS
	// frontends).
	BackendTLS bool
	// Timeouts are the haproxy timeouts.
	Timeouts Timeouts
	// StatsPort is the loopback port of the statistics page (8888).
	StatsPort int
	// StatsPassword is the password of user admin on the statistics page.
	StatsPassword string
	// CheckPath is the path the health check GETs (openstack.HealthCheckFor:
	// /healthcheck from Wallaby, / before).
	CheckPath string
	// CheckStatus is the status the health check expects (200, or 401 on
	// Ocata where every path needs a token).
	CheckStatus int
}

// Backend is one unit's API as seen by haproxy.
type Backend struct {
	// Name is the server name, BackendName of the unit.
	Name string
	// Addr is the unit's address and Port its API port (the WSGI site, or
	// the TLS frontend when TLS is on).
	Addr string
	Port int
}

// Timeouts are haproxy timeouts in milliseconds.
type Timeouts struct {
	Server, Client, Queue, Connect int
}

// TLS is the Apache TLS frontend.
type TLS struct {
	// Endpoints are the TLS virtual hosts, one per endpoint name and address.
	Endpoints []TLSEndpoint
	// ListenPort is the TLS port (8967); the frontend proxies to WSGI.Port.
	ListenPort int
}

// TLSEndpoint is one TLS virtual host.
type TLSEndpoint struct {
	// Addr is the local address the virtual host listens on.
	Addr string
	// ServerName is the endpoint's name (certificate CN); empty uses Addr.
	ServerName string
	// CertFile (certificate then chain) and KeyFile are absolute paths.
	CertFile, KeyFile string
	// CAFile is an optional CA bundle (SSLCACertificateFile).
	CAFile string
}

// DefaultTimeouts returns the haproxy timeouts used when the haproxy-*-timeout
// options are unset.
func DefaultTimeouts() Timeouts {
	return Timeouts{Server: 90000, Client: 90000, Queue: 9000, Connect: 9000}
}

// BackendName returns the haproxy server name of a unit: "panko/0" gives
// "panko-0".
func BackendName(unit string) string {
	return strings.ReplaceAll(unit, "/", "-")
}

// Render renders the template name with d.
func (d Data) Render(name string, opts ...Option) ([]byte, error) {
	return Render(name, d, opts...)
}

// WSGIScript returns WSGI.Script, or the packaged script for d.Py3.
func (d Data) WSGIScript() string {
	switch {
	case d.WSGI.Script != "":
		return d.WSGI.Script
	case d.Py3:
		return WSGIScriptPy3
	default:
		return WSGIScriptPy2
	}
}

// URL returns the SQLAlchemy connection URL
// mysql+pymysql://user:password@host:port/name?charset=utf8[&ssl_ca=file],
// with user, password and name percent-encoded and IPv6 hosts bracketed.
func (db *Database) URL() (string, error) {
	host, ok := cleanHost(db.Host)
	if !ok {
		return "", errors.New("DB.Host is not a host name or IP address")
	}
	if !validPort(db.Port) {
		return "", errors.New("DB.Port is not a TCP port")
	}
	var b strings.Builder
	b.WriteString("mysql+pymysql://")
	b.WriteString(percentEncode(db.User, ""))
	b.WriteString(":")
	b.WriteString(percentEncode(db.Password, ""))
	b.WriteString("@")
	b.WriteString(net.JoinHostPort(host, strconv.Itoa(db.Port)))
	b.WriteString("/")
	b.WriteString(percentEncode(db.Name, ""))
	b.WriteString("?charset=utf8")
	if db.SSLCAFile != "" {
		b.WriteString("&ssl_ca=")
		b.WriteString(percentEncode(db.SSLCAFile, "/"))
	}
	return b.String(), nil
}

// Servers returns memcached_servers for keystonemiddleware: the first
// listen address with the port, as "inet6:[addr]:port" for IPv6.
func (m Memcache) Servers() string {
	if len(m.Listen) == 0 || !validPort(m.Port) {
		return ""
	}
	host, ok := cleanHost(m.Listen[0])
	if !ok {
		return ""
	}
	hp := net.JoinHostPort(host, strconv.Itoa(m.Port))
	if strings.Contains(host, ":") {
		return "inet6:" + hp
	}
	return hp
}
