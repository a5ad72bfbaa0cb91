package sim

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/vault"
)

// certificatesEndpoint is the vault simulator's only endpoint.
const certificatesEndpoint = "certificates"

// vaultApp simulates charm-vault's certificates endpoint on top of a real
// CA kept in <StateDir>/vault-<application>/: the leader issues what every
// requesting unit asks for and every vault unit publishes the same bag
// (ca, chain, the global client certificate and, on each relation, the
// certificates of that relation's units), as vault's units converge on its
// cert cache. Certificates are kept until their request changes, the unit
// departs, or RenewVault reissues them.
type vaultApp struct {
	base
	env Env
}

// vaultState is what the vault simulator keeps per application: the
// requests of every related unit, so that certificates of all relations
// are answered (and renewed) together.
type vaultState struct {
	Relations map[int]*vaultRelation `json:"relations"`
	// Issued describes the certificates last published (no keys).
	Issued []VaultCertificate `json:"issued"`
}

// vaultRelation holds the requests seen on one certificates relation.
type vaultRelation struct {
	RemoteApp string `json:"remote_app"`
	// Requests maps each remote unit to the request keys of its bag.
	Requests map[string]map[string]string `json:"requests"`
}

// newVault validates the vault simulator's configuration (it has none).
func newVault(config map[string]string, env Env) (*vaultApp, error) {
	if err := checkOptions("vault", config); err != nil {
		return nil, err
	}
	return &vaultApp{env: env, base: base{"vault", false,
		map[string]Endpoint{certificatesEndpoint: {Interface: "tls-certificates", Role: RoleProvides, Scope: ScopeGlobal}}}}, nil
}

// vaultCADir is where the CA of vault application app lives.
func vaultCADir(stateDir, app string) string { return filepath.Join(stateDir, "vault-"+app) }

// Respond records the requests of rel's remote units, issues what is new
// and publishes the answer on every vault unit's bag. Nothing is issued
// without a leader among units, nor before a requester has joined.
func (v *vaultApp) Respond(_ context.Context, units []string, leader string, rel Relation) (Response, error) {
	if rel.Endpoint != certificatesEndpoint {
		return Response{}, fmt.Errorf("vault simulator has no endpoint %q", rel.Endpoint)
	}
	if leader == "" || !slices.Contains(units, leader) {
		return Response{}, nil
	}
	app := appOf(units, rel.Units)
	if err := checkAppName(app); err != nil {
		return Response{}, fmt.Errorf("vault simulator: %w", err)
	}
	requests := map[string]map[string]string{}
	for _, u := range SortedUnitKeys(rel.RemoteUnits) {
		bag := map[string]string{}
		for _, k := range vault.RequestKeys() {
			if val, ok := rel.RemoteUnits[u][k]; ok {
				bag[k] = val
			}
		}
		if _, err := vault.ParseRequests(bag); err != nil {
			return Response{}, fmt.Errorf("vault simulator: certificate request of %s: %w", u, err)
		}
		requests[u] = bag
	}
	var answer map[string]string
	err := withState(v.env.StateDir, stateFile("vault", app), func(st *vaultState) error {
		if st.Relations == nil {
			st.Relations = map[int]*vaultRelation{}
		}
		if len(requests) == 0 && st.Relations[rel.ID] == nil {
			return nil // nobody has joined yet
		}
		st.Relations[rel.ID] = &vaultRelation{RemoteApp: rel.RemoteApp, Requests: requests}
		ca, err := vault.NewCA(vaultCADir(v.env.StateDir, app))
		if err != nil {
			return err
		}
		if answer, err = ca.Answer(st.requestBags()...); err != nil {
			return err
		}
		st.Issued, err = issuedCertificates(answer, st.requestBags())
		return err
	})
	if err != nil {
		return Response{}, fmt.Errorf("vault simulator: %w", err)
	}
	if answer == nil {
		return Response{}, nil
	}
	bag := relationAnswer(answer, rel.RemoteUnits)
	resp := Response{Units: map[string]map[string]string{}}
	for _, u := range units {
		resp.Units[u] = replaceOwned(rel.Units[u], vault.Owned, bag)
	}
	return resp, nil
}

