// Package bundles holds the tests that read every Juju bundle shipped with
// the charm (bundles/, tests/bundles/ and the Mojo spec) and verify it with
// github.com/juju/charm/v12 against the charm's own metadata and the
// endpoints of the other OpenStack charms (stubs in testdata/charms).
//
// Layer tooling (see internal/layers): it imports tooling and third-party
// modules only; only cmd/charmpack and tests import it, never the charm.
package bundles
