package machine

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

// releases are the OpenStack releases in order.
func releases() []string {
	return []string{"icehouse", "juno", "kilo", "liberty", "mitaka", "newton", "ocata", "pike", "queens",
		"rocky", "stein", "train", "ussuri", "victoria", "wallaby", "xena", "yoga"}
}

// releaseIndex is the position of r in releases(), -1 when unknown.
func releaseIndex(r string) int {
	for i, x := range releases() {
		if x == r {
			return i
		}
	}
	return -1
}

// pankoMajor is panko's major version per OpenStack release (Panko lived from Ocata to Wallaby).
func pankoMajor() map[string]int {
	return map[string]int{"ocata": 2, "pike": 3, "queens": 4, "rocky": 5, "stein": 6, "train": 7,
		"ussuri": 8, "victoria": 9, "wallaby": 10}
}

// cloudArchiveReleases are the Ubuntu Cloud Archive pockets per series.
func cloudArchiveReleases() map[string][]string {
	return map[string][]string{
		"xenial": {"newton", "ocata", "pike", "queens"},
		"bionic": {"rocky", "stein", "train", "ussuri"},
		"focal":  {"victoria", "wallaby", "xena", "yoga"},
		"jammy":  {"zed", "antelope"},
	}
}

// otherVersions are plausible versions of the other packages the charm installs.
func otherVersions() map[string]string {
	return map[string]string{
		"apache2":                    "2.4.41-4ubuntu3.14",
		"haproxy":                    "2.0.31-0ubuntu0.2",
		"memcached":                  "1.5.22-2ubuntu0.3",
		"libapache2-mod-wsgi":        "4.5.17-1ubuntu1",
		"libapache2-mod-wsgi-py3":    "4.6.8-1ubuntu3.1",
		"python3-pymysql":            "0.9.3-2ubuntu3",
		"python-pymysql":             "0.8.0-1",
		"python3-keystonemiddleware": "9.0.0-0ubuntu1",
		"python-keystonemiddleware":  "4.21.0-0ubuntu1",
		"python3-memcache":           "1.59-4",
		"python-memcache":            "1.57-2",
		"python-apt":                 "1.6.5ubuntu0.7",
		"python3-apt":                "2.0.1ubuntu0.20.04.1",
		"ubuntu-cloud-keyring":       "2021.03.26",
	}
}

// defaultVersion is the version of any other package.
const defaultVersion = "1.0.0-1ubuntu1"

// series reads VERSION_CODENAME from the unit's /etc/os-release.
func (m *machine) series() (string, error) {
	f, err := os.Open(m.path("/etc/os-release"))
	if err != nil {
		return "", fmt.Errorf("read os-release: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VERSION_CODENAME="); ok {
			return strings.Trim(v, `"`), nil
		}
	}
	return "", errors.New("read os-release: no VERSION_CODENAME")
}

// sourceLines returns the active deb lines of sources.list and sources.list.d/*.list.
func (m *machine) sourceLines() ([]string, error) {
	files := []string{m.path("/etc/apt/sources.list")}
	more, err := filepath.Glob(m.path("/etc/apt/sources.list.d/*.list"))
	if err != nil {
		return nil, err
	}
	sort.Strings(more)
	files = append(files, more...)
	var lines []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "deb ") {
				lines = append(lines, l)
			}
		}
	}
	return lines, nil
}

// fetchLists is what apt-get update learns from the sources: the newest OpenStack release of a
// cloud archive line ("deb http://ubuntu-cloud.archive.canonical.com/ubuntu bionic-updates/rocky
// main"), else the series' own.
func (m *machine) fetchLists() (Lists, error) {
	series, err := m.series()
	if err != nil {
		return Lists{}, err
	}
	info, ok := allSeries()[series]
	if !ok {
		return Lists{}, fmt.Errorf("unknown series %q", series)
	}
	lists := Lists{Release: info.release}
	lines, err := m.sourceLines()
	if err != nil {
		return Lists{}, err
	}
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) < 3 || !strings.Contains(fields[1], "ubuntu-cloud.archive.canonical.com") {
			continue
		}
		_, rel, ok := strings.Cut(fields[2], "/")
		if ok && releaseIndex(rel) > releaseIndex(lists.Release) {
			lists = Lists{Release: rel, CloudArchive: true}
		}
	}
	return lists, nil
}

