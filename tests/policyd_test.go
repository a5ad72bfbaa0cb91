package tests

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/zipfile"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
)

// policyZip writes a policyd-override resource of name -> content.
func policyZip(t *testing.T, files map[string]string) string {
	t.Helper()
	return zipfile.Write(t, "policyd-override.zip", files)
}

// TestStoryPolicyOverrides deploys panko with use-policyd-override and a
// policyd-override resource, then attaches a broken one (juju
// attach-resource runs upgrade-charm), then turns the option off: the
// files in /etc/panko/policy.d and the "PO:" / "PO (broken):" prefixes
// follow, as charm-helpers' policyd gives them.
func TestStoryPolicyOverrides(t *testing.T) {
	ctx, charm, m := story(t)
	const unit = "panko/0"
	policyFile := func() string { return filepath.Join(unitRoot(t, m, unit), "etc/panko/policy.d/file1.yaml") }

	step(t, "a good zip: installed, PO:", func(t *testing.T) {
		deployRelated(t, ctx, m, localjuju.DeployArgs{Name: "panko", CharmPath: charm,
			Config:    map[string]string{"use-policyd-override": "true"},
			Resources: map[string]string{"policyd-override": policyZip(t, map[string]string{"file1.yaml": "rule1: '!'\n"})}}, "mysql", "keystone")
		st, msg := workload(t, m, unit)
		assert.Equal(t, "active: PO: Unit is ready", st+": "+msg)
		assert.Equal(t, "rule1: '!'\n", readAll(t, policyFile()))
	})

	step(t, "attach a broken zip: nothing installed, PO (broken):", func(t *testing.T) {
		require.NoError(t, m.AttachResource(ctx, "panko", "policyd-override", policyZip(t, map[string]string{"file1.yaml": "rule1: [\n"})))
		settle(t, m)
		st, msg := workload(t, m, unit)
		assert.Equal(t, "active: PO (broken): Unit is ready", st+": "+msg)
		assert.Error(t, fileMissing(policyFile()), "the earlier override is removed too")
	})

	step(t, "a good zip again, then the option off: removed, no prefix", func(t *testing.T) {
		require.NoError(t, m.AttachResource(ctx, "panko", "policyd-override", policyZip(t, map[string]string{"file1.yaml": "rule1: '!'\n"})))
		settle(t, m)
		st, msg := workload(t, m, unit)
		require.Equal(t, "active: PO: Unit is ready", st+": "+msg)
		require.NoError(t, m.Config(ctx, "panko", map[string]string{"use-policyd-override": "false"}, nil))
		settle(t, m)
		st, msg = workload(t, m, unit)
		assert.Equal(t, "active: Unit is ready", st+": "+msg)
		assert.Error(t, fileMissing(policyFile()))
	})
}
