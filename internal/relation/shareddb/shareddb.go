// Package shareddb is the codec of the shared-db relation (interface
// mysql-shared): the request Panko publishes, the reply it reads back from
// percona-cluster, mysql-router or mysql-innodb-cluster. The database side
// lives, written apart, in the local model's simulator.
//
// The package is pure: it turns data bags into facts and never performs I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package shareddb

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
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

// MySQLConfig returns a github.com/go-sql-driver/mysql configuration for
// user on database db with short timeouts. When the reply carries a CA, the
// connection uses TLS verified against it; the configuration is the
// connection's own (nothing is registered with the driver). The result holds
// the password: never log it.
func (r Reply) MySQLConfig(user, db string) (*mysql.Config, error) {
	c := mysql.NewConfig()
	c.User = user
	c.Passwd = r.Password
	c.Net = "tcp"
	c.Addr = r.Addr()
	c.DBName = db
	c.Timeout = 5 * time.Second
	c.ReadTimeout = 10 * time.Second
	c.WriteTimeout = 10 * time.Second
	if len(r.SSLCA) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(r.SSLCA) {
			return nil, errors.New("database CA is not PEM")
		}
		c.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return c, nil
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
