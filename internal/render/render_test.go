package render

import (
	"errors"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/openstack-charmers/charm-panko/templates"
)

// TestEmbeddedTemplates checks that every named template is embedded and
// that names outside the template directory are refused.
func TestEmbeddedTemplates(t *testing.T) {
	for _, name := range Names() {
		if _, err := fs.Stat(templates.FS, name+templateExt); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"", "../panko.conf", "x/panko.conf"} {
		if _, err := Render(name, nil); err == nil {
			t.Errorf("Render(%q) succeeded", name)
		}
	}
}

// TestMissingKeys checks strict and lenient handling of map data.
func TestMissingKeys(t *testing.T) {
	fsys := fstest.MapFS{"m.tmpl": {Data: []byte("a={{.a}} b={{.b}}")}}
	data := map[string]any{"a": 1}
	if _, err := Render("m", data, WithFS(fsys)); err == nil {
		t.Error("strict render of a missing key succeeded")
	}
	out, err := Render("m", data, WithFS(fsys), Lenient())
	if err != nil || !strings.HasPrefix(string(out), "a=1 b=") {
		t.Errorf("lenient render = %q, %v", out, err)
	}
}

// TestValidate changes one thing in valid data and expects Validate (and
// Render) to name the field, without any secret in the message.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *Data)
		field  string
	}{
		{"valid", func(d *Data) {}, ""},
		{"valid without relations", func(d *Data) { d.DB, d.Keystone = nil, nil }, ""},
		{"return limit", func(d *Data) { d.APIReturnLimit = 0 }, "APIReturnLimit"},
		{"batch size", func(d *Data) { d.DeleteBatchSize = -1 }, "DeleteBatchSize"},
		{"db host", func(d *Data) { d.DB.Host = "db host" }, "DB.Host"},
		{"db host brackets v4", func(d *Data) { d.DB.Host = "[10.0.0.1]" }, "DB.Host"},
		{"db port", func(d *Data) { d.DB.Port = 0 }, "DB.Port"},
		{"db user", func(d *Data) { d.DB.User = "" }, "DB.User"},
		{"db ca relative", func(d *Data) { d.DB.SSLCAFile = "ca.pem" }, "DB.SSLCAFile"},
		{"auth uri", func(d *Data) { d.Keystone.AuthURI = "keystone:5000" }, "Keystone.AuthURI"},
		{"auth url", func(d *Data) { d.Keystone.AuthURL = "ftp://k:1" }, "Keystone.AuthURL"},
		{"ks password newline", func(d *Data) { d.Keystone.Password += "\nx=y" }, "Keystone.Password"},
		{"ks password empty", func(d *Data) { d.Keystone.Password = "" }, "Keystone.Password"},
		{"memcache listen", func(d *Data) { d.Memcache.Listen = nil }, "Memcache.Listen"},
		{"wsgi processes", func(d *Data) { d.WSGI.Processes = 0 }, "WSGI.Processes"},
		{"wsgi user", func(d *Data) { d.WSGI.User = "pan ko" }, "WSGI.User"},
		{"wsgi script", func(d *Data) { d.WSGI.Script = "panko-api" }, "WSGI.Script"},
		{"stats password", func(d *Data) { d.HAProxy.StatsPassword = "a b#c" }, "HAProxy.StatsPassword"},
		{"timeouts", func(d *Data) { d.HAProxy.Timeouts.Queue = 0 }, "HAProxy.Timeouts"},
		{"no backends", func(d *Data) { d.HAProxy.Backends = nil }, "HAProxy.Backends"},
		{"duplicate backend", func(d *Data) { d.HAProxy.Backends = append(d.HAProxy.Backends, d.HAProxy.Backends[0]) }, "duplicate"},
		{"port clash", func(d *Data) { d.HAProxy.FrontendPort = d.WSGI.Port }, "same port"},
		{"tls port clash", func(d *Data) { d.TLS.ListenPort = d.WSGI.Port }, "same port"},
		{"tls wsgi addr", func(d *Data) { d.WSGI.Addr = "10.5.0.10" }, "WSGI.Addr"},
		{"tls no endpoints", func(d *Data) { d.TLS.Endpoints = nil }, "TLS.Endpoints"},
		{"tls cert path", func(d *Data) { d.TLS.Endpoints[0].CertFile = "/a b" }, "CertFile"},
		{"tls server name", func(d *Data) { d.TLS.Endpoints[0].ServerName = "a b" }, "server name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newScenario("wallaby", true, true, false).data
			tt.change(&d)
			err := d.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate = %v, want an error naming %s", err, tt.field)
			}
			_, rerr := d.Render(PankoConf)
			if rerr == nil {
				t.Fatal("Render succeeded on invalid data")
			}
			assertNoSecret(t, d, err.Error()+rerr.Error())
		})
	}
}

