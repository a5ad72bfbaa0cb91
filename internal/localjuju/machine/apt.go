package machine

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// releases are the OpenStack releases in order.
func releases() []string {
	return []string{"icehouse", "juno", "kilo", "liberty", "mitaka", "newton", "ocata", "pike", "queens",
		"rocky", "stein", "train", "ussuri", "victoria", "wallaby", "xena", "yoga"}
}

// releaseIndex is the position of r in releases(), -1 when unknown.
func releaseIndex(r string) int { return slices.Index(releases(), r) }

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
