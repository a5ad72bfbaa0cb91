package tests

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

// sslDir is where the charm keeps the Apache TLS material.
const sslDir = "etc/apache2/ssl/panko"

// TestStoryTLSAndCeilometer deploys panko on focal-wallaby with mysql,
// keystone and ceilometer, then adds vault: ceilometer's event pipeline
// keeps loading (no publisher on event-service), an event-service relation to keystone is refused, the catalog
// and the publisher's URL switch to https with a certificate that verifies
// against vault's CA, and back to http when vault leaves.
// readyWithEvents is the ready message of a unit whose listener stores
// ceilometer's events from the rabbitmq-server application.
const readyWithEvents = "Unit is ready (storing ceilometer events from rabbitmq-server)"

func TestStoryTLSAndCeilometer(t *testing.T) {
	ctx, charm, m := story(t)
	const unit = "panko/0"

	step(t, "deploy and relate: ceilometer's event pipeline still loads", func(t *testing.T) {
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Name: "panko", CharmPath: charm,
			Config: map[string]string{"openstack-origin": "cloud:focal-wallaby"}}))
		for _, app := range []string{"mysql", "keystone", "vault", "ceilometer", "rabbitmq-server"} {
			require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: app}))
		}
		_, err := m.Relate(ctx, "panko:event-service", "keystone")
		require.Error(t, err, "event-service and keystone's endpoints have different interfaces")
		assert.Contains(t, err.Error(), "event-service")
		for _, other := range []string{"mysql", "keystone", "ceilometer"} {
			_, err := m.Relate(ctx, "panko", other)
			require.NoError(t, err)
		}
		settle(t, m)
		st, msg := workload(t, m, unit)
		require.Equal(t, "blocked: 'amqp' missing: relate panko to the rabbitmq-server ceilometer uses", st+": "+msg,
			"ceilometer's events reach Panko only through its message bus")
		_, err = m.Relate(ctx, "panko", "rabbitmq-server")
		require.NoError(t, err)
		settle(t, m)
		st, msg = workload(t, m, unit)
		require.Equal(t, "active: "+readyWithEvents, st+": "+msg)
		svc := machineState(t, m, unit).Services["panko-event-listener"]
		assert.True(t, svc.Active && svc.Enabled, "the event listener runs: %+v", svc)
		assert.True(t, strings.HasPrefix(m.Status().Applications["panko"].Version, "10."), "wallaby is Panko 10")
		addr := unitState(t, m, unit).Address
		e := catalogEvent(t, m)
		assertURL(t, e.Public, "http", addr, "8977")
		bag := relationData(t, m, unit, "event-service").LocalUnit.Data
		assert.NotContains(t, bag, "publisher", "any publisher breaks ceilometer's event_pipeline.yaml")
		assertURL(t, bag["panko_url"], "http", addr, "8977")
		assert.Equal(t, []string{"event_sink"}, ceilometerSinks(t, m, "ceilometer"), "ceilometer's pipeline loads, its own event sink only")
	})

	var keySecrets []secret
	step(t, "vault: https everywhere, certificate from vault's CA", func(t *testing.T) {
		_, err := m.Relate(ctx, "panko", "vault")
		require.NoError(t, err)
		settle(t, m)
		st, msg := workload(t, m, unit)
		require.Equal(t, "active", st, msg)
		assert.Equal(t, readyWithEvents, msg)
		addr := unitState(t, m, unit).Address
		e := catalogEvent(t, m)
		for _, u := range []string{e.Public, e.Internal, e.Admin} {
			assertURL(t, u, "https", addr, "8977")
		}
		assertURL(t, relationData(t, m, unit, "event-service").LocalUnit.Data["panko_url"], "https", addr, "8977")

		root := unitRoot(t, m, unit)
		vaultBag := relationData(t, m, unit, "certificates").RelatedUnits["vault/0"].Data
		require.NotEmpty(t, vaultBag["ca"], "vault sent its CA")
		roots := x509.NewCertPool()
		require.True(t, roots.AppendCertsFromPEM([]byte(vaultBag["ca"])))
		assert.Equal(t, strings.TrimSpace(vaultBag["ca"]), strings.TrimSpace(unitFile(t, m, unit, "/usr/local/share/ca-certificates/panko.crt")), "vault's CA installed for the system")

		keys, err := filepath.Glob(filepath.Join(root, sslDir, "key_*"))
		require.NoError(t, err)
		require.NotEmpty(t, keys, "key files in %s", sslDir)
		for _, keyFile := range keys {
			cn := strings.TrimPrefix(filepath.Base(keyFile), "key_")
			certPEM := readAll(t, filepath.Join(root, sslDir, "cert_"+cn))
			keyPEM := readAll(t, keyFile)
			keySecrets = append(keySecrets, pemSecrets("TLS key "+cn, keyPEM)...)
			_, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
			assert.True(t, err == nil, "cert_%s and key_%s match", cn, cn)
			leaf, inter := parseChain(t, certPEM)
			pool := x509.NewCertPool()
			for _, c := range inter {
				pool.AddCert(c)
			}
			_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: pool, DNSName: leaf.Subject.CommonName})
			assert.NoError(t, err, "cert_%s verifies against vault's CA", cn)
			if ip := net.ParseIP(cn); ip == nil {
				_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: pool, DNSName: addr})
				assert.NoError(t, err, "cert_%s covers the unit address %s", cn, addr)
			}
		}
		_, err = os.Lstat(filepath.Join(root, "etc/apache2/sites-enabled/openstack_https_frontend.conf"))
		assert.NoError(t, err, "the TLS frontend site is enabled")
		assert.Contains(t, unitFile(t, m, unit, "/etc/haproxy/haproxy.cfg"), "check-ssl verify none", "haproxy checks the TLS backends")
		keySecrets = registerSecrets(t, keySecrets...)
		checkUnitFiles(t, root, unitFileRules(), append(storySecrets(t, m), keySecrets...))
	})

	step(t, "diagnose: the certificate's expiry, the API probed over TLS", func(t *testing.T) {
		res := runAction(t, m, unit, "diagnose", "completed")
		got := charmResults(res)
		cert, _ := got["certificate"].(string)
		assert.Regexp(t, `^ok: expires in [0-9]+ days, on [0-9]{4}-[0-9]{2}-[0-9]{2} \(from `, cert)
		// Nothing listens on the API port in the local model.
		probe, _ := got["api-healthcheck"].(string)
		assert.True(t, strings.HasPrefix(probe, "fail: GET https://127.0.0.1:8977/healthcheck failed"), "api-healthcheck = %q", probe)
	})

	// Not a step: the checks below run whatever this finds.
	t.Run("vault leaves: http again", func(t *testing.T) {
		require.NoError(t, m.RemoveRelation(ctx, "panko", "vault"))
		settle(t, m)
		st, msg := workload(t, m, unit)
		require.Equal(t, "active", st, msg)
		addr := unitState(t, m, unit).Address
		e := catalogEvent(t, m)
		for _, u := range []string{e.Public, e.Internal, e.Admin} {
			assertURL(t, u, "http", addr, "8977")
		}
		root := unitRoot(t, m, unit)
		left, err := filepath.Glob(filepath.Join(root, sslDir, "*"))
		require.NoError(t, err)
		assert.Empty(t, left, "certificates and keys removed")
		assert.True(t, notExist(filepath.Join(root, "etc/apache2/sites-enabled/openstack_https_frontend.conf")), "TLS site disabled")
		assert.NotContains(t, unitFile(t, m, unit, "/etc/haproxy/haproxy.cfg"), "check-ssl")
		assertURL(t, relationData(t, m, unit, "event-service").LocalUnit.Data["panko_url"], "http", addr, "8977")
	})

	step(t, "secrets and files", func(t *testing.T) {
		secrets := append(storySecrets(t, m), keySecrets...)
		checkUnitFiles(t, unitRoot(t, m, unit), unitFileRules(), secrets)
		assertNoSecretsInModel(t, m, secrets)
	})
}

// parseChain parses a PEM chain: the leaf, then the intermediates.
func parseChain(t *testing.T, chain string) (*x509.Certificate, []*x509.Certificate) {
	t.Helper()
	var certs []*x509.Certificate
	rest := []byte(chain)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		require.NoError(t, err)
		certs = append(certs, c)
	}
	require.NotEmpty(t, certs, "PEM certificates")
	return certs[0], certs[1:]
}
