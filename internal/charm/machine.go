package charm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// readInstalled records the installed version of every package the charm
// may install or purge (both Python generations).
func readInstalled(ctx context.Context, in *Inputs, d Deps) error {
	seen := map[string]bool{}
	var pkgs []string
	for _, r := range []string{openstack.FirstSupported, openstack.LastSupported} {
		install, purge := openstack.Packages(r)
		for _, p := range append(append(append([]string{}, install...), purge...), openstack.ListenerPackages(r)...) {
			if !seen[p] {
				seen[p] = true
				pkgs = append(pkgs, p)
			}
		}
	}
	versions, err := d.Host.InstalledVersions(ctx, pkgs)
	if err != nil {
		return fmt.Errorf("read installed packages: %w", err)
	}
	in.Installed = versions
	return nil
}

// readSeries returns VERSION_CODENAME from /etc/os-release ("" if unknown).
func readSeries(d Deps) string {
	data, err := d.Host.ReadFile(OSRelease)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && (k == "VERSION_CODENAME" || k == "UBUNTU_CODENAME") {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// Configured is what the panko.conf on disk holds: a database connection,
// keystone credentials.
type Configured struct {
	Database, Keystone bool
}

// readConfigured reads panko.conf's [database] connection and
// [keystone_authtoken] auth_url.
func readConfigured(d Deps) Configured {
	var c Configured
	data, err := d.Host.ReadFile(PankoConf)
	if err != nil {
		return c
	}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(value) == "" {
			continue
		}
		switch section + strings.TrimSpace(key) {
		case "[database]connection":
			c.Database = true
		case "[keystone_authtoken]auth_url":
			c.Keystone = true
		}
	}
	return c
}

// readStatsPassword returns the password of the rendered haproxy statistics
// page, so it stays the same across hooks.
func readStatsPassword(d Deps) string {
	data, err := d.Host.ReadFile(HAProxyCfg)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "stats" && f[1] == "auth" {
			if _, pw, ok := strings.Cut(f[2], ":"); ok {
				return pw
			}
		}
	}
	return ""
}
