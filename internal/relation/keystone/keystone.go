// Package keystone is the codec of the identity-service relation (interface
// keystone): the endpoint registration Panko publishes, the service
// credentials it reads back from the classic keystone charm's unit bags.
// Keystone's side lives, written apart, in the local model's simulator.
//
// The package is pure: it turns data bags into facts and never performs I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package keystone

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/relation/hostname"
)

// Registration keys (client side, unit bag, raw strings).
const (
	KeyService     = "service"
	KeyRegion      = "region"
	KeyPublicURL   = "public_url"
	KeyInternalURL = "internal_url"
	KeyAdminURL    = "admin_url"
	// KeyRequestedRoles is optional: comma-separated roles keystone creates.
	KeyRequestedRoles = "requested_roles"
)

// Reply keys (keystone leader's unit bag, raw strings).
const (
	KeyServiceHost      = "service_host"
	KeyServicePort      = "service_port"
	KeyServiceProtocol  = "service_protocol"
	KeyAuthHost         = "auth_host"
	KeyAuthPort         = "auth_port"
	KeyAuthProtocol     = "auth_protocol"
	KeyInternalHost     = "internal_host"
	KeyInternalPort     = "internal_port"
	KeyInternalProtocol = "internal_protocol"
	KeyServiceTenant    = "service_tenant"
	KeyServiceTenantID  = "service_tenant_id"
	KeyServiceUsername  = "service_username"
	KeyServicePassword  = "service_password"
	KeyServiceUserID    = "service_user_id"
	KeyServiceDomain    = "service_domain"
	KeyServiceDomainID  = "service_domain_id"
	KeyAdminDomainID    = "admin_domain_id"
	KeyAdminProjectID   = "admin_project_id"
	KeyAdminUserID      = "admin_user_id"
	KeyAdminRole        = "admin_role"
	KeyAPIVersion       = "api_version"
	KeyServiceType      = "service_type"
	KeyCreatedRoles     = "created_roles"
	KeyAdminToken       = "admin_token"
)

// Service is the name Panko registers; keystone catalogs it as ServiceType.
const (
	Service     = "panko"
	ServiceType = "event"
)

// maxValue bounds every received value; longer ones are malformed.
const maxValue = 4 << 10

// Registration returns the bag Panko publishes to register its endpoints.
func Registration(region, public, internal, admin string) map[string]string {
	return map[string]string{
		KeyService:     Service,
		KeyRegion:      region,
		KeyPublicURL:   public,
		KeyInternalURL: internal,
		KeyAdminURL:    admin,
	}
}

// Credentials is what the client learns from keystone.
type Credentials struct {
	ServiceHost      string // keystone public address
	ServicePort      int
	ServiceProtocol  string // http or https
	AuthHost         string // keystone admin address
	AuthPort         int
	AuthProtocol     string
	InternalHost     string // empty when keystone did not send it
	InternalPort     int
	InternalProtocol string
	ServiceTenant    string
	ServiceTenantID  string
	ServiceUsername  string
	ServicePassword  string
	ServiceUserID    string
	ServiceDomain    string
	ServiceDomainID  string
	AdminDomainID    string
	AdminProjectID   string
	AdminUserID      string
	AdminRole        string
	APIVersion       string   // "3"; a leading "v" is stripped
	ServiceType      string   // catalog type of the registered service ("event")
	Region           string   // only echoed in the endpoint-information reply
	Missing          []string // required keys not yet received, in relations.md §2.3 order
}

// required are the ten keys a complete reply must hold.
func required() []string {
	return []string{
		KeyServiceHost, KeyServiceProtocol, KeyServicePort,
		KeyAuthHost, KeyAuthProtocol, KeyAuthPort,
		KeyServiceTenant, KeyServiceUsername, KeyServicePassword, KeyServiceTenantID,
	}
}

