package bundles

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// bundleCase is one shipped bundle and what it must contain.
type bundleCase struct {
	path       string // relative to the source tree
	localCharm string // where a local panko charm must resolve to, relative to the source tree; "" for the store charm
	pankoUnits int
	// panko endpoint -> the remote "app:endpoint" it is related to
	wantPanko map[string]string
}

func pankoRelations(db string, tls, ha bool) map[string]string {
	m := map[string]string{
		"shared-db":        db,
		"identity-service": "keystone:identity-service",
		"event-service":    "ceilometer:event-service",
	}
	if tls {
		m["certificates"] = "vault:certificates"
	}
	if ha {
		m["ha"] = "panko-hacluster:ha"
	}
	return m
}

func bundleCases() []bundleCase {
	router := "panko-mysql-router:shared-db"
	return []bundleCase{
		{"bundles/focal-wallaby/bundle.yaml", "", 1, pankoRelations(router, true, false)},
		{"bundles/focal-wallaby-ha/bundle.yaml", "", 3, pankoRelations(router, true, true)},
		{"bundles/bionic-queens/bundle.yaml", "", 1, pankoRelations("mysql:shared-db", true, false)},
		{"bundles/telemetry/bundle.yaml", "", 1, pankoRelations(router, false, false)},
		{"tests/bundles/focal-wallaby.yaml", "panko.charm", 1, pankoRelations(router, true, false)},
		{"tests/bundles/focal-wallaby-ha.yaml", "panko.charm", 3, pankoRelations(router, true, true)},
		{"tests/bundles/bionic-queens.yaml", "panko.charm", 1, pankoRelations("mysql:shared-db", true, false)},
		{"tests/bundles/telemetry.yaml", "panko.charm", 1, pankoRelations(router, false, false)},
		{"tests/mojo/panko-ha/focal-wallaby-ha.yaml", "tests/mojo/panko-ha/panko.charm", 3, pankoRelations(router, true, true)},
	}
}

func TestBundlesVerify(t *testing.T) {
	stubs := stubCharms(t)
	local := localCharm(t)
	root := repoRoot(t)
	for _, tc := range bundleCases() {
		t.Run(tc.path, func(t *testing.T) {
			bd := readBundle(t, filepath.Join(root, tc.path))
			charms := charmsFor(t, bd, local, stubs)

			err := bd.VerifyWithCharms(verifyConstraints, verifyStorage, nil, charms)

			require.NoError(t, err)
			require.Contains(t, bd.Applications, "panko")
			assert.Equal(t, tc.pankoUnits, bd.Applications["panko"].NumUnits)
			got := pankoEndpoints(bd)
			assert.Equal(t, tc.wantPanko, got)
			// Every panko endpoint exists in the charm's own metadata with the
			// remote endpoint's interface.
			meta := local.Meta()
			for ep, remote := range got {
				app, rel, _ := strings.Cut(remote, ":")
				remoteMeta := charms[bd.Applications[app].Charm].Meta()
				mine, ok := relationOf(meta, ep)
				require.True(t, ok, "panko has no endpoint %q", ep)
				theirs, ok := relationOf(remoteMeta, rel)
				require.True(t, ok, "%s has no endpoint %q", app, rel)
				assert.Equal(t, mine.Interface, theirs.Interface, "panko:%s vs %s", ep, remote)
				assert.NotEqual(t, mine.Role, theirs.Role, "panko:%s vs %s", ep, remote)
			}
		})
	}
}

func relationOf(m *charm.Meta, name string) (charm.Relation, bool) {
	for _, set := range []map[string]charm.Relation{m.Provides, m.Requires, m.Peers} {
		if r, ok := set[name]; ok {
			return r, true
		}
	}
	return charm.Relation{}, false
}

func TestLocalBundlesPointAtTheBuiltCharm(t *testing.T) {
	root := repoRoot(t)
	for _, tc := range bundleCases() {
		t.Run(tc.path, func(t *testing.T) {
			path := filepath.Join(root, tc.path)
			bd := readBundle(t, path)
			c := bd.Applications["panko"].Charm
			if tc.localCharm == "" {
				assert.False(t, isLocalPath(c), "operator bundle uses local charm %q", c)
				for name, app := range bd.Applications {
					assert.False(t, isLocalPath(app.Charm), "application %s uses a local charm", name)
				}
				return
			}
			require.True(t, isLocalPath(c), "functional bundle uses store charm %q", c)
			assert.Equal(t, filepath.Join(root, tc.localCharm), filepath.Join(filepath.Dir(path), c))
			for name, app := range bd.Applications {
				if name != "panko" {
					assert.False(t, isLocalPath(app.Charm), "application %s uses a local charm", name)
				}
			}
		})
	}
}

