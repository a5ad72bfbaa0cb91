package config

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
)

// sslProblems returns the ssl_* problems Validate reports.
func (c Config) sslProblems() []Problem {
	var ps []Problem
	certSet, keySet := strings.TrimSpace(c.SSLCert) != "", strings.TrimSpace(c.SSLKey) != ""
	for _, f := range []struct {
		option, value string
		kind          pemKind
	}{
		{"ssl_cert", c.SSLCert, pemCertificates},
		{"ssl_key", c.SSLKey, pemPrivateKey},
		{"ssl_ca", c.SSLCA, pemCertificates},
	} {
		if _, reason := decodePEMOption(f.value, f.kind); reason != "" {
			ps = append(ps, Problem{Option: f.option, Reason: reason})
		}
	}
	if certSet && !keySet {
		ps = append(ps, Problem{Option: "ssl_key", Reason: "must be set together with ssl_cert"})
	}
	if keySet && !certSet {
		ps = append(ps, Problem{Option: "ssl_cert", Reason: "must be set together with ssl_key"})
	}
	return ps
}

type pemKind int

const (
	pemCertificates pemKind = iota
	pemPrivateKey
)

// decodePEMOption decodes one base64 option value. It returns nil data and
// no reason when value is empty. Reasons never include the contents.
func decodePEMOption(value string, kind pemKind) ([]byte, string) {
	file := "cert.pem"
	if kind == pemPrivateKey {
		file = "key.pem"
	}
	compact := strings.Join(strings.Fields(value), "")
	if compact == "" {
		return nil, ""
	}
	data, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(compact)
	}
	if err != nil {
		if strings.Contains(value, "-----BEGIN") {
			return nil, fmt.Sprintf("is raw PEM, not base64; set it to the output of 'base64 -w0 %s'", file)
		}
		return nil, fmt.Sprintf("not valid base64; set it to the output of 'base64 -w0 %s'", file)
	}
	if kind == pemPrivateKey {
		return data, keyProblem(data)
	}
	return data, certProblem(data)
}

func certProblem(data []byte) string {
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return fmt.Sprintf("holds a PEM block of type %q; only CERTIFICATE blocks belong here", b.Type)
		}
		n++
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return fmt.Sprintf("certificate %d of the PEM data cannot be parsed", n)
		}
	}
	if n == 0 {
		return "no PEM certificate found after base64 decoding"
	}
	return ""
}

func keyProblem(data []byte) string {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return "no PEM private key found after base64 decoding"
		}
		if !strings.HasSuffix(b.Type, "PRIVATE KEY") {
			continue
		}
		if b.Type == "ENCRYPTED PRIVATE KEY" || b.Headers["Proc-Type"] != "" {
			return "holds an encrypted private key; Apache needs it unencrypted"
		}
		var err error
		switch b.Type {
		case "RSA PRIVATE KEY":
			_, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			_, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			_, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		}
		if err != nil {
			return "the PEM private key cannot be parsed"
		}
		return ""
	}
}
