// Package shareddb is the codec of the shared-db relation (interface
// mysql-shared): the request Panko publishes, the reply it reads back from
// percona-cluster, mysql-router or mysql-innodb-cluster, and the provider-side
// bags the local model's database simulator publishes.
//
// The package is pure: it turns data bags into facts and never performs I/O.
package shareddb

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/openstack-charmers/charm-panko/internal/relation/hostname"
)

// Request keys (client side, unit bag, raw strings).
const (
	KeyDatabase = "database"
	KeyUsername = "username"
	KeyHostname = "hostname"
)

// Reply keys (server side, unit bags, raw strings).
const (
	KeyDBHost          = "db_host"
	KeyDBPort          = "db_port"
	KeyPassword        = "password"
	KeyAllowedUnits    = "allowed_units"
	KeySSLCA           = "ssl_ca"
	KeyWaitTimeout     = "wait_timeout"
	KeySeriesUpgrading = "cluster-series-upgrading"
	KeyAccessNetwork   = "access-network"
)

// Panko's request values and the port clients assume when db_port is absent.
const (
	Database    = "panko"
	Username    = "panko"
	DefaultPort = 3306
)

// Limits on received values; anything larger is treated as malformed.
const (
	maxShortValue = 4 << 10
	maxLongValue  = 1 << 20
)

// Bag is one unit's relation data bag.
type Bag = map[string]string

// Request returns the bag Panko publishes to ask for its database.
func Request(hostname string) map[string]string {
	return map[string]string{
		KeyDatabase: Database,
		KeyUsername: Username,
		KeyHostname: hostname,
	}
}

// Reply is what the client learns from the database side of the relation.
type Reply struct {
	Host         string   // db_host
	Port         int      // db_port, DefaultPort when absent
	Password     string   // password for the requested user
	AllowedUnits []string // client units that have a grant
	SSLCA        []byte   // PEM CA chain (base64-decoded ssl_ca), nil when absent
	WaitTimeout  int      // server wait_timeout in seconds, 0 when absent
	// AccessNetwork is percona-cluster's access-network CIDR ("" when
	// absent): it grants only requests whose hostname lies inside.
	AccessNetwork string
	Ready         bool   // the database can be used by this unit
	Reason        string // why not ready; never contains the password
}

// Parse reads the reply for the local unit from the remote units' bags.
// The bags must be ordered by relation id and then unit name: for each key
// the first non-empty value wins, as in the reactive merged view. Missing
// data gives a Reply that is not ready with a Reason and a nil error; a
// malformed value gives a Reply that is not ready and an error carrying the
// same reason.
func Parse(unit string, bags []Bag) (Reply, error) {
	merged := merge(bags)
	r := Reply{Port: DefaultPort, Password: merged[KeyPassword]}
	if err := r.decode(merged); err != nil {
		r.Reason = err.Error()
		return r, fmt.Errorf("shared-db reply: %w", err)
	}
	switch {
	case merged[KeySeriesUpgrading] == "True":
		r.Reason = "database cluster is upgrading its series"
	case len(missing(merged)) > 0:
		r.Reason = "waiting for " + strings.Join(missing(merged), ", ")
	case !slices.Contains(r.AllowedUnits, unit):
		r.Reason = "waiting for allowed_units to include " + clip(unit)
	default:
		r.Ready = true
	}
	return r, nil
}

// decode validates and converts every reply value present in merged.
func (r *Reply) decode(merged map[string]string) error {
	for _, k := range []string{KeyDBHost, KeyDBPort, KeyPassword, KeyWaitTimeout, KeyAccessNetwork} {
		if len(merged[k]) > maxShortValue {
			return fmt.Errorf("%s is too long (%d bytes)", k, len(merged[k]))
		}
	}
	for _, k := range []string{KeyAllowedUnits, KeySSLCA} {
		if len(merged[k]) > maxLongValue {
			return fmt.Errorf("%s is too long (%d bytes)", k, len(merged[k]))
		}
	}
	if h := merged[KeyDBHost]; h != "" {
		if !hostname.Valid(h) {
			return fmt.Errorf("db_host %q is not an address or host name", clip(h))
		}
		r.Host = h
	}
	if p := merged[KeyDBPort]; p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return fmt.Errorf("db_port %q is not a TCP port", clip(p))
		}
		r.Port = port
	}
	if n := merged[KeyAccessNetwork]; n != "" {
		if _, _, err := net.ParseCIDR(n); err != nil {
			return fmt.Errorf("access-network %q is not a CIDR", clip(n))
		}
		r.AccessNetwork = n
	}
	if w := merged[KeyWaitTimeout]; w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 0 {
			return fmt.Errorf("wait_timeout %q is not a number of seconds", clip(w))
		}
		r.WaitTimeout = n
	}
	if strings.ContainsAny(r.Password, "\x00\n") {
		return fmt.Errorf("password contains control characters")
	}
	r.AllowedUnits = strings.Fields(merged[KeyAllowedUnits])
	if ca := merged[KeySSLCA]; ca != "" {
		pemCA, err := DecodeCA(ca)
		if err != nil {
			return err
		}
		r.SSLCA = pemCA
	}
	return nil
}

