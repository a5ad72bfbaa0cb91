// Package hostname checks the host names and addresses peer charms send.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package hostname

import (
	"net"
	"strings"
)

// Valid reports whether s is an IP address or a host name: letters, digits,
// "_", "-" and "." (no empty label), neither starting nor ending with "-" or
// ".", at most 253 characters.
func Valid(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	if net.ParseIP(s) != nil {
		return true
	}
	if strings.Contains(s, "..") || strings.ContainsAny(s[:1]+s[len(s)-1:], ".-") {
		return false
	}
	for _, c := range s {
		if !isNameChar(c) {
			return false
		}
	}
	return true
}

func isNameChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}
