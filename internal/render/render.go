// Package render turns the charm's typed view of a unit (Data) into the bytes
// of its configuration files, using the text/template files embedded from
// the repository's templates/ directory.
//
// Every template is templates/<name>.tmpl; what differs between OpenStack
// releases is in Data, not in per-release copies of a template. The package
// does no I/O besides reading its template file system.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package render

import (
	"bytes"
	"fmt"
	"io/fs"
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

// Validator is implemented by data that can check itself before rendering;
// Render calls Validate unless the Lenient option is given.
type Validator interface {
	Validate() error
}

// Option changes how Render finds and executes templates.
type Option func(*options)

type options struct {
	fsys    fs.FS
	lenient bool
}

// WithFS makes Render read templates from fsys instead of the embedded
// templates (paths as in the templates/ directory).
func WithFS(fsys fs.FS) Option {
	return func(o *options) { o.fsys = fsys }
}

// Lenient renders map keys that are absent as zero values instead of failing
// and skips the Validator check. The escaping and safety checks inside the
// templates still apply.
func Lenient() Option {
	return func(o *options) { o.lenient = true }
}

func newOptions(opts []Option) options {
	o := options{fsys: templates.FS}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Render executes the template name (one of Names) with data, which is
// normally a *Data. Keys missing from map data are
// errors, unless the Lenient option is given. Errors never contain values
// taken from data.
func Render(name string, data any, opts ...Option) ([]byte, error) {
	o := newOptions(opts)
	if name == "" || strings.Contains(name, "/") || !fs.ValidPath(name) {
		return nil, fmt.Errorf("render %q: invalid template name", name)
	}
	file := name + templateExt
	if _, err := fs.Stat(o.fsys, file); err != nil {
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

// isNil reports whether v holds a nil *Data, so that Render leaves the error
// to the template rather than calling a method on a nil pointer.
func isNil(v Validator) bool {
	d, ok := v.(*Data)
	return ok && d == nil
}