// candidate is the version apt would install for pkg with the current lists, or false when the
// archive has no such package.
func (m *machine) candidate(st *State, pkg string) (string, bool) {
	series, _ := m.series()
	rel := st.Lists.Release
	focalOrLater := series == "focal" || series == "jammy"
	switch pkg {
	case "panko-api", "panko-common", "python-panko", "python3-panko", "panko-doc":
		n, ok := pankoMajor()[rel]
		if !ok {
			return "", false
		}
		if pkg == "python-panko" && (releaseIndex(rel) > releaseIndex("rocky") || focalOrLater) {
			return "", false
		}
		if pkg == "python3-panko" && releaseIndex(rel) < releaseIndex("rocky") {
			return "", false
		}
		v := fmt.Sprintf("1:%d.0.0-0ubuntu1", n)
		if st.Lists.CloudArchive {
			v += "~cloud0"
		}
		return v, true
	}
	if focalOrLater && (strings.HasPrefix(pkg, "python-") || pkg == "libapache2-mod-wsgi") {
		return "", false
	}
	if v, ok := otherVersions()[pkg]; ok {
		return v, true
	}
	return defaultVersion, true
}

// aptFailure reports the failure markers: a simulated dpkg error or a held lock.
func (m *machine) aptFailure() (string, bool) {
	if _, err := os.Stat(m.path(filepath.Join(stateDir, failAptFile))); err == nil {
		return "E: Sub-process /usr/bin/dpkg returned an error code (1)\n", true
	}
	p := m.path(filepath.Join(stateDir, aptLockFile))
	data, err := os.ReadFile(p)
	if err != nil {
		return "", false
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if n <= 1 {
		_ = os.Remove(p)
	} else {
		_ = os.WriteFile(p, []byte(fmt.Sprintln(n-1)), 0o644)
	}
	if n <= 0 {
		return "", false
	}
	return "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)\n" +
		"E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n", true
}

// aptGet is apt-get update|install|purge|remove|dist-upgrade|upgrade.
func (m *machine) aptGet(st *State, args []string) int {
	var op string
	var pkgs []string
	yes := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" || a == "--option" || a == "-t" || a == "--target-release":
			i++
		case a == "-y" || a == "--yes" || a == "--assume-yes" || strings.HasPrefix(a, "-y"):
			yes = true
		case strings.HasPrefix(a, "-"):
		case op == "":
			op = a
		default:
			name, _, _ := strings.Cut(a, "=")
			name, _, _ = strings.Cut(name, "/")
			pkgs = append(pkgs, name)
		}
	}
	if op != "" {
		if msg, failed := m.aptFailure(); failed {
			fmt.Fprint(m.stderr, msg)
			return 100
		}
	}
	switch op {
	case "update":
		lists, err := m.fetchLists()
		if err != nil {
			fmt.Fprintf(m.stderr, "E: %v\n", err)
			return 100
		}
		st.Lists = lists
		fmt.Fprint(m.stdout, "Reading package lists... Done\n")
		return 0
	case "install", "purge", "remove", "dist-upgrade", "upgrade":
	case "":
		fmt.Fprint(m.stderr, "E: No operation given\n")
		return 100
	default:
		fmt.Fprintf(m.stderr, "E: Invalid operation %s\n", op)
		return 100
	}
	fmt.Fprint(m.stdout, "Reading package lists...\nBuilding dependency tree...\n")
	if !yes {
		fmt.Fprint(m.stdout, "Do you want to continue? [Y/n] Abort.\n")
		return 1
	}
	switch op {
	case "install":
		return m.aptInstall(st, pkgs)
	case "purge", "remove":
		return m.aptPurge(st, pkgs, op == "purge")
	default:
		return m.aptUpgrade(st)
	}
}

