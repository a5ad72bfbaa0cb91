package tlscerts

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"
)

// Info is what Verify learns from a certificate.
type Info struct {
	// CommonName is the subject's common name.
	CommonName string
	// NotAfter is the end of the validity period.
	NotAfter time.Time
	// DNSNames are the DNS subject alternative names.
	DNSNames []string
	// IPs are the IP address subject alternative names, as strings.
	IPs []string
}

// Missing returns the entries of names (host names or IP addresses) the
// certificate's SANs do not cover, in order. Host names compare without
// case; wildcards are not expanded.
func (i Info) Missing(names []string) []string {
	var out []string
	for _, n := range names {
		if !i.covers(n) {
			out = append(out, n)
		}
	}
	return out
}

func (i Info) covers(name string) bool {
	if ip := net.ParseIP(name); ip != nil {
		for _, s := range i.IPs {
			if ip.Equal(net.ParseIP(s)) {
				return true
			}
		}
		return false
	}
	for _, d := range i.DNSNames {
		if strings.EqualFold(d, name) {
			return true
		}
	}
	return false
}

// DaysLeft returns the whole days from now until info.NotAfter, rounded down;
// negative once the certificate has expired.
func DaysLeft(info Info, now time.Time) int {
	d := info.NotAfter.Sub(now)
	return int(math.Floor(d.Hours() / 24))
}

// failure is why a certificate cannot be used, phrased for the relation
// (reason) and for the ssl_* options (option and optReason, which completes
// the sentence after the option's name).
type failure struct {
	reason    string
	option    string
	optReason string
}

// dateLayout is how dates appear in reasons.
const dateLayout = "2006-01-02"

// Verify checks a key pair received over the relation: the certificate and
// key are PEM and parse (RSA, ECDSA or Ed25519; PKCS#1, SEC 1 or PKCS#8), the
// key belongs to the certificate, now is inside the validity period, and the
// certificate chains to a root in ca for server authentication, with chain
// and any certificates after the first in kp.Cert as intermediates. An empty
// ca skips the chain check. The error is a short human reason such as
// "certificate expired on 2026-01-01"; it never contains key material.
func Verify(kp KeyPair, ca, chain []byte, now time.Time) (Info, error) {
	info, f := verify(kp, ca, chain, now)
	if f != nil {
		return Info{}, errors.New(f.reason)
	}
	return info, nil
}

// ConfigError says which ssl_* option is wrong and why.
type ConfigError struct {
	// Option is ssl_cert, ssl_key or ssl_ca.
	Option string
	// Reason completes the sentence after the option's name.
	Reason string
}

// Error reads "<option> <reason>", e.g. "ssl_key does not match ssl_cert".
func (e *ConfigError) Error() string { return e.Option + " " + e.Reason }

// VerifyConfig decodes ssl_cert, ssl_key and ssl_ca (base64 of PEM; ssl_ca
// may be empty) and runs Verify's checks on them, with ssl_ca as the roots
// and the certificates after the first in ssl_cert as intermediates. It
// returns the decoded pair. Errors are *ConfigError naming the option at
// fault and never contain the options' contents.
func VerifyConfig(certB64, keyB64, caB64 string, now time.Time) (KeyPair, Info, error) {
	var kp KeyPair
	var ca []byte
	for _, f := range []struct {
		option, value string
		required      bool
		dst           *[]byte
	}{
		{"ssl_cert", certB64, true, &kp.Cert},
		{"ssl_key", keyB64, true, &kp.Key},
		{"ssl_ca", caB64, false, &ca},
	} {
		data, reason := decodeBase64(f.value)
		if reason == "" && f.required && len(data) == 0 {
			reason = "is not set"
		}
		if reason != "" {
			return KeyPair{}, Info{}, &ConfigError{Option: f.option, Reason: reason}
		}
		*f.dst = data
	}
	info, fail := verify(kp, ca, nil, now)
	if fail != nil {
		return KeyPair{}, Info{}, &ConfigError{Option: fail.option, Reason: fail.optReason}
	}
	return kp, info, nil
}

// decodeBase64 decodes an option value, ignoring white space and accepting
// missing padding.
func decodeBase64(value string) ([]byte, string) {
	compact := strings.Join(strings.Fields(value), "")
	if compact == "" {
		return nil, ""
	}
	data, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(compact)
	}
	if err != nil {
		return nil, "is not valid base64"
	}
	return data, ""
}

