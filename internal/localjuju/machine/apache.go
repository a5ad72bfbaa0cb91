package machine

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

// apacheTool runs a2ensite, a2dissite, a2enmod, a2dismod or a2query on the unit's /etc/apache2.
func (m *machine) apacheTool(name string, args []string) int {
	out, errOut, code := hosttest.ApacheTool(diskApacheFS{m}, name, args)
	fmt.Fprint(m.stdout, out)
	fmt.Fprint(m.stderr, errOut)
	return code
}

// diskApacheFS is hosttest.ApacheFS on the unit's root.
type diskApacheFS struct{ m *machine }

// IsFile reports whether p resolves to a regular file.
func (d diskApacheFS) IsFile(p string) bool {
	fi, err := os.Stat(d.m.path(p))
	return err == nil && fi.Mode().IsRegular()
}

// IsLink reports whether p is a symbolic link.
func (d diskApacheFS) IsLink(p string) bool {
	fi, err := os.Lstat(d.m.path(p))
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

// Symlink creates the link p → target.
func (d diskApacheFS) Symlink(target, p string) error {
	full := d.m.path(p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	return os.Symlink(target, full)
}

// Remove deletes p.
func (d diskApacheFS) Remove(p string) error {
	return os.Remove(d.m.path(p))
}

// Names lists dir's entries.
func (d diskApacheFS) Names(dir string) []string {
	entries, err := os.ReadDir(d.m.path(dir))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// updateCACertificates is update-ca-certificates [--fresh]: it links every
// /usr/local/share/ca-certificates/**/*.crt into /etc/ssl/certs as <name>.pem and writes the
// bundle /etc/ssl/certs/ca-certificates.crt from them.
func (m *machine) updateCACertificates(st *State, args []string) int {
	fresh := false
	for _, a := range args {
		switch a {
		case "-f", "--fresh":
			fresh = true
		case "-v", "--verbose":
		default:
			fmt.Fprintf(m.stderr, "update-ca-certificates: unknown option %s\n", a)
			return 1
		}
	}
	src := m.path("/usr/local/share/ca-certificates")
	var certs []string
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && strings.HasSuffix(p, ".crt") {
			rel, rerr := filepath.Rel(src, p)
			if rerr != nil {
				return rerr
			}
			certs = append(certs, rel)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		fmt.Fprintf(m.stderr, "update-ca-certificates: %v\n", err)
		return 1
	}
	sort.Strings(certs)
	var bundle []byte
	certDir := m.path("/etc/ssl/certs")
	if err := os.MkdirAll(certDir, 0o755); err != nil {
		fmt.Fprintf(m.stderr, "update-ca-certificates: %v\n", err)
		return 1
	}
	for _, c := range certs {
		data, err := os.ReadFile(filepath.Join(src, c))
		if err != nil {
			fmt.Fprintf(m.stderr, "update-ca-certificates: %v\n", err)
			return 1
		}
		bundle = append(bundle, data...)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			bundle = append(bundle, '\n')
		}
		link := filepath.Join(certDir, strings.ReplaceAll(strings.TrimSuffix(c, ".crt"), "/", "_")+".pem")
		_ = os.Remove(link)
		if err := os.Symlink(filepath.Join("../../../usr/local/share/ca-certificates", c), link); err != nil {
			fmt.Fprintf(m.stderr, "update-ca-certificates: %v\n", err)
			return 1
		}
	}
	if err := os.WriteFile(filepath.Join(certDir, "ca-certificates.crt"), bundle, 0o644); err != nil {
		fmt.Fprintf(m.stderr, "update-ca-certificates: %v\n", err)
		return 1
	}
	previous := map[string]bool{}
	if !fresh {
		for _, c := range st.CACerts {
			previous[c] = true
		}
	}
	added, removed := 0, 0
	now := map[string]bool{}
	for _, c := range certs {
		now[c] = true
		if !previous[c] {
			added++
		}
	}
	for _, c := range st.CACerts {
		if !now[c] {
			removed++
			link := filepath.Join(certDir, strings.ReplaceAll(strings.TrimSuffix(c, ".crt"), "/", "_")+".pem")
			_ = os.Remove(link)
		}
	}
	st.CACerts = certs
	fmt.Fprintf(m.stdout, "Updating certificates in /etc/ssl/certs...\n%d added, %d removed; done.\n"+
		"Running hooks in /etc/ca-certificates/update.d...\ndone.\n", added, removed)
	return 0
}