// Departed forgets the relation's requests: vault drops the certificates
// of departed units from its cache (it revokes nothing). The CA stays.
func (v *vaultApp) Departed(_ context.Context, rel Relation) error {
	files, err := stateFiles(v.env.StateDir, "vault")
	if err != nil {
		return err
	}
	for _, f := range files {
		err := withState(v.env.StateDir, f, func(st *vaultState) error {
			gone := st.Relations[rel.ID]
			delete(st.Relations, rel.ID)
			if gone == nil {
				return nil
			}
			names := map[string]bool{}
			for u, bag := range gone.Requests {
				names[vault.RequesterName(u, bag)] = true
			}
			kept := []VaultCertificate{}
			for _, c := range st.Issued {
				if !names[c.Unit] {
					kept = append(kept, c)
				}
			}
			st.Issued = kept
			return nil
		})
		if err != nil {
			return fmt.Errorf("vault simulator: %w", err)
		}
	}
	return nil
}

// requestBags lists every recorded request, by relation id then unit.
func (st *vaultState) requestBags() []vault.RequestBag {
	ids := make([]int, 0, len(st.Relations))
	for id := range st.Relations {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var out []vault.RequestBag
	for _, id := range ids {
		r := st.Relations[id]
		for _, u := range SortedUnitKeys(r.Requests) {
			out = append(out, vault.RequestBag{Unit: u, Data: r.Requests[u]})
		}
	}
	return out
}

// relationAnswer keeps the keys of answer that belong on a relation whose
// requesting units are remote: the CA, chain and client certificate, and
// those units' certificates (vault publishes a unit's certificates on that
// unit's relation only).
func relationAnswer(answer map[string]string, remote map[string]map[string]string) map[string]string {
	keep := map[string]bool{}
	for u, bag := range remote {
		name := vault.RequesterName(u, bag)
		for _, k := range []string{vault.ServerCertKey(name), vault.ServerKeyKey(name), vault.ProcessedRequestsKey(name)} {
			keep[k] = true
		}
	}
	out := map[string]string{}
	for k, val := range answer {
		if keep[k] || vault.Shared(k) {
			out[k] = val
		}
	}
	return out
}

// RenewVault reissues every certificate the vault simulator of application
// app has issued, as charm-vault's reissue-certificates action does. The
// new certificates are published when the simulator next answers.
func RenewVault(stateDir, app string) error {
	if err := checkAppName(app); err != nil {
		return fmt.Errorf("renew %s: %w", app, err)
	}
	if _, err := os.Stat(filepath.Join(vaultCADir(stateDir, app), vault.RootCertFile)); err != nil {
		return fmt.Errorf("renew %s: vault has issued nothing yet: %w", app, err)
	}
	err := withState(stateDir, stateFile("vault", app), func(st *vaultState) error {
		ca, err := vault.NewCA(vaultCADir(stateDir, app))
		if err != nil {
			return err
		}
		answer, err := ca.Renew(st.requestBags()...)
		if err != nil {
			return err
		}
		st.Issued, err = issuedCertificates(answer, st.requestBags())
		return err
	})
	if err != nil {
		return fmt.Errorf("renew %s: %w", app, err)
	}
	return nil
}

// loadVaultCA opens an existing CA of vault application app, under the
// state lock.
func loadVaultCA(stateDir, app string) (*vault.CA, error) {
	if err := checkAppName(app); err != nil {
		return nil, fmt.Errorf("CA of %s: %w", app, err)
	}
	dir := vaultCADir(stateDir, app)
	var ca *vault.CA
	err := withLock(stateDir, func() error {
		if _, err := os.Stat(filepath.Join(dir, vault.RootCertFile)); err != nil {
			return err
		}
		var err error
		ca, err = vault.NewCA(dir)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("CA of %s: %w", app, err)
	}
	return ca, nil
}

// VaultCertificate describes one certificate the vault simulator published;
// it never holds the key.
type VaultCertificate struct {
	// Unit is the requesting unit's key form ("panko_0").
	Unit string `json:"unit"`
	// CN is the certificate's common name.
	CN string `json:"cn"`
	// SANs are the certificate's DNS names and IP addresses.
	SANs []string `json:"sans"`
	// Serial is the certificate's serial number in hex.
	Serial string `json:"serial"`
	// NotAfter is the end of the validity period.
	NotAfter time.Time `json:"not_after"`
}

// VaultStatus is what the vault simulator of an application keeps.
type VaultStatus struct {
	// CA and Chain are the subjects of the root and intermediate.
	CA    string `json:"ca"`
	Chain string `json:"chain"`
	// Relations maps each certificates relation id to the requesting
	// application.
	Relations map[int]string `json:"relations"`
	// Certificates are the issued server certificates, by unit then CN.
	Certificates []VaultCertificate `json:"certificates"`
}

// Vault returns what the vault simulator of application app keeps in
// stateDir; ok is false when it has not answered yet.
func Vault(stateDir, app string) (status VaultStatus, ok bool, err error) {
	if err := checkAppName(app); err != nil {
		return VaultStatus{}, false, err
	}
	var st vaultState
	ok, err = readState(stateDir, stateFile("vault", app), &st)
	if err != nil || !ok {
		return VaultStatus{}, ok, err
	}
	ca, err := loadVaultCA(stateDir, app)
	if errors.Is(err, os.ErrNotExist) {
		return VaultStatus{}, false, nil
	}
	if err != nil {
		return VaultStatus{}, false, err
	}
	status = VaultStatus{Relations: map[int]string{}, Certificates: []VaultCertificate{}}
	for _, p := range []struct {
		pem []byte
		dst *string
	}{{ca.CertPEM(), &status.CA}, {ca.ChainPEM(), &status.Chain}} {
		if c, err := parsePEMCert(p.pem); err == nil {
			*p.dst = c.Subject.String()
		}
	}
	for id, r := range st.Relations {
		status.Relations[id] = r.RemoteApp
	}
	status.Certificates = append(status.Certificates, st.Issued...)
	return status, true, nil
}

// issuedCertificates describes the server certificates of answer for
// every requesting unit of requests, by unit then CN.
func issuedCertificates(answer map[string]string, requests []vault.RequestBag) ([]VaultCertificate, error) {
	out := []VaultCertificate{}
	for _, rb := range requests {
		name := vault.RequesterName(rb.Unit, rb.Data)
		server, processed, err := vault.Published(name, answer)
		if err != nil {
			return nil, fmt.Errorf("certificates of %s: %w", name, err)
		}
		certs := map[string]string{}
		if server != nil {
			c, err := parsePEMCert([]byte(server.Cert))
			if err != nil {
				return nil, fmt.Errorf("certificate of %s: %w", name, err)
			}
			certs[c.Subject.CommonName] = server.Cert
		}
		for cn, p := range processed {
			certs[cn] = p.Cert
		}
		cns := make([]string, 0, len(certs))
		for cn := range certs {
			cns = append(cns, cn)
		}
		sort.Strings(cns)
		for _, cn := range cns {
			c, err := parsePEMCert([]byte(certs[cn]))
			if err != nil {
				return nil, fmt.Errorf("certificate %s of %s: %w", cn, name, err)
			}
			sans := append([]string{}, c.DNSNames...)
			for _, ip := range c.IPAddresses {
				sans = append(sans, ip.String())
			}
			out = append(out, VaultCertificate{
				Unit: name, CN: cn, SANs: sans, Serial: c.SerialNumber.Text(16), NotAfter: c.NotAfter.UTC(),
			})
		}
	}
	return out, nil
}

// parsePEMCert parses the first certificate of a PEM text.
func parsePEMCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return c, nil
}
