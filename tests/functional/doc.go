// Package functional is the functional test suite of the Panko charm: it
// deploys a bundle from tests/bundles on a real Juju 3.6 controller through
// the Juju API and checks the running cloud.
//
// The tests carry the build tag "functional" and skip unless a controller
// is named:
//
//	make charm
//	JUJU_CONTROLLER=<controller> JUJU_MODEL=<model> make functional
//
// Credentials come from the Juju client store (~/.local/share/juju, or
// $JUJU_DATA). Optional settings: PANKO_BUNDLE (default
// tests/bundles/focal-wallaby-ha.yaml), PANKO_VIP (replaces panko's vip),
// PANKO_SKIP_DEPLOY=1 (check an already deployed model) and
// PANKO_WAIT_TIMEOUT (default 90m). The host running the tests must reach
// the units' and the VIP's addresses.
//
// Layer stories (see internal/layers): it may import any layer; nothing
// imports it.
package functional
