package bundles

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/stretchr/testify/require"
)

// repoRoot is the charm's source tree, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// localCharmArchive is where `make charm` writes the charm, and what the
// local bundles must point at.
func localCharmArchive(t *testing.T) string {
	return filepath.Join(repoRoot(t), "panko.charm")
}

// isLocalPath reports whether a bundle's charm value is a path.
func isLocalPath(c string) bool {
	return strings.HasPrefix(c, ".") || filepath.IsAbs(c)
}

// readBundle reads one bundle file, refusing fields charm/v12 does not know
// (the strict parse Juju reports when deploying).
func readBundle(t *testing.T, path string) *charm.BundleData {
	t.Helper()
	src, err := charm.LocalBundleDataSource(path)
	require.NoError(t, err, path)
	for _, p := range src.Parts() {
		require.NoError(t, p.UnmarshallError, path)
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	bd, err := charm.ReadBundleData(f)
	require.NoError(t, err, path)
	return bd
}

// stubCharms reads every charm stub in testdata/charms, keyed by directory.
func stubCharms(t *testing.T) map[string]charm.Charm {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", "charms"))
	require.NoError(t, err)
	out := map[string]charm.Charm{}
	for _, e := range entries {
		ch, err := charm.ReadCharmDir(filepath.Join("testdata", "charms", e.Name()))
		require.NoError(t, err, e.Name())
		out[e.Name()] = ch
	}
	return out
}

// localCharm is this source tree read as a charm directory.
func localCharm(t *testing.T) charm.Charm {
	t.Helper()
	ch, err := charm.ReadCharmDir(repoRoot(t))
	require.NoError(t, err)
	return ch
}

// charmsFor maps every application's charm value to the charm to verify it
// against: the local charm for panko (store name or local path), a stub
// otherwise. Local paths are first rewritten to the source tree, a charm
// directory that exists, so verification does not need a built archive.
func charmsFor(t *testing.T, bd *charm.BundleData, local charm.Charm, stubs map[string]charm.Charm) map[string]charm.Charm {
	t.Helper()
	out := map[string]charm.Charm{}
	for name, app := range bd.Applications {
		require.NotNil(t, app, name)
		if isLocalPath(app.Charm) {
			app.Charm = repoRoot(t)
			out[app.Charm] = local
			continue
		}
		u, err := charm.ParseURL(app.Charm)
		require.NoError(t, err, "application %s", name)
		if u.Name == "panko" {
			out[app.Charm] = local
			continue
		}
		stub, ok := stubs[u.Name]
		require.True(t, ok, "no stub for charm %q (application %s)", u.Name, name)
		out[app.Charm] = stub
	}
	return out
}

// constraintKeys are the constraint names Juju 3.6 accepts.
func constraintKeys() map[string]bool {
	keys := map[string]bool{}
	for _, k := range []string{
		"allocate-public-ip", "arch", "container", "cores", "cpu-power", "image-id",
		"instance-role", "instance-type", "mem", "root-disk", "root-disk-source",
		"spaces", "tags", "virt-type", "zones",
	} {
		keys[k] = true
	}
	return keys
}

var sizeRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?[MGTP]?$`)

// verifyConstraints checks "key=value ..." against the known keys and, for
// sizes and counts, the value syntax.
func verifyConstraints(s string) error {
	keys := constraintKeys()
	for _, kv := range strings.Fields(s) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			return fmt.Errorf("constraint %q is not key=value", kv)
		}
		if !keys[k] {
			return fmt.Errorf("unknown constraint %q", k)
		}
		switch k {
		case "mem", "root-disk":
			if !sizeRE.MatchString(v) {
				return fmt.Errorf("constraint %s: bad size %q", k, v)
			}
		case "cores", "cpu-power":
			if _, err := strconv.ParseUint(v, 10, 64); err != nil {
				return fmt.Errorf("constraint %s: bad count %q", k, v)
			}
		}
	}
	return nil
}

var poolRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*$`)

// verifyStorage checks a storage directive "[pool,][size,][count]".
func verifyStorage(s string) error {
	if s == "" {
		return fmt.Errorf("empty storage directive")
	}
	for _, part := range strings.Split(s, ",") {
		switch {
		case sizeRE.MatchString(part):
		case poolRE.MatchString(part):
		default:
			return fmt.Errorf("storage directive %q: bad part %q", s, part)
		}
	}
	return nil
}

// relationSet returns a bundle's relations as sorted "a:x b:y" strings.
func relationSet(bd *charm.BundleData) []string {
	var out []string
	for _, r := range bd.Relations {
		pair := append([]string(nil), r...)
		sort.Strings(pair)
		out = append(out, strings.Join(pair, " "))
	}
	sort.Strings(out)
	return out
}

// pankoEndpoints returns, for each of panko's endpoints in the bundle's
// relations, the remote "app:endpoint".
func pankoEndpoints(bd *charm.BundleData) map[string]string {
	out := map[string]string{}
	for _, r := range bd.Relations {
		if len(r) != 2 {
			continue
		}
		for i, ep := range r {
			app, rel, _ := strings.Cut(ep, ":")
			if app == "panko" {
				out[rel] = r[1-i]
			}
		}
	}
	return out
}