// DecodeCA turns an ssl_ca value (base64 of a PEM chain) into PEM bytes and
// checks that it holds at least one parsable certificate and nothing else.
func DecodeCA(value string) ([]byte, error) {
	compact := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, value)
	raw, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, fmt.Errorf("ssl_ca is not base64: %w", err)
	}
	rest := raw
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("ssl_ca holds a PEM %q block, want CERTIFICATE", clip(block.Type))
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return nil, fmt.Errorf("ssl_ca certificate %d: %w", n+1, err)
		}
		n++
	}
	if n == 0 || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("ssl_ca is not a PEM certificate chain")
	}
	return raw, nil
}

// Addr returns host:port of the database, with IPv6 hosts in brackets.
func (r Reply) Addr() string {
	return net.JoinHostPort(r.Host, strconv.Itoa(r.Port))
}

// DSN returns a github.com/go-sql-driver/mysql data source name for user on
// database db with short timeouts. tlsName names a TLS configuration
// registered with mysql.RegisterTLSConfig (or a driver keyword such as
// "true"); empty means no TLS. The result holds the password: never log it.
func (r Reply) DSN(user, db, tlsName string) string {
	c := mysql.NewConfig()
	c.User = user
	c.Passwd = r.Password
	c.Net = "tcp"
	c.Addr = r.Addr()
	c.DBName = db
	c.TLSConfig = tlsName
	c.Timeout = 5 * time.Second
	c.ReadTimeout = 10 * time.Second
	c.WriteTimeout = 10 * time.Second
	return c.FormatDSN()
}

// URL returns the SQLAlchemy connection URL Panko renders:
// mysql+pymysql://user:password@host:port/db?charset=utf8[&ssl_ca=caFile].
// The port is always included. The result holds the password: never log it.
func (r Reply) URL(user, db, caFile string) string {
	q := "charset=utf8"
	if caFile != "" {
		q += "&ssl_ca=" + escapePath(caFile)
	}
	u := url.URL{
		Scheme:   "mysql+pymysql",
		User:     url.UserPassword(user, r.Password),
		Host:     r.Addr(),
		Path:     "/" + db,
		RawQuery: q,
	}
	return u.String()
}

// escapePath percent-escapes every byte of p outside [A-Za-z0-9/._-].
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/._-", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// merge combines the bags: for each key, the first non-empty value wins.
func merge(bags []Bag) map[string]string {
	out := map[string]string{}
	for _, b := range bags {
		for k, v := range b {
			if v != "" && out[k] == "" {
				out[k] = v
			}
		}
	}
	return out
}

// missing lists the reply keys a ready reply needs but merged lacks.
func missing(merged map[string]string) []string {
	var out []string
	for _, k := range []string{KeyDBHost, KeyPassword, KeyAllowedUnits} {
		if merged[k] == "" {
			out = append(out, k)
		}
	}
	return out
}

// clip shortens s for use in messages.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ClientRequest is a shared-db request as the database side reads it.
type ClientRequest struct {
	Database  string
	Username  string
	Hostnames []string // one or several client addresses
}

