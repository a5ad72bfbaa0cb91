// Package hosttest provides Fake, an in-memory host.Host with the semantics of an Ubuntu machine
// as far as the charm can observe them, and the shared models of systemctl, Debian's a2* tools and
// the packages the charm installs (also used by the local model's machine stand-ins).
//
// Layer doubles (see internal/layers): it imports only the boundary it stands
// in for; only tests and the local model's machines import it, never code
// that ships.
package hosttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/host"
)

// DefaultVersion is the version Install gives a package when State.Available is nil.
const DefaultVersion = "1.0.0-0ubuntu1"

// modeBits are the parts of a file mode WriteFile keeps (as host.Real does).
const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// File is a regular file on the fake machine.
type File struct {
	// Data is the content.
	Data []byte
	// Mode is the permission bits.
	Mode fs.FileMode
	// Owner and Group name the ownership.
	Owner, Group string
}

// State is the fake machine's state: what New starts from and what Fake.State returns.
type State struct {
	// Files are regular files by absolute path.
	Files map[string]File
	// Links are symbolic links by absolute path, with their target as given.
	Links map[string]string
	// Dirs are directories that exist (besides the parents of files and links), sorted.
	Dirs []string
	// Packages are the installed packages and their versions.
	Packages map[string]string
	// Available are the installable packages and their candidate versions; nil means every
	// package installs with DefaultVersion.
	Available map[string]string
	// Services are the systemd units known to the machine.
	Services map[string]ServiceState
	// Users and Groups are the accounts besides BaseUsers and BaseGroups, sorted.
	Users, Groups []string
	// Sources are the apt sources added with AddSource, in order.
	Sources []string
	// CPUs is what CPUCount returns (0 means 2).
	CPUs int
}

// CommandFunc answers a command run through Fake.Run. A non-zero ExitCode with a nil error is
// turned into a *host.CommandError, as host.Real does.
type CommandFunc func(argv []string) (host.Result, error)

// failure makes calls starting with prefix fail with err.
type failure struct {
	prefix string
	err    error
}

// Fake is an in-memory host.Host. It is safe for concurrent use. Every call that can change the
// machine is recorded as a short line (see Calls); reads (ReadFile, Exists, InstalledVersion,
// Active, Enabled, Masked) are not recorded but can be made to fail with Fail.
type Fake struct {
	mu        sync.Mutex
	files     map[string]File
	links     map[string]string
	dirs      map[string]bool
	packages  map[string]string
	available map[string]string
	services  map[string]ServiceState
	users     map[string]bool
	groups    map[string]bool
	sources   []string
	cpus      int
	calls     []string
	writes    int
	restarts  map[string]int
	reloads   map[string]int
	runs      map[string]int
	failures  []failure
	handlers  map[string]CommandFunc
}

var _ host.Host = (*Fake)(nil)

// New returns a Fake in state s (copied). Base users and groups always exist.
func New(s State) *Fake {
	f := &Fake{
		files:    map[string]File{},
		links:    map[string]string{},
		dirs:     map[string]bool{},
		packages: map[string]string{},
		services: map[string]ServiceState{},
		users:    map[string]bool{},
		groups:   map[string]bool{},
		restarts: map[string]int{},
		reloads:  map[string]int{},
		runs:     map[string]int{},
		handlers: map[string]CommandFunc{},
		cpus:     s.CPUs,
	}
	for p, file := range s.Files {
		f.files[path.Clean(p)] = copyFile(file)
	}
	for p, t := range s.Links {
		f.links[path.Clean(p)] = t
	}
	for _, d := range s.Dirs {
		f.dirs[path.Clean(d)] = true
	}
	for k, v := range s.Packages {
		f.packages[k] = v
	}
	if s.Available != nil {
		f.available = map[string]string{}
		for k, v := range s.Available {
			f.available[k] = v
		}
	}
	for k, v := range s.Services {
		f.services[UnitName(k)] = v
	}
	for _, u := range append(BaseUsers(), s.Users...) {
		f.users[u] = true
	}
	for _, g := range append(BaseGroups(), s.Groups...) {
		f.groups[g] = true
	}
	f.sources = append([]string(nil), s.Sources...)
	if f.cpus == 0 {
		f.cpus = 2
	}
	return f
}

