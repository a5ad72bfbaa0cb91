#!/usr/bin/env bash
# Installs the Debian packages the tests use (run by `make deps`, as root):
# MariaDB, Apache with mod_wsgi, haproxy, RabbitMQ, and the real OpenStack
# services the stories run: keystone 22, ceilometer 19 (its event
# publisher), the openstack client with pankoclient, and Panko 9.0.0
# (Victoria), which only Debian 11 (bullseye) ships. Bullseye is
# added with a low pin priority, so that nothing but packages missing from
# this release (python3-panko) comes from it.
set -euo pipefail

PACKAGES=(
	mariadb-server mariadb-client apache2 libapache2-mod-wsgi-py3 haproxy
	python3-oslo.config python3-sqlalchemy python3-pymysql
	iproute2 util-linux pacemaker-cli-utils resource-agents systemd
	python3-keystone python3-openstackclient python3-pankoclient
	rabbitmq-server python3-oslo.messaging python3-ceilometer monitoring-plugins-basic
)
PANKO=python3-panko
PANKO_VERSION=9.0.0-1
SOURCES=/etc/apt/sources.list.d/charm-panko-tests-bullseye.sources
PIN=/etc/apt/preferences.d/charm-panko-tests-bullseye
# Package files the tests read without installing them: panko-common's
# postinst configures a service; the stories only take its api_paste.ini.
DEBS=/var/cache/charm-panko-tests

installed() {
	dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null | grep -q "ok installed${2:+ $2}"
}

missing=()
for p in "${PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done
installed "$PANKO" "$PANKO_VERSION" || missing+=("$PANKO=$PANKO_VERSION")
need_deb=""
[ -e "$DEBS/panko-common_${PANKO_VERSION}_all.deb" ] || need_deb=1
if [ ${#missing[@]} -eq 0 ] && [ -z "$need_deb" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "missing: ${missing[*]} ${need_deb:+panko-common package file} (run make deps as root; $PANKO comes from Debian 11, see scripts/deps.sh)" >&2
	exit 1
fi

update=""
if [ ! -e "$SOURCES" ]; then
	printf '%s\n' '# Debian 11 for python3-panko 9.0.0 (the tests'"'"' real Panko); pinned low.' \
		'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bullseye' 'Components: main' \
		'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$SOURCES"
	update=1
fi
if [ ! -e "$PIN" ]; then
	printf '%s\n' 'Package: *' 'Pin: release n=bullseye' 'Pin-Priority: 100' >"$PIN"
	update=1
fi
if [ ${#missing[@]} -gt 0 ] || [ -n "$update" ]; then
	apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ -n "$need_deb" ]; then
	mkdir -p "$DEBS"
	(cd "$DEBS" && apt-get download -qq "panko-common=$PANKO_VERSION")
fi
