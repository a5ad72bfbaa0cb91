package hosttest

import (
	"io/fs"
	"sort"
)

// User is a system user a package creates, with a primary group of the same name.
type User struct {
	// Name is the user and group name.
	Name string
	// Home is the home directory.
	Home string
}

// PackageFile is a file a package ships.
type PackageFile struct {
	// Path is the absolute path.
	Path string
	// Data is the content.
	Data string
	// Mode is the permission bits.
	Mode fs.FileMode
	// Owner and Group name the ownership.
	Owner, Group string
}

// PackageDir is a directory a package ships.
type PackageDir struct {
	// Path is the absolute path.
	Path string
	// Mode is the permission bits.
	Mode fs.FileMode
	// Owner and Group name the ownership.
	Owner, Group string
}

// Link is a symbolic link a package (or its maintainer script) creates.
type Link struct {
	// Path is the absolute path of the link.
	Path string
	// Target is the link's content, relative like Debian's a2en* tools make it.
	Target string
}

// PackageEffect is what installing an Ubuntu package does to a machine, as far as the charm can
// observe it: dependencies pulled in, users and groups created, directories and files shipped,
// links made and services started and enabled by the maintainer scripts.
type PackageEffect struct {
	// Depends are installed along with the package.
	Depends []string
	// Users are created with a group of the same name.
	Users []User
	// Groups are created without a user.
	Groups []string
	// Dirs are created.
	Dirs []PackageDir
	// Files are created when missing (configuration files a package ships are kept).
	Files []PackageFile
	// Links are created when missing.
	Links []Link
	// RemoveUnlinks are removed when the package is removed or purged: the
	// links its maintainer scripts take back (dh_apache2's prerm and postrm
	// disable the module they enabled, whichever package enabled it since).
	RemoveUnlinks []string
	// Services are registered, started and enabled (unless masked).
	Services []string
}

// pankoEffect is shared by every package of panko: they all bring the panko user.
func pankoEffect() PackageEffect {
	return PackageEffect{
		Users: []User{{Name: "panko", Home: "/var/lib/panko"}},
		Dirs: []PackageDir{
			{Path: "/etc/panko", Mode: 0o755, Owner: "root", Group: "root"},
			{Path: "/var/log/panko", Mode: 0o750, Owner: "panko", Group: "panko"},
			{Path: "/var/lib/panko", Mode: 0o750, Owner: "panko", Group: "panko"},
		},
		Files: []PackageFile{
			{Path: "/etc/panko/panko.conf", Data: "[DEFAULT]\n", Mode: 0o640, Owner: "root", Group: "panko"},
		},
	}
}

// apacheEnabledModules are enabled on a fresh Ubuntu apache2.
func apacheEnabledModules() []string {
	return []string{"access_compat", "alias", "authz_core", "authz_host", "deflate", "dir",
		"env", "filter", "mime", "mpm_event", "negotiation", "reqtimeout", "setenvif", "status"}
}

// apacheOtherModules are available but not enabled on a fresh Ubuntu apache2.
func apacheOtherModules() []string {
	return []string{"headers", "mpm_prefork", "mpm_worker", "proxy", "proxy_http", "remoteip",
		"rewrite", "socache_shmcb", "ssl"}
}

// apacheEffect is the apache2 package: its directory layout, modules, default sites and service.
func apacheEffect() PackageEffect {
	e := PackageEffect{Services: []string{"apache2"}}
	for _, d := range []string{"", "/sites-available", "/sites-enabled", "/mods-available", "/mods-enabled",
		"/conf-available", "/conf-enabled", "/ssl"} {
		e.Dirs = append(e.Dirs, PackageDir{Path: "/etc/apache2" + d, Mode: 0o755, Owner: "root", Group: "root"})
	}
	e.Dirs = append(e.Dirs, PackageDir{Path: "/var/log/apache2", Mode: 0o750, Owner: "root", Group: "adm"})
	e.Files = append(e.Files, PackageFile{Path: "/etc/apache2/ports.conf", Data: "Listen 80\n", Mode: 0o644,
		Owner: "root", Group: "root"})
	for _, m := range append(apacheEnabledModules(), apacheOtherModules()...) {
		e.Files = append(e.Files, moduleLoadFile(m))
	}
	for _, m := range apacheEnabledModules() {
		e.Links = append(e.Links, Link{Path: "/etc/apache2/mods-enabled/" + m + ".load", Target: "../mods-available/" + m + ".load"})
	}
	for _, s := range []string{"000-default", "default-ssl"} {
		e.Files = append(e.Files, PackageFile{Path: "/etc/apache2/sites-available/" + s + ".conf",
			Data: "<VirtualHost *:80>\n</VirtualHost>\n", Mode: 0o644, Owner: "root", Group: "root"})
	}
	e.Links = append(e.Links, Link{Path: "/etc/apache2/sites-enabled/000-default.conf", Target: "../sites-available/000-default.conf"})
	return e
}