// State returns a copy of the current state.
func (f *Fake) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := State{
		Files:    map[string]File{},
		Links:    map[string]string{},
		Packages: map[string]string{},
		Services: map[string]ServiceState{},
		Sources:  append([]string(nil), f.sources...),
		CPUs:     f.cpus,
	}
	for p, file := range f.files {
		s.Files[p] = copyFile(file)
	}
	for p, t := range f.links {
		s.Links[p] = t
	}
	for d := range f.dirs {
		s.Dirs = append(s.Dirs, d)
	}
	sort.Strings(s.Dirs)
	for k, v := range f.packages {
		s.Packages[k] = v
	}
	if f.available != nil {
		s.Available = map[string]string{}
		for k, v := range f.available {
			s.Available[k] = v
		}
	}
	for k, v := range f.services {
		s.Services[k] = v
	}
	s.Users = extra(f.users, BaseUsers())
	s.Groups = extra(f.groups, BaseGroups())
	return s
}

// extra lists the names in set that are not in base, sorted.
func extra(set map[string]bool, base []string) []string {
	isBase := map[string]bool{}
	for _, b := range base {
		isBase[b] = true
	}
	var out []string
	for n := range set {
		if !isBase[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// copyFile copies a File's data.
func copyFile(file File) File {
	file.Data = append([]byte(nil), file.Data...)
	return file
}

// File returns the regular file at p.
func (f *Fake) File(p string) (File, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	file, ok := f.files[path.Clean(p)]
	return copyFile(file), ok
}

// Calls returns the recorded calls in order, such as "install panko-api apache2",
// "write /etc/panko/panko.conf", "restart apache2" or "run panko-dbsync --log-file=...".
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Writes counts WriteFile calls that changed something.
func (f *Fake) Writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}

// Restarts counts successful service restarts, over all services.
func (f *Fake) Restarts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.restarts {
		n += c
	}
	return n
}

// RestartsOf counts successful restarts of service name.
func (f *Fake) RestartsOf(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.restarts[UnitName(name)]
}

// ReloadsOf counts successful reloads of service name.
func (f *Fake) ReloadsOf(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reloads[UnitName(name)]
}

// Runs counts Run calls of the command name (base name of argv[0]), found or not.
func (f *Fake) Runs(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs[name]
}

// Fail makes every later call whose recorded line starts with prefix fail with err (wrapped),
// without effect. Read calls use the lines "read <path>", "installed-version <pkg>",
// "is-active <svc>" and "is-enabled <svc>". A nil err removes the failures for prefix.
func (f *Fake) Fail(prefix string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var kept []failure
	for _, fl := range f.failures {
		if fl.prefix != prefix {
			kept = append(kept, fl)
		}
	}
	if err != nil {
		kept = append(kept, failure{prefix, err})
	}
	f.failures = kept
}

// HandleCommand makes Run answer the command name (base name of argv[0]) with fn, in place of
// the built-in stand-ins (a2ensite, a2dissite, a2enmod, a2dismod, a2query, update-ca-certificates
// and panko-dbsync) or of "command not found".
func (f *Fake) HandleCommand(name string, fn CommandFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[name] = fn
}

// begin records call (when record is set) and returns the injected failure for it, if any.
// f.mu must be held.
func (f *Fake) begin(call string, record bool) error {
	if record {
		f.calls = append(f.calls, call)
	}
	for _, fl := range f.failures {
		if strings.HasPrefix(call, fl.prefix) {
			return fmt.Errorf("%s: %w", call, fl.err)
		}
	}
	return nil
}

// CPUCount returns State.CPUs.
func (f *Fake) CPUCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cpus
}

// Update records an apt-get update.
func (f *Fake) Update(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.begin("update", true)
}

// AddSource records an apt source.
func (f *Fake) AddSource(_ context.Context, source string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("add-source "+source, true); err != nil {
		return err
	}
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
	if err := f.begin("install "+strings.Join(pkgs, " "), true); err != nil {
		return err
	}
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
	if err := f.begin(call, true); err != nil {
		return err
	}
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
	if err := f.begin("purge "+strings.Join(pkgs, " "), true); err != nil {
		return err
	}
	for _, p := range pkgs {
		if _, ok := f.packages[p]; !ok {
			continue
		}
		delete(f.packages, p)
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
	if err := f.begin("installed-version "+pkg, false); err != nil {
		return "", err
	}
	return f.packages[pkg], nil
}

// InstalledVersions returns the installed version of each of pkgs ("" when absent).
func (f *Fake) InstalledVersions(_ context.Context, pkgs []string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("installed-versions "+strings.Join(pkgs, " "), false); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(pkgs))
	for _, p := range pkgs {
		out[p] = f.packages[p]
	}
	return out, nil
}

