// Package layers states the import rules of the project and its test
// checks them; it holds no code. The layers, from the inside out:
//
//   - charm: what ships in the charm (cmd/panko-charm, internal/charm and
//     the packages it reads and plans with: config, host, juju, openstack,
//     policyd, relation/*, render, status, templates). It imports only
//     itself and third-party modules; nothing outside the charm layer may
//     be imported by it.
//   - doubles: the in-memory twins of the two boundaries
//     (internal/host/hosttest, internal/juju/jujutest). They import only the
//     boundary they stand in for.
//   - testsupport: helpers for tests and the benchmark (internal/testsupport/*).
//     They import no project package.
//   - localjuju: the local model (cmd/localjuju, cmd/localjuju-tools,
//     internal/localjuju/*). It imports itself, the host double (its machines
//     keep their state in one) and the few charm-layer packages listed in the
//     test with the reason; never the charm's logic, codecs or templates: the
//     simulators answer with their own encoding of every wire.
//     internal/localjuju/unitstate imports only the standard library (the
//     unit agent's build copies it into Juju's source tree).
//   - bench: cmd/bench/*; it may import the local model and testsupport.
//   - stories: tests and tests/functional; they may import anything, and
//     nothing imports them.
//
// Package layers itself must not be imported.
package layers
