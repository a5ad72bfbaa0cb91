package tests

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

// TestStoryRealPankoServesEvents deploys panko on focal-victoria (Panko
// 9.0.0, the release installed here) with mysql and keystone, and serves
// the unit's rendered panko.conf, Apache WSGI site and haproxy.cfg with
// the real Panko under Apache mod_wsgi behind the real haproxy, with a
// real keystone holding the service user keystone handed the charm and
// the endpoints the charm registered. "Unit is ready" must mean: haproxy
// sees its backend UP, GET / answers through 8977, /v2/events asks for a
// token naming the rendered www_authenticate_uri, and serves a stored
// event to a keystone token and to `openstack event list`. Then the same
// over TLS, through the charm's Apache TLS frontend with vault's
// certificate; then a policy override the charm installs is enforced.
func TestStoryRealPankoServesEvents(t *testing.T) {
	ctx, charm, m := story(t, requireRealStack)
	const unit = "panko/0"

	step(t, "deploy victoria with mysql and keystone: ready", func(t *testing.T) {
		deployRelated(t, ctx, m, localjuju.DeployArgs{Name: "panko", CharmPath: charm,
			Config: map[string]string{"openstack-origin": "cloud:focal-victoria"}}, "mysql", "keystone")
		st, msg := workload(t, m, unit)
		require.Equal(t, "active", st, msg)
		require.Equal(t, "Unit is ready", msg)
	})

	step(t, "plain: the real stack serves the event through haproxy on 8977", func(t *testing.T) {
		s := startRealStack(t, m, unit, nil)
		checkRealAPI(t, m, s, "http://"+net.JoinHostPort(s.unitAddr, "8977"))
		s.sb.Close()
	})

	step(t, "TLS: the same through the charm's Apache TLS frontend", func(t *testing.T) {
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "vault"}))
		_, err := m.Relate(ctx, "panko", "vault")
		require.NoError(t, err)
		settle(t, m)
		st, msg := workload(t, m, unit)
		require.Equal(t, "active", st, msg)
		require.Equal(t, "Unit is ready", msg)
		ca := relationData(t, m, unit, "certificates").RelatedUnits["vault/0"].Data["ca"]
		require.NotEmpty(t, ca, "vault sent its CA")
		e := catalogEvent(t, m)
		assertURL(t, e.Public, "https", unitState(t, m, unit).Address, "8977")
		s := startRealStack(t, m, unit, []byte(ca))
		checkRealAPI(t, m, s, "https://"+net.JoinHostPort(s.unitAddr, "8977"))
		s.sb.Close()
	})

	step(t, "policy overrides: the real Panko enforces the installed file", func(t *testing.T) {
		zipPath := policyZip(t, map[string]string{"deny-index.yaml": "telemetry:events:index: '!'\n"})
		require.NoError(t, m.AttachResource(ctx, "panko", "policyd-override", zipPath))
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"use-policyd-override": "true"}, nil))
		settle(t, m)
		st, msg := workload(t, m, unit)
		require.Equal(t, "active: PO: Unit is ready", st+": "+msg)
		s := startRealStack(t, m, unit, []byte(relationData(t, m, unit, "certificates").RelatedUnits["vault/0"].Data["ca"]))
		base := "https://" + net.JoinHostPort(s.unitAddr, "8977")
		s.waitBackends(t, unitRoot(t, m, unit), 60*time.Second)
		tok, _ := s.token(t, "admin", s.adminPassword, "Default", "admin")
		code, _, body := s.get(t, base+"/v2/events", tok)
		assert.Equal(t, http.StatusForbidden, code, "telemetry:events:index is '!' in policy.d: %s", body)
		code, _, body = s.get(t, base+"/v2/event_types", tok)
		assert.Equal(t, http.StatusOK, code, "other rules keep their defaults: %s", body)
	})
}

// checkRealAPI checks, against the real stack, what "Unit is ready"
// promises at base (the catalog's public URL): haproxy's backends UP,
// the versions document, a 401 naming the rendered www_authenticate_uri,
// and an event stored with Panko's storage API served to a keystone token
// and to the operator's `openstack event list`.
func checkRealAPI(t *testing.T, m *localjuju.Model, s *realStack, base string) {
	t.Helper()
	root := unitRoot(t, m, "panko/0")
	assert.Equal(t, base, strings.TrimRight(catalogEvent(t, m).Public, "/"), "the catalog's public URL")
	states := s.waitBackends(t, root, 60*time.Second)
	assert.Equal(t, map[string]string{"panko-0": "UP"}, states, "haproxy's health check")

	code, _, body := s.get(t, base+"/", "")
	require.Equal(t, http.StatusOK, code, "GET / without a token: %s", body)
	var versions struct {
		Versions struct {
			Values []struct{ ID, Status string }
		}
	}
	require.NoError(t, json.Unmarshal(body, &versions), "GET / is the versions document")
	require.NotEmpty(t, versions.Versions.Values, "GET / lists API versions")
	assert.Equal(t, "v2", versions.Versions.Values[0].ID)

	conf := parseINI(t, readAll(t, root+"/etc/panko/panko.conf"))
	code, hdr, _ := s.get(t, base+"/v2/events", "")
	assert.Equal(t, http.StatusUnauthorized, code, "/v2/events without a token")
	assert.Equal(t, `Keystone uri="`+conf["keystone_authtoken"]["www_authenticate_uri"]+`"`, hdr.Get("WWW-Authenticate"))

	// Panko shows an admin the events of the token's project (and those
	// without one): the event belongs to keystone's admin project.
	tok, project := s.token(t, "admin", s.adminPassword, "Default", "admin")
	eventID := recordEvent(t, root, project)
	code, _, body = s.get(t, base+"/v2/events", tok)
	require.Equal(t, http.StatusOK, code, "/v2/events with a keystone token: %s\n%s", body, s.output())
	var events []eventJSON
	require.NoError(t, json.Unmarshal(body, &events))
	var got *eventJSON
	for i := range events {
		if events[i].MessageID == eventID {
			got = &events[i]
		}
	}
	require.NotNil(t, got, "the stored event is served (got %d events)", len(events))
	assert.Equal(t, "compute.instance.create.end", got.EventType)
	traits := map[string]string{}
	for _, tr := range got.Traits {
		traits[tr.Name] = tr.Type + ":" + tr.Value
	}
	assert.Equal(t, map[string]string{"project_id": "string:" + project, "vcpus": "integer:4", "memory_gb": "float:1.5",
		"launched_at": "datetime:2026-12-01T10:30:00"}, traits)

	out := s.openstack(t, "event", "list", "-f", "json")
	var listed []map[string]any
	require.NoError(t, json.Unmarshal(out, &listed), "openstack event list -f json: %s", out)
	found := false
	for _, e := range listed {
		if e["message_id"] == eventID {
			found = true
			assert.Equal(t, "compute.instance.create.end", e["event_type"])
		}
	}
	assert.True(t, found, "openstack event list shows the event: %s", out)
}