// validIdent reports whether s is a MySQL database or user name the charms
// use: 1 to 64 letters, digits or "_".
func validIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ParseRequest reads an unprefixed request from a client unit's bag. It
// returns ok=false while database, username or hostname is missing, and an
// error when a value is malformed. hostname may be a JSON list of addresses.
func ParseRequest(bag Bag) (req ClientRequest, ok bool, err error) {
	db, user, host := bag[KeyDatabase], bag[KeyUsername], bag[KeyHostname]
	if db == "" || user == "" || host == "" {
		return ClientRequest{}, false, nil
	}
	if !validIdent(db) {
		return ClientRequest{}, false, fmt.Errorf("database %q is not a plain identifier", clip(db))
	}
	if !validIdent(user) {
		return ClientRequest{}, false, fmt.Errorf("username %q is not a plain identifier", clip(user))
	}
	if len(host) > maxShortValue {
		return ClientRequest{}, false, fmt.Errorf("hostname is too long (%d bytes)", len(host))
	}
	var hosts []string
	if err := json.Unmarshal([]byte(host), &hosts); err != nil {
		hosts = []string{host}
	}
	if len(hosts) == 0 {
		return ClientRequest{}, false, fmt.Errorf("hostname %q lists no address", clip(host))
	}
	for _, h := range hosts {
		if !hostname.Valid(h) {
			return ClientRequest{}, false, fmt.Errorf("hostname %q is not an address or host name", clip(h))
		}
	}
	return ClientRequest{Database: db, Username: user, Hostnames: hosts}, true, nil
}

// Answer is a database-side reply before it is written to a unit bag.
type Answer struct {
	Host            string   // db_host
	Port            int      // db_port; 0 leaves the key out
	Password        string   // password
	AllowedUnits    []string // written sorted by unit number; empty leaves the key out
	WaitTimeout     int      // wait_timeout; 0 leaves the key out
	SSLCA           []byte   // PEM chain, written base64 encoded; nil leaves the key out
	SeriesUpgrading bool     // writes cluster-series-upgrading=True
}

// Bag renders the answer as raw-string unit data. Keys without a value are
// absent; ReplyKeys lists every key a provider owns, so callers can delete
// stale ones.
func (a Answer) Bag() map[string]string {
	b := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			b[k] = v
		}
	}
	set(KeyDBHost, a.Host)
	if a.Port != 0 {
		set(KeyDBPort, strconv.Itoa(a.Port))
	}
	set(KeyPassword, a.Password)
	units := slices.Clone(a.AllowedUnits)
	SortUnits(units)
	set(KeyAllowedUnits, strings.Join(units, " "))
	if a.WaitTimeout != 0 {
		set(KeyWaitTimeout, strconv.Itoa(a.WaitTimeout))
	}
	if len(a.SSLCA) > 0 {
		set(KeySSLCA, base64.StdEncoding.EncodeToString(a.SSLCA))
	}
	if a.SeriesUpgrading {
		set(KeySeriesUpgrading, "True")
	}
	return b
}

// ReplyKeys lists every key a database provider writes on shared-db.
func ReplyKeys() []string {
	return []string{KeyDBHost, KeyDBPort, KeyPassword, KeyAllowedUnits, KeySSLCA, KeyWaitTimeout, KeySeriesUpgrading, KeyAccessNetwork}
}

// PerconaReply is the bag every percona-cluster unit publishes: db_host,
// password and the granted client units.
func PerconaReply(host, password string, allowed []string) map[string]string {
	return Answer{Host: host, Password: password, AllowedUnits: allowed}.Bag()
}

// RouterReply is the bag a mysql-router unit publishes to its principal:
// db_host=127.0.0.1, db_port, password, allowed_units=<principal>,
// wait_timeout and, when caPEM is not empty, ssl_ca.
func RouterReply(port int, password, principal string, waitTimeout int, caPEM []byte) map[string]string {
	return Answer{
		Host: "127.0.0.1", Port: port, Password: password, AllowedUnits: []string{principal},
		WaitTimeout: waitTimeout, SSLCA: caPEM,
	}.Bag()
}

// InnoDBReply is the bag the mysql-innodb-cluster leader publishes on a
// direct shared-db relation.
func InnoDBReply(host string, port int, password string, allowed []string, waitTimeout int, caPEM []byte) map[string]string {
	return Answer{
		Host: host, Port: port, Password: password, AllowedUnits: allowed,
		WaitTimeout: waitTimeout, SSLCA: caPEM,
	}.Bag()
}

// SortUnits sorts unit names by application and then unit number
// (panko/2 before panko/10).
func SortUnits(units []string) {
	sort.SliceStable(units, func(i, j int) bool { return unitLess(units[i], units[j]) })
}

// unitLess orders unit names by application, then numerically by number.
func unitLess(a, b string) bool {
	appA, numA, okA := splitUnit(a)
	appB, numB, okB := splitUnit(b)
	if !okA || !okB || appA != appB {
		return a < b
	}
	return numA < numB
}

// splitUnit splits "app/N" into app and N.
func splitUnit(u string) (string, int, bool) {
	app, num, found := strings.Cut(u, "/")
	if !found {
		return "", 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return "", 0, false
	}
	return app, n, true
}
