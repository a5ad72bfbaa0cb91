package charm

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/render"
)

// File is one file the plan wants on disk, and the services that must
// restart when it changes.
type File struct {
	Path         string
	Data         []byte
	Mode         fs.FileMode
	Owner, Group string
	Restarts     []string
	// Reloads are services reloaded (gracefully) when the file changes.
	Reloads []string
	// OnChange is a command run when the file changes.
	OnChange []string
	// Secret marks files holding credentials (never logged).
	Secret bool
}

// Removal is a file to delete and what follows when it was there: services
// restarted, and a command run once however many removals name it.
type Removal struct {
	Path     string
	Restarts []string
	OnChange []string
}

// servedRemovals are files Apache serves or trusts: removing one restarts
// it (and a removed CA certificate is taken out of the system store).
func servedRemovals(paths ...string) []Removal {
	out := make([]Removal, 0, len(paths))
	for _, path := range paths {
		r := Removal{Path: path, Restarts: []string{"apache2"}}
		if path == CACertFile {
			r.OnChange = []string{"update-ca-certificates", "--fresh"}
		}
		out = append(out, r)
	}
	return out
}

// retiredFiles are files of retired services and checks: a systemd unit
// file's removal reloads systemd.
func retiredFiles(paths ...string) []Removal {
	out := make([]Removal, 0, len(paths))
	for _, path := range paths {
		r := Removal{Path: path}
		if strings.HasPrefix(path, "/etc/systemd/system/") {
			r.OnChange = []string{"systemctl", "daemon-reload"}
		}
		out = append(out, r)
	}
	return out
}

// renderData fills the template data that does not depend on relations.
func renderData(in Inputs, release string) render.Data {
	c := in.Config
	t := c.HAProxyTimeouts()
	check := openstack.HealthCheckFor(release)
	return render.Data{
		Py3:             openstack.UsesPython3(release),
		Debug:           c.Debug,
		UseSyslog:       c.UseSyslog,
		APIReturnLimit:  c.APIReturnLimit,
		EventTTL:        c.EventTimeToLive,
		DeleteBatchSize: c.EventsDeleteBatchSize,
		Memcache:        render.Memcache{Listen: []string{"127.0.0.1"}, Port: 11211, MemoryMB: 64},
		WSGI: render.WSGI{
			Port:      openstack.WSGIListenPort(false),
			Processes: c.WorkerProcesses(in.CPUs),
			Threads:   10,
			Script:    openstack.WSGIScript(release),
			User:      "panko",
			Group:     "panko",
		},
		HAProxy: render.HAProxy{
			FrontendPort:  openstack.APIPort,
			Timeouts:      render.Timeouts{Server: t.Server, Client: t.Client, Queue: t.Queue, Connect: t.Connect},
			StatsPort:     8888,
			StatsPassword: in.StatsPassword,
			CheckPath:     check.Path,
			CheckStatus:   check.Status,
		},
	}
}

// renderFiles renders every managed file.
func renderFiles(data render.Data) ([]File, error) {
	// haproxy reloads gracefully (its unit's ExecReload checks the file,
	// then hands the listeners to new workers): a peer joining or a
	// timeout changing cuts no connection.
	specs := []struct {
		tmpl, path        string
		mode              fs.FileMode
		owner, group      string
		restarts, reloads []string
		secret            bool
	}{
		{render.PankoConf, PankoConf, 0o640, "root", "panko", []string{"apache2"}, nil, true},
		{render.APISite, APISiteFile, 0o644, "root", "root", []string{"apache2"}, nil, false},
		{render.HAProxyCfg, HAProxyCfg, 0o640, "root", "haproxy", nil, []string{haproxyService}, true},
		{render.MemcachedConf, MemcachedConf, 0o644, "root", "root", []string{"memcached"}, nil, false},
	}
	files := make([]File, 0, len(specs))
	for _, s := range specs {
		out, err := data.Render(s.tmpl)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", s.path, err)
		}
		files = append(files, File{Path: s.path, Data: out, Mode: s.mode, Owner: s.owner, Group: s.group, Restarts: s.restarts, Reloads: s.reloads, Secret: s.secret})
	}
	return files, nil
}
