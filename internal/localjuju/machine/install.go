package machine

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

// seriesInfo describes an Ubuntu series the local model can emulate.
type seriesInfo struct {
	version string // "20.04"
	name    string // "Focal Fossa"
	release string // the OpenStack release in the distro archive
}

// allSeries are the Ubuntu series the stand-ins know.
func allSeries() map[string]seriesInfo {
	return map[string]seriesInfo{
		"xenial": {"16.04", "Xenial Xerus", "mitaka"},
		"bionic": {"18.04", "Bionic Beaver", "queens"},
		"focal":  {"20.04", "Focal Fossa", "ussuri"},
		"jammy":  {"22.04", "Jammy Jellyfish", "yoga"},
	}
}

// basePackages are installed on a fresh unit.
func basePackages() map[string]string {
	return map[string]string{
		"apt":                        "2.0.9",
		"ca-certificates":            "20230311ubuntu0.20.04.1",
		"software-properties-common": "0.99.9.12",
		"systemd":                    "245.4-4ubuntu3.22",
	}
}

// Install prepares root as an Ubuntu unit of series: the stand-in commands in <root>/usr/bin as
// symlinks to binary, /etc/os-release, base /etc/passwd and /etc/group (root, daemon, www-data,
// nobody, …) and an empty machine state. Running it again refreshes the links and os-release
// and keeps everything else. When the process is not root, every account gets the process's own
// uid and gid, so that files can be given any owner without privileges.
func Install(root, binary, series string) error {
	info, ok := allSeries()[series]
	if !ok {
		return fmt.Errorf("install machine: unknown series %q", series)
	}
	if !filepath.IsAbs(root) || filepath.Clean(root) == "/" {
		return fmt.Errorf("install machine: root %q must be an absolute directory other than /", root)
	}
	if !filepath.IsAbs(binary) {
		return fmt.Errorf("install machine: binary %q must be an absolute path", binary)
	}
	for _, d := range []string{"etc/apt/sources.list.d", "etc/systemd/system", "etc/ssl/certs", "usr/bin", "usr/sbin",
		"usr/local/bin", "usr/local/sbin", "usr/local/share/ca-certificates", "var/lib/localjuju", "var/log", "tmp",
		"run", "root"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return fmt.Errorf("install machine: %w", err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return fmt.Errorf("install machine: %w", err)
	}
	for _, c := range Commands() {
		link := filepath.Join(root, "usr/bin", c)
		if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("install machine: %w", err)
		}
		if err := os.Symlink(binary, link); err != nil {
			return fmt.Errorf("install machine: %w", err)
		}
	}
	osRelease := fmt.Sprintf("NAME=\"Ubuntu\"\nVERSION=\"%[1]s LTS (%[2]s)\"\nID=ubuntu\nID_LIKE=debian\n"+
		"PRETTY_NAME=\"Ubuntu %[1]s LTS\"\nVERSION_ID=\"%[1]s\"\nVERSION_CODENAME=%[3]s\nUBUNTU_CODENAME=%[3]s\n",
		info.version, info.name, series)
	files := []struct {
		path, data string
		keep       bool
	}{
		{"etc/os-release", osRelease, false},
		{"etc/apt/sources.list", fmt.Sprintf("deb http://archive.ubuntu.com/ubuntu %[1]s main restricted universe\n"+
			"deb http://archive.ubuntu.com/ubuntu %[1]s-updates main restricted universe\n"+
			"deb http://security.ubuntu.com/ubuntu %[1]s-security main restricted universe\n", series), true},
		{"etc/passwd", basePasswd(), true},
		{"etc/group", baseGroup(), true},
	}
	for _, f := range files {
		p := filepath.Join(root, f.path)
		if _, err := os.Stat(p); err == nil && f.keep {
			continue
		}
		if err := os.WriteFile(p, []byte(f.data), 0o644); err != nil {
			return fmt.Errorf("install machine: %w", err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, stateDir, stateFile)); errors.Is(err, fs.ErrNotExist) {
		st := newState()
		st.Packages = basePackages()
		st.Lists = Lists{Release: info.release}
		if err := writeState(root, st); err != nil {
			return fmt.Errorf("install machine: %w", err)
		}
	}
	return nil
}

// ids returns the uid and gid to record for an account with the given ids: the process's own
// when it cannot chown.
func ids(uid, gid int) (int, int) {
	if os.Geteuid() != 0 {
		return os.Geteuid(), os.Getegid()
	}
	return uid, gid
}

// basePasswd is a fresh Ubuntu /etc/passwd (the accounts the charm may name).
func basePasswd() string {
	var b strings.Builder
	for _, u := range []struct {
		name     string
		uid, gid int
		home     string
		shell    string
	}{
		{"root", 0, 0, "/root", "/bin/bash"},
		{"daemon", 1, 1, "/usr/sbin", "/usr/sbin/nologin"},
		{"bin", 2, 2, "/bin", "/usr/sbin/nologin"},
		{"sys", 3, 3, "/dev", "/usr/sbin/nologin"},
		{"www-data", 33, 33, "/var/www", "/usr/sbin/nologin"},
		{"nobody", 65534, 65534, "/nonexistent", "/usr/sbin/nologin"},
	} {
		uid, gid := ids(u.uid, u.gid)
		fmt.Fprintf(&b, "%s:x:%d:%d:%s:%s:%s\n", u.name, uid, gid, u.name, u.home, u.shell)
	}
	return b.String()
}

// baseGroup is a fresh Ubuntu /etc/group.
func baseGroup() string {
	var b strings.Builder
	for _, g := range []struct {
		name string
		gid  int
	}{{"root", 0}, {"daemon", 1}, {"bin", 2}, {"sys", 3}, {"adm", 4}, {"www-data", 33}, {"ssl-cert", 110},
		{"nogroup", 65534}} {
		_, gid := ids(0, g.gid)
		fmt.Fprintf(&b, "%s:x:%d:\n", g.name, gid)
	}
	return b.String()
}

// accountIDs reads name → id from a passwd- or group-format file.
func accountIDs(file string) (map[string]int, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 {
			continue
		}
		if id, err := strconv.Atoi(fields[2]); err == nil {
			out[fields[0]] = id
		}
	}
	return out, sc.Err()
}

