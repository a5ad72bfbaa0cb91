package render

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// Validate reports every problem of d, each naming the field (never its
// value).
func (d Data) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if d.APIReturnLimit < 1 {
		add("APIReturnLimit must be at least 1")
	}
	if e := d.Expirer; e != nil {
		if e.Interval < 1 || e.Delay < 0 {
			add("Expirer.Interval must be positive and Expirer.Delay not negative")
		}
		for _, f := range []string{e.Program, e.LogFile, e.StateFile} {
			if !path.IsAbs(f) || !validWord(f) {
				add("Expirer file %q is not an absolute path", clipValue(f))
			}
		}
	}
	if l := d.Listener; l != nil {
		if !path.IsAbs(l.Python) || !validWord(l.Python) {
			add("Listener.Python is not an absolute path")
		}
		if !strings.HasPrefix(l.TransportURL, "rabbit://") {
			add("Listener.TransportURL is not a rabbit:// URL")
		}
		if len(l.Topics) == 0 {
			add("Listener.Topics is empty")
		}
		for _, w := range append(append([]string{}, l.Topics...), l.Exchange, l.Pool) {
			if !validWord(w) || strings.Contains(w, ",") {
				add("Listener topic, exchange or pool %q is not a single word", clipValue(w))
			}
		}
		for _, f := range []string{l.SSLCAFile, l.LogFile, l.StateFile} {
			if f != "" && !path.IsAbs(f) {
				add("Listener file %q is not an absolute path", clipValue(f))
			}
		}
	}
	if d.DeleteBatchSize < 0 {
		add("DeleteBatchSize must not be negative")
	}
	if db := d.DB; db != nil {
		if _, ok := cleanHost(db.Host); !ok {
			add("DB.Host is not a host name or IP address")
		}
		if !validPort(db.Port) {
			add("DB.Port is not a TCP port")
		}
		if db.User == "" {
			add("DB.User is empty")
		}
		if db.Name == "" {
			add("DB.Name is empty")
		}
		if db.SSLCAFile != "" && !path.IsAbs(db.SSLCAFile) {
			add("DB.SSLCAFile is not an absolute path")
		}
	}
	if ks := d.Keystone; ks != nil {
		for _, f := range []struct{ name, value string }{{"Keystone.AuthURI", ks.AuthURI}, {"Keystone.AuthURL", ks.AuthURL}} {
			if !validHTTPURL(f.value) {
				add("%s is not an http(s) URL", f.name)
			}
		}
		for _, f := range []struct{ name, value string }{
			{"Keystone.ProjectDomain", ks.ProjectDomain}, {"Keystone.UserDomain", ks.UserDomain},
			{"Keystone.Project", ks.Project}, {"Keystone.Username", ks.Username},
			{"Keystone.Password", ks.Password}, {"Keystone.Region", ks.Region},
		} {
			if f.value == "" && f.name != "Keystone.Region" {
				add("%s is empty", f.name)
			}
			if strings.ContainsAny(f.value, "\r\n\x00") {
				add("%s contains a line break or NUL", f.name)
			}
		}
	}

	if len(d.Memcache.Listen) == 0 {
		add("Memcache.Listen is empty")
	}
	for _, a := range d.Memcache.Listen {
		if _, ok := cleanHost(a); !ok {
			add("Memcache.Listen has an entry that is not a host name or IP address")
		}
	}
	if d.Memcache.MemoryMB < 1 {
		add("Memcache.MemoryMB must be at least 1")
	}

	w := d.WSGI
	if w.Addr != "" {
		if _, ok := cleanHost(w.Addr); !ok {
			add("WSGI.Addr is not a host name or IP address")
		}
	}
	if w.Processes < 1 {
		add("WSGI.Processes must be at least 1")
	}
	if w.Threads < 1 {
		add("WSGI.Threads must be at least 1")
	}
	if !validWord(w.User) {
		add("WSGI.User is empty or not a single word")
	}
	if !validWord(w.Group) {
		add("WSGI.Group is empty or not a single word")
	}
	if s := d.WSGIScript(); !path.IsAbs(s) || !validWord(s) {
		add("WSGI.Script is not an absolute path without spaces")
	}

	h := d.HAProxy
	if !validWord(h.StatsPassword) {
		add("HAProxy.StatsPassword is empty or not a single word")
	}
	t := h.Timeouts
	if t.Server < 1 || t.Client < 1 || t.Queue < 1 || t.Connect < 1 {
		add("HAProxy.Timeouts must all be positive")
	}
	if len(h.Backends) == 0 {
		add("HAProxy.Backends is empty")
	}
	if !strings.HasPrefix(h.CheckPath, "/") || !validWord(h.CheckPath) {
		add("HAProxy.CheckPath is not an absolute path without spaces")
	}
	if h.CheckStatus < 100 || h.CheckStatus > 599 {
		add("HAProxy.CheckStatus is not an HTTP status")
	}
	names := map[string]bool{}
	for _, be := range h.Backends {
		if !validWord(be.Name) {
			add("HAProxy.Backends has a name that is empty or not a single word")
		} else if names[be.Name] {
			add("HAProxy.Backends has a duplicate name")
		}
		names[be.Name] = true
		if _, ok := cleanHost(be.Addr); !ok {
			add("HAProxy.Backends has an address that is not a host name or IP address")
		}
		if !validPort(be.Port) {
			add("HAProxy.Backends has a port that is not a TCP port")
		}
	}

	ports := []struct {
		name string
		port int
	}{
		{"WSGI.Port", w.Port},
		{"HAProxy.FrontendPort", h.FrontendPort},
		{"HAProxy.StatsPort", h.StatsPort},
		{"Memcache.Port", d.Memcache.Port},
	}
	if tls := d.TLS; tls != nil {
		ports = append(ports, struct {
			name string
			port int
		}{"TLS.ListenPort", tls.ListenPort})
		if w.Addr != "" && w.Addr != "127.0.0.1" {
			add("WSGI.Addr must be empty or 127.0.0.1 with TLS")
		}
		if len(tls.Endpoints) == 0 {
			add("TLS.Endpoints is empty")
		}
		seen := map[[2]string]bool{}
		for _, ep := range tls.Endpoints {
			host, ok := cleanHost(ep.Addr)
			if !ok {
				add("TLS.Endpoints has an address that is not a host name or IP address")
			}
			key := [2]string{host, ep.ServerName}
			if seen[key] {
				add("TLS.Endpoints has a duplicate address and server name")
			}
			seen[key] = true
			if _, ok := cleanHost(ep.ServerName); ep.ServerName != "" && !ok {
				add("TLS.Endpoints has a server name that is not a host name or IP address")
			}
			for _, f := range []struct{ name, value string }{{"CertFile", ep.CertFile}, {"KeyFile", ep.KeyFile}, {"CAFile", ep.CAFile}} {
				if f.value == "" && f.name == "CAFile" {
					continue
				}
				if !path.IsAbs(f.value) || !validWord(f.value) {
					add("TLS.Endpoints has a %s that is not an absolute path without spaces", f.name)
				}
			}
		}
	}
	used := map[int]string{}
	for _, p := range ports {
		if !validPort(p.port) {
			add("%s is not a TCP port", p.name)
			continue
		}
		if other, ok := used[p.port]; ok {
			add("%s and %s are the same port", other, p.name)
		}
		used[p.port] = p.name
	}
	return errors.Join(errs...)
}

func validPort(p int) bool { return p > 0 && p < 65536 }

func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		!strings.ContainsAny(s, " \t\r\n")
}

// clipValue shortens a value for an error message.
func clipValue(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