// clean checks that p is absolute and cleans it.
func clean(p string) (string, error) {
	if !path.IsAbs(p) {
		return "", fmt.Errorf("path %q is not absolute", p)
	}
	return path.Clean(p), nil
}

// isDir reports whether p is a directory: explicit, or the parent of a file or link.
// f.mu must be held.
func (f *Fake) isDir(p string) bool {
	if p == "/" || f.dirs[p] {
		return true
	}
	prefix := p + "/"
	for q := range f.files {
		if strings.HasPrefix(q, prefix) {
			return true
		}
	}
	for q := range f.links {
		if strings.HasPrefix(q, prefix) {
			return true
		}
	}
	return false
}

// WriteFile writes the file unless content, mode and ownership already match; owner and group
// must exist (installing panko creates the panko user, as on Ubuntu).
func (f *Fake) WriteFile(p string, data []byte, mode fs.FileMode, owner, group string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("write "+p, true); err != nil {
		return false, err
	}
	p, err := clean(p)
	if err != nil {
		return false, fmt.Errorf("write file: %w", err)
	}
	switch {
	case owner == "" || group == "":
		return false, fmt.Errorf("write %s: owner and group are required", p)
	case !f.users[owner]:
		return false, fmt.Errorf("write %s: user %q: no such entry in /etc/passwd", p, owner)
	case !f.groups[group]:
		return false, fmt.Errorf("write %s: group %q: no such entry in /etc/group", p, group)
	case f.isDir(p):
		return false, fmt.Errorf("write %s: is a directory", p)
	}
	want := File{Data: append([]byte(nil), data...), Mode: mode & modeBits, Owner: owner, Group: group}
	if cur, ok := f.files[p]; ok && bytes.Equal(cur.Data, want.Data) && cur.Mode == want.Mode &&
		cur.Owner == owner && cur.Group == group {
		return false, nil
	}
	delete(f.links, p)
	f.mkdirs(path.Dir(p))
	f.files[p] = want
	f.writes++
	return true, nil
}

// resolve follows links from p (at most 40, like the kernel). f.mu must be held.
func (f *Fake) resolve(p string) (string, bool) {
	for i := 0; i < 40; i++ {
		t, ok := f.links[p]
		if !ok {
			return p, true
		}
		if path.IsAbs(t) {
			p = path.Clean(t)
		} else {
			p = path.Join(path.Dir(p), t)
		}
	}
	return "", false
}

// ReadFile returns the content of the file at p, following links.
func (f *Fake) ReadFile(p string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("read "+p, false); err != nil {
		return nil, err
	}
	cp, err := clean(p)
	if err != nil {
		return nil, fmt.Errorf("read file: %w", err)
	}
	target, ok := f.resolve(cp)
	if !ok {
		return nil, fmt.Errorf("read %s: too many levels of symbolic links", cp)
	}
	file, ok := f.files[target]
	if !ok {
		if f.isDir(target) {
			return nil, fmt.Errorf("read %s: is a directory", cp)
		}
		return nil, fmt.Errorf("read %s: %w", cp, fs.ErrNotExist)
	}
	return append([]byte(nil), file.Data...), nil
}

// Remove deletes a file, a link or an empty directory.
func (f *Fake) Remove(p string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("remove "+p, true); err != nil {
		return false, err
	}
	p, err := clean(p)
	if err != nil {
		return false, fmt.Errorf("remove: %w", err)
	}
	return f.remove(p)
}

// remove deletes p. f.mu must be held.
func (f *Fake) remove(p string) (bool, error) {
	if _, ok := f.files[p]; ok {
		delete(f.files, p)
		return true, nil
	}
	if _, ok := f.links[p]; ok {
		delete(f.links, p)
		return true, nil
	}
	if f.isDir(p) {
		delete(f.dirs, p)
		if f.isDir(p) {
			f.dirs[p] = true
			return false, fmt.Errorf("remove %s: directory not empty", p)
		}
		return true, nil
	}
	return false, nil
}

// Symlink makes p a link to target (stored as given).
func (f *Fake) Symlink(target, p string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("symlink "+p+" -> "+target, true); err != nil {
		return false, err
	}
	p, err := clean(p)
	if err != nil {
		return false, fmt.Errorf("symlink: %w", err)
	}
	return f.symlink(target, p)
}

