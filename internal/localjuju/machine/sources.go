package machine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

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
		if !slices.Contains(cloudArchiveReleases()[series], rel) {
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
