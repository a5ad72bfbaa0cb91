// Package vault is the certificate authority behind the local model's vault
// simulator. It keeps a real two-level PKI in a directory (a root CA and the
// intermediate that signs server certificates, as vault's charm-pki-local
// mount does after upload-signed-csr) and answers tls-certificates requests
// the way charm-vault does: the top-level common_name request in
// "<unit>.server.cert"/".server.key", cert_requests in
// "<unit>.processed_requests", plus ca, chain and the deprecated global client
// certificate.
//
// Issued certificates are remembered in the directory, like vault's cert
// cache: a request whose CN and SANs were already answered keeps its
// certificate until Renew. One CA must not be used from several processes at
// once.
//
// Layer localjuju (see internal/layers): it imports the local model, the host
// double and only the charm packages internal/layers lists with a reason;
// only the local model's commands, cmd/bench and tests import it, never the
// charm.
package vault

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// Files kept in the CA's directory.
const (
	RootCertFile         = "root-ca.pem"
	RootKeyFile          = "root-ca-key.pem"
	IntermediateCertFile = "intermediate-ca.pem"
	IntermediateKeyFile  = "intermediate-ca-key.pem"
	IssuedFile           = "issued.json"
)

// Names and lifetimes, as charm-vault and Vault's PKI use them.
const (
	RootCN         = "Local Model Root CA"
	IntermediateCN = "Vault Intermediate Certificate Authority (charm-pki-local)"
	ClientCN       = "global-client"
	// DefaultTTL is charm-vault's default-ttl for issued certificates.
	DefaultTTL = 8759 * time.Hour
	rootTTL    = 10 * 365 * 24 * time.Hour
	interTTL   = 5 * 365 * 24 * time.Hour
	// backdate is how far Vault moves NotBefore into the past.
	backdate = 30 * time.Second
)

// CA is the simulator's certificate authority.
type CA struct {
	// TTL is the lifetime of the certificates Answer and Renew issue;
	// DefaultTTL after NewCA.
	TTL time.Duration
	// Now gives the current time; time.Now after NewCA.
	Now func() time.Time

	dir      string
	root     *x509.Certificate
	rootPEM  []byte
	inter    *x509.Certificate
	interPEM []byte
	interKey crypto.Signer
}

// RequestBag is one requesting unit's bag on the certificates relation.
type RequestBag struct {
	// Unit is the requester's Juju unit name, e.g. "panko/0"; its key form
	// is used when the bag has no unit_name.
	Unit string
	// Data is the requester's unit bag.
	Data map[string]string
}

// NewCA loads the CA kept in dir, creating dir, the root CA and the
// intermediate (ECDSA P-256 keys, mode 0600) when they do not exist yet.
// A new intermediate discards the certificates issued before.
func NewCA(dir string) (*CA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create CA directory: %w", err)
	}
	c := &CA{TTL: DefaultTTL, Now: time.Now, dir: dir}
	root, rootKey, err := loadPair(dir, RootCertFile, RootKeyFile)
	fresh := false
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if root, rootKey, err = c.newCACert(RootCN, nil, nil, rootTTL); err != nil {
			return nil, err
		}
		if err := writePair(dir, RootCertFile, RootKeyFile, root, rootKey); err != nil {
			return nil, err
		}
		fresh = true
	case err != nil:
		return nil, err
	}
	inter, interKey, err := loadPair(dir, IntermediateCertFile, IntermediateKeyFile)
	if err == nil && !fresh && inter.CheckSignatureFrom(root) != nil {
		return nil, fmt.Errorf("load CA: %s is not signed by %s", IntermediateCertFile, RootCertFile)
	}
	switch {
	case fresh || errors.Is(err, fs.ErrNotExist):
		if inter, interKey, err = c.newCACert(IntermediateCN, root, rootKey, interTTL); err != nil {
			return nil, err
		}
		if err := writePair(dir, IntermediateCertFile, IntermediateKeyFile, inter, interKey); err != nil {
			return nil, err
		}
		if err := os.Remove(filepath.Join(dir, IssuedFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("discard issued certificates: %w", err)
		}
	case err != nil:
		return nil, err
	}
	c.root, c.rootPEM = root, bytes.TrimRight(encodeCert(root), "\n")
	c.inter, c.interPEM, c.interKey = inter, bytes.TrimRight(encodeCert(inter), "\n"), interKey
	return c, nil
}