// moduleLoadFile is mods-available/<m>.load.
func moduleLoadFile(m string) PackageFile {
	return PackageFile{Path: "/etc/apache2/mods-available/" + m + ".load",
		Data: "LoadModule " + m + "_module /usr/lib/apache2/modules/mod_" + m + ".so\n",
		Mode: 0o644, Owner: "root", Group: "root"}
}

// wsgiEffect is libapache2-mod-wsgi(-py3): the module, enabled by its maintainer script and
// disabled by it when the package is removed or purged (apache2_invoke dismod wsgi), even if
// the other flavour enabled it since.
func wsgiEffect() PackageEffect {
	return PackageEffect{
		Depends:       []string{"apache2"},
		Files:         []PackageFile{moduleLoadFile("wsgi")},
		Links:         []Link{{Path: "/etc/apache2/mods-enabled/wsgi.load", Target: "../mods-available/wsgi.load"}},
		RemoveUnlinks: []string{"/etc/apache2/mods-enabled/wsgi.load"},
	}
}

// Effects returns what installing pkg does. Packages the charm does not care about have no
// effect beyond being installed.
func Effects(pkg string) PackageEffect {
	switch pkg {
	case "panko-common", "python-panko", "python3-panko":
		return pankoEffect()
	case "panko-api":
		e := pankoEffect()
		e.Depends = []string{"panko-common"}
		e.Services = []string{"panko-api"}
		return e
	case "apache2":
		return apacheEffect()
	case "libapache2-mod-wsgi", "libapache2-mod-wsgi-py3":
		return wsgiEffect()
	case "haproxy":
		return PackageEffect{
			Users: []User{{Name: "haproxy", Home: "/var/lib/haproxy"}},
			Dirs: []PackageDir{
				{Path: "/etc/haproxy", Mode: 0o755, Owner: "root", Group: "root"},
				{Path: "/var/lib/haproxy", Mode: 0o755, Owner: "root", Group: "root"},
			},
			Files: []PackageFile{{Path: "/etc/haproxy/haproxy.cfg", Data: "global\n\tlog /dev/log local0\n",
				Mode: 0o644, Owner: "root", Group: "root"}},
			Services: []string{"haproxy"},
		}
	case "memcached":
		return PackageEffect{
			Users:    []User{{Name: "memcache", Home: "/nonexistent"}},
			Files:    []PackageFile{{Path: "/etc/memcached.conf", Data: "-m 64\n-p 11211\n-u memcache\n-l 127.0.0.1\n", Mode: 0o644, Owner: "root", Group: "root"}},
			Services: []string{"memcached"},
		}
	case "ca-certificates":
		return PackageEffect{Dirs: []PackageDir{
			{Path: "/usr/local/share/ca-certificates", Mode: 0o755, Owner: "root", Group: "root"},
			{Path: "/etc/ssl/certs", Mode: 0o755, Owner: "root", Group: "root"},
		}}
	}
	return PackageEffect{}
}

// WithDepends returns pkgs followed by their dependencies (transitively), without duplicates,
// dependencies first, in a stable order.
func WithDepends(pkgs []string) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(p string)
	visit = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		deps := append([]string(nil), Effects(p).Depends...)
		sort.Strings(deps)
		for _, d := range deps {
			visit(d)
		}
		out = append(out, p)
	}
	for _, p := range pkgs {
		visit(p)
	}
	return out
}

// BaseUsers are the users of a fresh Ubuntu system (base-passwd) the charm may name.
func BaseUsers() []string {
	return []string{"root", "daemon", "bin", "sys", "www-data", "nobody"}
}

// BaseGroups are the groups of a fresh Ubuntu system the charm may name.
func BaseGroups() []string {
	return []string{"root", "daemon", "bin", "sys", "adm", "www-data", "ssl-cert", "nogroup"}
}
