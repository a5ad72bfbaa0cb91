package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// iniFile is a parsed INI file: section -> key -> raw value.
type iniFile map[string]map[string]string

// parseINI parses the subset of INI that oslo.config reads: "[section]"
// headers and "key = value" lines; "#" and ";" start comment lines.
// Anything else, a key outside a section or a repeated key is an error.
func parseINI(src []byte) (iniFile, error) {
	out := iniFile{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
			continue
		case line != strings.TrimLeft(line, " \t"):
			return nil, fmt.Errorf("line %d: continuation lines are not expected", n)
		case strings.HasPrefix(line, "[") && strings.HasSuffix(trimmed, "]"):
			section = trimmed[1 : len(trimmed)-1]
			if _, dup := out[section]; dup {
				return nil, fmt.Errorf("line %d: section %s repeated", n, section)
			}
			out[section] = map[string]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: not key = value", n)
			}
			if section == "" {
				return nil, fmt.Errorf("line %d: key outside a section", n)
			}
			key = strings.TrimSpace(key)
			if _, dup := out[section][key]; dup {
				return nil, fmt.Errorf("line %d: key %s repeated in [%s]", n, key, section)
			}
			out[section][key] = strings.TrimSpace(value)
		}
	}
	return out, sc.Err()
}

// osloValue is the value oslo.config reads from a raw INI value: matching
// quotes at both ends are removed, then "$$" becomes "$" (the templates
// never use $name substitution).
func osloValue(raw string) string {
	v := strings.TrimSpace(raw)
	if len(v) > 1 && v[0] == v[len(v)-1] && (v[0] == '"' || v[0] == '\'') {
		v = v[1 : len(v)-1]
	}
	return strings.ReplaceAll(v, "$$", "$")
}

// expectedPankoConf is what oslo.config must read from panko.conf for d,
// section -> key -> value.
func expectedPankoConf(d Data) map[string]map[string]string {
	want := map[string]map[string]string{
		"DEFAULT": {
			"debug":      strconv.FormatBool(d.Debug),
			"use_syslog": strconv.FormatBool(d.UseSyslog),
			"log_file":   "/var/log/panko/panko-api.log",
		},
		"api": {"default_api_return_limit": strconv.Itoa(d.APIReturnLimit)},
		"database": {
			"event_time_to_live":       strconv.Itoa(d.EventTTL),
			"events_delete_batch_size": strconv.Itoa(d.DeleteBatchSize),
			"max_retries":              "10",
			"retry_interval":           "10",
		},
		"keystone_authtoken": {},
		"oslo_middleware":    {"enable_proxy_headers_parsing": "true"},
	}
	if d.DB != nil {
		want["database"]["connection"] = "" // checked by decoding, see checkConnection
	}
	if ks := d.Keystone; ks != nil {
		uriKey := "auth_uri"
		if ks.WWWAuthenticate {
			uriKey = "www_authenticate_uri"
		}
		want["keystone_authtoken"] = map[string]string{
			uriKey:                ks.AuthURI,
			"auth_url":            ks.AuthURL,
			"auth_type":           "password",
			"project_domain_name": ks.ProjectDomain,
			"user_domain_name":    ks.UserDomain,
			"project_name":        ks.Project,
			"username":            ks.Username,
			"password":            ks.Password,
			"service_type":        "event",
			"region_name":         ks.Region,
			"memcached_servers":   d.Memcache.Servers(),
		}
	}
	return want
}

// TestPankoConfINI parses every scenario's panko.conf and compares every key
// with what the data says, decoding the connection URL.
func TestPankoConfINI(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			out, err := sc.data.Render(PankoConf)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseINI(out)
			if err != nil {
				t.Fatalf("panko.conf is not INI: %v", err)
			}
			want := expectedPankoConf(sc.data)
			for section, keys := range want {
				if _, ok := got[section]; !ok {
					t.Errorf("section [%s] missing", section)
				}
				for key, value := range keys {
					raw, ok := got[section][key]
					switch {
					case !ok:
						t.Errorf("[%s] %s missing", section, key)
					case key == "connection":
						checkConnection(t, osloValue(raw), sc.data.DB)
					case osloValue(raw) != value:
						// Values may be secrets: name the key only.
						t.Errorf("[%s] %s does not read back as the data's value", section, key)
					}
				}
				for key := range got[section] {
					if _, ok := keys[key]; !ok {
						t.Errorf("unexpected key [%s] %s", section, key)
					}
				}
			}
			for section := range got {
				if _, ok := want[section]; !ok {
					t.Errorf("unexpected section [%s]", section)
				}
			}
		})
	}
}

