package render

import (
	"errors"
	"fmt"
	"net"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// funcs returns the functions the templates may call. Their errors name
// fields, never values.
func funcs() template.FuncMap {
	return template.FuncMap{
		"required":     required,
		"ini":          iniValue,
		"word":         word,
		"hostport":     hostPort,
		"dir":          path.Dir,
		"listenList":   listenList,
		"serverName":   serverName,
		"listenAddrs":  listenAddrs,
		"sortBackends": sortBackends,
	}
}

// required returns v, or an error naming field when v is nil, zero or empty.
func required(field string, v any) (any, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.IsZero() || ((rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.Len() == 0) {
		return nil, fmt.Errorf("%s is required", field)
	}
	return v, nil
}

// iniValue makes s safe as one oslo.config value: it must be one line; "$"
// is doubled (oslo.config interpolates $name); a value that oslo.config's
// parser would change (surrounding spaces, or matching quotes at both ends,
// which it strips) is wrapped in double quotes, which the parser removes.
func iniValue(s string) (string, error) {
	if strings.ContainsAny(s, "\r\n\x00") {
		return "", errors.New("value contains a line break or NUL")
	}
	s = strings.ReplaceAll(s, "$", "$$")
	if s != strings.TrimSpace(s) || (len(s) > 1 && s[0] == s[len(s)-1] && (s[0] == '"' || s[0] == '\'')) {
		s = `"` + s + `"`
	}
	return s, nil
}

// word returns s when it is safe as one unquoted argument in Apache and
// haproxy configuration: not empty, no spaces, control characters, quotes,
// backslashes, comment or variable characters.
func word(field, s string) (string, error) {
	if !validWord(s) {
		return "", fmt.Errorf("%s is empty or not a single plain word", field)
	}
	return s, nil
}

func validWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("\"'`\\#$<>;", r) {
			return false
		}
	}
	return true
}

// hostPort joins a host (name, IPv4, or IPv6 with or without brackets) and a
// port, bracketing IPv6 addresses.
func hostPort(host string, port int) (string, error) {
	h, ok := cleanHost(host)
	if !ok {
		return "", errors.New("not a host name or IP address")
	}
	if !validPort(port) {
		return "", errors.New("not a TCP port")
	}
	return net.JoinHostPort(h, strconv.Itoa(port)), nil
}

// cleanHost strips IPv6 brackets and reports whether the result is an IP
// address or a DNS host name.
func cleanHost(host string) (string, bool) {
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
		ip := net.ParseIP(host)
		return host, ip != nil && ip.To4() == nil
	}
	if net.ParseIP(host) != nil {
		return host, true
	}
	return host, validHostname(host)
}

func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// serverName returns s for Apache's ServerName: a host name or an IPv4
// address; "" (no ServerName) for an IPv6 address, which Apache versions
// parse differently (the virtual host still serves its address).
func serverName(s string) (string, error) {
	h, ok := cleanHost(s)
	if !ok {
		return "", errors.New("TLS.Endpoints has a server name that is not a host name or IP address")
	}
	if strings.Contains(h, ":") {
		return "", nil
	}
	return h, nil
}

// listenList joins addresses for memcached's -l option.
func listenList(addrs []string) (string, error) {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		h, ok := cleanHost(a)
		if !ok {
			return "", errors.New("Memcache.Listen has an entry that is not a host name or IP address")
		}
		out = append(out, h)
	}
	return strings.Join(out, ","), nil
}

// listenAddrs returns the distinct endpoint addresses in first-seen order,
// so that each gets one Apache Listen directive.
func listenAddrs(eps []TLSEndpoint) ([]string, error) {
	var out []string
	for _, ep := range eps {
		h, ok := cleanHost(ep.Addr)
		if !ok {
			return nil, errors.New("TLS.Endpoints has an address that is not a host name or IP address")
		}
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out, nil
}

// sortBackends returns a copy of backends sorted by name, then address, so
// that the rendered file does not depend on peer order.
func sortBackends(backends []Backend) []Backend {
	out := slices.Clone(backends)
	slices.SortFunc(out, func(a, b Backend) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Addr, b.Addr)
	})
	return out
}

// percentEncode encodes every byte of s except RFC 3986 unreserved
// characters and those in keep as %XX, which SQLAlchemy's URL parser
// decodes back (it unquotes user, password and query values).
func percentEncode(s, keep string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
