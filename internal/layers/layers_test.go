package layers

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/openstack-charmers/charm-panko/"

// layerOf names the layer of a package (its path within the module).
func layerOf(pkg string) string {
	switch {
	case pkg == "cmd/panko-charm", pkg == "templates":
		return "charm"
	case pkg == "internal/host/hosttest", pkg == "internal/juju/jujutest":
		return "doubles"
	case strings.HasPrefix(pkg, "internal/testsupport/"):
		return "testsupport"
	case pkg == "cmd/localjuju", pkg == "cmd/localjuju-tools", strings.HasPrefix(pkg, "internal/localjuju"):
		return "localjuju"
	case strings.HasPrefix(pkg, "cmd/bench"):
		return "bench"
	case pkg == "tests", strings.HasPrefix(pkg, "tests/"):
		return "stories"
	case pkg == "internal/layers":
		return "layers"
	case pkg == "internal/bundles", pkg == "internal/packaging", pkg == "cmd/charmpack":
		return "tooling"
	case strings.HasPrefix(pkg, "internal/"):
		return "charm"
	}
	return "unknown"
}

// mayImport lists, per layer, the layers it may import.
func mayImport() map[string][]string {
	return map[string][]string{
		"charm":       {"charm"},
		"doubles":     {"charm"},
		"testsupport": {"testsupport"},
		"localjuju":   {"localjuju", "doubles"},
		"bench":       {"bench", "localjuju", "testsupport"},
		"stories":     {"charm", "doubles", "testsupport", "localjuju", "bench", "tooling"},
		"tooling":     {"tooling"},
		"layers":      {},
	}
}

// exceptions are single imports across the rules, each with its reason.
func exceptions() map[string]string {
	return map[string]string{
		"internal/localjuju/vault -> internal/relation/pyjson":        "vault's processed requests are Python json.dumps text, as the charm's codecs read them",
		"internal/host/hosttest -> internal/host":                     "the double implements the boundary",
		"internal/charm -> internal/localjuju/vault":                  "the charm's TLS tests get certificates from the vault simulator's CA, an issuer the charm does not write",
		"internal/relation/hacluster -> internal/localjuju/pacemaker": "the codec's requests are read back by hacluster's own reading of them, an independent witness",
		"internal/localjuju -> internal/juju":                         "TestJujutestAnswersAsJujusTools drives the charm's hook-tool client against Juju's own tools and jujutest",
		"internal/localjuju/machine -> internal/host":                 "the machine stand-ins' tests compare their state with the host boundary's",
		"internal/localjuju/pacemaker -> internal/relation/pyjson":    "the tests write requests as Python's json.dumps does",
		"internal/juju/jujutest -> internal/juju":                     "the double implements the boundary",
	}
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports ","}}|{{join .TestImports ","}}`, module+"...").Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Greater(t, len(lines), 30, "packages listed")
	for _, line := range lines {
		fields := strings.Split(line, "|")
		pkg := strings.TrimPrefix(fields[0], module)
		from := layerOf(pkg)
		require.NotEqual(t, "unknown", from, "%s has no layer: add it to layerOf and the doc", pkg)
		for i, list := range fields[1:] {
			test := i == 1 // a package's tests may use the doubles and testsupport too
			for _, imp := range strings.Split(list, ",") {
				if !strings.HasPrefix(imp, module) {
					continue
				}
				checkImport(t, pkg, strings.TrimPrefix(imp, module), test)
			}
		}
	}
}

// checkImport checks one import of pkg against the rules.
func checkImport(t *testing.T, pkg, imp string, test bool) {
	t.Helper()
	from, to := layerOf(pkg), layerOf(imp)
	if _, ok := exceptions()[pkg+" -> "+imp]; ok {
		return
	}
	switch {
	case to == "layers" || to == "stories":
		assert.Failf(t, "import rule", "%s imports %s: nothing may import it", pkg, imp)
	case !test && (pkg == "internal/localjuju/unitstate" || pkg == "internal/testsupport/agentbin"):
		assert.Failf(t, "import rule", "%s imports %s: it may import only the standard library", pkg, imp)
	case test && (to == "doubles" || to == "testsupport"):
	default:
		assert.Contains(t, mayImport()[from], to, "%s (%s) imports %s (%s)", pkg, from, imp, to)
	}
}

func TestLayerOfKnowsTheLayout(t *testing.T) {
	for pkg, want := range map[string]string{
		"internal/charm":                  "charm",
		"internal/relation/shareddb":      "charm",
		"internal/juju/jujutest":          "doubles",
		"internal/localjuju/sim":          "localjuju",
		"internal/localjuju/unitstate":    "localjuju",
		"cmd/bench/toolbox":               "bench",
		"tests/functional":                "stories",
		"internal/testsupport/sandbox":    "testsupport",
		filepath.Join("cmd", "charmpack"): "tooling",
	} {
		assert.Equal(t, want, layerOf(pkg), pkg)
	}
}
