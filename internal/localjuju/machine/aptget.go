package machine

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

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
		for _, l := range hosttest.Effects(p).RemoveUnlinks {
			if err := os.Remove(m.path(l)); err != nil && !os.IsNotExist(err) {
				fmt.Fprintf(m.stderr, "E: %v\n", err)
				return 100
			}
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
	upgraded := 0
	for _, p := range slices.Sorted(maps.Keys(st.Packages)) {
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
