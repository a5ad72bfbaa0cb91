// Package render turns the charm's typed view of a unit (Data) into the bytes
// of its configuration files, using the text/template files embedded from
// the repository's templates/ directory.
//
// Templates are looked up per OpenStack release: templates/<release>/<name>.tmpl
// for the newest release directory that is not newer than the deployed
// release, else templates/<name>.tmpl. The package does no I/O besides
// reading its template file system.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"text/template"

	"github.com/openstack-charmers/charm-panko/templates"
)

// Names of the templates, each equal to the base name of the file it renders.
const (
	// PankoConf renders /etc/panko/panko.conf.
	PankoConf = "panko.conf"
	// APISite renders the Apache mod_wsgi site
	// /etc/apache2/sites-available/panko-api.conf.
	APISite = "panko-api.conf"
	// HAProxyCfg renders /etc/haproxy/haproxy.cfg.
	HAProxyCfg = "haproxy.cfg"
	// MemcachedConf renders /etc/memcached.conf.
	MemcachedConf = "memcached.conf"
	// HTTPSFrontend renders the Apache TLS frontend site
	// /etc/apache2/sites-available/openstack_https_frontend.conf; it needs
	// Data.TLS.
	HTTPSFrontend = "openstack_https_frontend.conf"
	// ListenerScript renders the event listener program
	// /usr/lib/charm-panko/panko-event-listener; it needs Data.Listener.
	ListenerScript = "panko-event-listener"
	// ListenerConf renders /etc/panko/event-listener.conf; it needs
	// Data.Listener.
	ListenerConf = "event-listener.conf"
	// ListenerUnit renders the systemd unit
	// /etc/systemd/system/panko-event-listener.service; it needs
	// Data.Listener.
	ListenerUnit = "panko-event-listener.service"
	// ExpirerProgram renders /usr/lib/charm-panko/panko-expirer-run; it
	// needs Data.Expirer, as ExpirerService and ExpirerTimer do.
	ExpirerProgram = "panko-expirer-run"
	// ExpirerService renders /etc/systemd/system/panko-expirer.service.
	ExpirerService = "panko-expirer.service"
	// ExpirerTimer renders /etc/systemd/system/panko-expirer.timer.
	ExpirerTimer = "panko-expirer.timer"
)

// templateExt is the suffix of every template file.
const templateExt = ".tmpl"

// Names returns the name of every template the charm renders, in a fixed
// order.
func Names() []string {
	return []string{PankoConf, APISite, HAProxyCfg, MemcachedConf, HTTPSFrontend, ListenerScript, ListenerConf, ListenerUnit, ExpirerProgram, ExpirerService, ExpirerTimer}
}

// Releases returns the OpenStack releases Panko exists for, oldest first.
// It is the default order for the release-directory fallback.
func Releases() []string {
	return []string{"ocata", "pike", "queens", "rocky", "stein", "train", "ussuri", "victoria", "wallaby"}
}

// Validator is implemented by data that can check itself before rendering;
// Render calls Validate unless the Lenient option is given.
type Validator interface {
	Validate() error
}

// Option changes how Render finds and executes templates.
type Option func(*options)

type options struct {
	fsys     fs.FS
	releases []string
	lenient  bool
}

// WithFS makes Render read templates from fsys instead of the embedded
// templates (paths as in the templates/ directory).
func WithFS(fsys fs.FS) Option {
	return func(o *options) { o.fsys = fsys }
}

// WithReleases replaces the release order (oldest first) used for the
// release-directory fallback.
func WithReleases(order []string) Option {
	return func(o *options) { o.releases = slices.Clone(order) }
}

// Lenient renders map keys that are absent as zero values instead of failing
// and skips the Validator check. The escaping and safety checks inside the
// templates still apply.
func Lenient() Option {
	return func(o *options) { o.lenient = true }
}

func newOptions(opts []Option) options {
	o := options{fsys: templates.FS, releases: Releases()}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Render executes the template name (one of Names) for the given release
// with data, which is normally a *Data. Keys missing from map data are
// errors, unless the Lenient option is given. Errors never contain values
// taken from data.
func Render(name, release string, data any, opts ...Option) ([]byte, error) {
	o := newOptions(opts)
	file, err := lookup(o, name, release)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	if v, ok := data.(Validator); ok && !o.lenient && !isNil(v) {
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("render %s: invalid data: %w", name, err)
		}
	}
	src, err := fs.ReadFile(o.fsys, file)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	missing := "missingkey=error"
	if o.lenient {
		missing = "missingkey=zero"
	}
	tmpl, err := template.New(name).Option(missing).Funcs(funcs()).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("render %s: parse %s: %w", name, file, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// Lookup returns the path, inside the template file system, of the template
// that Render would use for name and release.
func Lookup(name, release string, opts ...Option) (string, error) {
	file, err := lookup(newOptions(opts), name, release)
	if err != nil {
		return "", fmt.Errorf("lookup %s: %w", name, err)
	}
	return file, nil
}

func lookup(o options, name, release string) (string, error) {
	if name == "" || strings.Contains(name, "/") || !fs.ValidPath(name) {
		return "", errors.New("invalid template name")
	}
	idx := slices.Index(o.releases, release)
	if idx < 0 {
		return "", fmt.Errorf("unknown release %q (known: %s)", release, strings.Join(o.releases, ", "))
	}
	for i := idx; i >= 0; i-- {
		file := path.Join(o.releases[i], name+templateExt)
		if exists(o.fsys, file) {
			return file, nil
		}
	}
	file := name + templateExt
	if !exists(o.fsys, file) {
		return "", fs.ErrNotExist
	}
	return file, nil
}

func exists(fsys fs.FS, file string) bool {
	info, err := fs.Stat(fsys, file)
	return err == nil && !info.IsDir()
}

// isNil reports whether v holds a nil *Data, so that Render leaves the error
// to the template rather than calling a method on a nil pointer.
func isNil(v Validator) bool {
	d, ok := v.(*Data)
	return ok && d == nil
}
