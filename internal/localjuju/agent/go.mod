// The unit agent is built inside a copy of github.com/juju/juju's source
// (scripts/build-agent.sh), never as part of the charm's module: this file
// only keeps it out of `./...`.
module localjuju-agent

go 1.24
