package sim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The identity-service protocol as the classic keystone charm speaks it
// (openstack/charm-keystone, identity_changed and add_service_to_keystone;
// the design's relations.md §2). It is written here, from keystone's side,
// apart from the charm's own requirer codec, so that the simulator is a
// witness of its own.

// keystoneRegistration is one client unit's unprefixed registration.
type keystoneRegistration struct {
	service, region, publicURL, internalURL, adminURL string
	// requestedRoles is requested_roles, comma separated.
	requestedRoles string
}

// infoOnly says whether the client only asks for endpoint information:
// keystone takes that branch when any value is the string "None".
func (r keystoneRegistration) infoOnly() bool {
	for _, v := range []string{r.service, r.region, r.publicURL, r.internalURL, r.adminURL} {
		if v == "None" {
			return true
		}
	}
	return false
}

// readKeystoneRegistration reads a client unit's bag as keystone groups
// it: ok is false until service, region and the three URLs are all set.
// A URL that is not an absolute http(s) URL is refused, to catch a client
// that would register an endpoint nothing can reach.
func readKeystoneRegistration(bag map[string]string) (keystoneRegistration, bool, error) {
	r := keystoneRegistration{service: bag["service"], region: bag["region"], publicURL: bag["public_url"],
		internalURL: bag["internal_url"], adminURL: bag["admin_url"], requestedRoles: bag["requested_roles"]}
	for _, v := range []string{r.service, r.region, r.publicURL, r.internalURL, r.adminURL} {
		if v == "" {
			return keystoneRegistration{}, false, nil
		}
	}
	if r.infoOnly() {
		return r, true, nil
	}
	for key, v := range map[string]string{"public_url": r.publicURL, "internal_url": r.internalURL, "admin_url": r.adminURL} {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \t\n") {
			return keystoneRegistration{}, false, fmt.Errorf("%s %.60q is not an http(s) URL", key, v)
		}
	}
	return r, true, nil
}

// keystoneEndpoints are keystone's own addresses, as the leader publishes
// them.
type keystoneEndpoints struct {
	host                      string
	servicePort, adminPort    int
	protocol, region          string
	adminDomainID, apiVersion string
}

// keystoneServiceUser is the service user keystone made for a client.
type keystoneServiceUser struct {
	username, password, userID         string
	tenant, tenantID, domain, domainID string
	adminProjectID, adminUserID, role  string
	serviceType                        string
}

// endpointBag is what every answer holds: the three endpoint types'
// host, port and protocol (internal uses the service port) and the API
// version.
func (e keystoneEndpoints) endpointBag() map[string]string {
	sp, ap := strconv.Itoa(e.servicePort), strconv.Itoa(e.adminPort)
	return map[string]string{
		"service_host": e.host, "service_port": sp, "service_protocol": e.protocol,
		"auth_host": e.host, "auth_port": ap, "auth_protocol": e.protocol,
		"internal_host": e.host, "internal_port": sp, "internal_protocol": e.protocol,
		"api_version": e.apiVersion, "admin_domain_id": e.adminDomainID,
	}
}

// infoAnswer is keystone's "None" branch: endpoint information, the
// region, the service type when the service is known, and no
// credentials.
func (e keystoneEndpoints) infoAnswer(serviceType string) map[string]string {
	b := e.endpointBag()
	b["region"] = e.region
	if serviceType != "" {
		b["service_type"] = serviceType
	}
	return b
}

// serviceAnswer is keystone's answer to a registration of a known
// service: endpoint information and the service user's credentials.
func (e keystoneEndpoints) serviceAnswer(u keystoneServiceUser, createdRoles string) map[string]string {
	b := e.endpointBag()
	for k, v := range map[string]string{
		"service_username": u.username, "service_password": u.password, "service_user_id": u.userID,
		"service_tenant": u.tenant, "service_tenant_id": u.tenantID,
		"service_domain": u.domain, "service_domain_id": u.domainID,
		"admin_project_id": u.adminProjectID, "admin_user_id": u.adminUserID, "admin_role": u.role,
		"service_type": u.serviceType,
	} {
		b[k] = v
	}
	if createdRoles != "" {
		b["created_roles"] = createdRoles
	}
	return b
}

// invalidServiceAnswer is keystone's answer to a service it does not know
// (ensure_valid_service).
func invalidServiceAnswer() map[string]string {
	return map[string]string{"admin_token": "-1"}
}

// keystoneAnswerKeys lists every key keystone writes on identity-service,
// so that a new answer replaces all of an old one.
func keystoneAnswerKeys() []string {
	return []string{
		"service_host", "service_port", "service_protocol", "auth_host", "auth_port", "auth_protocol",
		"internal_host", "internal_port", "internal_protocol", "service_tenant", "service_tenant_id",
		"service_username", "service_password", "service_user_id", "service_domain", "service_domain_id",
		"admin_domain_id", "admin_project_id", "admin_user_id", "admin_role", "api_version", "service_type",
		"created_roles", "admin_token", "region",
	}
}