func TestFunctionalBundlesVerifyLocally(t *testing.T) {
	root := repoRoot(t)
	if _, err := os.Stat(localCharmArchive(t)); err != nil {
		need.Skip(t, "panko.charm is not built (make charm); the charm path cannot be checked on disk")
	}
	for _, tc := range bundleCases() {
		if tc.localCharm != "panko.charm" {
			continue
		}
		t.Run(tc.path, func(t *testing.T) {
			path := filepath.Join(root, tc.path)
			bd := readBundle(t, path)

			err := bd.VerifyLocal(filepath.Dir(path), verifyConstraints, verifyStorage, nil)

			require.NoError(t, err)
		})
	}
}

// The functional suite deploys application by application and supports
// neither machines nor placement directives.
func TestFunctionalBundlesHaveNoPlacement(t *testing.T) {
	root := repoRoot(t)
	for _, tc := range bundleCases() {
		if tc.localCharm == "" {
			continue
		}
		t.Run(tc.path, func(t *testing.T) {
			bd := readBundle(t, filepath.Join(root, tc.path))

			assert.Empty(t, bd.Machines)
			for name, app := range bd.Applications {
				assert.Empty(t, app.To, "application %s has placement", name)
			}
		})
	}
}

// testOnlyOptions are the settings the functional bundles add for an
// unattended run.
func testOnlyOptions() map[string]map[string]bool {
	return map[string]map[string]bool{
		"vault": {"totally-unsecure-auto-unlock": true, "auto-generate-root-ca-cert": true},
	}
}

// Each functional bundle deploys the same model as its operator bundle.
func TestFunctionalBundlesMatchOperatorBundles(t *testing.T) {
	root := repoRoot(t)
	pairs := []struct{ operator, functional string }{
		{"bundles/focal-wallaby/bundle.yaml", "tests/bundles/focal-wallaby.yaml"},
		{"bundles/focal-wallaby-ha/bundle.yaml", "tests/bundles/focal-wallaby-ha.yaml"},
		{"bundles/bionic-queens/bundle.yaml", "tests/bundles/bionic-queens.yaml"},
		{"bundles/telemetry/bundle.yaml", "tests/bundles/telemetry.yaml"},
		{"tests/bundles/focal-wallaby-ha.yaml", "tests/mojo/panko-ha/focal-wallaby-ha.yaml"},
	}
	for _, p := range pairs {
		t.Run(p.functional, func(t *testing.T) {
			op := readBundle(t, filepath.Join(root, p.operator))
			fn := readBundle(t, filepath.Join(root, p.functional))

			assert.Equal(t, relationSet(op), relationSet(fn))
			assert.Equal(t, op.Series, fn.Series)
			assert.Equal(t, op.DefaultBase, fn.DefaultBase)
			assert.Equal(t, appNames(op), appNames(fn))
			for name, a := range op.Applications {
				b, ok := fn.Applications[name]
				if !ok {
					continue
				}
				if name != "panko" {
					assert.Equal(t, a.Charm, b.Charm, name)
					assert.Equal(t, a.Channel, b.Channel, name)
				}
				assert.Equal(t, a.NumUnits, b.NumUnits, name)
				assert.Equal(t, a.Storage, b.Storage, name)
				assert.Equal(t, a.Constraints, b.Constraints, name)
				extra := testOnlyOptions()[name]
				for k, v := range b.Options {
					if extra[k] && !isLocalPath(a.Charm) {
						continue
					}
					assert.Equal(t, a.Options[k], v, "%s option %s", name, k)
				}
				for k := range a.Options {
					assert.Contains(t, b.Options, k, "%s option %s", name, k)
				}
			}
		})
	}
}

