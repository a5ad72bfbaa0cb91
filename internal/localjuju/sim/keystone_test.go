package sim

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func keystoneAddrs() map[string]string {
	return map[string]string{"keystone/0": "10.5.0.20", "keystone/1": "10.5.0.21", "keystone/2": "10.5.0.22"}
}

func keystoneUnits() []string { return []string{"keystone/0", "keystone/1", "keystone/2"} }

func newKeystoneSim(t *testing.T, dir string, config map[string]string) App {
	t.Helper()
	app, err := New("keystone", config, Env{StateDir: dir, UnitAddress: addressOf(keystoneAddrs())})
	require.NoError(t, err)
	return app
}

func identityRelation(remote bags) Relation {
	return Relation{ID: 15, Endpoint: "identity-service", RemoteApp: "panko", RemoteUnits: remote, Units: ownBags(keystoneAddrs())}
}

func TestKeystoneAnswersLikeFixture(t *testing.T) {
	f := loadFixture(t, "keystone-identity-service")
	dir := t.TempDir()
	app := newKeystoneSim(t, dir, nil)
	rel := identityRelation(copyBags(f.Local.Units))

	resp, err := app.Respond(context.Background(), keystoneUnits(), "keystone/1", rel)

	require.NoError(t, err)
	require.Len(t, resp.Units, 1, "only the leader answers")
	bag := resp.Units["keystone/1"]
	require.NotNil(t, bag)
	want := f.answeringBag(t)
	assert.Equal(t, keysOf(withoutJujuKeys(want)), keysOf(withoutJujuKeys(bag)))
	assert.Equal(t, keystoneAddrs()["keystone/1"], bag["private-address"], "Juju's key is kept")
	for _, k := range []string{"service_host", "auth_host", "internal_host"} {
		assert.Equal(t, keystoneAddrs()["keystone/1"], bag[k], k)
	}
	for _, k := range []string{"service_type", "service_username", "service_tenant",
		"service_domain", "admin_role", "api_version", "service_port",
		"auth_port", "internal_port"} {
		assert.Equal(t, want[k], bag[k], k)
	}
	for _, k := range []string{"service_protocol", "auth_protocol", "internal_protocol"} {
		assert.Equal(t, "http", bag[k], k)
	}
	hexID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, k := range []string{"service_tenant_id", "service_user_id", "service_domain_id",
		"admin_domain_id", "admin_project_id", "admin_user_id"} {
		assert.Regexp(t, hexID, bag[k], k)
	}
	pw := bag["service_password"]
	assert.Len(t, pw, 64)
	assert.True(t, inAlphabet(pw, pwgenAlphabet()), "password outside pwgen's alphabet")

	// What charm-interface-keystone needs to call the relation available
	// (relations.md §2.3).
	for _, k := range []string{"service_host", "service_protocol", "service_port", "auth_host", "auth_protocol",
		"auth_port", "service_tenant", "service_username", "service_password", "service_tenant_id"} {
		assert.True(t, bag[k] != "", "%s is set", k)
	}

	catalog, err := ReadCatalog(dir)
	require.NoError(t, err)
	require.Len(t, catalog, 1)
	p2 := f.Local.Units["panko/2"]
	assert.Equal(t, CatalogEntry{
		Service: "panko", Type: "event", Region: p2["region"], PublicURL: p2["public_url"],
		InternalURL: p2["internal_url"], AdminURL: p2["admin_url"], RegisteredBy: "panko/2", RelationID: 15,
	}, catalog[0])

	// Nothing changed: keystone does nothing. A new simulator on the same
	// state answers a changed bag identically.
	rel.Units["keystone/1"] = bag
	same, err := newKeystoneSim(t, dir, nil).Respond(context.Background(), keystoneUnits(), "keystone/1", rel)
	require.NoError(t, err)
	assert.Empty(t, same.Units, "no unit's bag changed")
	for u := range rel.RemoteUnits {
		rel.RemoteUnits[u]["egress-subnets"] += ",10.9.9.9/32"
	}
	again, err := newKeystoneSim(t, dir, nil).Respond(context.Background(), keystoneUnits(), "keystone/1", rel)
	require.NoError(t, err)
	assert.True(t, again.Units["keystone/1"]["service_password"] == pw, "password not stable")
	assert.True(t, equalBags(bags{"k": bag}, bags{"k": again.Units["keystone/1"]}), "second answer differs")
}

