#!/usr/bin/env bash
# Measures the event listener's rate with the real pieces (part of
# `make bench`): the events story publishes PANKO_BENCH_EVENTS events
# (default 3000) through ceilometer's own publisher to the model's RabbitMQ
# and waits until the unit's listener has stored every one with the real
# Panko. The figure goes to bench/listener.md.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
GO="${GO:-go}"
events="${PANKO_BENCH_EVENTS:-3000}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
PANKO_BENCH_EVENTS="$events" "$GO" test -count=1 -timeout 30m -run '^TestStoryCeilometerEventsReachPanko$' -v ./tests/ >"$log" 2>&1
rc=$?
rate="$(grep -oE 'listener rate: .*' "$log" | tail -1)"
if [ "$rc" -ne 0 ] || [ -z "$rate" ]; then
	tail -40 "$log"
	echo "bench-listener: the events story failed or was skipped (rc=$rc)" >&2
	exit 1
fi
{
	echo "# Event listener"
	echo
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores by scripts/bench-listener.sh: ceilometer 19's EventNotifierPublisher -> RabbitMQ -> the unit's rendered panko-event-listener -> Panko 9.0.0 record_events -> MariaDB."
	echo
	echo "- ${rate}"
} >bench/listener.md
echo "$rate"
