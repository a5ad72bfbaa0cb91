#!/usr/bin/env bash
# A short story on the local model: deploy panko with mysql and keystone,
# relate them, and show the result. Run through `make demo`, which builds
# bin/localjuju and panko.charm first (this script builds nothing).
#
#   KEEP=1 make demo    keep the model in ./.localjuju (and its MariaDB
#                       running) to look around: bin/localjuju status, log,
#                       show-unit panko/0, root panko/0; then
#                       bin/localjuju destroy
set -euo pipefail

cd "$(dirname "$0")/.."
LOCALJUJU=${LOCALJUJU:-bin/localjuju}
CHARM=${CHARM:-panko.charm}
KEEP=${KEEP:-}

for f in "$LOCALJUJU" "$CHARM"; do
	if [ ! -e "$f" ]; then
		echo "demo: $f is missing; run 'make demo' (it builds bin/localjuju and panko.charm)" >&2
		exit 1
	fi
done

# The mysql simulator runs a private MariaDB server: the binaries must be
# installed (the server itself is never started as a system service).
have_mariadb() {
	local n d
	for n in mariadbd mysqld; do
		command -v "$n" >/dev/null 2>&1 && return 0
		for d in /usr/sbin /usr/bin /usr/libexec; do
			[ -x "$d/$n" ] && return 0
		done
	done
	return 1
}
if ! have_mariadb; then
	echo "demo: the MariaDB server is not installed. Install it with:" >&2
	echo "    sudo apt-get install -y mariadb-server" >&2
	echo "(as root, 'make demo' installs it for you through 'make deps')" >&2
	exit 1
fi

if [ -n "$KEEP" ]; then
	MODEL=.localjuju
	if [ -e "$MODEL" ]; then
		"$LOCALJUJU" --model "$MODEL" destroy >/dev/null
	fi
else
	MODEL=$(mktemp -d "${TMPDIR:-/tmp}/panko-demo.XXXXXX")/model
fi
lj() { "$LOCALJUJU" --model "$MODEL" "$@"; }

finish() {
	local rc=$?
	if [ -z "$KEEP" ]; then
		lj destroy >/dev/null 2>&1 || echo "demo: could not destroy the model in $MODEL" >&2
		rmdir "$(dirname "$MODEL")" 2>/dev/null || true
	fi
	exit "$rc"
}
trap finish EXIT

heading() { printf '\n==> %s\n' "$*"; }
start=$(date +%s)

heading "Deploy panko, a MariaDB-backed mysql and keystone (model: $MODEL)"
lj deploy panko --charm "$CHARM"
lj deploy mysql
lj deploy keystone

heading "Status: panko waits for its relations"
lj status

heading "Relate panko to mysql (shared-db) and keystone (identity-service)"
lj relate panko mysql
lj relate panko keystone

heading "Status: panko is ready"
lj status

heading "/etc/panko/panko.conf as rendered on panko/0 (passwords masked)"
root=$(lj root panko/0)
sed -E \
	-e 's#(://[^:/@]+:)[^@]*@#\1********@#' \
	-e 's#^([[:space:]]*password[[:space:]]*=[[:space:]]*).*#\1********#' \
	"$root/etc/panko/panko.conf" | grep -v '^#'

heading "Keystone catalog (service type event)"
lj catalog

heading "Final status"
status=$(lj status)
echo "$status"
if ! grep -Eq '^panko/0\*? +active .*Unit is ready' <<<"$status"; then
	echo "demo: panko/0 is not ready; see '$LOCALJUJU --model $MODEL log panko/0' (run with KEEP=1 to keep the model)" >&2
	exit 1
fi
printf '\ndemo: done in %ss' "$(($(date +%s) - start))"
if [ -n "$KEEP" ]; then
	printf '; the model is kept in %s (bin/localjuju destroy removes it)\n' "$MODEL"
else
	printf '; the model is destroyed\n'
fi
