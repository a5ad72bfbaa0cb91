package tlscerts

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerify(t *testing.T) {
	p := newPKI(t)
	rsaKey, ecKey := newKey(t, algRSA), newKey(t, algECDSA)
	otherRSA, otherEC := newKey(t, algRSA), newKey(t, algECDSA)
	sans := []string{"panko.example.com", "10.20.0.100", "10.20.0.11", "fd00::11"}
	good := leafOpts{cn: "panko.example.com", sans: sans}
	viaInter := p.inter.issue(t, rsaKey, good)
	ecViaRoot := p.root.issue(t, ecKey, good)
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{1, 2, 3}})
	// A certificate claiming the intermediate's name, signed by another key.
	forger := newCA(t, "Test Intermediate CA", p.other, algECDSA)

	tests := []struct {
		name      string
		kp        KeyPair
		ca, chain []byte
		now       time.Time
		want      string // "" for success; a trailing "…" means prefix
	}{
		{"rsa leaf via intermediate", KeyPair{viaInter, keyPEM(t, rsaKey, fmtNative)}, p.root.pem, p.inter.pem, t0, ""},
		{"rsa leaf, pkcs8 key", KeyPair{viaInter, keyPEM(t, rsaKey, fmtPKCS8)}, p.root.pem, p.inter.pem, t0, ""},
		{"ecdsa leaf via root", KeyPair{ecViaRoot, keyPEM(t, ecKey, fmtNative)}, p.root.pem, nil, t0, ""},
		{"ecdsa leaf, pkcs8 key", KeyPair{ecViaRoot, keyPEM(t, ecKey, fmtPKCS8)}, p.root.pem, nil, t0, ""},
		{"intermediate bundled after the leaf", KeyPair{append(append([]byte{}, viaInter...), p.inter.pem...), keyPEM(t, rsaKey, fmtNative)}, p.root.pem, nil, t0, ""},
		{"no ca: chain not checked", KeyPair{viaInter, keyPEM(t, rsaKey, fmtNative)}, nil, nil, t0, ""},
		{"expired",
			KeyPair{p.inter.issue(t, rsaKey, leafOpts{cn: "x", notBefore: t0.AddDate(-1, 0, 0), notAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}), keyPEM(t, rsaKey, fmtNative)},
			p.root.pem, p.inter.pem, t0, "certificate expired on 2026-01-01"},
		{"not yet valid",
			KeyPair{p.root.issue(t, ecKey, leafOpts{cn: "x", notBefore: time.Date(2026, 7, 4, 10, 0, 0, 0, time.UTC)}), keyPEM(t, ecKey, fmtNative)},
			p.root.pem, nil, t0, "certificate is not valid until 2026-07-04"},
		{"valid one second before expiry", KeyPair{ecViaRoot, keyPEM(t, ecKey, fmtNative)}, p.root.pem, nil, t0.AddDate(1, 0, 0).Add(-time.Second), ""},
		{"key mismatch, same algorithm", KeyPair{viaInter, keyPEM(t, otherRSA, fmtNative)}, p.root.pem, p.inter.pem, t0, "key does not match certificate"},
		{"key mismatch, other algorithm", KeyPair{viaInter, keyPEM(t, ecKey, fmtNative)}, p.root.pem, p.inter.pem, t0, "key does not match certificate"},
		{"certificate for another key", KeyPair{p.root.issue(t, otherEC, good), keyPEM(t, ecKey, fmtPKCS8)}, p.root.pem, nil, t0, "key does not match certificate"},
		{"chain to another ca", KeyPair{viaInter, keyPEM(t, rsaKey, fmtNative)}, p.other.pem, p.inter.pem, t0, "chain does not verify to ca: certificate signed by unknown authority…"},
		{"intermediate missing", KeyPair{viaInter, keyPEM(t, rsaKey, fmtNative)}, p.root.pem, nil, t0, "chain does not verify to ca: certificate signed by unknown authority…"},
		{"forged intermediate", KeyPair{forger.issue(t, rsaKey, good), keyPEM(t, rsaKey, fmtNative)}, p.root.pem, forger.pem, t0, "chain does not verify to ca: …"},
		{"client-only certificate", KeyPair{p.root.issue(t, ecKey, leafOpts{cn: "c", clientEKU: true}), keyPEM(t, ecKey, fmtNative)}, p.root.pem, nil, t0, "chain does not verify to ca: certificate specifies an incompatible key usage"},
		{"bad certificate PEM", KeyPair{[]byte("not a certificate"), keyPEM(t, rsaKey, fmtNative)}, p.root.pem, nil, t0, "certificate is not a PEM certificate"},
		{"key where the certificate belongs", KeyPair{keyPEM(t, rsaKey, fmtNative), keyPEM(t, rsaKey, fmtNative)}, p.root.pem, nil, t0, `certificate holds a PEM "RSA PRIVATE KEY" block, not CERTIFICATE`},
		{"corrupt certificate", KeyPair{pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}), keyPEM(t, rsaKey, fmtNative)}, p.root.pem, nil, t0, "certificate: certificate 1 does not parse"},
		{"bad key PEM", KeyPair{viaInter, []byte("not a key")}, p.root.pem, p.inter.pem, t0, "private key is not PEM"},
		{"corrupt key", KeyPair{viaInter, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("junk")})}, p.root.pem, p.inter.pem, t0, "private key does not parse"},
		{"encrypted key", KeyPair{viaInter, encrypted}, p.root.pem, p.inter.pem, t0, "private key is encrypted"},
		{"bad ca PEM", KeyPair{viaInter, keyPEM(t, rsaKey, fmtNative)}, []byte("nope"), p.inter.pem, t0, "ca is not a PEM certificate"},
		{"bad chain PEM", KeyPair{viaInter, keyPEM(t, rsaKey, fmtNative)}, p.root.pem, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), t0, "chain: certificate 1 does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Verify(tt.kp, tt.ca, tt.chain, tt.now)

			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, "panko.example.com", info.CommonName)
				assert.Equal(t, []string{"panko.example.com"}, info.DNSNames)
				assert.Equal(t, []string{"10.20.0.100", "10.20.0.11", "fd00::11"}, info.IPs)
				assert.Equal(t, t0.AddDate(1, 0, 0), info.NotAfter.UTC())
				assert.Empty(t, info.Missing(sans))
				return
			}
			require.Error(t, err)
			if prefix, ok := strings.CutSuffix(tt.want, "…"); ok {
				assert.True(t, strings.HasPrefix(err.Error(), prefix), "reason %q lacks prefix %q", err.Error(), prefix)
			} else {
				assert.Equal(t, tt.want, err.Error())
			}
			assert.Equal(t, Info{}, info)
			assertNoKeyMaterial(t, err.Error(), tt.kp.Key)
			assertNoKeyMaterial(t, err.Error(), tt.kp.Cert) // a key misplaced as the certificate
		})
	}
}