// aptInstall installs pkgs and their dependencies at the candidate versions.
func (m *machine) aptInstall(st *State, pkgs []string) int {
	if len(pkgs) == 0 {
		fmt.Fprint(m.stdout, "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n")
		return 0
	}
	all := hosttest.WithDepends(pkgs)
	for _, p := range append(append([]string(nil), pkgs...), all...) {
		if _, ok := m.candidate(st, p); !ok {
			fmt.Fprintf(m.stderr, "E: Unable to locate package %s\n", p)
			return 100
		}
	}
	installed, upgraded := 0, 0
	for _, p := range all {
		v, _ := m.candidate(st, p)
		cur, had := st.Packages[p]
		switch {
		case had && cur == v:
			fmt.Fprintf(m.stdout, "%s is already the newest version (%s).\n", p, v)
			continue
		case had:
			upgraded++
		default:
			installed++
		}
		st.Packages[p] = v
		fmt.Fprintf(m.stdout, "Setting up %s (%s) ...\n", p, v)
		if !had {
			if err := m.applyEffects(st, p); err != nil {
				fmt.Fprintf(m.stderr, "dpkg: error processing package %s (--configure): %v\n"+
					"E: Sub-process /usr/bin/dpkg returned an error code (1)\n", p, err)
				return 100
			}
		}
	}
	fmt.Fprintf(m.stdout, "%d upgraded, %d newly installed, 0 to remove and 0 not upgraded.\n", upgraded, installed)
	return 0
}

// aptPurge removes pkgs; their services go away unless masked.
func (m *machine) aptPurge(st *State, pkgs []string, purge bool) int {
	for _, p := range pkgs {
		if _, had := st.Packages[p]; !had {
			if _, ok := m.candidate(st, p); !ok {
				fmt.Fprintf(m.stderr, "E: Unable to locate package %s\n", p)
				return 100
			}
		}
	}
	removed := 0
	for _, p := range pkgs {
		v, had := st.Packages[p]
		if !had {
			fmt.Fprintf(m.stdout, "Package '%s' is not installed, so not removed\n", p)
			continue
		}
		removed++
		delete(st.Packages, p)
		fmt.Fprintf(m.stdout, "Removing %s (%s) ...\n", p, v)
		if purge {
			fmt.Fprintf(m.stdout, "Purging configuration files for %s (%s) ...\n", p, v)
		}
		for _, s := range hosttest.Effects(p).Services {
			if cur := st.Services[s]; cur.Masked {
				st.Services[s] = hosttest.ServiceState{Masked: true}
			} else {
				delete(st.Services, s)
			}
		}
	}
	fmt.Fprintf(m.stdout, "0 upgraded, 0 newly installed, %d to remove and 0 not upgraded.\n", removed)
	return 0
}

// aptUpgrade moves installed packages to their candidate versions.
func (m *machine) aptUpgrade(st *State) int {
	names := make([]string, 0, len(st.Packages))
	for p := range st.Packages {
		names = append(names, p)
	}
	sort.Strings(names)
	upgraded := 0
	for _, p := range names {
		v, ok := m.candidate(st, p)
		if !ok || v == st.Packages[p] {
			continue
		}
		fmt.Fprintf(m.stdout, "Unpacking %s (%s) over (%s) ...\nSetting up %s (%s) ...\n", p, v, st.Packages[p], p, v)
		st.Packages[p] = v
		upgraded++
	}
	fmt.Fprintf(m.stdout, "%d upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n", upgraded)
	return 0
}

