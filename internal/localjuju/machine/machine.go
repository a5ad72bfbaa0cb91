// Package machine provides the local model's stand-ins for the machine commands the charm runs
// on an Ubuntu unit (apt-get, dpkg-query, systemctl, Debian's a2* tools,
// update-ca-certificates, add-apt-repository and panko-dbsync), so that the real charm binary can
// run without Juju and without touching the developer's machine.
//
// Every unit has its own filesystem root. Install links the stand-ins into <root>/usr/bin, all
// pointing at the localjuju executable, whose main calls Main when the base name of argv[0] is
// one of Commands(). Main finds the unit root from argv[0] (<root>/usr/bin/apt-get → <root>);
// it refuses to act on "/" or on a directory that Install did not prepare.
//
// State lives in <root>/var/lib/localjuju/machine.json (installed packages, systemd units,
// restart counts) under a file lock; every call is appended to
// <root>/var/lib/localjuju/commands.log as a JSON line. Enabled Apache sites and modules are the
// symlinks in <root>/etc/apache2/*-enabled, as on Debian.
//
// Layer localjuju (see internal/layers): it imports the local model, the host
// double and only the charm packages internal/layers lists with a reason;
// only the local model's commands, cmd/bench and tests import it, never the
// charm.
package machine

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// stateDir is where the stand-ins keep their state, in the unit's view.
const stateDir = "/var/lib/localjuju"

// Files inside stateDir.
const (
	stateFile   = "machine.json"
	lockFile    = "machine.lock"
	logFile     = "commands.log"
	failAptFile = "fail-apt"
	aptLockFile = "apt-locked"
)

// Commands are the names the stand-ins answer to.
func Commands() []string {
	return []string{"apt-get", "dpkg-query", "systemctl", "a2ensite", "a2dissite", "a2enmod", "a2dismod",
		"a2query", "update-ca-certificates", "panko-dbsync", "add-apt-repository"}
}

// providers name the package that must be installed for a command to exist; the others come
// with the base system.
func providers() map[string][]string {
	apache := []string{"apache2"}
	return map[string][]string{
		"a2ensite": apache, "a2dissite": apache, "a2enmod": apache, "a2dismod": apache, "a2query": apache,
		"panko-dbsync": {"panko-common", "python3-panko", "python-panko"},
	}
}

// State is a unit's machine state.
type State struct {
	// Packages are the installed packages and their versions.
	Packages map[string]string `json:"packages"`
	// Services are the systemd units known to the machine.
	Services map[string]hosttest.ServiceState `json:"services"`
	// Restarts and Reloads count successful systemctl restart/reload calls per unit.
	Restarts map[string]int `json:"restarts"`
	// Reloads counts successful systemctl reload calls per unit.
	Reloads map[string]int `json:"reloads"`
	// Lists is the apt package lists fetched by the last apt-get update ("" before any).
	Lists Lists `json:"lists"`
	// CACerts are the local CA certificates update-ca-certificates installed last time.
	CACerts []string `json:"ca_certs,omitempty"`
	// Sites and Modules are the enabled Apache sites and modules, read from the symlinks in
	// /etc/apache2/sites-enabled and mods-enabled by LoadState (not stored).
	Sites   []string `json:"-"`
	Modules []string `json:"-"`
}

// Lists describes the apt package lists: which OpenStack release the archive offers.
type Lists struct {
	// Release is the OpenStack release of the newest source ("ussuri").
	Release string `json:"release,omitempty"`
	// CloudArchive is true when Release comes from the Ubuntu Cloud Archive.
	CloudArchive bool `json:"cloud_archive,omitempty"`
}

// LoggedCommand is one line of commands.log.
type LoggedCommand struct {
	// Argv is the command line, argv[0] being the command's base name.
	Argv []string `json:"argv"`
	// Time is when the command finished.
	Time time.Time `json:"time"`
	// Exit is the exit code.
	Exit int `json:"exit"`
}

