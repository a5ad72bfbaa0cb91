package charm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/zipfile"
)

// overridesZip writes a policyd-override resource of name -> content.
func overridesZip(t *testing.T, files map[string]string) string {
	t.Helper()
	return zipfile.Write(t, "policyd-override.zip", files)
}

// withOverrides is a ready unit with use-policyd-override on and the zip
// at path attached (the fake host reads the file where resource-get says).
func withOverrides(t *testing.T, zipPath string) *world {
	w := ready(t, true)
	w.juju.Config = map[string]any{"use-policyd-override": true}
	if zipPath != "" {
		data, err := os.ReadFile(zipPath)
		require.NoError(t, err)
		const view = "/var/lib/juju/agents/unit-panko-0/resources/policyd-override/policyd-override"
		w.juju.Resources = map[string]string{"policyd-override": view}
		w.host.Files[view] = fakeFile(data)
	}
	return w
}

func TestPolicyOverridesInstalled(t *testing.T) {
	w := withOverrides(t, overridesZip(t, map[string]string{"file1.yaml": "rule1: '!'\n", "dir/events.yml": "telemetry:events:index: 'role:admin'\n"}))

	tools, h, err := w.run(t, hook("config-changed"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active: PO: Unit is ready", st+": "+msg)
	for name, content := range map[string]string{"file1.yaml": "rule1: '!'\n", "events.yaml": "telemetry:events:index: 'role:admin'\n"} {
		f, ok := h.File(filepath.Join(PolicydDir, name))
		require.True(t, ok, name)
		assert.Equal(t, content, string(f.Data))
		assert.Equal(t, [2]string{"root", "panko"}, [2]string{f.Owner, f.Group})
	}
	w.carry(tools, h)

	_, h, err = w.run(t, hook("config-changed"))
	require.NoError(t, err)
	assert.Zero(t, h.Writes(), "idempotent")
}

func TestPolicyOverridesBroken(t *testing.T) {
	tests := []struct {
		name   string
		zip    string
		reason string
	}{
		{"bad YAML", "bad", "p.yaml: not valid YAML"},
		{"blacklisted key", "blacklisted", "p.yaml: blacklisted keys admin_required present"},
		{"no resource", "", "no policyd-override resource could be fetched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good := withOverrides(t, overridesZip(t, map[string]string{"good.yaml": "a: ''\n"}))
			tools, h, err := good.run(t, hook("config-changed"))
			require.NoError(t, err)
			good.carry(tools, h)
			zipPath := ""
			switch tt.zip {
			case "bad":
				zipPath = overridesZip(t, map[string]string{"p.yaml": "a: [b\n"})
			case "blacklisted":
				zipPath = overridesZip(t, map[string]string{"p.yaml": "admin_required: '@'\n"})
			}
			w := withOverrides(t, zipPath)
			w.host, w.juju.LeaderData = good.host, good.juju.LeaderData
			if zipPath == "" {
				w.juju.Resources = nil
			} else {
				data, _ := os.ReadFile(zipPath)
				w.host.Files["/var/lib/juju/agents/unit-panko-0/resources/policyd-override/policyd-override"] = fakeFile(data)
			}

			tools, h, err = w.run(t, hook("upgrade-charm"))

			require.NoError(t, err)
			st, msg := tools.Status()
			assert.Equal(t, "active: PO (broken): Unit is ready", st+": "+msg)
			_, ok := h.File(filepath.Join(PolicydDir, "good.yaml"))
			assert.False(t, ok, "earlier overrides removed: all or nothing")
			_, ok = h.File(filepath.Join(PolicydDir, "p.yaml"))
			assert.False(t, ok, "nothing of the broken resource written")
			var logged bool
			for _, l := range tools.Logs() {
				logged = logged || (l.Level == juju.LevelWarning && l.Message == "policy overrides not installed: "+tt.reason)
			}
			assert.True(t, logged, "the log says why: %v", tools.Logs())
		})
	}
}

func TestPolicyOverridesRemovedWhenDisabled(t *testing.T) {
	w := withOverrides(t, overridesZip(t, map[string]string{"file1.yaml": "rule1: '!'\n"}))
	tools, h, err := w.run(t, hook("config-changed"))
	require.NoError(t, err)
	w.carry(tools, h)
	w.juju.Config = map[string]any{"use-policyd-override": false}

	tools, h, err = w.run(t, hook("config-changed"))

	require.NoError(t, err)
	st, msg := tools.Status()
	assert.Equal(t, "active: Unit is ready", st+": "+msg)
	_, ok := h.File(filepath.Join(PolicydDir, "file1.yaml"))
	assert.False(t, ok, "override removed")
	_, ok = h.File(PolicydManifest)
	assert.False(t, ok)
	assert.Equal(t, 1, h.RestartsOf("apache2"), "the API reloads its policy")
	assert.Zero(t, tools.Calls()["resource-get"], "no resource-get while overrides are off")
}

// fakeFile is a root-owned file of the fake host.
func fakeFile(data []byte) hosttest.File {
	return hosttest.File{Data: data, Mode: 0o644, Owner: "root", Group: "root"}
}
