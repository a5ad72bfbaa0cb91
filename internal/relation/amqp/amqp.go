// Package amqp is the codec of the amqp relation (interface rabbitmq), this
// unit's side: the request for a user on a vhost, and the rabbitmq-server
// units' reply turned into an oslo.messaging transport URL.
//
// The reply is what charm-rabbitmq-server writes: every ready unit
// publishes the same password with its own address in private-address (and
// hostname), plus ssl_port and ssl_ca (base64 of a PEM) when its TLS is on;
// clustered and vip say it runs behind hacluster. As charm-helpers'
// AMQPContext does, the URL then names the VIP alone, unless ha-vip-only is
// set, and otherwise lists every ready unit.
//
// The package is pure: it turns data bags into facts and never performs I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package amqp

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Request keys (client side, unit bag, raw strings).
const (
	KeyUsername = "username"
	KeyVhost    = "vhost"
)

// Reply keys (rabbitmq-server side, unit bags, raw strings).
const (
	KeyPassword       = "password"
	KeyPrivateAddress = "private-address"
	KeySSLPort        = "ssl_port"
	KeySSLCA          = "ssl_ca"
	KeyClustered      = "clustered"
	KeyVIP            = "vip"
	KeyHAVIPOnly      = "ha-vip-only"
)

// Panko's request and the port rabbitmq listens on without TLS.
const (
	Username    = "panko"
	Vhost       = "openstack"
	DefaultPort = 5672
)

// Limits on received values; anything larger is malformed.
const (
	maxPassword = 256
	maxCA       = 64 << 10
)

// Request returns the bag Panko publishes to ask for its user.
func Request() map[string]string {
	return map[string]string{KeyUsername: Username, KeyVhost: Vhost}
}

// Unit is one rabbitmq-server unit's bag.
type Unit struct {
	// Name is the unit's name, e.g. "rabbitmq-server/0".
	Name string
	// Bag is its relation data.
	Bag map[string]string
}

// Reply is what the client learns from the rabbitmq-server units.
type Reply struct {
	// Hosts are the addresses of the units that answered, sorted.
	Hosts []string
	// Port is ssl_port with TLS, else DefaultPort.
	Port int
	// Password is the user's password. Never log it.
	Password string
	// CA is the PEM of ssl_ca; nil without TLS.
	CA []byte
}

// TLS reports whether the broker asks its clients to use TLS.
func (r Reply) TLS() bool { return len(r.CA) > 0 }

// ErrIncomplete is wrapped by Parse's error while no unit has answered.
var ErrIncomplete = errors.New("no rabbitmq-server unit has answered")

// Parse reads the rabbitmq-server units' bags. A unit counts once it has a
// password and a private-address (rabbitmq_ready_hosts); the password, TLS
// port and CA are taken from the first such unit, in name order, that has
// them. Behind hacluster (clustered with a vip, no ha-vip-only) the VIP
// replaces the units' addresses. The error wraps ErrIncomplete while no unit counts, and describes
// a malformed value otherwise.
func Parse(units []Unit) (Reply, error) {
	sorted := append([]Unit(nil), units...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var r Reply
	var sslPort, sslCA, vip string
	vipOnly := false
	for _, u := range sorted {
		pw, addr := u.Bag[KeyPassword], strings.TrimSpace(u.Bag[KeyPrivateAddress])
		if pw == "" || addr == "" {
			continue
		}
		if net.ParseIP(addr) == nil && !validHostname(addr) {
			return Reply{}, fmt.Errorf("private-address of %s is not an address", u.Name)
		}
		r.Hosts = append(r.Hosts, addr)
		if r.Password == "" {
			r.Password = pw
		}
		if sslPort == "" {
			sslPort = u.Bag[KeySSLPort]
		}
		if sslCA == "" {
			sslCA = u.Bag[KeySSLCA]
		}
		if vip == "" && u.Bag[KeyClustered] != "" {
			vip = strings.TrimSpace(u.Bag[KeyVIP])
		}
		vipOnly = vipOnly || u.Bag[KeyHAVIPOnly] != ""
	}
	if len(r.Hosts) == 0 {
		return Reply{}, ErrIncomplete
	}
	sort.Strings(r.Hosts)
	if vip != "" && !vipOnly {
		if net.ParseIP(vip) == nil {
			return Reply{}, fmt.Errorf("vip %q is not an address", clip(vip))
		}
		r.Hosts = []string{vip}
	}
	if len(r.Password) > maxPassword || strings.ContainsAny(r.Password, " \t\r\n") {
		return Reply{}, errors.New("password is malformed")
	}
	r.Port = DefaultPort
	if sslPort != "" {
		p, err := strconv.Atoi(sslPort)
		if err != nil || p < 1 || p > 65535 {
			return Reply{}, fmt.Errorf("ssl_port %q is not a port", clip(sslPort))
		}
		r.Port = p
		if sslCA == "" {
			return Reply{}, errors.New("ssl_port is set without ssl_ca")
		}
		ca, err := decodeCA(sslCA)
		if err != nil {
			return Reply{}, err
		}
		r.CA = ca
	}
	return r, nil
}

// decodeCA turns ssl_ca (base64 of a PEM) into PEM bytes.
func decodeCA(value string) ([]byte, error) {
	if len(value) > maxCA {
		return nil, fmt.Errorf("ssl_ca is too long (%d bytes)", len(value))
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return nil, errors.New("ssl_ca is not base64")
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("ssl_ca holds no PEM certificate")
	}
	return raw, nil
}

// TransportURL returns the oslo.messaging URL for Panko's user:
// rabbit://panko:<password>@<host>:<port>,…/openstack, one entry per host,
// IPv6 hosts in brackets. The password is escaped for the URL's userinfo
// (oslo.messaging unescapes it). The result holds the password: never log
// it.
func (r Reply) TransportURL() string {
	user := url.UserPassword(Username, r.Password).String()
	hosts := make([]string, 0, len(r.Hosts))
	for _, h := range r.Hosts {
		hosts = append(hosts, user+"@"+net.JoinHostPort(h, strconv.Itoa(r.Port)))
	}
	return "rabbit://" + strings.Join(hosts, ",") + "/" + Vhost
}

// validHostname reports whether s is a DNS name.
func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
				return false
			}
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
