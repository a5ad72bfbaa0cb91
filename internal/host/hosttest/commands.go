package hosttest

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/host"
)

// Run answers argv with a HandleCommand handler or a built-in stand-in; other commands are not
// found. The timeout is not used.
func (f *Fake) Run(_ context.Context, argv []string, _ time.Duration) (host.Result, error) {
	if len(argv) == 0 {
		return host.Result{ExitCode: -1}, errors.New("run: empty command line")
	}
	name := path.Base(argv[0])
	f.mu.Lock()
	f.runs[name]++
	f.record("run " + strings.Join(argv, " "))
	fn := f.handlers[name]
	f.mu.Unlock()
	if fn == nil {
		fn = f.builtin(name)
	}
	if fn == nil {
		return host.Result{ExitCode: -1}, fmt.Errorf("run: %s: %w", name, host.ErrCommandNotFound)
	}
	res, err := fn(append([]string(nil), argv...))
	if err == nil && res.ExitCode != 0 {
		err = &host.CommandError{Argv: append([]string(nil), argv...), ExitCode: res.ExitCode, Stderr: string(res.Stderr)}
	}
	return res, err
}

// builtin returns the stand-in for a command that the installed packages provide.
func (f *Fake) builtin(name string) CommandFunc {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch name {
	case "a2ensite", "a2dissite", "a2enmod", "a2dismod", "a2enconf", "a2disconf", "a2query":
		if _, ok := f.packages["apache2"]; ok {
			return f.apacheTool
		}
	case "update-ca-certificates":
		return f.updateCACertificates
	case "systemctl":
		return f.systemctlCommand
	case "panko-dbsync":
		for _, p := range []string{"panko-common", "python3-panko", "python-panko"} {
			if _, ok := f.packages[p]; ok {
				return func([]string) (host.Result, error) { return host.Result{}, nil }
			}
		}
	}
	return nil
}

// systemctlCommand is systemctl run as a command: daemon-reload only (the
// charm drives services through Service).
func (f *Fake) systemctlCommand(argv []string) (host.Result, error) {
	if len(argv) != 2 || argv[1] != "daemon-reload" {
		return host.Result{Stderr: []byte("this fake runs only systemctl daemon-reload\n"), ExitCode: 1}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	DaemonReload(f.services, f.hasFile, f.packaged)
	return host.Result{}, nil
}

// hasFile reports whether path is a file. f.mu must be held.
func (f *Fake) hasFile(path string) bool {
	_, ok := f.files[path]
	return ok
}

// packaged reports whether an installed package provides service. f.mu
// must be held.
func (f *Fake) packaged(service string) bool {
	for p := range f.packages {
		for _, s := range Effects(p).Services {
			if s == service {
				return true
			}
		}
	}
	return false
}

// apacheTool runs ApacheTool on the fake's files.
func (f *Fake) apacheTool(argv []string) (host.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out, errOut, code := ApacheTool(fakeApacheFS{f}, path.Base(argv[0]), argv[1:])
	return host.Result{Stdout: []byte(out), Stderr: []byte(errOut), ExitCode: code}, nil
}

// updateCACertificates concatenates the local CA certificates into the system bundle, as
// update-ca-certificates does for /usr/local/share/ca-certificates/*.crt.
func (f *Fake) updateCACertificates([]string) (host.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	const dir = "/usr/local/share/ca-certificates/"
	var names []string
	for p := range f.files {
		if strings.HasPrefix(p, dir) && strings.HasSuffix(p, ".crt") {
			names = append(names, p)
		}
	}
	sort.Strings(names)
	var bundle []byte
	for _, n := range names {
		bundle = append(bundle, f.files[n].Data...)
	}
	f.mkdirs("/etc/ssl/certs")
	f.files["/etc/ssl/certs/ca-certificates.crt"] = File{Data: bundle, Mode: 0o644, Owner: "root", Group: "root"}
	out := fmt.Sprintf("Updating certificates in /etc/ssl/certs...\n%d added, 0 removed; done.\n", len(names))
	return host.Result{Stdout: []byte(out)}, nil
}

// fakeApacheFS is the ApacheFS of a Fake; its methods run with f.mu held.
type fakeApacheFS struct{ f *Fake }

// IsFile reports whether p resolves to a regular file.
func (a fakeApacheFS) IsFile(p string) bool {
	t, ok := a.f.resolve(p)
	_, isFile := a.f.files[t]
	return ok && isFile
}

// IsLink reports whether p is a link.
func (a fakeApacheFS) IsLink(p string) bool {
	_, ok := a.f.links[p]
	return ok
}

// Symlink creates a link.
func (a fakeApacheFS) Symlink(target, p string) error {
	_, err := a.f.symlink(target, p)
	return err
}

// Remove deletes p.
func (a fakeApacheFS) Remove(p string) error {
	_, err := a.f.remove(p)
	return err
}

// Names lists the entries of dir.
func (a fakeApacheFS) Names(dir string) []string {
	var out []string
	for p := range a.f.files {
		if path.Dir(p) == dir {
			out = append(out, path.Base(p))
		}
	}
	for p := range a.f.links {
		if path.Dir(p) == dir {
			out = append(out, path.Base(p))
		}
	}
	sort.Strings(out)
	return out
}