func verify(kp KeyPair, ca, chain []byte, now time.Time) (Info, *failure) {
	certs, f := parseCerts(kp.Cert, "certificate", "ssl_cert")
	if f != nil {
		return Info{}, f
	}
	leaf := certs[0]
	key, f := parseKey(kp.Key)
	if f != nil {
		return Info{}, f
	}
	pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return Info{}, &failure{"key does not match certificate", "ssl_key", "does not match ssl_cert"}
	}
	return checkCert(leaf, certs[1:], ca, chain, now)
}

// checkCert checks leaf's validity period at now and, when ca is not empty,
// that it chains to ca through chain and extra; it returns what leaf names.
func checkCert(leaf *x509.Certificate, extra []*x509.Certificate, ca, chain []byte, now time.Time) (Info, *failure) {
	if now.Before(leaf.NotBefore) {
		d := leaf.NotBefore.UTC().Format(dateLayout)
		return Info{}, &failure{"certificate is not valid until " + d, "ssl_cert", "is not valid until " + d}
	}
	if now.After(leaf.NotAfter) {
		d := leaf.NotAfter.UTC().Format(dateLayout)
		return Info{}, &failure{"certificate expired on " + d, "ssl_cert", "expired on " + d}
	}
	if len(bytes.TrimSpace(ca)) > 0 {
		roots, f := parseCerts(ca, "ca", "ssl_ca")
		if f != nil {
			return Info{}, f
		}
		inter := x509.NewCertPool()
		if len(bytes.TrimSpace(chain)) > 0 {
			cs, f := parseCerts(chain, "chain", "ssl_cert")
			if f != nil {
				return Info{}, f
			}
			for _, c := range cs {
				inter.AddCert(c)
			}
		}
		for _, c := range extra {
			inter.AddCert(c)
		}
		pool := x509.NewCertPool()
		for _, c := range roots {
			pool.AddCert(c)
		}
		_, err := leaf.Verify(x509.VerifyOptions{
			Roots:         pool,
			Intermediates: inter,
			CurrentTime:   now,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		})
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "x509: ")
			return Info{}, &failure{"chain does not verify to ca: " + msg, "ssl_cert", "does not verify to ssl_ca: " + msg}
		}
	}
	info := Info{CommonName: leaf.Subject.CommonName, NotAfter: leaf.NotAfter, DNSNames: append([]string{}, leaf.DNSNames...), IPs: []string{}}
	for _, ip := range leaf.IPAddresses {
		info.IPs = append(info.IPs, ip.String())
	}
	return info, nil
}

// parseCerts parses every block of data, which must all be certificates.
// what names data in relation reasons, option in config reasons.
func parseCerts(data []byte, what, option string) ([]*x509.Certificate, *failure) {
	var out []*x509.Certificate
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			t := clip(b.Type)
			return nil, &failure{fmt.Sprintf("%s holds a PEM %q block, not CERTIFICATE", what, t), option,
				fmt.Sprintf("holds a PEM %q block, not CERTIFICATE", t)}
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			n := len(out) + 1
			return nil, &failure{fmt.Sprintf("%s: certificate %d does not parse", what, n), option,
				fmt.Sprintf("holds certificate %d that does not parse", n)}
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, &failure{what + " is not a PEM certificate", option, "holds no PEM certificate"}
	}
	return out, nil
}

// parseKey parses the first private key block of data.
func parseKey(data []byte) (crypto.Signer, *failure) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, &failure{"private key is not PEM", "ssl_key", "holds no PEM private key"}
		}
		if !strings.HasSuffix(b.Type, "PRIVATE KEY") {
			continue
		}
		if b.Type == "ENCRYPTED PRIVATE KEY" || b.Headers["Proc-Type"] != "" {
			return nil, &failure{"private key is encrypted", "ssl_key", "holds an encrypted private key"}
		}
		var k any
		var err error
		switch b.Type {
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		}
		s, ok := k.(crypto.Signer)
		if err != nil || !ok {
			return nil, &failure{"private key does not parse", "ssl_key", "holds a private key that does not parse"}
		}
		return s, nil
	}
}
