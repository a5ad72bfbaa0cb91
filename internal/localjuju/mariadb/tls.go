package mariadb

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// ensureTLS makes sure dir holds a CA (ca.pem, ca-key.pem) and a server
// certificate (server.pem, server-key.pem) signed by it that is valid for
// 127.0.0.1, ::1, localhost and every address in addrs. The CA is created
// once and kept; the server certificate is reissued when it does not cover
// the addresses or expires within a day. It returns the CA file's path.
func ensureTLS(dir string, addrs ...string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create tls dir: %w", err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	caKeyFile := filepath.Join(dir, "ca-key.pem")
	ca, caKey, err := loadPair(caFile, caKeyFile)
	if err != nil {
		ca, caKey, err = newCA()
		if err != nil {
			return "", err
		}
		if err := writePair(caFile, caKeyFile, ca, caKey); err != nil {
			return "", err
		}
	}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil {
			ips = append(ips, ip)
		}
	}
	certFile := filepath.Join(dir, "server.pem")
	keyFile := filepath.Join(dir, "server-key.pem")
	if cert, _, err := loadPair(certFile, keyFile); err == nil && covers(cert, ips) &&
		cert.CheckSignatureFrom(ca) == nil && time.Until(cert.NotAfter) > 24*time.Hour {
		return caFile, nil
	}
	cert, key, err := newServerCert(ca, caKey, ips)
	if err != nil {
		return "", err
	}
	if err := writePair(certFile, keyFile, cert, key); err != nil {
		return "", err
	}
	return caFile, nil
}

// covers reports whether cert names every IP in ips.
func covers(cert *x509.Certificate, ips []net.IP) bool {
	for _, ip := range ips {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// newCA creates a self-signed ECDSA P-256 CA valid for ten years.
func newCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	return issue("CA", &x509.Certificate{
		Subject:               pkix.Name{CommonName: "charm-panko local MariaDB CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}, nil, nil)
}

// newServerCert issues a server certificate for ips signed by ca.
func newServerCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey, ips []net.IP) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	return issue("server", &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: ips,
		NotBefore:   time.Now().Add(-time.Hour),
		NotAfter:    time.Now().AddDate(2, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, caKey)
}

// issue makes a P-256 key and the certificate of tmpl for it, signed by
// parent (self-signed when parent is nil); crypto/x509 draws the serial.
func issue(what string, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate %s key: %w", what, err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s certificate: %w", what, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s certificate: %w", what, err)
	}
	return cert, key, nil
}

// loadPair reads a PEM certificate and its PKCS#8 EC key.
func loadPair(certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", certFile, err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", keyFile, err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, fmt.Errorf("%s or %s is not PEM", certFile, keyFile)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", certFile, err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", keyFile, err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("%s is not an EC key", keyFile)
	}
	return cert, key, nil
}

// writePair writes a certificate (0644) and its key (0600) as PEM.
func writePair(certFile, keyFile string, cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("marshal key: %w", err)
	}
	if err := atomicfile.Write(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	return atomicfile.Write(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
}
