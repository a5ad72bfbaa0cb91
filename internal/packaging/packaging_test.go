package packaging

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const repoRoot = "../.."

// TestCharmFilesAreValid reads metadata, config, actions and manifest the
// way Juju does and fails on any problem.
func TestCharmFilesAreValid(t *testing.T) {
	dir, err := charm.ReadCharmDir(repoRoot)
	require.NoError(t, err)
	require.NoError(t, charm.CheckMeta(dir))
	meta := dir.Meta()
	assert.Equal(t, "panko", meta.Name)
	assert.False(t, meta.Subordinate)
	assert.Empty(t, meta.Series, "metadata must not declare series: bases come from manifest.yaml")
	want := map[string]struct{ role, iface, scope string }{
		"shared-db":            {"requires", "mysql-shared", "global"},
		"identity-service":     {"requires", "keystone", "global"},
		"ha":                   {"requires", "hacluster", "container"},
		"certificates":         {"requires", "tls-certificates", "global"},
		"event-service":        {"provides", "event-service", "global"},
		"nrpe-external-master": {"provides", "nrpe-external-master", "container"},
		"cluster":              {"peers", "openstack-ha", "global"},
		// The previous charm declared amqp (rabbitmq); juju refresh fails
		// when an endpoint in use disappears.
		"amqp": {"requires", "rabbitmq", "global"},
	}
	got := map[string]struct{ role, iface, scope string }{}
	for name, r := range meta.Provides {
		got[name] = struct{ role, iface, scope string }{"provides", r.Interface, string(r.Scope)}
	}
	for name, r := range meta.Requires {
		got[name] = struct{ role, iface, scope string }{"requires", r.Interface, string(r.Scope)}
	}
	for name, r := range meta.Peers {
		got[name] = struct{ role, iface, scope string }{"peers", r.Interface, string(r.Scope)}
	}
	assert.Equal(t, want, got)
	for _, b := range []string{"public", "admin", "internal"} {
		_, ok := meta.ExtraBindings[b]
		assert.True(t, ok, "extra-binding %s", b)
	}
	var channels []string
	for _, b := range dir.Manifest().Bases {
		assert.Equal(t, "ubuntu", b.Name)
		assert.Equal(t, []string{"amd64"}, b.Architectures)
		channels = append(channels, b.Channel.Track)
	}
	assert.Equal(t, []string{"16.04", "18.04", "20.04"}, channels)
	for _, opt := range []string{"openstack-origin", "vip", "worker-multiplier", "event-time-to-live", "events-delete-batch-size", "api-return-limit"} {
		_, ok := dir.Config().Options[opt]
		assert.True(t, ok, "config option %s", opt)
	}
	for _, a := range []string{"pause", "resume", "restart-services", "openstack-upgrade", "diagnose"} {
		_, ok := dir.Actions().ActionSpecs[a]
		assert.True(t, ok, "action %s", a)
	}
}

// TestCommittedLinksMatchMetadata fails when hooks/ or actions/ drift from
// the metadata (fix with make hooks).
func TestCommittedLinksMatchMetadata(t *testing.T) {
	problems, err := Drift(repoRoot)
	require.NoError(t, err)
	assert.Empty(t, problems, "run make hooks")
}

func TestDriftDetectsMissingAndStaleLinks(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"metadata.yaml", "actions.yaml"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	require.NoError(t, WriteLinks(dir))
	problems, err := Drift(dir)
	require.NoError(t, err)
	assert.Empty(t, problems)

	require.NoError(t, os.Remove(filepath.Join(dir, "hooks", "install")))
	require.NoError(t, os.Symlink("../bin/panko-charm", filepath.Join(dir, "hooks", "bogus-hook")))
	problems, err = Drift(dir)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		"hooks/install: missing (want symlink to ../bin/panko-charm)",
		"hooks/bogus-hook: not a hook or action of the metadata",
	}, problems)
}

