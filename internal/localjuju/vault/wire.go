package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/relation/pyjson"
)

// The keys of the tls-certificates relation as vault's side of it reads and
// writes them (canonical/interface-tls-certificates provides.py and
// tls_certificates_common.py).
const (
	// Read from each requesting unit.
	reqUnitName     = "unit_name"
	reqCommonName   = "common_name"
	reqSANs         = "sans"
	reqCertRequests = "cert_requests"

	// Published by every vault unit.
	pubCA         = "ca"
	pubChain      = "chain"
	pubClientCert = "client.cert"
	pubClientKey  = "client.key"
)

// Published per requester name: the top-level request's pair and the JSON
// object answering cert_requests.
const (
	serverCertSuffix = ".server.cert"
	serverKeySuffix  = ".server.key"
	processedSuffix  = ".processed_requests"
)

// maxRequestValue bounds a request value vault is asked to decode.
const maxRequestValue = 64 << 10

// Request is one server certificate a unit asks vault for.
type Request struct {
	// CN is the certificate's common name.
	CN string
	// SANs are the subject alternative names, as sent.
	SANs []string
	// TopLevel is true for the legacy common_name request, answered in
	// "<name>.server.cert"/".server.key" instead of processed_requests.
	TopLevel bool
}

// RequesterName is the name vault files a unit's answers under: the bag's
// unit_name, else the Juju unit name with "/" replaced by "_"
// (resolve_unit_name).
func RequesterName(unit string, bag map[string]string) string {
	if name := bag[reqUnitName]; name != "" {
		return strings.ReplaceAll(name, "/", "_")
	}
	return strings.ReplaceAll(unit, "/", "_")
}

// RequestKeys are the keys of a requester's bag vault reads for server
// certificates.
func RequestKeys() []string {
	return []string{reqUnitName, reqCommonName, reqSANs, reqCertRequests}
}

// ServerCertKey is the key of the certificate answering name's common_name.
func ServerCertKey(name string) string { return name + serverCertSuffix }

// ServerKeyKey is the key of the private key answering name's common_name.
func ServerKeyKey(name string) string { return name + serverKeySuffix }

// ProcessedRequestsKey is the key of the JSON object answering name's
// cert_requests.
func ProcessedRequestsKey(name string) string { return name + processedSuffix }

// ParseRequests reads the server certificate requests of a unit's bag as
// the provider interface lists them (all_requests): the raw common_name
// with the JSON list in sans first, then each entry of the JSON object
// cert_requests ({"<cn>": {"sans": [...]}}) in CN order. An entry
// repeating common_name is the top-level request again (the interface
// answers it in the same slot) and is not listed twice.
func ParseRequests(bag map[string]string) ([]Request, error) {
	var out []Request
	cn := bag[reqCommonName]
	if cn != "" {
		sans, err := decodeList(bag[reqSANs])
		if err != nil {
			return nil, fmt.Errorf("sans of %s: %w", cn, err)
		}
		out = append(out, Request{CN: cn, SANs: sans, TopLevel: true})
	}
	raw := bag[reqCertRequests]
	if raw == "" || raw == "null" {
		return out, nil
	}
	if len(raw) > maxRequestValue {
		return nil, fmt.Errorf("cert_requests is too long (%d bytes)", len(raw))
	}
	var reqs map[string]struct {
		SANs json.RawMessage `json:"sans"`
	}
	if err := json.Unmarshal([]byte(raw), &reqs); err != nil {
		return nil, errors.New(`cert_requests is not a JSON object of {"sans": [...]}`)
	}
	cns := make([]string, 0, len(reqs))
	for c := range reqs {
		cns = append(cns, c)
	}
	sort.Strings(cns)
	for _, c := range cns {
		if c == cn {
			continue
		}
		if c == "" {
			return nil, errors.New("cert_requests names an empty common name")
		}
		sans, err := decodeList(string(reqs[c].SANs))
		if err != nil {
			return nil, fmt.Errorf("cert_requests sans of %s: %w", c, err)
		}
		out = append(out, Request{CN: c, SANs: sans})
	}
	return out, nil
}

// decodeList decodes a JSON list of strings; empty and null are no names.
func decodeList(raw string) ([]string, error) {
	out := []string{}
	if raw == "" || raw == "null" {
		return out, nil
	}
	if len(raw) > maxRequestValue {
		return nil, fmt.Errorf("too long (%d bytes)", len(raw))
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, errors.New("not a JSON list of strings")
	}
	return out, nil
}

// Pair is a PEM certificate and its PEM key as vault publishes them.
type Pair struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// String never shows the key.
func (p Pair) String() string { return fmt.Sprintf("Pair{Cert: %d bytes, Key: redacted}", len(p.Cert)) }

// GoString is String.
func (p Pair) GoString() string { return p.String() }

// publishUnit adds name's answers to bag: the top-level pair in the raw
// ".server.cert"/".server.key" keys and the others in ".processed_requests",
// JSON-encoded as the reactive endpoint's to_publish does (json.dumps with
// sort_keys). Keys with nothing to say are left out.
func publishUnit(bag map[string]string, name string, server *Pair, processed map[string]Pair) {
	if server != nil {
		bag[ServerCertKey(name)] = server.Cert
		bag[ServerKeyKey(name)] = server.Key
	}
	if len(processed) == 0 {
		return
	}
	m := make(map[string]any, len(processed))
	for cn, p := range processed {
		m[cn] = map[string]any{"cert": p.Cert, "key": p.Key}
	}
	bag[ProcessedRequestsKey(name)] = pyjson.Encode(m)
}

// Published reads back what bag holds for requester name: the top-level
// pair (nil when absent) and the processed_requests pairs by CN.
func Published(name string, bag map[string]string) (server *Pair, processed map[string]Pair, err error) {
	if c := bag[ServerCertKey(name)]; c != "" {
		server = &Pair{Cert: c, Key: bag[ServerKeyKey(name)]}
	}
	processed = map[string]Pair{}
	if raw := bag[ProcessedRequestsKey(name)]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &processed); err != nil {
			return nil, nil, fmt.Errorf("%s is not a JSON object of pairs", ProcessedRequestsKey(name))
		}
	}
	return server, processed, nil
}

// Shared reports whether key is one vault publishes alike on every
// certificates relation: ca, chain and the global client certificate.
func Shared(key string) bool {
	switch key {
	case pubCA, pubChain, pubClientCert, pubClientKey:
		return true
	}
	return false
}

// Owned reports whether key is one vault publishes on the certificates
// relation: ca, chain, client.cert, client.key and the per-unit
// ".server.cert", ".server.key" and ".processed_requests" keys.
func Owned(key string) bool {
	if Shared(key) {
		return true
	}
	for _, suffix := range []string{serverCertSuffix, serverKeySuffix, processedSuffix} {
		if strings.HasSuffix(key, suffix) && len(key) > len(suffix) {
			return true
		}
	}
	return false
}