func TestKeystoneLastRegistrationWins(t *testing.T) {
	f := loadFixture(t, "keystone-identity-service")
	dir := t.TempDir()
	app := newKeystoneSim(t, dir, nil)
	remote := copyBags(f.Local.Units)
	_, err := app.Respond(context.Background(), keystoneUnits(), "keystone/0", identityRelation(remote))
	require.NoError(t, err)

	// Without a VIP every unit registers its own address; the last one wins.
	remote["panko/2"]["public_url"] = "http://10.5.0.12:8977"
	remote["panko/10"] = copyBag(remote["panko/1"])
	remote["panko/10"]["public_url"] = "http://10.5.0.20:8977"
	_, err = app.Respond(context.Background(), keystoneUnits(), "keystone/0", identityRelation(remote))
	require.NoError(t, err)

	catalog, err := ReadCatalog(dir)
	require.NoError(t, err)
	require.Len(t, catalog, 1)
	assert.Equal(t, "http://10.5.0.20:8977", catalog[0].PublicURL)
	assert.Equal(t, "panko/10", catalog[0].RegisteredBy)
}

// The keystone charm registers a unit's endpoints in that unit's
// identity-service-relation-changed (hooks/keystone_hooks.py,
// identity_changed → add_service_to_keystone with the remote unit) and has
// no departed handler: what a departing unit registered last stays.
func TestKeystoneRegistersOnlyChangedUnits(t *testing.T) {
	f := loadFixture(t, "keystone-identity-service")
	dir := t.TempDir()
	app := newKeystoneSim(t, dir, nil)
	remote := copyBags(f.Local.Units)
	for _, b := range remote {
		b["public_url"] = "http://10.5.0.100:8977"
	}
	respond := func() CatalogEntry {
		t.Helper()
		_, err := app.Respond(context.Background(), keystoneUnits(), "keystone/0", identityRelation(copyBags(remote)))
		require.NoError(t, err)
		catalog, err := ReadCatalog(dir)
		require.NoError(t, err)
		require.Len(t, catalog, 1)
		return catalog[0]
	}
	assert.Equal(t, "http://10.5.0.100:8977", respond().PublicURL)

	remote["panko/0"]["public_url"] = "http://10.5.0.10:8977"
	assert.Equal(t, "http://10.5.0.10:8977", respond().PublicURL, "panko/0 changed: its registration wins although panko/2 sorts later")

	delete(remote, "panko/0")
	e := respond()
	assert.Equal(t, "http://10.5.0.10:8977", e.PublicURL, "the departed unit's registration stays")
	assert.Equal(t, "panko/0", e.RegisteredBy)
}

func TestKeystoneOtherRequests(t *testing.T) {
	f := loadFixture(t, "keystone-identity-service")
	info := f.Variants["endpoint_info_only"]
	roles := copyBag(f.Local.Units["panko/0"])
	roles["requested_roles"] = "event_viewer,event_admin"
	unknown := registrationBag("RegionOne", "http://a:1", "http://a:1", "http://a:1")
	unknown["service"] = "nosuch"
	cases := []struct {
		name     string
		leader   string
		remote   bags
		wantKeys []string // nil: no answer
		check    func(t *testing.T, bag map[string]string)
		catalog  int
	}{
		{"endpoint information only", "keystone/0", bags{"panko/0": info.LocalUnitData},
			keysOf(withoutJujuKeys(info.RemoteUnitData)), func(t *testing.T, bag map[string]string) {
				assert.Equal(t, "RegionOne", bag["region"])
				assert.True(t, bag["service_password"] == "", "endpoint information carries a password")
			}, 0},
		{"requested roles", "keystone/0", bags{"panko/0": roles}, nil, func(t *testing.T, bag map[string]string) {
			assert.Equal(t, "event_viewer,event_admin", bag["created_roles"])
		}, 1},
		{"unknown service", "keystone/0", bags{"x/0": unknown},
			[]string{"admin_token"}, nil, 0},
		{"no leader yet", "", copyBags(f.Local.Units), nil, nil, 0},
		{"registration incomplete", "keystone/0", bags{"panko/0": {"service": "panko"}}, nil, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()

			resp, err := newKeystoneSim(t, dir, nil).Respond(context.Background(), keystoneUnits(), tc.leader, identityRelation(tc.remote))

			require.NoError(t, err)
			bag := resp.Units[tc.leader]
			switch {
			case tc.check == nil && tc.wantKeys == nil:
				assert.Nil(t, resp.Units, "unexpected answer")
			case tc.wantKeys != nil:
				assert.Equal(t, tc.wantKeys, keysOf(withoutJujuKeys(bag)))
			}
			if tc.check != nil {
				tc.check(t, bag)
			}
			catalog, err := ReadCatalog(dir)
			require.NoError(t, err)
			assert.Len(t, catalog, tc.catalog)
		})
	}
}

