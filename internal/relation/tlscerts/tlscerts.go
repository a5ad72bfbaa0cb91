// Package tlscerts is the codec of the certificates relation (interface
// tls-certificates, answered by vault): the server certificate requests Panko
// publishes, the certificates it reads back (both the legacy
// "<unit>.server.cert"/".server.key" form and the "<unit>.processed_requests"
// form), the provider-side view of a request and the provider's reply bag, and
// the X.509 checks a certificate must pass before Panko serves it (from the
// relation or from the ssl_* options).
//
// The package is pure: apart from cryptographic parsing it performs no I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package tlscerts

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/openstack-charmers/charm-panko/internal/relation/pyjson"
)

// Requester keys (the requesting unit's bag). unit_name, common_name and
// certificate_name are raw strings; sans and cert_requests are JSON.
const (
	KeyUnitName        = "unit_name"
	KeyCommonName      = "common_name"
	KeySANs            = "sans"
	KeyCertificateName = "certificate_name"
	KeyCertRequests    = "cert_requests"
)

// Provider keys (every vault unit's bag). ca, chain and client.* are raw PEM;
// the per-unit keys are built with ServerCertKey, ServerKeyKey and
// ProcessedRequestsKey.
const (
	KeyCA         = "ca"
	KeyChain      = "chain"
	KeyClientCert = "client.cert"
	KeyClientKey  = "client.key"
)

// Limits on received values; longer ones are malformed.
const (
	maxShortValue = 4 << 10  // names, SAN lists
	maxPEMValue   = 64 << 10 // one PEM value (ca, chain, cert, key)
	maxJSONValue  = 1 << 20  // cert_requests, processed_requests
	maxName       = 253      // a CN or SAN
)

// CertRequest is one server certificate request: a common name and its
// subject alternative names (host names or IP addresses).
type CertRequest struct {
	CN   string
	SANs []string
}

// KeyPair is a PEM certificate and its PEM private key. String and GoString
// never show the key.
type KeyPair struct {
	Cert []byte
	Key  []byte
}

// String describes the pair without its key.
func (k KeyPair) String() string {
	return fmt.Sprintf("KeyPair{Cert: %d bytes, Key: %s}", len(k.Cert), redacted(k.Key))
}

// GoString is String, so %#v does not show the key either.
func (k KeyPair) GoString() string { return k.String() }

func redacted(b []byte) string {
	if len(b) == 0 {
		return "unset"
	}
	return "redacted"
}

// UnitKey returns the form of a unit name used inside relation keys:
// "panko/0" becomes "panko_0". A name already in that form is unchanged.
func UnitKey(unit string) string { return strings.ReplaceAll(unit, "/", "_") }

// ServerCertKey is the provider key holding unit's top-level certificate,
// e.g. "panko_0.server.cert".
func ServerCertKey(unit string) string { return UnitKey(unit) + ".server.cert" }

// ServerKeyKey is the provider key holding unit's top-level private key,
// e.g. "panko_0.server.key".
func ServerKeyKey(unit string) string { return UnitKey(unit) + ".server.key" }

// ProcessedRequestsKey is the provider key holding the JSON answers to unit's
// cert_requests, e.g. "panko_0.processed_requests".
func ProcessedRequestsKey(unit string) string { return UnitKey(unit) + ".processed_requests" }

// RequestKeys returns every key Request may write, so a caller can clear the
// ones a new request no longer sets.
func RequestKeys() []string {
	return []string{KeyUnitName, KeyCommonName, KeySANs, KeyCertificateName, KeyCertRequests}
}