// checkConnection decodes a connection URL and compares it with db.
func checkConnection(t *testing.T, conn string, db *Database) {
	t.Helper()
	u, err := url.Parse(conn)
	if err != nil {
		t.Error("connection does not parse as a URL")
		return
	}
	pw, _ := u.User.Password()
	if u.Scheme != "mysql+pymysql" || u.User.Username() != db.User || pw != db.Password {
		t.Error("connection scheme, user or password differ from the data")
	}
	host, _ := cleanHost(db.Host)
	if u.Hostname() != host || u.Port() != strconv.Itoa(db.Port) || u.Path != "/"+db.Name {
		t.Errorf("connection host/port/database = %s %s %s", u.Hostname(), u.Port(), u.Path)
	}
	q := u.Query()
	if q.Get("charset") != "utf8" || q.Get("ssl_ca") != db.SSLCAFile || len(q) != map[bool]int{false: 1, true: 2}[db.SSLCAFile != ""] {
		t.Errorf("connection query = %v", q)
	}
}

// osloCheck reads each panko.conf named on the command line with the real
// oslo.config and decodes its connection with SQLAlchemy's own URL parser. It
// prints a JSON object: file -> "section.key" -> value, or -> {"error": type}.
const osloCheck = `
import json, sys
from oslo_config import cfg
from sqlalchemy.engine.url import make_url

KS = ["www_authenticate_uri", "auth_uri", "auth_url", "auth_type", "project_domain_name",
      "user_domain_name", "project_name", "username", "password", "service_type",
      "region_name", "memcached_servers"]

def read(path):
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.BoolOpt("debug"), cfg.BoolOpt("use_syslog"), cfg.StrOpt("log_file")])
    conf.register_opts([cfg.IntOpt("default_api_return_limit", min=1)], group="api")
    # oslo.db's [database] max_retries/retry_interval (default 10/10) are the
    # retries panko uses; a [storage] section is read by nothing.
    conf.register_opts([cfg.StrOpt("connection"), cfg.IntOpt("event_time_to_live"),
                        cfg.IntOpt("events_delete_batch_size", min=0),
                        cfg.IntOpt("max_retries", default=10), cfg.IntOpt("retry_interval", default=10)], group="database")
    conf.register_opts([cfg.StrOpt(k) for k in KS], group="keystone_authtoken")
    conf.register_opts([cfg.BoolOpt("enable_proxy_headers_parsing")], group="oslo_middleware")
    conf(args=[], project="panko", default_config_files=[path])
    out = {
        "DEFAULT.debug": conf.debug, "DEFAULT.use_syslog": conf.use_syslog,
        "DEFAULT.log_file": conf.log_file,
        "api.default_api_return_limit": conf.api.default_api_return_limit,
        "database.event_time_to_live": conf.database.event_time_to_live,
        "database.events_delete_batch_size": conf.database.events_delete_batch_size,
        "database.max_retries": conf.database.max_retries,
        "database.retry_interval": conf.database.retry_interval,
        "storage.section": "storage" in conf.list_all_sections(),
        "oslo_middleware.enable_proxy_headers_parsing": conf.oslo_middleware.enable_proxy_headers_parsing,
    }
    for k in KS:
        out["keystone_authtoken." + k] = getattr(conf.keystone_authtoken, k)
    if conf.database.connection:
        u = make_url(conf.database.connection)
        out["db.drivername"] = u.drivername
        out["db.username"] = u.username
        out["db.password"] = u.password
        out["db.host"] = u.host
        out["db.port"] = u.port
        out["db.database"] = u.database
        out["db.query"] = dict(u.query)
    return out

results = {}
for path in sys.argv[1:]:
    try:
        results[path] = read(path)
    except Exception as e:
        # Exception texts may quote secrets: keep only the exception type.
        results[path] = {"error": type(e).__name__}
json.dump(results, sys.stdout)
`

