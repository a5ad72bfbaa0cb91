package hosttest

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/host"
)

// Update records an apt-get update.
func (f *Fake) Update(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("update")
	return nil
}

// AddSource records an apt source.
func (f *Fake) AddSource(_ context.Context, source string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("add-source " + source)
	f.sources = append(f.sources, source)
	return nil
}

// aptError is the error apt-get gives for a package it does not know.
func aptError(argv []string, pkg string) error {
	return &host.CommandError{Argv: argv, ExitCode: 100,
		Stderr: "Reading package lists...\nE: Unable to locate package " + pkg + "\n"}
}

// Install installs pkgs and their dependencies with the candidate versions, applying each
// package's Effects; an unknown package fails the whole call like apt-get does.
func (f *Fake) Install(_ context.Context, pkgs []string) error {
	if len(pkgs) == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("install " + strings.Join(pkgs, " "))
	all := WithDepends(pkgs)
	for _, p := range append(append([]string(nil), pkgs...), all...) {
		if _, ok := f.candidate(p); !ok {
			argv := append([]string{"apt-get", "install", "-y"}, pkgs...)
			return fmt.Errorf("install %s: %w", strings.Join(pkgs, " "), aptError(argv, p))
		}
	}
	for _, p := range all {
		v, _ := f.candidate(p)
		_, had := f.packages[p]
		f.packages[p] = v
		if !had {
			f.applyEffects(p)
		}
	}
	return nil
}

// candidate is the version Install would give p.
func (f *Fake) candidate(p string) (string, bool) {
	if f.available == nil {
		return DefaultVersion, true
	}
	v, ok := f.available[p]
	return v, ok
}

// applyEffects does what installing p does to the machine. f.mu must be held.
func (f *Fake) applyEffects(p string) {
	e := Effects(p)
	for _, g := range e.Groups {
		f.groups[g] = true
	}
	for _, u := range e.Users {
		f.users[u.Name] = true
		f.groups[u.Name] = true
	}
	for _, d := range e.Dirs {
		f.mkdirs(d.Path)
	}
	for _, file := range e.Files {
		if _, ok := f.files[file.Path]; !ok {
			f.mkdirs(path.Dir(file.Path))
			f.files[file.Path] = File{Data: []byte(file.Data), Mode: file.Mode, Owner: file.Owner, Group: file.Group}
		}
	}
	for _, l := range e.Links {
		if _, ok := f.links[l.Path]; !ok {
			f.mkdirs(path.Dir(l.Path))
			f.links[l.Path] = l.Target
		}
	}
	for _, s := range e.Services {
		st, known := f.services[s]
		if known && st.Masked {
			continue
		}
		f.services[s] = ServiceState{Active: true, Enabled: true}
	}
}

// mkdirs marks d and its parents as directories. f.mu must be held.
func (f *Fake) mkdirs(d string) {
	for d = path.Clean(d); d != "/" && d != "."; d = path.Dir(d) {
		f.dirs[d] = true
	}
}

// Upgrade moves every installed package to its candidate version (State.Available).
func (f *Fake) Upgrade(_ context.Context, opts host.UpgradeOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	call := "upgrade"
	if opts.ForceConfNew {
		call += " --force-confnew"
	}
	f.record(call)
	for p := range f.packages {
		if v, ok := f.available[p]; ok {
			f.packages[p] = v
		}
	}
	return nil
}

// Purge removes pkgs; their services disappear unless masked (the mask outlives the package).
// Users, directories and files are left, as the charm cannot rely on their removal.
func (f *Fake) Purge(_ context.Context, pkgs []string) error {
	if len(pkgs) == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("purge " + strings.Join(pkgs, " "))
	for _, p := range pkgs {
		if _, ok := f.packages[p]; !ok {
			continue
		}
		delete(f.packages, p)
		for _, l := range Effects(p).RemoveUnlinks {
			delete(f.links, l)
		}
		for _, s := range Effects(p).Services {
			if st := f.services[s]; st.Masked {
				f.services[s] = ServiceState{Masked: true}
			} else {
				delete(f.services, s)
			}
		}
	}
	return nil
}

// InstalledVersion returns the installed version of pkg or "".
func (f *Fake) InstalledVersion(_ context.Context, pkg string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.packages[pkg], nil
}

// InstalledVersions returns the installed version of each of pkgs ("" when absent).
func (f *Fake) InstalledVersions(_ context.Context, pkgs []string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]string, len(pkgs))
	for _, p := range pkgs {
		out[p] = f.packages[p]
	}
	return out, nil
}
