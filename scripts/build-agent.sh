#!/usr/bin/env bash
# build-agent.sh [OUTDIR]: builds the local model's unit agent
# (internal/localjuju/agent) and Juju's own hook-tool client, cmd/jujuc,
# into OUTDIR (default bin/).
#
# The agent imports Juju's internal jujuc server package, and Go allows that
# only inside the module that holds it: so the pinned github.com/juju/juju
# module (the version go.mod names) is copied from the module cache into
# build/, the agent's sources (and internal/localjuju/unitstate, the wire
# format it shares with the model) are placed in that copy as
# cmd/localjuju-agent, and both programs are built there with Juju's own
# go.mod and go.sum. The copy is made once per Juju version; rebuilding is
# incremental. Concurrent runs (parallel test packages) wait for each other.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$(realpath -m "${1:-bin}")
GO=${GO:-go}
mod=github.com/juju/juju
version=$($GO list -m -f '{{.Version}}' "$mod")
mkdir -p build "$out"
exec 9>build/.agent.lock
flock 9
src=build/juju-$version
if [ ! -e "$src/.copied" ]; then
	dir=$($GO mod download -json "$mod" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	[ -d "$dir" ] || { echo "build-agent: cannot find $mod@$version in the module cache" >&2; exit 1; }
	rm -rf "$src"
	cp -r "$dir" "$src"
	chmod -R u+w "$src"
	touch "$src/.copied"
fi
dest=$src/cmd/localjuju-agent
mkdir -p "$dest/unitstate"
for f in internal/localjuju/agent/*.go; do cmp -s "$f" "$dest/${f##*/}" || cp "$f" "$dest/"; done
for f in "$dest"/*.go; do [ -e "internal/localjuju/agent/${f##*/}" ] || rm -f "$f"; done
cmp -s internal/localjuju/unitstate/state.go "$dest/unitstate/state.go" || cp internal/localjuju/unitstate/state.go "$dest/unitstate/"
cd "$src"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
$GO vet ./cmd/localjuju-agent/...
$GO build -trimpath -ldflags='-s -w' -o "$out/jujuc" ./cmd/jujuc
$GO build -trimpath -ldflags='-s -w' -o "$out/localjuju-agent" ./cmd/localjuju-agent
cd "$root"
