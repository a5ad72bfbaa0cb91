package tlscerts

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"sort"
)

// Reply is what the requester learns from the provider's bags. Certs maps
// each CN to its certificate and key: the top-level "<unit>.server.cert" is
// filed under the common name inside the certificate, the
// "<unit>.processed_requests" entries under their own CN. CA is the root
// certificate, Chain the intermediates (may be empty). PEMs are as received.
type Reply struct {
	CA    []byte
	Chain []byte
	Certs map[string]KeyPair
}

// Missing returns the CNs of cns that have no certificate in r, in order.
func (r Reply) Missing(cns []string) []string {
	var out []string
	for _, cn := range cns {
		if _, ok := r.Certs[cn]; !ok {
			out = append(out, cn)
		}
	}
	return out
}

// Parse reads the provider units' bags for the requesting unit (a Juju unit
// name or its UnitKey form). For every key the first non-empty value in bags
// wins, so bags should be ordered as the interface merges them: by relation
// id, then unit name. Both reply forms are accepted; when a processed_requests
// entry repeats the top-level certificate's CN, the top-level one is kept.
// A reply without certificates is not an error: Reply is then empty.
// Errors never contain key material.
func Parse(unit string, bags []map[string]string) (Reply, error) {
	merged := map[string]string{}
	for _, b := range bags {
		for k, v := range b {
			if v != "" && merged[k] == "" {
				merged[k] = v
			}
		}
	}
	r := Reply{Certs: map[string]KeyPair{}}
	for _, k := range []string{KeyCA, KeyChain} {
		if len(merged[k]) > maxPEMValue {
			return Reply{}, fmt.Errorf("%s is too long (%d bytes)", k, len(merged[k]))
		}
	}
	if ca := merged[KeyCA]; ca != "" {
		r.CA = []byte(ca)
	}
	if chain := merged[KeyChain]; chain != "" {
		r.Chain = []byte(chain)
	}
	certKey, keyKey := ServerCertKey(unit), ServerKeyKey(unit)
	cert, key := merged[certKey], merged[keyKey]
	switch {
	case len(cert) > maxPEMValue || len(key) > maxPEMValue:
		return Reply{}, fmt.Errorf("%s or %s is too long", certKey, keyKey)
	case cert != "" && key == "":
		return Reply{}, fmt.Errorf("%s is set without %s", certKey, keyKey)
	case cert == "" && key != "":
		return Reply{}, fmt.Errorf("%s is set without %s", keyKey, certKey)
	case cert != "":
		cn, err := leafCN([]byte(cert))
		if err != nil {
			return Reply{}, fmt.Errorf("%s: %w", certKey, err)
		}
		r.Certs[cn] = KeyPair{Cert: []byte(cert), Key: []byte(key)}
	}
	procKey := ProcessedRequestsKey(unit)
	raw := merged[procKey]
	if raw == "" || raw == "null" {
		return r, nil
	}
	if len(raw) > maxJSONValue {
		return Reply{}, fmt.Errorf("%s is too long (%d bytes)", procKey, len(raw))
	}
	var m map[string]*struct {
		Cert *string `json:"cert"`
		Key  *string `json:"key"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return Reply{}, fmt.Errorf("%s is not a JSON object of {\"cert\", \"key\"}", procKey)
	}
	cns := make([]string, 0, len(m))
	for cn := range m {
		cns = append(cns, cn)
	}
	sort.Strings(cns)
	for _, cn := range cns {
		e := m[cn]
		if !validName(cn) {
			return Reply{}, fmt.Errorf("%s names %q, not a host name", procKey, clip(cn))
		}
		if e == nil || e.Cert == nil || e.Key == nil || *e.Cert == "" || *e.Key == "" {
			return Reply{}, fmt.Errorf("%s entry %s lacks its cert or key", procKey, cn)
		}
		if _, ok := r.Certs[cn]; ok {
			continue
		}
		r.Certs[cn] = KeyPair{Cert: []byte(*e.Cert), Key: []byte(*e.Key)}
	}
	return r, nil
}

// leafCN returns the subject common name of the first certificate in pemData.
func leafCN(pemData []byte) (string, error) {
	block, _ := pem.Decode(pemData)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", fmt.Errorf("no PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("certificate does not parse")
	}
	if c.Subject.CommonName == "" {
		return "", fmt.Errorf("certificate has no common name")
	}
	return c.Subject.CommonName, nil
}

// clip shortens s for use in messages.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