// CertificateName returns the certificate_name Request publishes for unit: a
// name-based UUID (version 5 layout) derived from the unit name, so it stays
// the same across hooks as the interface expects of its random uuid4.
func CertificateName(unit string) string {
	sum := sha1.Sum([]byte("tls-certificates/" + UnitKey(unit)))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Request returns the requesting unit's bag, as the reactive interface writes
// it: unit_name (unit with "/" replaced by "_"), the first request in
// common_name and sans (a JSON list), a stable certificate_name, and every
// further request in cert_requests as a JSON object {"<cn>": {"sans": [...]}}.
// JSON is encoded as Python's json.dumps(sort_keys=True) does. SANs are sent
// sorted and without duplicates. When main has no CN the first extra request
// takes its place; cert_requests is left out when there are no further
// requests, and only unit_name is set when there is no request at all.
// Requests repeating an earlier CN are merged into it.
func Request(unit string, main CertRequest, extra []CertRequest) map[string]string {
	bag := map[string]string{KeyUnitName: UnitKey(unit)}
	reqs := mergeRequests(append([]CertRequest{main}, extra...))
	if len(reqs) == 0 {
		return bag
	}
	bag[KeyCommonName] = reqs[0].CN
	bag[KeySANs] = pyjson.Encode(reqs[0].SANs)
	bag[KeyCertificateName] = CertificateName(unit)
	if len(reqs) > 1 {
		m := make(map[string]any, len(reqs)-1)
		for _, r := range reqs[1:] {
			m[r.CN] = map[string]any{"sans": r.SANs}
		}
		bag[KeyCertRequests] = pyjson.Encode(m)
	}
	return bag
}

// mergeRequests drops requests without a CN, merges requests sharing a CN
// (keeping the first position) and sorts and de-duplicates every SAN list.
func mergeRequests(in []CertRequest) []CertRequest {
	var out []CertRequest
	index := map[string]int{}
	for _, r := range in {
		if r.CN == "" {
			continue
		}
		if i, ok := index[r.CN]; ok {
			out[i].SANs = append(out[i].SANs, r.SANs...)
			continue
		}
		index[r.CN] = len(out)
		out = append(out, CertRequest{CN: r.CN, SANs: append([]string(nil), r.SANs...)})
	}
	for i := range out {
		out[i].SANs = sortedUnique(out[i].SANs)
	}
	return out
}

// sortedUnique returns the non-empty entries of s, sorted, without
// duplicates; never nil.
func sortedUnique(s []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range s {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// ParseRequest reads a requester's bag as the provider does. unit is the
// unit_name field ("" when absent; the provider then uses UnitKey of the Juju
// unit name). When the bag has common_name, reqs[0] is that request, answered
// in "<unit>.server.cert"/".server.key"; the cert_requests entries follow in
// CN order and are answered in "<unit>.processed_requests". An entry of
// cert_requests repeating common_name is not listed twice. SAN lists are
// returned as sent.
func ParseRequest(bag map[string]string) (unit string, reqs []CertRequest, err error) {
	unit = bag[KeyUnitName]
	if unit != "" && !validName(unit) {
		return "", nil, fmt.Errorf("unit_name %q is not a unit name", clip(unit))
	}
	cn := bag[KeyCommonName]
	if cn != "" {
		if !validName(cn) {
			return "", nil, fmt.Errorf("common_name %q is not a host name", clip(cn))
		}
		sans, err := decodeSANs(bag[KeySANs])
		if err != nil {
			return "", nil, fmt.Errorf("sans of %s: %w", cn, err)
		}
		reqs = append(reqs, CertRequest{CN: cn, SANs: sans})
	}
	raw := bag[KeyCertRequests]
	if raw == "" || raw == "null" {
		return unit, reqs, nil
	}
	if len(raw) > maxJSONValue {
		return "", nil, fmt.Errorf("cert_requests is too long (%d bytes)", len(raw))
	}
	var m map[string]struct {
		SANs json.RawMessage `json:"sans"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return "", nil, fmt.Errorf("cert_requests is not a JSON object of {\"sans\": [...]}")
	}
	cns := make([]string, 0, len(m))
	for c := range m {
		cns = append(cns, c)
	}
	sort.Strings(cns)
	for _, c := range cns {
		if c == cn {
			continue
		}
		if !validName(c) {
			return "", nil, fmt.Errorf("cert_requests names %q, not a host name", clip(c))
		}
		sans, err := decodeSANList(m[c].SANs)
		if err != nil {
			return "", nil, fmt.Errorf("cert_requests sans of %s: %w", c, err)
		}
		reqs = append(reqs, CertRequest{CN: c, SANs: sans})
	}
	return unit, reqs, nil
}

func decodeSANs(raw string) ([]string, error) {
	if len(raw) > maxShortValue {
		return nil, fmt.Errorf("too long (%d bytes)", len(raw))
	}
	if raw == "" {
		return []string{}, nil
	}
	return decodeSANList(json.RawMessage(raw))
}

func decodeSANList(raw json.RawMessage) ([]string, error) {
	out := []string{}
	if len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("not a JSON list of strings")
	}
	for _, s := range out {
		if !validName(s) {
			return nil, fmt.Errorf("%q is not a host name or address", clip(s))
		}
	}
	return out, nil
}

// validName reports whether s can be a CN, SAN or unit name: 1 to 253
// printable characters without spaces, slashes excepted.
func validName(s string) bool {
	if s == "" || len(s) > maxName || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '"' || r == '\\' {
			return false
		}
	}
	return true
}