func TestKeystoneRejectsMalformedRegistration(t *testing.T) {
	remote := bags{"panko/0": registrationBag("RegionOne", "not a url", "http://a:1", "http://a:1")}

	_, err := newKeystoneSim(t, t.TempDir(), nil).Respond(context.Background(), keystoneUnits(), "keystone/0", identityRelation(remote))

	require.Error(t, err)
	assert.Contains(t, err.Error(), "panko/0")
}

func TestKeystoneConfig(t *testing.T) {
	f := loadFixture(t, "keystone-identity-service")
	app := newKeystoneSim(t, t.TempDir(), map[string]string{"use-https": "true", "service-port": "5001", "admin-port": "35358", "service-tenant": "svc"})

	resp, err := app.Respond(context.Background(), keystoneUnits(), "keystone/0", identityRelation(copyBags(f.Local.Units)))

	require.NoError(t, err)
	bag := resp.Units["keystone/0"]
	assert.Equal(t, "https", bag["service_protocol"])
	assert.Equal(t, "5001", bag["service_port"])
	assert.Equal(t, "35358", bag["auth_port"])
	assert.Equal(t, "svc", bag["service_tenant"])
	assert.Equal(t, map[string]Endpoint{"identity-service": {Interface: "keystone", Role: "provides", Scope: "global"}}, app.Endpoints())
	assert.False(t, app.Subordinate())
	assert.Equal(t, "keystone", app.Charm())
	assert.NoError(t, app.Departed(context.Background(), identityRelation(nil)))
}

func TestNewRejectsBadConfig(t *testing.T) {
	env := Env{StateDir: t.TempDir(), MySQLDSN: "root:x@tcp(127.0.0.1:3306)/"}
	cases := []struct {
		name, charm string
		config      map[string]string
		want        string
	}{
		{"unknown charm", "nova-compute", nil, "no simulator"},
		{"rabbitmq-server without a broker", "rabbitmq-server", nil, "needs a RabbitMQ server"},
		{"unknown option", "keystone", map[string]string{"colour": "red"}, "unknown option(s) colour"},
		{"bad port", "keystone", map[string]string{"service-port": "0"}, "service-port"},
		{"bad https flag", "keystone", map[string]string{"use-https": "maybe"}, "use-https"},
		{"bad flavour", "mysql", map[string]string{"flavour": "galera"}, "flavour"},
		{"percona with ssl", "mysql", map[string]string{"ssl": "true"}, "never sends ssl_ca"},
		{"percona with wait-timeout", "mysql", map[string]string{"wait-timeout": "60"}, "wait_timeout"},
		{"bad wait-timeout", "mysql", map[string]string{"flavour": "router", "wait-timeout": "-1"}, "wait-timeout"},
		{"router series upgrade", "mysql", map[string]string{"flavour": "router", "series-upgrading": "true"}, "series-upgrading"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.charm, tc.config, env)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := New("mysql", nil, Env{StateDir: t.TempDir()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MySQLDSN")
}

func TestReadCatalogEmpty(t *testing.T) {
	got, err := ReadCatalog(t.TempDir())
	require.NoError(t, err)
	assert.Empty(t, got)
}

// registrationBag is a client's unprefixed registration (relations.md §2.1).
func registrationBag(region, public, internal, admin string) map[string]string {
	return map[string]string{"service": "panko", "region": region, "public_url": public, "internal_url": internal, "admin_url": admin}
}