// TestArchive builds the real binary and the charm archive, reads the
// archive back with Juju's reader and checks the layout.
func TestArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the charm binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "panko-charm")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/panko-charm")
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	static, err := IsStatic(bin)
	require.NoError(t, err)
	assert.True(t, static, "the charm binary must be statically linked")

	stage := filepath.Join(tmp, "stage")
	cwd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Chdir(repoRoot))
	err = Stage(".", bin, stage)
	require.NoError(t, os.Chdir(cwd))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, Archive(stage, &buf))
	path := filepath.Join(tmp, "panko.charm")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))

	archive, err := charm.ReadCharmArchive(path)
	require.NoError(t, err)
	assert.Equal(t, "panko", archive.Meta().Name)

	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	for _, name := range []string{"dispatch", BinaryPath, "metadata.yaml", "config.yaml", "actions.yaml", "manifest.yaml", "hooks/install", "hooks/shared-db-relation-changed", "actions/pause", "templates/panko.conf.tmpl"} {
		assert.Contains(t, entries, name)
	}
	assert.True(t, entries[BinaryPath].Mode()&0o100 != 0, "binary must be executable")

	// Expanding the archive as the unit agent does gives a dispatch and
	// hooks that all resolve to the binary.
	expanded := filepath.Join(tmp, "expanded")
	require.NoError(t, archive.ExpandTo(expanded))
	links, err := Links(expanded)
	require.NoError(t, err)
	binInfo, err := os.Stat(filepath.Join(expanded, BinaryPath))
	require.NoError(t, err)
	for _, l := range links {
		info, err := os.Stat(filepath.Join(expanded, l.Path))
		if assert.NoError(t, err, l.Path) {
			assert.True(t, os.SameFile(binInfo, info), "%s must resolve to the binary", l.Path)
		}
		lt, err := os.Lstat(filepath.Join(expanded, l.Path))
		require.NoError(t, err)
		assert.True(t, lt.Mode()&os.ModeSymlink != 0, "%s must be a symlink", l.Path)
	}
	hooks := 0
	for name := range entries {
		if strings.HasPrefix(name, "hooks/") && !strings.HasSuffix(name, "/") {
			hooks++
		}
	}
	assert.Equal(t, len(archive.Meta().Hooks()), hooks)
}

// TestDocsMatchCharm fails when docs/config.md or docs/actions.md drift
// from config.yaml and actions.yaml (fix with make docs).
func TestDocsMatchCharm(t *testing.T) {
	drift, err := DocsDrift(repoRoot)
	require.NoError(t, err)
	assert.Empty(t, drift, "run make docs")
}

func TestConfigDocListsEveryOption(t *testing.T) {
	doc, err := ConfigMarkdown(repoRoot)
	require.NoError(t, err)
	dir, err := charm.ReadCharmDir(repoRoot)
	require.NoError(t, err)
	for name, opt := range dir.Config().Options {
		assert.Contains(t, string(doc), "\n## "+name+"\n", name)
		assert.Contains(t, string(doc), strings.TrimSpace(opt.Description), name)
	}
}

// TestCharmcraftBuildsTheGoBinary checks charmcraft.yaml: the same bases as
// manifest.yaml and a part that builds the static Go binary as dispatch.
func TestCharmcraftBuildsTheGoBinary(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "charmcraft.yaml"))
	require.NoError(t, err)
	var cc struct {
		Type  string `yaml:"type"`
		Bases []struct {
			RunOn []struct {
				Name    string `yaml:"name"`
				Channel string `yaml:"channel"`
			} `yaml:"run-on"`
		} `yaml:"bases"`
		Parts map[string]struct {
			OverrideBuild string              `yaml:"override-build"`
			Env           []map[string]string `yaml:"build-environment"`
		} `yaml:"parts"`
	}
	require.NoError(t, yaml.Unmarshal(data, &cc))
	assert.Equal(t, "charm", cc.Type)
	require.Len(t, cc.Bases, 1)
	var channels []string
	for _, b := range cc.Bases[0].RunOn {
		assert.Equal(t, "ubuntu", b.Name)
		channels = append(channels, b.Channel)
	}
	assert.Equal(t, []string{"16.04", "18.04", "20.04"}, channels)
	part, ok := cc.Parts["panko-charm"]
	require.True(t, ok)
	assert.Contains(t, part.OverrideBuild, "go build -trimpath")
	assert.Contains(t, part.OverrideBuild, "./cmd/panko-charm")
	assert.Contains(t, part.OverrideBuild, "ln -sf bin/panko-charm")
	assert.Contains(t, part.Env, map[string]string{"CGO_ENABLED": "0"})
}