// TestTemplateGuards checks that the templates refuse unsafe values even
// when validation is skipped, and that the errors carry no secret.
func TestTemplateGuards(t *testing.T) {
	tests := []struct {
		name     string
		template string
		change   func(d *Data)
	}{
		{"ks password newline", PankoConf, func(d *Data) { d.Keystone.Password = "x\n[DEFAULT]\ndebug = true" }},
		{"ks password empty", PankoConf, func(d *Data) { d.Keystone.Password = "" }},
		{"db host", PankoConf, func(d *Data) { d.DB.Host = "h/x" }},
		{"stats password space", HAProxyCfg, func(d *Data) { d.HAProxy.StatsPassword = "pw\n  bind *:1" }},
		{"backend addr", HAProxyCfg, func(d *Data) { d.HAProxy.Backends[0].Addr = "a b" }},
		{"no backends", HAProxyCfg, func(d *Data) { d.HAProxy.Backends = nil }},
		{"wsgi user", APISite, func(d *Data) { d.WSGI.User = "panko\nInclude /etc/shadow" }},
		{"wsgi port", APISite, func(d *Data) { d.WSGI.Port = 0 }},
		{"cert file", HTTPSFrontend, func(d *Data) { d.TLS.Endpoints[0].CertFile = "/x ${HOME}" }},
		{"no tls", HTTPSFrontend, func(d *Data) { d.TLS = nil }},
		{"memcache", MemcachedConf, func(d *Data) { d.Memcache.Listen = []string{"a b"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newScenario("wallaby", true, true, false).data
			tt.change(&d)
			_, err := d.Render(tt.template, Lenient())
			if err == nil {
				t.Fatal("Render succeeded")
			}
			assertNoSecret(t, d, err.Error())
		})
	}
}

// TestRenderNilData checks that a nil *Data fails cleanly.
func TestRenderNilData(t *testing.T) {
	var d *Data
	for _, name := range Names() {
		if _, err := Render(name, d); err == nil {
			t.Errorf("%s rendered from nil data", name)
		}
	}
}

// assertNoSecret fails when msg contains any password of d.
func assertNoSecret(t *testing.T, d Data, msg string) {
	t.Helper()
	secrets := []string{d.HAProxy.StatsPassword}
	if d.DB != nil {
		secrets = append(secrets, d.DB.Password)
	}
	if d.Keystone != nil {
		secrets = append(secrets, d.Keystone.Password)
	}
	for _, s := range secrets {
		if len(s) >= 4 && strings.Contains(msg, s) {
			t.Error("error message contains a secret")
		}
	}
}

func TestINIValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"", ""},
		{"a$b", "a$$b"},
		{"$$", "$$$$"},
		{" lead", `" lead"`},
		{"trail ", `"trail "`},
		{`"quoted"`, `""quoted""`},
		{`'q'`, `"'q'"`},
		{`"half`, `"half`},
		{`"`, `"`},
		{"a # b ; c", "a # b ; c"},
	}
	for _, tt := range tests {
		got, err := iniValue(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("iniValue(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if back := osloValue(got); back != tt.in {
			t.Errorf("oslo.config would read %q back as %q", tt.in, back)
		}
	}
	for _, bad := range []string{"a\nb", "a\rb", "a\x00b"} {
		if _, err := iniValue(bad); err == nil {
			t.Errorf("iniValue(%q) succeeded", bad)
		}
	}
}

