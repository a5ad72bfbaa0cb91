package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
)

// Files the keystone simulator keeps in its state directory.
const (
	keystoneStateFile = "keystone-state.json"
	catalogFile       = "keystone-catalog.json"
)

// identityEndpoint is the keystone simulator's only endpoint.
const identityEndpoint = "identity-service"

// serviceTypes maps the service names keystone accepts to catalog types
// (a subset of charm-keystone's valid_services).
func serviceTypes() map[string]string {
	return map[string]string{
		"panko": "event", "aodh": "alarming", "ceilometer": "metering", "gnocchi": "metric",
		"nova": "compute", "glance": "image", "cinderv3": "volumev3", "neutron": "network",
		"heat": "orchestration", "placement": "placement", "barbican": "key-manager",
	}
}

// CatalogEntry is one endpoint set in the simulated keystone's catalog.
// Keystone keeps one set per service and region: the last registration wins.
type CatalogEntry struct {
	Service      string `json:"service"`
	Type         string `json:"type"`
	Region       string `json:"region"`
	PublicURL    string `json:"public_url"`
	InternalURL  string `json:"internal_url"`
	AdminURL     string `json:"admin_url"`
	RegisteredBy string `json:"registered_by"` // the unit whose registration is current
	RelationID   int    `json:"relation_id"`
}

// keystoneState holds the ids and service credentials the simulator made up.
type keystoneState struct {
	AdminDomainID   string                     `json:"admin_domain_id"`
	AdminProjectID  string                     `json:"admin_project_id"`
	AdminUserID     string                     `json:"admin_user_id"`
	ServiceTenantID string                     `json:"service_tenant_id"`
	ServiceDomainID string                     `json:"service_domain_id"`
	Users           map[string]keystoneAccount `json:"users"`
	// Seen is, per "<relation id>/<unit>", the unit bag keystone last
	// handled: keystone registers a unit's endpoints when that unit's
	// relation-changed runs, never on departure.
	Seen map[string]string `json:"seen,omitempty"`
}

// keystoneAccount is a service user.
type keystoneAccount struct {
	ID       string `json:"id"`
	Password string `json:"password"`
}

// keystoneApp simulates the classic keystone machine charm: the leader
// answers every registration with the credentials of the service user.
type keystoneApp struct {
	base
	servicePort, adminPort int
	protocol               string
	tenant, domain, role   string
	region                 string
	env                    Env
}

// newKeystone validates the keystone simulator's configuration.
func newKeystone(config map[string]string, env Env) (*keystoneApp, error) {
	if err := checkOptions("keystone", config, "service-port", "admin-port", "service-tenant", "admin-role", "use-https", "region"); err != nil {
		return nil, err
	}
	k := &keystoneApp{servicePort: 5000, adminPort: 35357, protocol: "http",
		tenant: "services", domain: "service_domain", role: "Admin", region: "RegionOne", env: env,
		base: base{"keystone", false, map[string]Endpoint{identityEndpoint: {Interface: "keystone", Role: RoleProvides, Scope: ScopeGlobal}}}}
	for key, dst := range map[string]*int{"service-port": &k.servicePort, "admin-port": &k.adminPort} {
		if v, ok := config[key]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("keystone simulator: %s %q is not a TCP port", key, v)
			}
			*dst = n
		}
	}
	for key, dst := range map[string]*string{"service-tenant": &k.tenant, "admin-role": &k.role, "region": &k.region} {
		if v, ok := config[key]; ok {
			if v == "" {
				return nil, fmt.Errorf("keystone simulator: %s is empty", key)
			}
			*dst = v
		}
	}
	if v, ok := config["use-https"]; ok {
		https, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("keystone simulator: use-https %q is not a boolean", v)
		}
		if https {
			k.protocol = "https"
		}
	}
	return k, nil
}