// dpkgQuery is dpkg-query -W [-f=FORMAT] pkg….
func (m *machine) dpkgQuery(st *State, args []string) int {
	show := false
	format := "${Package}\t${Version}\n"
	var pkgs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-W" || a == "--show":
			show = true
		case a == "-f" || a == "--showformat":
			if i+1 < len(args) {
				i++
				format = args[i]
			}
		case strings.HasPrefix(a, "--showformat="):
			format = strings.TrimPrefix(a, "--showformat=")
		case strings.HasPrefix(a, "-f"):
			format = strings.TrimPrefix(strings.TrimPrefix(a, "-f"), "=")
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(m.stderr, "dpkg-query: error: unknown option %s\n", a)
			return 2
		default:
			pkgs = append(pkgs, a)
		}
	}
	if !show {
		fmt.Fprint(m.stderr, "dpkg-query: error: need an action option\n")
		return 2
	}
	code := 0
	for _, p := range pkgs {
		v, ok := st.Packages[p]
		if !ok {
			fmt.Fprintf(m.stderr, "dpkg-query: no packages found matching %s\n", p)
			code = 1
			continue
		}
		out := strings.NewReplacer("${Package}", p, "${Version}", v, "${Status}", "install ok installed",
			"${db:Status-Abbrev}", "ii ", `\n`, "\n", `\t`, "\t").Replace(format)
		fmt.Fprint(m.stdout, out)
	}
	return code
}

// addAptRepository is add-apt-repository [--yes] [--remove] [-n] SOURCE, which then updates the
// package lists unless -n is given.
func (m *machine) addAptRepository(st *State, args []string) int {
	remove, update := false, true
	var source string
	for _, a := range args {
		switch a {
		case "-y", "--yes":
		case "-r", "--remove":
			remove = true
		case "-n", "--no-update":
			update = false
		case "-u", "--update":
			update = true
		default:
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(m.stderr, "add-apt-repository: error: unrecognized arguments: %s\n", a)
				return 2
			}
			source = a
		}
	}
	series, err := m.series()
	if err != nil {
		fmt.Fprintf(m.stderr, "add-apt-repository: %v\n", err)
		return 1
	}
	var file, line string
	switch {
	case strings.HasPrefix(source, "cloud-archive:"):
		rel := strings.TrimPrefix(source, "cloud-archive:")
		pocket := "updates"
		if r, ok := strings.CutSuffix(rel, "-proposed"); ok {
			rel, pocket = r, "proposed"
		}
		valid := false
		for _, r := range cloudArchiveReleases()[series] {
			valid = valid || r == rel
		}
		if !valid {
			fmt.Fprintf(m.stderr, "ERROR: '%s' is not a supported cloud archive release for %s\n", rel, series)
			return 1
		}
		file = "/etc/apt/sources.list.d/cloud-archive.list"
		line = fmt.Sprintf("deb http://ubuntu-cloud.archive.canonical.com/ubuntu %s-%s/%s main", series, pocket, rel)
	case strings.HasPrefix(source, "ppa:"):
		owner, name, ok := strings.Cut(strings.TrimPrefix(source, "ppa:"), "/")
		if !ok {
			name = "ppa"
		}
		file = fmt.Sprintf("/etc/apt/sources.list.d/%s-ubuntu-%s-%s.list", owner, name, series)
		line = fmt.Sprintf("deb http://ppa.launchpad.net/%s/%s/ubuntu %s main", owner, name, series)
	case strings.HasPrefix(source, "deb "):
		file, line = "/etc/apt/sources.list", source
	default:
		fmt.Fprintf(m.stderr, "add-apt-repository: error: cannot add source %q\n", source)
		return 1
	}
	if err := m.editSource(file, line, remove); err != nil {
		fmt.Fprintf(m.stderr, "add-apt-repository: %v\n", err)
		return 1
	}
	if update {
		lists, err := m.fetchLists()
		if err != nil {
			fmt.Fprintf(m.stderr, "E: %v\n", err)
			return 1
		}
		st.Lists = lists
	}
	return 0
}

// editSource adds line to file (unless present) or removes it.
func (m *machine) editSource(file, line string, remove bool) error {
	full := m.path(file)
	data, err := os.ReadFile(full)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var kept []string
	present := false
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if strings.TrimSpace(l) == line {
			present = true
			if remove {
				continue
			}
		}
		if l != "" || len(kept) > 0 {
			kept = append(kept, l)
		}
	}
	if !remove && !present {
		kept = append(kept, line)
	}
	if len(kept) == 0 && strings.HasPrefix(file, "/etc/apt/sources.list.d/") {
		if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return os.WriteFile(full, []byte(strings.Join(kept, "\n")+"\n"), 0o644)
}