// symlink makes p a link to target. f.mu must be held.
func (f *Fake) symlink(target, p string) (bool, error) {
	switch {
	case target == "":
		return false, fmt.Errorf("symlink %s: empty target", p)
	case f.isDir(p):
		return false, fmt.Errorf("symlink %s: is a directory", p)
	}
	if cur, ok := f.links[p]; ok && cur == target {
		return false, nil
	}
	delete(f.files, p)
	f.mkdirs(path.Dir(p))
	f.links[p] = target
	return true, nil
}

// Exists reports whether p is a file, a link or a directory.
func (f *Fake) Exists(p string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := clean(p)
	if err != nil {
		return false
	}
	_, isFile := f.files[p]
	_, isLink := f.links[p]
	return isFile || isLink || f.isDir(p)
}

// Service returns a handle on the fake systemd unit name.
func (f *Fake) Service(name string) host.Service {
	return &fakeService{f: f, name: name}
}

// fakeService drives Systemctl on the fake's units.
type fakeService struct {
	f    *Fake
	name string
}

// Name is the name given to Service.
func (s *fakeService) Name() string { return s.name }

// Start is systemctl start.
func (s *fakeService) Start(context.Context) error { return s.do("start") }

// Stop is systemctl stop.
func (s *fakeService) Stop(context.Context) error { return s.do("stop") }

// Restart is systemctl restart.
func (s *fakeService) Restart(context.Context) error { return s.do("restart") }

// Reload is systemctl reload.
func (s *fakeService) Reload(context.Context) error { return s.do("reload") }

// Enable is systemctl enable.
func (s *fakeService) Enable(context.Context) error { return s.do("enable") }

// Disable is systemctl disable.
func (s *fakeService) Disable(context.Context) error { return s.do("disable") }

// Mask is systemctl mask.
func (s *fakeService) Mask(context.Context) error { return s.do("mask") }

// Unmask is systemctl unmask.
func (s *fakeService) Unmask(context.Context) error { return s.do("unmask") }

// systemctl runs verb on the unit and maps a failure to the error host.Real would return.
func (s *fakeService) systemctl(verb string, record bool) (string, int, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	unit := UnitName(s.name)
	if err := s.f.begin(verb+" "+unit, record); err != nil {
		return "", -1, err
	}
	LoadLocalUnit(s.f.services, unit, s.f.hasFile)
	out, errOut, code := Systemctl(s.f.services, verb, unit)
	if code == 0 {
		switch verb {
		case "restart":
			s.f.restarts[unit]++
		case "reload":
			s.f.reloads[unit]++
		}
	}
	var err error
	if code != 0 {
		err = &host.CommandError{Argv: []string{"systemctl", verb, s.name}, ExitCode: code, Stderr: errOut}
	}
	return strings.TrimSpace(out), code, err
}

// do runs a state-changing verb.
func (s *fakeService) do(verb string) error {
	if _, _, err := s.systemctl(verb, true); err != nil {
		return fmt.Errorf("%s %s: %w", verb, s.name, err)
	}
	return nil
}

// query runs is-active or is-enabled: a state word is an answer, not an error.
func (s *fakeService) query(verb string) (string, bool, error) {
	out, code, err := s.systemctl(verb, false)
	var ce *host.CommandError
	switch {
	case err == nil:
		return out, true, nil
	case errors.As(err, &ce) && out != "":
		return out, false, nil
	case errors.As(err, &ce) && code > 0 && strings.Contains(ce.Stderr, "No such file or directory"):
		return "not-found", false, nil
	}
	return "", false, fmt.Errorf("%s %s: %w", verb, s.name, err)
}

// Active is systemctl is-active.
func (s *fakeService) Active(context.Context) (bool, error) {
	_, ok, err := s.query("is-active")
	return ok, err
}

// Enabled is systemctl is-enabled.
func (s *fakeService) Enabled(context.Context) (bool, error) {
	_, ok, err := s.query("is-enabled")
	return ok, err
}

// Masked is systemctl is-enabled printing "masked".
func (s *fakeService) Masked(context.Context) (bool, error) {
	state, _, err := s.query("is-enabled")
	return state == "masked", err
}

// Run answers argv with a HandleCommand handler or a built-in stand-in; other commands are not
// found. The timeout is not used.
func (f *Fake) Run(_ context.Context, argv []string, _ time.Duration) (host.Result, error) {
	if len(argv) == 0 {
		return host.Result{ExitCode: -1}, errors.New("run: empty command line")
	}
	name := path.Base(argv[0])
	f.mu.Lock()
	f.runs[name]++
	if err := f.begin("run "+strings.Join(argv, " "), true); err != nil {
		f.mu.Unlock()
		return host.Result{ExitCode: -1}, err
	}
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
