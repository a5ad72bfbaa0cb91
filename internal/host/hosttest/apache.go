package hosttest

import (
	"fmt"
	"sort"
	"strings"
)

// ApacheFS is the view of /etc/apache2 that Debian's a2en*/a2dis*/a2query tools need. Paths are
// absolute in the unit's view.
type ApacheFS interface {
	// IsFile reports whether path is a regular file or a link that resolves to one.
	IsFile(path string) bool
	// IsLink reports whether path is a symbolic link (dangling or not).
	IsLink(path string) bool
	// Symlink creates the link path with content target.
	Symlink(target, path string) error
	// Remove deletes path.
	Remove(path string) error
	// Names lists the entry names in dir, sorted.
	Names(dir string) []string
}

// apacheKind describes one kind of object the a2 tools manage.
type apacheKind struct {
	name   string // "site", "module", "conf"
	title  string // "Site", "Module", "Conf"
	dir    string // "sites", "mods", "conf"
	suffix string // ".conf" or ".load"
	apply  string // what to run afterwards: "reload" or "restart"
}

// apacheKinds maps the tool-name stem to its kind.
func apacheKinds() map[string]apacheKind {
	return map[string]apacheKind{
		"site": {"site", "Site", "sites", ".conf", "reload"},
		"mod":  {"module", "Module", "mods", ".load", "restart"},
		"conf": {"conf", "Conf", "conf", ".conf", "reload"},
	}
}

// ApacheTool runs one of a2ensite, a2dissite, a2enmod, a2dismod, a2enconf, a2disconf or a2query
// against fsys with Debian's messages and exit codes, returning stdout, stderr and the exit code.
// Links are relative ("../sites-available/x.conf") as Debian makes them. Module dependencies and
// the enabled-by history of a2query are not modelled: a2query reports every enabled object as
// "enabled by site administrator" and anything else as "No <kind> matches <name>" (exit 1).
func ApacheTool(fsys ApacheFS, tool string, args []string) (stdout, stderr string, code int) {
	if tool == "a2query" {
		return apacheQuery(fsys, args)
	}
	var enable bool
	var stem string
	switch {
	case strings.HasPrefix(tool, "a2en"):
		enable, stem = true, strings.TrimPrefix(tool, "a2en")
	case strings.HasPrefix(tool, "a2dis"):
		stem = strings.TrimPrefix(tool, "a2dis")
	}
	kind, ok := apacheKinds()[stem]
	if !ok {
		return "", fmt.Sprintf("%s: unknown tool\n", tool), 1
	}
	var out, errOut strings.Builder
	quiet := false
	var names []string
	for _, a := range args {
		switch {
		case a == "-q" || a == "--quiet":
			quiet = true
		case strings.HasPrefix(a, "-"):
		default:
			names = append(names, strings.TrimSuffix(a, kind.suffix))
		}
	}
	info := func(format string, a ...any) {
		if !quiet {
			fmt.Fprintf(&out, format, a...)
		}
	}
	avail := "/etc/apache2/" + kind.dir + "-available/"
	enabled := "/etc/apache2/" + kind.dir + "-enabled/"
	changed := false
	for _, n := range names {
		tgt, link := avail+n+kind.suffix, enabled+n+kind.suffix
		linked := fsys.IsLink(link) || fsys.IsFile(link)
		if !fsys.IsFile(tgt) && !(linked && !enable) {
			fmt.Fprintf(&errOut, "ERROR: %s %s does not exist!\n", kind.title, n)
			code = 1
			continue
		}
		companion := ""
		if kind.name == "module" && fsys.IsFile(avail+n+".conf") {
			companion = n + ".conf"
		}
		switch {
		case enable && linked:
			info("%s %s already enabled\n", kind.title, n)
		case enable:
			if companion != "" && !fsys.IsLink(enabled+companion) {
				if err := fsys.Symlink("../"+kind.dir+"-available/"+companion, enabled+companion); err != nil {
					fmt.Fprintf(&errOut, "Could not create %s: %v\n", enabled+companion, err)
					code = 1
					continue
				}
			}
			fmt.Fprintf(&out, "Enabling %s %s.\n", kind.name, n)
			if err := fsys.Symlink("../"+kind.dir+"-available/"+n+kind.suffix, link); err != nil {
				fmt.Fprintf(&errOut, "Could not create %s: %v\n", link, err)
				code = 1
				continue
			}
			changed = true
		case linked:
			if err := fsys.Remove(link); err != nil {
				fmt.Fprintf(&errOut, "Could not remove %s: %v\n", link, err)
				code = 1
				continue
			}
			if companion != "" && fsys.IsLink(enabled+companion) {
				_ = fsys.Remove(enabled + companion)
			}
			fmt.Fprintf(&out, "%s %s disabled.\n", kind.title, n)
			changed = true
		default:
			info("%s %s already disabled\n", kind.title, n)
		}
	}
	if changed {
		info("To activate the new configuration, you need to run:\n  systemctl %s apache2\n", kind.apply)
	}
	return out.String(), errOut.String(), code
}

// apacheQuery is a2query -s/-m/-c [name] [-q].
func apacheQuery(fsys ApacheFS, args []string) (string, string, int) {
	var kind apacheKind
	var name string
	quiet, found := false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-q":
			quiet = true
		case len(a) >= 2 && a[0] == '-' && strings.ContainsRune("smc", rune(a[1])):
			kind, found = apacheKinds()[map[byte]string{'s': "site", 'm': "mod", 'c': "conf"}[a[1]]]
			if len(a) > 2 {
				name = a[2:]
			} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				name = args[i]
			}
		default:
			return "", fmt.Sprintf("a2query: unsupported option %s\n", a), 1
		}
	}
	if !found {
		return "", "a2query: one of -s, -m or -c is required\n", 1
	}
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".conf"), ".load")
	enabledDir := "/etc/apache2/" + kind.dir + "-enabled"
	var matches []string
	for _, e := range fsys.Names(enabledDir) {
		if !strings.HasSuffix(e, kind.suffix) {
			continue
		}
		n := strings.TrimSuffix(e, kind.suffix)
		if name == "" || n == name {
			matches = append(matches, n)
		}
	}
	sort.Strings(matches)
	if len(matches) == 0 {
		if quiet {
			return "", "", 1
		}
		return "", fmt.Sprintf("No %s matches %s\n", kind.name, name), 1
	}
	var out strings.Builder
	if !quiet {
		for _, m := range matches {
			fmt.Fprintf(&out, "%s (enabled by site administrator)\n", m)
		}
	}
	return out.String(), "", 0
}