// Respond processes, on the leader and in unit order, the registration of
// every remote unit whose bag changed since keystone last handled it, as
// the keystone charm's identity-service-relation-changed does for its
// remote unit: it records the endpoints in the catalog and publishes the
// service credentials on the leader's bag (the last registration's answer
// stays). A departing unit's last registration stays in the catalog.
func (k *keystoneApp) Respond(_ context.Context, units []string, leader string, rel Relation) (Response, error) {
	if rel.Endpoint != identityEndpoint {
		return Response{}, fmt.Errorf("keystone simulator has no endpoint %q", rel.Endpoint)
	}
	if leader == "" || !slices.Contains(units, leader) {
		return Response{}, nil
	}
	host := k.env.unitAddress(leader, rel.Units[leader])
	if host == "" {
		return Response{}, fmt.Errorf("keystone simulator: no address for %s", leader)
	}
	type registration struct {
		unit string
		r    keystoneRegistration
		bag  map[string]string
	}
	var regs []registration
	for _, u := range SortedUnitKeys(rel.RemoteUnits) {
		r, ok, err := readKeystoneRegistration(rel.RemoteUnits[u])
		if err != nil {
			return Response{}, fmt.Errorf("identity-service registration of %s: %w", u, err)
		}
		if ok {
			regs = append(regs, registration{unit: u, r: r, bag: rel.RemoteUnits[u]})
		}
	}
	if len(regs) == 0 {
		return Response{}, nil
	}
	var reply map[string]string
	err := withState(k.env.StateDir, keystoneStateFile, func(st *keystoneState) error {
		if err := st.ensureIDs(); err != nil {
			return err
		}
		if st.Seen == nil {
			st.Seen = map[string]string{}
		}
		changed := regs[:0]
		for _, r := range regs {
			key := fmt.Sprintf("%d/%s", rel.ID, r.unit)
			raw, err := json.Marshal(r.bag)
			if err != nil {
				return fmt.Errorf("registration of %s: %w", r.unit, err)
			}
			if st.Seen[key] != string(raw) {
				st.Seen[key] = string(raw)
				changed = append(changed, r)
			}
		}
		regs = changed
		eps := k.endpoints(host, st)
		var entries []CatalogEntry
		for _, r := range regs {
			stype, known := serviceTypes()[r.r.service]
			switch {
			case r.r.infoOnly():
				reply = eps.infoAnswer(stype)
			case !known:
				reply = invalidServiceAnswer()
			default:
				acct, err := st.account(r.r.service)
				if err != nil {
					return err
				}
				reply = eps.serviceAnswer(keystoneServiceUser{
					username: r.r.service, password: acct.Password, userID: acct.ID,
					tenant: k.tenant, tenantID: st.ServiceTenantID, domain: k.domain, domainID: st.ServiceDomainID,
					adminProjectID: st.AdminProjectID, adminUserID: st.AdminUserID, role: k.role, serviceType: stype,
				}, r.r.requestedRoles)
				entries = append(entries, CatalogEntry{
					Service: r.r.service, Type: stype, Region: r.r.region,
					PublicURL: r.r.publicURL, InternalURL: r.r.internalURL, AdminURL: r.r.adminURL,
					RegisteredBy: r.unit, RelationID: rel.ID,
				})
			}
		}
		return k.record(entries)
	})
	if err != nil {
		return Response{}, fmt.Errorf("keystone simulator: %w", err)
	}
	if reply == nil {
		return Response{}, nil
	}
	return Response{Units: map[string]map[string]string{
		leader: replaceKeys(rel.Units[leader], keystoneAnswerKeys(), reply),
	}}, nil
}

// endpoints are the leader's addresses and the cloud's ids every answer
// carries.
func (k *keystoneApp) endpoints(host string, st *keystoneState) keystoneEndpoints {
	return keystoneEndpoints{host: host, servicePort: k.servicePort, adminPort: k.adminPort, protocol: k.protocol,
		region: k.region, adminDomainID: st.AdminDomainID, apiVersion: "3"}
}

// ensureIDs makes up the cloud-wide ids once.
func (st *keystoneState) ensureIDs() error {
	for _, id := range []*string{&st.AdminDomainID, &st.AdminProjectID, &st.AdminUserID, &st.ServiceTenantID, &st.ServiceDomainID} {
		if *id == "" {
			v, err := hexID()
			if err != nil {
				return err
			}
			*id = v
		}
	}
	if st.Users == nil {
		st.Users = map[string]keystoneAccount{}
	}
	return nil
}

// account returns the service user, creating it with a 64-character
// password the first time.
func (st *keystoneState) account(name string) (keystoneAccount, error) {
	if a, ok := st.Users[name]; ok && a.Password != "" {
		return a, nil
	}
	id, err := hexID()
	if err != nil {
		return keystoneAccount{}, err
	}
	pw, err := pwgen(64)
	if err != nil {
		return keystoneAccount{}, err
	}
	a := keystoneAccount{ID: id, Password: pw}
	st.Users[name] = a
	return a, nil
}

// record stores entries in the catalog, replacing the endpoint set of the
// same service and region.
func (k *keystoneApp) record(entries []CatalogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	catalog, err := ReadCatalog(k.env.StateDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		replaced := false
		for i := range catalog {
			if catalog[i].Service == e.Service && catalog[i].Region == e.Region {
				catalog[i], replaced = e, true
			}
		}
		if !replaced {
			catalog = append(catalog, e)
		}
	}
	sort.Slice(catalog, func(i, j int) bool {
		if catalog[i].Service != catalog[j].Service {
			return catalog[i].Service < catalog[j].Service
		}
		return catalog[i].Region < catalog[j].Region
	})
	return writeJSON(filepath.Join(k.env.StateDir, catalogFile), catalog)
}

// ReadCatalog returns the catalog the keystone simulator recorded in
// stateDir, sorted by service and region; empty when nothing registered.
func ReadCatalog(stateDir string) ([]CatalogEntry, error) {
	path := filepath.Join(stateDir, catalogFile)
	var out []CatalogEntry
	err := readJSON(path, &out)
	if errors.Is(err, os.ErrNotExist) {
		return []CatalogEntry{}, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