func appNames(bd *charm.BundleData) []string {
	var out []string
	for n := range bd.Applications {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// The overlay swaps the store charm for the one built in this tree.
func TestLocalOverlay(t *testing.T) {
	root := repoRoot(t)
	for _, name := range []string{"focal-wallaby", "focal-wallaby-ha", "bionic-queens", "telemetry"} {
		t.Run(name, func(t *testing.T) {
			base, err := charm.LocalBundleDataSource(filepath.Join(root, "bundles", name, "bundle.yaml"))
			require.NoError(t, err)
			overlay, err := charm.LocalBundleDataSource(filepath.Join(root, "bundles", "overlays", "local-panko.yaml"))
			require.NoError(t, err)

			bd, err := charm.ReadAndMergeBundleData(base, overlay)

			require.NoError(t, err)
			assert.Equal(t, localCharmArchive(t), bd.Applications["panko"].Charm)
			assert.Equal(t, "ceilometer", bd.Applications["ceilometer"].Charm)
		})
	}
}

func TestBrokenBundlesFailVerification(t *testing.T) {
	stubs := stubCharms(t)
	local := localCharm(t)
	root := repoRoot(t)
	good := filepath.Join(root, "tests", "bundles", "focal-wallaby-ha.yaml")
	cases := []struct {
		name    string
		file    string
		mutate  func(bd *charm.BundleData, charms map[string]charm.Charm)
		wantErr string
	}{
		{
			name:    "wrong endpoint name (file)",
			file:    filepath.Join("testdata", "broken", "wrong-endpoint.yaml"),
			wantErr: `does not define relation "event-services"`,
		},
		{
			name: "retired panko charm: interface panko against ceilometer's event-service",
			mutate: func(bd *charm.BundleData, charms map[string]charm.Charm) {
				charms[bd.Applications["panko"].Charm] = stubs["panko-retired"]
			},
			wantErr: `mismatched interface between "panko:event-service" and "ceilometer:event-service" ("panko" vs "event-service")`,
		},
		{
			name: "event-service related to keystone",
			mutate: func(bd *charm.BundleData, _ map[string]charm.Charm) {
				replaceRelation(bd, "panko:event-service", []string{"panko:event-service", "keystone:identity-service"})
			},
			wantErr: "relates provider to provider",
		},
		{
			name: "shared-db related to rabbitmq",
			mutate: func(bd *charm.BundleData, _ map[string]charm.Charm) {
				replaceRelation(bd, "panko:shared-db", []string{"panko:shared-db", "rabbitmq-server:amqp"})
			},
			wantErr: `mismatched interface between "rabbitmq-server:amqp" and "panko:shared-db"`,
		},
		{
			name: "relation to an application not in the bundle",
			mutate: func(bd *charm.BundleData, _ map[string]charm.Charm) {
				replaceRelation(bd, "panko:event-service", []string{"panko:event-service", "ceilometer-agent:event-service"})
			},
			wantErr: `refers to application "ceilometer-agent" not defined in this bundle`,
		},
		{
			name: "unknown panko option",
			mutate: func(bd *charm.BundleData, _ map[string]charm.Charm) {
				bd.Applications["panko"].Options["vips"] = "10.5.100.1"
			},
			wantErr: `configuration option "vips" not found`,
		},
		{
			name: "panko option of the wrong type",
			mutate: func(bd *charm.BundleData, _ map[string]charm.Charm) {
				bd.Applications["panko"].Options["vip"] = 5
			},
			wantErr: `option "vip" expected string`,
		},
		{
			name: "subordinate hacluster with units",
			mutate: func(bd *charm.BundleData, _ map[string]charm.Charm) {
				bd.Applications["panko-hacluster"].NumUnits = 3
			},
			wantErr: `application "panko-hacluster" is subordinate but has non-zero num_units`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := good
			if tc.file != "" {
				path = tc.file
			}
			bd := readBundle(t, path)
			charms := charmsFor(t, bd, local, stubs)
			if tc.mutate != nil {
				tc.mutate(bd, charms)
			}

			err := bd.VerifyWithCharms(verifyConstraints, verifyStorage, nil, charms)

			require.Error(t, err)
			var verr *charm.VerificationError
			require.True(t, errors.As(err, &verr), "%T", err)
			assert.True(t, containsError(verr, tc.wantErr), "want %q in %v", tc.wantErr, verr.Errors)
		})
	}
}

func replaceRelation(bd *charm.BundleData, endpoint string, with []string) {
	for i, r := range bd.Relations {
		for _, ep := range r {
			if ep == endpoint {
				bd.Relations[i] = with
				return
			}
		}
	}
	bd.Relations = append(bd.Relations, with)
}

func containsError(verr *charm.VerificationError, want string) bool {
	for _, e := range verr.Errors {
		if strings.Contains(e.Error(), want) {
			return true
		}
	}
	return false
}

func TestHelpers(t *testing.T) {
	constraints := []struct {
		in      string
		wantErr bool
	}{
		{"mem=3072M", false},
		{"mem=3G cores=2 root-disk=20G", false},
		{"", false},
		{"memory=3G", true},
		{"mem=lots", true},
		{"cores=two", true},
		{"mem", true},
	}
	for _, tc := range constraints {
		t.Run("constraints "+tc.in, func(t *testing.T) {
			assert.Equal(t, tc.wantErr, verifyConstraints(tc.in) != nil)
		})
	}
	storage := []struct {
		in      string
		wantErr bool
	}{
		{"10G", false},
		{"cinder,10G", false},
		{"loop,10G,3", false},
		{"", true},
		{"10 G", true},
		{"cinder,,10G", true},
	}
	for _, tc := range storage {
		t.Run("storage "+tc.in, func(t *testing.T) {
			assert.Equal(t, tc.wantErr, verifyStorage(tc.in) != nil)
		})
	}
}
