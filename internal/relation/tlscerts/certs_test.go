package tlscerts

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
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Real X.509 material for the tests, generated with crypto/x509.

// t0 is the reference "now" of the tests.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type keyAlg int

const (
	algRSA keyAlg = iota
	algECDSA
)

type keyFormat int

const (
	fmtNative keyFormat = iota // PKCS#1 for RSA, SEC 1 for ECDSA
	fmtPKCS8
)

func newKey(t testing.TB, alg keyAlg) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch alg {
	case algRSA:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	require.NoError(t, err)
	return k
}

func keyPEM(t testing.TB, k crypto.Signer, f keyFormat) []byte {
	t.Helper()
	if f == fmtPKCS8 {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	t.Fatalf("unsupported key %T", k)
	return nil
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// testCA is a certificate authority (root or intermediate).
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

func nextSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		panic(err)
	}
	return n.Add(n, big.NewInt(1))
}

// newCA creates a CA named name, self-signed when parent is nil.
func newCA(t testing.TB, name string, parent *testCA, alg keyAlg) *testCA {
	t.Helper()
	key := newKey(t, alg)
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             t0.AddDate(-1, 0, 0),
		NotAfter:              t0.AddDate(5, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	signer, issuer := key, tmpl
	if parent != nil {
		signer, issuer = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{cert: c, key: key, pem: certPEM(c)}
}

// leafOpts describes a leaf certificate.
type leafOpts struct {
	cn        string
	sans      []string
	notBefore time.Time
	notAfter  time.Time
	clientEKU bool // client authentication only
}

// issue signs a leaf certificate for key with opts.
func (ca *testCA) issue(t testing.TB, key crypto.Signer, o leafOpts) []byte {
	t.Helper()
	if o.notBefore.IsZero() {
		o.notBefore = t0.AddDate(0, -1, 0)
	}
	if o.notAfter.IsZero() {
		o.notAfter = t0.AddDate(1, 0, 0)
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: o.cn},
		NotBefore:    o.notBefore,
		NotAfter:     o.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if o.clientEKU {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	for _, s := range o.sans {
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return certPEM(c)
}

// pki is a root, an intermediate it signed, and an unrelated root.
type pki struct {
	root, inter, other *testCA
}

func newPKI(t testing.TB) pki {
	t.Helper()
	root := newCA(t, "Test Root CA", nil, algECDSA)
	return pki{
		root:  root,
		inter: newCA(t, "Test Intermediate CA", root, algRSA),
		other: newCA(t, "Other Root CA", nil, algECDSA),
	}
}

// assertNoKeyMaterial fails when s contains any 16-byte piece of the base64
// body of keyPEM. It never prints the key.
func assertNoKeyMaterial(t testing.TB, s string, keyPEM []byte) {
	t.Helper()
	body := string(bytes.Join(bodyLines(keyPEM), nil))
	for i := 0; i+16 <= len(body); i += 8 {
		if strings.Contains(s, body[i:i+16]) {
			t.Fatalf("message contains key material (at key offset %d)", i)
		}
	}
}

func bodyLines(p []byte) [][]byte {
	var out [][]byte
	for _, l := range bytes.Split(p, []byte("\n")) {
		if len(l) > 0 && !bytes.HasPrefix(l, []byte("-----")) {
			out = append(out, l)
		}
	}
	return out
}