// TestPankoConfOsloConfig reads every scenario's panko.conf with the real
// oslo.config and SQLAlchemy (Debian packages python3-oslo.config and
// python3-sqlalchemy) and compares what they read with the data.
func TestPankoConfOsloConfig(t *testing.T) {
	python := osloPython()
	if python == "" {
		need.Skip(t, "no python3 with oslo.config and SQLAlchemy (Debian packages python3-oslo.config python3-sqlalchemy)")
	}
	dir := t.TempDir()
	scs := scenarios()
	paths := make([]string, len(scs))
	for i, sc := range scs {
		out, err := sc.data.Render(PankoConf)
		if err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		paths[i] = filepath.Join(dir, sc.name+".conf")
		if err := os.WriteFile(paths[i], out, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(python, append([]string{"-c", osloCheck}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("checker failed: %v (stderr has %d bytes, not shown as it may quote secrets)", err, stderr.Len())
	}
	var results map[string]map[string]any
	if err := json.Unmarshal(stdout, &results); err != nil {
		t.Fatalf("bad JSON from the checker: %v", err)
	}
	for i, sc := range scs {
		t.Run(sc.name, func(t *testing.T) {
			got := results[paths[i]]
			if e, ok := got["error"]; ok {
				t.Fatalf("oslo.config or SQLAlchemy failed: %v", e)
			}
			want := osloExpected(sc.data)
			keys := make([]string, 0, len(want))
			for k := range want {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				// Values may be secrets: compare, report the key only.
				if !jsonEqual(got[k], want[k]) {
					t.Errorf("oslo.config/SQLAlchemy read %s differently from the data", k)
				}
			}
			if len(got) != len(want) {
				t.Errorf("checker returned %d values, want %d", len(got), len(want))
			}
		})
	}
}

// osloExpected is what TestPankoConfOsloConfig's checker must print for d.
func osloExpected(d Data) map[string]any {
	want := map[string]any{
		"DEFAULT.debug": d.Debug, "DEFAULT.use_syslog": d.UseSyslog,
		"DEFAULT.log_file":                             "/var/log/panko/panko-api.log",
		"api.default_api_return_limit":                 d.APIReturnLimit,
		"database.event_time_to_live":                  d.EventTTL,
		"database.events_delete_batch_size":            d.DeleteBatchSize,
		"database.max_retries":                         10,
		"database.retry_interval":                      10,
		"storage.section":                              false,
		"oslo_middleware.enable_proxy_headers_parsing": true,
	}
	for _, k := range []string{"www_authenticate_uri", "auth_uri", "auth_url", "auth_type", "project_domain_name",
		"user_domain_name", "project_name", "username", "password", "service_type", "region_name", "memcached_servers"} {
		want["keystone_authtoken."+k] = nil
	}
	for key, value := range expectedPankoConf(d)["keystone_authtoken"] {
		want["keystone_authtoken."+key] = value
	}
	if db := d.DB; db != nil {
		host, _ := cleanHost(db.Host)
		query := map[string]any{"charset": "utf8"}
		if db.SSLCAFile != "" {
			query["ssl_ca"] = db.SSLCAFile
		}
		want["db.drivername"] = "mysql+pymysql"
		want["db.username"] = db.User
		want["db.password"] = db.Password
		want["db.host"] = host
		want["db.port"] = db.Port
		want["db.database"] = db.Name
		want["db.query"] = query
	}
	return want
}

// osloPython returns a python3 that can import oslo_config and sqlalchemy:
// the distribution's first, then the one on PATH; "" when there is none.
func osloPython() string {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import oslo_config, sqlalchemy").Run() == nil {
			return p
		}
	}
	return ""
}

func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// redact removes d's passwords from s.
func redact(d Data, s string) string {
	secrets := []string{d.HAProxy.StatsPassword}
	if d.DB != nil {
		secrets = append(secrets, d.DB.Password, percentEncode(d.DB.Password, ""))
	}
	if d.Keystone != nil {
		secrets = append(secrets, d.Keystone.Password)
	}
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "<redacted>")
		}
	}
	return s
}
