#!/usr/bin/env bash
# Run every Go fuzz target of the repository (each func Fuzz* in a _test.go
# file) for DURATION each and report executions and crashes.
#
# Usage: scripts/fuzz.sh [DURATION]     (default 30s; any go test -fuzztime value)
#
# A crash leaves its input in the package's testdata/fuzz/<Target>/ directory,
# from where `go test` replays it as a seed; the script exits 1 when any target
# crashed or failed to run.
set -uo pipefail

duration="${1:-30s}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2
GO="${GO:-go}"
if ! command -v "$GO" >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	GO=/usr/local/go/bin/go
fi

# Targets as "<package dir> <name>", sorted.
mapfile -t targets < <(
	grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*\(' . |
		grep -v '/\.' |
		sed -E 's|^\./(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]*)\($|\1 \2|; s|^\./[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]*)\($|. \1|' |
		sort -u
)
if [ "${#targets[@]}" -eq 0 ]; then
	echo "no fuzz targets found"
	exit 1
fi

log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"' EXIT
echo "fuzzing ${#targets[@]} targets for $duration each"
printf '%-44s %-26s %12s  %s\n' "package" "target" "executions" "result"
failed=0
total_execs=0
for t in "${targets[@]}"; do
	pkg="${t% *}"
	name="${t#* }"
	log="$log_dir/$(echo "$pkg.$name" | tr '/' '_').log"
	"$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$duration" "./$pkg" >"$log" 2>&1
	code=$?
	execs="$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)"
	execs="${execs:-0}"
	total_execs=$((total_execs + execs))
	if [ "$code" -eq 0 ]; then
		result="ok"
	elif grep -q 'Failing input written to' "$log"; then
		result="CRASH: $(grep -oE 'testdata/fuzz/[^ ]+' "$log" | head -1)"
		failed=1
	else
		result="ERROR (exit $code)"
		failed=1
	fi
	printf '%-44s %-26s %12s  %s\n' "$pkg" "$name" "$execs" "$result"
	if [ "$code" -ne 0 ]; then
		grep -vE '^fuzz: elapsed' "$log" | head -40 | sed 's/^/    /'
	fi
done
echo "total executions: $total_execs"
exit "$failed"