// CertPEM returns the root CA certificate, the "ca" value vault publishes
// (PEM without a trailing newline).
func (c *CA) CertPEM() []byte { return bytes.Clone(c.rootPEM) }

// ChainPEM returns the intermediate certificate, the "chain" value vault
// publishes (PEM without a trailing newline).
func (c *CA) ChainPEM() []byte { return bytes.Clone(c.interPEM) }

// Pool returns a pool holding the root CA, for TLS clients.
func (c *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.root)
	return p
}

// Issue signs a server certificate for cn with the intermediate, as Vault's
// PKI does: a new RSA-2048 key (PKCS#1 PEM), cn also listed as a SAN, IP SANs
// and DNS SANs split, key usages digitalSignature, keyEncipherment and
// keyAgreement, extended usages serverAuth and clientAuth, NotBefore 30s in
// the past, NotAfter ttl from now but not past the intermediate's. The PEMs
// have no trailing newline, as Vault returns them.
func (c *CA) Issue(cn string, sans []string, ttl time.Duration) (certPEM, keyPEM []byte, err error) {
	return c.issue(cn, sans, ttl, false)
}

// issue signs a server certificate, or with client a client-only one that
// lists no SANs (as the global client certificate).
func (c *CA) issue(cn string, sans []string, ttl time.Duration, client bool) (certPEM, keyPEM []byte, err error) {
	if cn == "" {
		return nil, nil, errors.New("issue certificate: empty common name")
	}
	if ttl <= 0 {
		return nil, nil, fmt.Errorf("issue certificate for %s: ttl %v is not positive", cn, ttl)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("issue certificate for %s: generate key: %w", cn, err)
	}
	now := c.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(ttl),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	if tmpl.NotAfter.After(c.inter.NotAfter) {
		tmpl.NotAfter = c.inter.NotAfter
	}
	names := append([]string{cn}, sans...)
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		names = nil
	}
	for _, s := range names {
		if ip := net.ParseIP(s); ip != nil {
			if !slices.ContainsFunc(tmpl.IPAddresses, ip.Equal) {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if s != "" && !slices.Contains(tmpl.DNSNames, s) {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := c.sign(tmpl, key.Public(), c.inter, c.interKey)
	if err != nil {
		return nil, nil, fmt.Errorf("issue certificate for %s: %w", cn, err)
	}
	certPEM = bytes.TrimRight(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), "\n")
	keyPEM = bytes.TrimRight(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), "\n")
	return certPEM, keyPEM, nil
}

// sign fills in a random serial number and signs tmpl with parentKey.
func (c *CA) sign(tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 159))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return der, nil
}

// newCACert creates a CA certificate for cn, signed by parent (self-signed
// when parent is nil).
func (c *CA) newCACert(cn string, parent *x509.Certificate, parentKey crypto.Signer, ttl time.Duration) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: generate key: %w", cn, err)
	}
	now := c.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(ttl),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	if parentKey == nil {
		parentKey = key
	}
	der, err := c.sign(tmpl, key.Public(), parent, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", cn, err)
	}
	return cert, key, nil
}

// loadPair reads a certificate and its key; the error wraps fs.ErrNotExist
// when either file is missing.
func loadPair(dir, certFile, keyFile string) (*x509.Certificate, crypto.Signer, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, certFile))
	if err != nil {
		return nil, nil, fmt.Errorf("load CA: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, keyFile))
	if err != nil {
		return nil, nil, fmt.Errorf("load CA: %w", err)
	}
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, nil, fmt.Errorf("load CA: %s holds no PEM certificate", certFile)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("load CA: %s: %w", certFile, err)
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil || kb.Type != "EC PRIVATE KEY" {
		return nil, nil, fmt.Errorf("load CA: %s holds no PEM EC private key", keyFile)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("load CA: %s does not parse", keyFile)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("load CA: %s does not match %s", keyFile, certFile)
	}
	return cert, key, nil
}

// writePair writes a CA certificate (0644) and its key (0600).
func writePair(dir, certFile, keyFile string, cert *x509.Certificate, key crypto.Signer) error {
	ek, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return fmt.Errorf("save %s: unexpected key type %T", keyFile, key)
	}
	der, err := x509.MarshalECPrivateKey(ek)
	if err != nil {
		return fmt.Errorf("save %s: %w", keyFile, err)
	}
	if err := atomicfile.Write(filepath.Join(dir, keyFile), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, certFile), encodeCert(cert), 0o644)
}

func encodeCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
