package charm

import (
	"bytes"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/relation/tlscerts"
)

// certSet is the TLS material the unit serves: one key pair per CN.
type certSet struct {
	// Source names where it comes from ("ssl_* config" or the vault app).
	Source string
	CA     []byte
	Chain  []byte
	Pairs  map[string]tlscerts.KeyPair
	// Expires is the earliest NotAfter.
	Expires time.Time
}

// previousCNs returns the CNs this unit asked for before: those of the
// request it published on each certificates relation (its own bag).
func previousCNs(in Inputs) []string {
	var out []string
	for _, rel := range in.Relations[Certificates] {
		if len(rel.Local) == 0 {
			continue
		}
		_, reqs, err := tlscerts.ParseRequest(rel.Local)
		if err != nil {
			continue
		}
		for _, r := range reqs {
			out = append(out, r.CN)
		}
	}
	return out
}

// staleTLSFiles returns the certificate and key files of the CNs requested
// before that are not among keep, so a changed set of names leaves no old
// key pairs behind.
func staleTLSFiles(in Inputs, keep []string) []string {
	kept := map[string]bool{}
	for _, cn := range keep {
		kept[cn] = true
	}
	var out []string
	for _, cn := range previousCNs(in) {
		if cn == "" || kept[cn] || strings.ContainsAny(cn, "/\x00") {
			continue
		}
		kept[cn] = true
		out = append(out, certPath(cn), keyPath(cn))
	}
	return out
}

func certPath(cn string) string { return SSLDir + "/cert_" + cn }

func keyPath(cn string) string { return SSLDir + "/key_" + cn }

// installedTLS reads the TLS material already on disk for cns (the names of
// the request this unit published), so a bad new answer does not tear down
// a working setup.
func installedTLS(cns []string, read func(string) ([]byte, error)) *certSet {
	set := &certSet{Source: "installed files", Pairs: map[string]tlscerts.KeyPair{}}
	for _, cn := range cns {
		if cn == "" || strings.ContainsAny(cn, "/\x00") {
			continue
		}
		chain, err1 := read(certPath(cn))
		key, err2 := read(keyPath(cn))
		if err1 != nil || err2 != nil {
			continue
		}
		cert, rest := splitFirstPEM(chain)
		set.Pairs[cn] = tlscerts.KeyPair{Cert: cert, Key: key}
		set.Chain = rest
	}
	if len(set.Pairs) == 0 {
		return nil
	}
	if ca, err := read(CACertFile); err == nil {
		set.CA = ca
	}
	return set
}

// onlyFor is set with the key pairs of the requested names only (nil when
// it has none of them).
func (s *certSet) onlyFor(want []tlscerts.CertRequest) *certSet {
	if s == nil {
		return nil
	}
	out := *s
	out.Pairs = map[string]tlscerts.KeyPair{}
	for _, r := range want {
		if kp, ok := s.Pairs[r.CN]; ok {
			out.Pairs[r.CN] = kp
		}
	}
	if len(out.Pairs) == 0 {
		return nil
	}
	return &out
}

// splitFirstPEM splits a PEM bundle after its first block.
func splitFirstPEM(b []byte) ([]byte, []byte) {
	const end = "-----END CERTIFICATE-----\n"
	i := bytes.Index(b, []byte(end))
	if i < 0 {
		return b, nil
	}
	return b[:i+len(end)], b[i+len(end):]
}

// pemJoin concatenates PEM texts, each ending with a newline.
func pemJoin(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		p = bytes.TrimSpace(p)
		if len(p) > 0 {
			out = append(append(out, p...), '\n')
		}
	}
	return out
}