func TestInfoMissing(t *testing.T) {
	info := Info{DNSNames: []string{"Panko.Example.com"}, IPs: []string{"10.0.0.1", "fd00::1"}}
	assert.Empty(t, info.Missing([]string{"panko.example.com", "10.0.0.1", "fd00:0::1"}))
	assert.Equal(t, []string{"other.example.com", "10.0.0.2"}, info.Missing([]string{"other.example.com", "10.0.0.1", "10.0.0.2"}))
}

func TestVerifyConfig(t *testing.T) {
	p := newPKI(t)
	key := newKey(t, algECDSA)
	other := newKey(t, algECDSA)
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	leaf := p.inter.issue(t, key, leafOpts{cn: "panko.example.com", sans: []string{"panko.example.com"}})
	bundle := append(append([]byte{}, leaf...), p.inter.pem...)
	expired := p.inter.issue(t, key, leafOpts{cn: "old", notBefore: t0.AddDate(-2, 0, 0), notAfter: time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)})
	keyPEMs := keyPEM(t, key, fmtNative)

	tests := []struct {
		name           string
		cert, key, ca  string
		option, reason string // option "" for success; reason ending in "…" is a prefix
	}{
		{"bundle with ca", b64(bundle), b64(keyPEMs), b64(p.root.pem), "", ""},
		{"bundle, wrapped base64 and no padding", wrap(strings.TrimRight(b64(bundle), "=")), wrap(b64(keyPEMs)), b64(p.root.pem), "", ""},
		{"leaf without ca", b64(leaf), b64(keyPEMs), "", "", ""},
		{"cert unset", "", b64(keyPEMs), "", "ssl_cert", "is not set"},
		{"key unset", b64(leaf), "  ", "", "ssl_key", "is not set"},
		{"cert not base64", string(leaf), b64(keyPEMs), "", "ssl_cert", "is not valid base64"},
		{"key not base64", b64(leaf), "%%%%", "", "ssl_key", "is not valid base64"},
		{"ca not base64", b64(leaf), b64(keyPEMs), "***", "ssl_ca", "is not valid base64"},
		{"cert not PEM", b64([]byte("hello")), b64(keyPEMs), "", "ssl_cert", "holds no PEM certificate"},
		{"key not PEM", b64(leaf), b64([]byte("hello")), "", "ssl_key", "holds no PEM private key"},
		{"ca not PEM", b64(bundle), b64(keyPEMs), b64([]byte("hello")), "ssl_ca", "holds no PEM certificate"},
		{"key mismatch", b64(leaf), b64(keyPEM(t, other, fmtPKCS8)), b64(p.root.pem), "ssl_key", "does not match ssl_cert"},
		{"expired", b64(expired), b64(keyPEMs), "", "ssl_cert", "expired on 2026-02-03"},
		{"intermediate missing", b64(leaf), b64(keyPEMs), b64(p.root.pem), "ssl_cert", "does not verify to ssl_ca: certificate signed by unknown authority…"},
		{"wrong ca", b64(bundle), b64(keyPEMs), b64(p.other.pem), "ssl_cert", "does not verify to ssl_ca: …"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kp, info, err := VerifyConfig(tt.cert, tt.key, tt.ca, t0)

			if tt.option == "" {
				require.NoError(t, err)
				assert.Equal(t, "panko.example.com", info.CommonName)
				assert.True(t, strings.HasPrefix(string(kp.Cert), string(leaf)), "decoded certificate differs")
				assert.True(t, string(kp.Key) == string(keyPEMs), "decoded key differs")
				return
			}
			var ce *ConfigError
			require.True(t, errors.As(err, &ce), "error %v is not a *ConfigError", err)
			assert.Equal(t, tt.option, ce.Option)
			if prefix, ok := strings.CutSuffix(tt.reason, "…"); ok {
				assert.True(t, strings.HasPrefix(ce.Reason, prefix), "reason %q lacks prefix %q", ce.Reason, prefix)
			} else {
				assert.Equal(t, tt.reason, ce.Reason)
			}
			assert.Equal(t, tt.option+" "+ce.Reason, err.Error())
			assert.True(t, len(kp.Key) == 0, "a key is returned with an error")
			assertNoKeyMaterial(t, err.Error(), keyPEMs)
		})
	}
}

// wrap breaks s into 76-character lines, as base64(1) does.
func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

func TestDaysLeft(t *testing.T) {
	tests := []struct {
		name     string
		notAfter time.Time
		want     int
	}{
		{"thirty days", t0.AddDate(0, 0, 30), 30},
		{"just under thirty days", t0.AddDate(0, 0, 30).Add(-time.Minute), 29},
		{"expires now", t0, 0},
		{"expired an hour ago", t0.Add(-time.Hour), -1},
		{"expired two days ago", t0.AddDate(0, 0, -2), -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, DaysLeft(Info{NotAfter: tt.notAfter}, t0))
		})
	}
}
