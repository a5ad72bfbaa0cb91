#!/usr/bin/env bash
# Mutation check of the charm's logic (slow; not part of make test).
#
# 1. Review mutants: each line of scripts/mutants.txt changes one thing a
#    reviewer expects the tests to notice (a file mode, a step of teardown,
#    a redaction). Each is applied to a copy of the tree; the unit tests of
#    the packages must then fail ("killed"). A mutant whose text no longer
#    matches the source is reported as stale and fails the run.
# 2. gremlins (github.com/go-gremlins/gremlins, installed into bin/) mutates
#    operators over internal/charm and internal/relation and reports each
#    package's efficacy (killed / (killed + lived)).
#
# Usage: scripts/mutate.sh [review|gremlins|all]   (default all)
# Results go to bench/mutation.md.
set -uo pipefail

what="${1:-all}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2
GO="${GO:-go}"
if ! command -v "$GO" >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	GO=/usr/local/go/bin/go
fi
gremlins_version=v0.6.0
packages=(./internal/charm/... ./internal/relation/... ./internal/juju/...)
out="$root/bench/mutation.md"
mkdir -p "$root/bench"
status=0

review() {
	local work
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' RETURN
	local killed=0 total=0
	{
		echo "## Review mutants"
		echo
		echo "| mutant | file | result |"
		echo "|---|---|---|"
	} >>"$out.tmp"
	while IFS=$'\t' read -r name file from to; do
		if [ -z "$name" ] || [ "${name:0:1}" = "#" ]; then
			continue
		fi
		total=$((total + 1))
		rm -rf "$work/tree" && mkdir -p "$work/tree"
		git ls-files -z | xargs -0 cp -P --parents -t "$work/tree"
		if ! FROM="$from" perl -0ne '$f = $ENV{FROM}; $f =~ s/\\n/\n/g; $f =~ s/\\t/\t/g; $hit = 1 if index($_, $f) >= 0; END { exit !$hit }' "$work/tree/$file"; then
			echo "| $name | $file | STALE: text not found |" >>"$out.tmp"
			echo "mutant $name: STALE (text not found in $file)"
			status=1
			continue
		fi
		FROM="$from" TO="$to" perl -0pi -e 'BEGIN { ($f, $t) = ($ENV{FROM}, $ENV{TO}); for ($f, $t) { s/\\n/\n/g; s/\\t/\t/g } } s/\Q$f\E/$t/' "$work/tree/$file"
		if (cd "$work/tree" && "$GO" test -count=1 "${packages[@]}" >"$work/log" 2>&1); then
			echo "| $name | $file | LIVED |" >>"$out.tmp"
			echo "mutant $name: LIVED"
			status=1
		else
			killed=$((killed + 1))
			echo "| $name | $file | killed |" >>"$out.tmp"
			echo "mutant $name: killed"
		fi
	done <"$root/scripts/mutants.txt"
	printf '\nReview mutants killed: %d of %d.\n\n' "$killed" "$total" >>"$out.tmp"
	echo "review mutants killed: $killed of $total"
}

gremlins() {
	local bin="$root/bin/gremlins"
	if [ ! -x "$bin" ]; then
		GOBIN="$root/bin" "$GO" install "github.com/go-gremlins/gremlins/cmd/gremlins@$gremlins_version" || {
			echo "cannot install gremlins $gremlins_version"
			status=1
			return
		}
	fi
	{
		echo "## gremlins $gremlins_version"
		echo
		echo "| package | killed | lived | not covered | timed out | efficacy |"
		echo "|---|---|---|---|---|---|"
	} >>"$out.tmp"
	local dir log
	for dir in internal/charm internal/relation/*/; do
		dir="${dir%/}"
		log="$(mktemp)"
		"$bin" unleash --workers 2 --timeout-coefficient 40 "./$dir" >"$log" 2>&1
		local k l n tmo eff
		k="$(grep -oE 'Killed: [0-9]+' "$log" | grep -oE '[0-9]+' | tail -1)"
		l="$(grep -oE 'Lived: [0-9]+' "$log" | grep -oE '[0-9]+' | tail -1)"
		n="$(grep -oE 'Not covered: [0-9]+' "$log" | grep -oE '[0-9]+' | tail -1)"
		tmo="$(grep -oE 'Timed out: [0-9]+' "$log" | grep -oE '[0-9]+' | tail -1)"
		eff="$(grep -oE 'Test efficacy: [0-9.]+%' "$log" | grep -oE '[0-9.]+%' | tail -1)"
		echo "| $dir | ${k:-0} | ${l:-0} | ${n:-0} | ${tmo:-0} | ${eff:-n/a} |" >>"$out.tmp"
		echo "$dir: killed ${k:-0}, lived ${l:-0}, not covered ${n:-0}, timed out ${tmo:-0}, efficacy ${eff:-n/a}"
		grep -E '^ *LIVED' "$log" | sed "s|^|  $dir |" >>"$out.lived.tmp"
		rm -f "$log"
	done
	if [ -s "$out.lived.tmp" ]; then
		{
			echo
			echo "Lived mutants:"
			echo
			echo '```'
			cat "$out.lived.tmp"
			echo '```'
		} >>"$out.tmp"
	fi
	rm -f "$out.lived.tmp"
}

printf '# Mutation check\n\n' >"$out.tmp"
case "$what" in
review) review ;;
gremlins) gremlins ;;
all) review && gremlins ;;
*)
	echo "usage: $0 [review|gremlins|all]"
	exit 2
	;;
esac
mv "$out.tmp" "$out"
echo "results: $out"
exit "$status"