// Parse reads keystone's reply from its unit bags (ordered by unit name):
// each value comes from the first bag that holds it. keystone-k8s (which
// answers in its application bag with a Juju secret) is not supported. complete is true
// when all ten required keys are present and valid; otherwise
// Credentials.Missing lists the absent keys. A malformed value (a port that
// is not a port, an unknown protocol, a bad host) gives an error; the error
// never contains the password.
func Parse(unitBags []map[string]string) (Credentials, bool, error) {
	get := func(k string) string {
		for _, b := range unitBags {
			if v := b[k]; v != "" {
				return v
			}
		}
		return ""
	}
	var c Credentials
	for _, k := range required() {
		if get(k) == "" {
			c.Missing = append(c.Missing, k)
		}
	}
	if err := c.decode(get); err != nil {
		return c, false, fmt.Errorf("identity-service reply: %w", err)
	}
	return c, len(c.Missing) == 0, nil
}

// decode fills c from get, validating each value.
func (c *Credentials) decode(get func(string) string) error {
	strs := []struct {
		key string
		dst *string
	}{
		{KeyServiceTenant, &c.ServiceTenant}, {KeyServiceTenantID, &c.ServiceTenantID},
		{KeyServiceUsername, &c.ServiceUsername}, {KeyServicePassword, &c.ServicePassword},
		{KeyServiceUserID, &c.ServiceUserID}, {KeyServiceDomain, &c.ServiceDomain},
		{KeyServiceDomainID, &c.ServiceDomainID}, {KeyAdminDomainID, &c.AdminDomainID},
		{KeyAdminProjectID, &c.AdminProjectID}, {KeyAdminUserID, &c.AdminUserID},
		{KeyAdminRole, &c.AdminRole}, {KeyAPIVersion, &c.APIVersion},
		{KeyServiceType, &c.ServiceType}, {KeyRegion, &c.Region},
	}
	for _, s := range strs {
		v := get(s.key)
		if len(v) > maxValue {
			return fmt.Errorf("%s is too long (%d bytes)", s.key, len(v))
		}
		if strings.ContainsAny(v, "\x00\r\n") {
			return fmt.Errorf("%s contains control characters", s.key)
		}
		*s.dst = v
	}
	c.APIVersion = strings.TrimPrefix(c.APIVersion, "v")
	endpoints := []struct {
		host, port, proto string
		h                 *string
		p                 *int
		pr                *string
	}{
		{KeyServiceHost, KeyServicePort, KeyServiceProtocol, &c.ServiceHost, &c.ServicePort, &c.ServiceProtocol},
		{KeyAuthHost, KeyAuthPort, KeyAuthProtocol, &c.AuthHost, &c.AuthPort, &c.AuthProtocol},
		{KeyInternalHost, KeyInternalPort, KeyInternalProtocol, &c.InternalHost, &c.InternalPort, &c.InternalProtocol},
	}
	for _, e := range endpoints {
		h, p, pr := get(e.host), get(e.port), get(e.proto)
		if h != "" {
			if !hostname.Valid(h) {
				return fmt.Errorf("%s %q is not an address or host name", e.host, clip(h))
			}
			*e.h = h
		}
		if p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("%s %q is not a TCP port", e.port, clip(p))
			}
			*e.p = n
		}
		if pr != "" {
			if pr != "http" && pr != "https" {
				return fmt.Errorf("%s %q is neither http nor https", e.proto, clip(pr))
			}
			*e.pr = pr
		}
	}
	return nil
}

// PublicAuthURI is keystone's public endpoint without a version path, e.g.
// https://keystone.example.com:5000 (www_authenticate_uri / auth_uri).
func (c Credentials) PublicAuthURI() string {
	return endpointURL(c.ServiceProtocol, c.ServiceHost, c.ServicePort)
}

// AuthURL is keystone's admin endpoint without a version path, e.g.
// https://10.20.0.120:35357 (auth_url).
func (c Credentials) AuthURL() string {
	return endpointURL(c.AuthProtocol, c.AuthHost, c.AuthPort)
}

// InternalURL is keystone's internal endpoint without a version path, or ""
// when keystone did not send it.
func (c Credentials) InternalURL() string {
	if c.InternalHost == "" || c.InternalPort == 0 {
		return ""
	}
	return endpointURL(c.InternalProtocol, c.InternalHost, c.InternalPort)
}

// endpointURL joins scheme, host and port; IPv6 hosts get brackets.
func endpointURL(proto, host string, port int) string {
	if proto == "" {
		proto = "http"
	}
	return proto + "://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// clip shortens s for use in messages.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
