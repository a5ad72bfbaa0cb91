// Package hosttest provides Fake, an in-memory host.Host with the semantics of an Ubuntu machine
// as far as the charm can observe them, and the shared models of systemctl, Debian's a2* tools and
// the packages the charm installs (also used by the local model's machine stand-ins).
//
// Layer doubles (see internal/layers): it imports only the boundary it stands
// in for; only tests and the local model's machines import it, never code
// that ships.
package hosttest

import (
	"io/fs"
	"maps"
	"path"
	"sort"
	"sync"

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

// Fake is an in-memory host.Host. It is safe for concurrent use. Every call that can change the
// machine is recorded as a short line (see Calls); reads (ReadFile, Exists, InstalledVersion,
// Active, Enabled, Masked) are not recorded.
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
	maps.Copy(f.packages, s.Packages)
	f.available = maps.Clone(s.Available)
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
	maps.Copy(s.Links, f.links)
	for d := range f.dirs {
		s.Dirs = append(s.Dirs, d)
	}
	sort.Strings(s.Dirs)
	maps.Copy(s.Packages, f.packages)
	s.Available = maps.Clone(f.available)
	maps.Copy(s.Services, f.services)
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

// HandleCommand makes Run answer the command name (base name of argv[0]) with fn, in place of
// the built-in stand-ins (a2ensite, a2dissite, a2enmod, a2dismod, a2query, update-ca-certificates
// and panko-dbsync) or of "command not found".
func (f *Fake) HandleCommand(name string, fn CommandFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[name] = fn
}

// record records a call that can change the machine. f.mu must be held.
func (f *Fake) record(call string) { f.calls = append(f.calls, call) }

// CPUCount returns State.CPUs.
func (f *Fake) CPUCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cpus
}