// RootFromArgv0 returns the unit root that argv0 (<root>/usr/bin/<name> and the like) lies in.
func RootFromArgv0(argv0 string) (string, error) {
	if !strings.Contains(argv0, "/") {
		return "", fmt.Errorf("cannot find the unit root from %q: run the command by its full path", argv0)
	}
	abs, err := filepath.Abs(argv0)
	if err != nil {
		return "", fmt.Errorf("cannot find the unit root from %q: %w", argv0, err)
	}
	dir := filepath.Dir(abs)
	root := ""
	for _, d := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", NagiosPluginDir} {
		if strings.HasSuffix(dir, d) {
			root = strings.TrimSuffix(dir, d)
			break
		}
	}
	if root == "" || root == "/" {
		return "", fmt.Errorf("refusing to act on %q: not inside a local model unit root", argv0)
	}
	if fi, err := os.Stat(filepath.Join(root, stateDir)); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("refusing to act on %q: %s has no %s (not prepared by Install)", argv0, root, stateDir)
	}
	return root, nil
}

// Main runs the stand-in named by the base name of argv[0] and returns its exit code.
func Main(argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "machine: empty command line")
		return 2
	}
	name := filepath.Base(argv[0])
	root, err := RootFromArgv0(argv[0])
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	m := &machine{root: root, stdin: stdin, stdout: stdout, stderr: stderr}
	code := m.dispatch(name, argv[1:])
	if err := m.logCommand(append([]string{name}, argv[1:]...), code); err != nil {
		fmt.Fprintf(stderr, "%s: record command: %v\n", name, err)
	}
	return code
}

// machine is one invocation of a stand-in on a unit root.
type machine struct {
	root   string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// path maps a path in the unit's view to this machine.
func (m *machine) path(p string) string {
	return filepath.Join(m.root, filepath.Clean("/"+p))
}

// dispatch runs the stand-in name.
func (m *machine) dispatch(name string, args []string) int {
	if pkgs, ok := providers()[name]; ok {
		st, err := m.snapshot()
		if err != nil {
			fmt.Fprintf(m.stderr, "%s: %v\n", name, err)
			return 1
		}
		if !slices.ContainsFunc(pkgs, func(p string) bool { _, ok := st.Packages[p]; return ok }) {
			fmt.Fprintf(m.stderr, "%s: command not found (package %s is not installed)\n", name, pkgs[0])
			return 127
		}
	}
	switch name {
	case "apt-get":
		return m.locked(func(st *State) int { return m.aptGet(st, args) })
	case "dpkg-query":
		return m.locked(func(st *State) int { return m.dpkgQuery(st, args) })
	case "add-apt-repository":
		return m.locked(func(st *State) int { return m.addAptRepository(st, args) })
	case "systemctl":
		return m.locked(func(st *State) int { return m.systemctl(st, args) })
	case "check_systemd.py":
		return m.locked(func(st *State) int { return m.checkSystemd(st, args) })
	case "a2ensite", "a2dissite", "a2enmod", "a2dismod", "a2query":
		return m.locked(func(*State) int { return m.apacheTool(name, args) })
	case "update-ca-certificates":
		return m.locked(func(st *State) int { return m.updateCACertificates(st, args) })
	case "panko-dbsync":
		return m.pankoDBSync(args)
	}
	fmt.Fprintf(m.stderr, "%s: not a machine command\n", name)
	return 127
}

// lock takes the unit's machine lock; the returned function releases it.
func (m *machine) lock() (func(), error) {
	unlock, err := atomicfile.Lock(m.path(filepath.Join(stateDir, lockFile)))
	if err != nil {
		return nil, fmt.Errorf("machine state: %w", err)
	}
	return unlock, nil
}

// locked runs fn on the state under the lock and saves the state afterwards.
func (m *machine) locked(fn func(st *State) int) int {
	unlock, err := m.lock()
	if err != nil {
		fmt.Fprintln(m.stderr, err)
		return 1
	}
	defer unlock()
	st, err := readState(m.root)
	if err != nil {
		fmt.Fprintln(m.stderr, err)
		return 1
	}
	code := fn(st)
	if err := writeState(m.root, st); err != nil {
		fmt.Fprintln(m.stderr, err)
		return 1
	}
	return code
}

// snapshot reads the state under the lock.
func (m *machine) snapshot() (*State, error) {
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	return readState(m.root)
}
