package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// script writes an executable shell script.
func script(t *testing.T, path, body string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
}

// TestDispatchByHand runs the built binary as Juju runs dispatch, with stand-in
// hook tools on PATH that record every call, and a unit root with stand-in
// machine commands.
func TestDispatchByHand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the charm binary")
	}
	tmp := t.TempDir()
	charmDir := filepath.Join(tmp, "charm")
	bin := filepath.Join(charmDir, "bin", "panko-charm")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	require.NoError(t, os.Symlink("bin/panko-charm", filepath.Join(charmDir, "dispatch")))

	calls := filepath.Join(tmp, "calls.log")
	tools := filepath.Join(tmp, "tools")
	record := `echo "$(basename "$0") $*" >> ` + calls
	answers := map[string]string{
		"config-get":   `echo '{"openstack-origin":"distro","region":"RegionOne","vip_cidr":24,"vip_iface":"eth0","api-return-limit":100,"event-time-to-live":-1,"events-delete-batch-size":0}'`,
		"is-leader":    `echo true`,
		"leader-get":   `echo '{}'`,
		"relation-ids": `echo '[]'`,
		"network-get":  `echo '{"bind-addresses":[{"mac-address":"","interface-name":"eth0","addresses":[{"hostname":"","value":"10.5.0.10","cidr":"10.5.0.0/24"}]}],"ingress-addresses":["10.5.0.10"]}'`,
		"opened-ports": `echo '[]'`,
		"state-get":    `echo '{}'`,
		"state-set":    `cat >/dev/null`,
	}
	for _, tool := range []string{"config-get", "is-leader", "leader-get", "relation-ids", "network-get", "opened-ports", "state-get", "state-set", "status-set", "open-port", "application-version-set", "juju-log"} {
		script(t, filepath.Join(tools, tool), record+"\n"+answers[tool])
	}

	root := filepath.Join(tmp, "root")
	files := map[string]string{
		"etc/os-release": "VERSION_CODENAME=focal\n",
		"etc/passwd":     "root:x:0:0:root:/root:/bin/bash\npanko:x:64060:64060::/var/lib/panko:/usr/sbin/nologin\nhaproxy:x:64061:64061::/var/lib/haproxy:/usr/sbin/nologin\n",
		"etc/group":      "root:x:0:\npanko:x:64060:\nhaproxy:x:64061:\n",
	}
	for p, data := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(data), 0o644))
	}
	machine := filepath.Join(tmp, "machine.log")
	mrecord := `echo "$(basename "$0") $*" >> ` + machine
	script(t, filepath.Join(root, "usr/bin/apt-get"), mrecord)
	script(t, filepath.Join(root, "usr/bin/dpkg-query"), mrecord+"\n"+`grep -q "apt-get install" `+machine+` && printf '1:8.0.0-0ubuntu1' && exit 0; eval "pkg=\${$#}"; echo "dpkg-query: no packages found matching $pkg" >&2; exit 1`)
	script(t, filepath.Join(root, "usr/bin/systemctl"), mrecord+"\n"+`case "$1" in is-active) echo inactive; exit 3;; is-enabled) echo disabled; exit 1;; esac`)
	script(t, filepath.Join(root, "usr/bin/a2ensite"), mrecord)
	script(t, filepath.Join(root, "usr/bin/a2enmod"), mrecord)

	cmd := exec.Command(filepath.Join(charmDir, "dispatch"))
	cmd.Dir = charmDir
	cmd.Env = []string{
		"PATH=" + tools + ":/usr/bin:/bin",
		"JUJU_DISPATCH_PATH=hooks/install",
		"JUJU_UNIT_NAME=panko/0",
		"JUJU_HOOK_NAME=install",
		"PANKO_HOST_ROOT=" + root,
	}
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "dispatch must exit 0: %s", out)

	log, err := os.ReadFile(calls)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	assert.Contains(t, lines, "status-set maintenance -- Installing packages")
	assert.Equal(t, "status-set blocked -- 'shared-db' missing, 'identity-service' missing", lines[len(lines)-1])
	assert.Contains(t, lines, "open-port 8977/tcp")
	assert.Contains(t, lines, "application-version-set -- 8.0.0")
	assert.Contains(t, lines, "state-set --file -", "the record of what was published is kept")
	m, err := os.ReadFile(machine)
	require.NoError(t, err)
	assert.Contains(t, string(m), "apt-get install")
	assert.Contains(t, string(m), "systemctl mask panko-api")
	assert.Contains(t, string(m), "a2enmod wsgi", "the stand-in apt-get enabled no module: the charm does")
}

func TestNoJujuPrintsUsage(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"panko-charm"}, func(string) string { return "" }, &stdout, &stderr)
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout.String(), "panko-charm")
}

// TestMalformedDispatchPathFails: Juju set JUJU_DISPATCH_PATH, so this is a
// hook run, but the value names no hook or action. The hook must fail with
// the reason (Juju shows "hook failed" and retries), not exit 0 with usage.
func TestMalformedDispatchPathFails(t *testing.T) {
	for _, p := range []string{"install", "hooks/", "other/install", "hooks/a/b"} {
		var stdout, stderr strings.Builder
		env := map[string]string{"JUJU_DISPATCH_PATH": p, "JUJU_UNIT_NAME": "panko/0"}
		code := run(t.Context(), []string{"dispatch"}, func(k string) string { return env[k] }, &stdout, &stderr)
		assert.NotEqual(t, 0, code, p)
		assert.Contains(t, stderr.String(), "invalid JUJU_DISPATCH_PATH", p)
		assert.Empty(t, stdout.String(), p)
	}
}