// freeSystemID is the lowest id in Debian's system range [100, 999] not in use.
func freeSystemID(used map[string]int) (int, error) {
	taken := map[int]bool{}
	for _, id := range used {
		taken[id] = true
	}
	for id := 100; id < 1000; id++ {
		if !taken[id] {
			return id, nil
		}
	}
	return 0, errors.New("no free system id")
}

// appendLine appends line to file.
func appendLine(file, line string) error {
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// addGroup creates a system group (adduser --system --group) unless it exists.
func (m *machine) addGroup(name string) (int, error) {
	groups, err := accountIDs(m.path("/etc/group"))
	if err != nil {
		return 0, fmt.Errorf("add group %s: %w", name, err)
	}
	if gid, ok := groups[name]; ok {
		return gid, nil
	}
	gid, err := freeSystemID(groups)
	if err != nil {
		return 0, fmt.Errorf("add group %s: %w", name, err)
	}
	_, gid = ids(0, gid)
	if err := appendLine(m.path("/etc/group"), fmt.Sprintf("%s:x:%d:", name, gid)); err != nil {
		return 0, fmt.Errorf("add group %s: %w", name, err)
	}
	return gid, nil
}

// addUser creates a system user with a group of the same name unless it exists.
func (m *machine) addUser(u hosttest.User) error {
	gid, err := m.addGroup(u.Name)
	if err != nil {
		return err
	}
	users, err := accountIDs(m.path("/etc/passwd"))
	if err != nil {
		return fmt.Errorf("add user %s: %w", u.Name, err)
	}
	if _, ok := users[u.Name]; ok {
		return nil
	}
	uid, err := freeSystemID(users)
	if err != nil {
		return fmt.Errorf("add user %s: %w", u.Name, err)
	}
	uid, _ = ids(uid, 0)
	line := fmt.Sprintf("%s:x:%d:%d::%s:/usr/sbin/nologin", u.Name, uid, gid, u.Home)
	if err := appendLine(m.path("/etc/passwd"), line); err != nil {
		return fmt.Errorf("add user %s: %w", u.Name, err)
	}
	return nil
}

// owner resolves owner:group in the unit's accounts.
func (m *machine) owner(owner, group string) (int, int, error) {
	users, err := accountIDs(m.path("/etc/passwd"))
	if err != nil {
		return 0, 0, err
	}
	groups, err := accountIDs(m.path("/etc/group"))
	if err != nil {
		return 0, 0, err
	}
	uid, ok := users[owner]
	if !ok {
		return 0, 0, fmt.Errorf("unknown user %s", owner)
	}
	gid, ok := groups[group]
	if !ok {
		return 0, 0, fmt.Errorf("unknown group %s", group)
	}
	return uid, gid, nil
}

// chown sets ownership of p (unit view) to owner:group when it differs.
func (m *machine) chown(p, owner, group string, mode fs.FileMode) error {
	uid, gid, err := m.owner(owner, group)
	if err != nil {
		return err
	}
	full := m.path(p)
	if err := os.Lchown(full, uid, gid); err != nil {
		return err
	}
	return os.Chmod(full, mode)
}

// applyEffects does on disk what installing pkg does (see hosttest.Effects) and registers its
// services in st.
func (m *machine) applyEffects(st *State, pkg string) error {
	e := hosttest.Effects(pkg)
	for _, g := range e.Groups {
		if _, err := m.addGroup(g); err != nil {
			return err
		}
	}
	for _, u := range e.Users {
		if err := m.addUser(u); err != nil {
			return err
		}
	}
	for _, d := range e.Dirs {
		if err := os.MkdirAll(m.path(d.Path), 0o755); err != nil {
			return err
		}
		if err := m.chown(d.Path, d.Owner, d.Group, d.Mode); err != nil {
			return fmt.Errorf("set up %s: %w", d.Path, err)
		}
	}
	for _, f := range e.Files {
		full := m.path(f.Path)
		if _, err := os.Lstat(full); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(f.Data), 0o600); err != nil {
			return err
		}
		if err := m.chown(f.Path, f.Owner, f.Group, f.Mode); err != nil {
			return fmt.Errorf("set up %s: %w", f.Path, err)
		}
	}
	for _, l := range e.Links {
		full := m.path(l.Path)
		if _, err := os.Lstat(full); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(l.Target, full); err != nil {
			return err
		}
	}
	for _, s := range e.Services {
		if cur, known := st.Services[s]; known && cur.Masked {
			continue
		}
		st.Services[s] = hosttest.ServiceState{Active: true, Enabled: true}
	}
	return nil
}