// TestDatabaseURL checks that the connection URL decodes to the same
// credentials, host and options for awkward inputs.
func TestDatabaseURL(t *testing.T) {
	tests := []struct {
		name string
		db   Database
		host string
	}{
		{"plain", Database{User: "panko", Password: "pw", Host: "10.0.0.1", Port: 3306, Name: "panko"}, "10.0.0.1:3306"},
		{"special", Database{User: "pan:ko@", Password: specialDBPassword, Host: "db.example.com", Port: 3316, Name: "pan ko"}, "db.example.com:3316"},
		{"ipv6", Database{User: "panko", Password: "p/w", Host: "fd00::20", Port: 3306, Name: "panko", SSLCAFile: "/a b/c+d.pem"}, "[fd00::20]:3306"},
		{"ipv6 bracketed", Database{User: "panko", Password: "", Host: "[::1]", Port: 6446, Name: "panko"}, "[::1]:6446"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.db.URL()
			if err != nil {
				t.Fatal(err)
			}
			if strings.ContainsAny(s, " $\n") {
				t.Error("URL contains a space, $ or newline")
			}
			u, err := url.Parse(s)
			if err != nil {
				t.Fatal("URL does not parse")
			}
			pw, _ := u.User.Password()
			if u.Scheme != "mysql+pymysql" || u.User.Username() != tt.db.User || u.Host != tt.host {
				t.Errorf("scheme/user/host = %s %s %s", u.Scheme, u.User.Username(), u.Host)
			}
			if pw != tt.db.Password {
				t.Error("password does not decode to the original")
			}
			if strings.TrimPrefix(u.Path, "/") != tt.db.Name {
				t.Errorf("database = %q, want %q", u.Path, tt.db.Name)
			}
			q := u.Query()
			if q.Get("charset") != "utf8" || q.Get("ssl_ca") != tt.db.SSLCAFile {
				t.Errorf("query = %v", q)
			}
		})
	}
	for _, bad := range []Database{{Host: "", Port: 1}, {Host: "a/b", Port: 1}, {Host: "h", Port: 0}, {Host: "h", Port: 70000}} {
		if _, err := bad.URL(); err == nil {
			t.Errorf("URL() of %+v succeeded", bad)
		}
	}
}

func TestMemcacheServers(t *testing.T) {
	tests := []struct {
		m    Memcache
		want string
	}{
		{Memcache{Listen: []string{"127.0.0.1"}, Port: 11211}, "127.0.0.1:11211"},
		{Memcache{Listen: []string{"::1", "127.0.0.1"}, Port: 11211}, "inet6:[::1]:11211"},
		{Memcache{Listen: []string{"[::1]"}, Port: 11212}, "inet6:[::1]:11212"},
		{Memcache{Port: 11211}, ""},
	}
	for _, tt := range tests {
		if got := tt.m.Servers(); got != tt.want {
			t.Errorf("%+v.Servers() = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestHelpers(t *testing.T) {
	if got := BackendName("panko/12"); got != "panko-12" {
		t.Errorf("BackendName = %q", got)
	}
	d := Data{Py3: true}
	if d.WSGIScript() != WSGIScriptPy3 {
		t.Error("py3 script")
	}
	d.Py3 = false
	if d.WSGIScript() != WSGIScriptPy2 {
		t.Error("py2 script")
	}
	d.WSGI.Script = "/srv/app.wsgi"
	if d.WSGIScript() != "/srv/app.wsgi" {
		t.Error("explicit script")
	}
	err := Data{}.Validate()
	for _, field := range []string{"APIReturnLimit", "Memcache.Listen", "WSGI.Processes", "HAProxy.Backends", "WSGI.Port"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate of empty data does not name %s", field)
		}
	}
	if _, err := Render("no-such-template", d); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing template: %v, want fs.ErrNotExist", err)
	}
}
