package hacluster

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The json_* values are written the way the reactive hacluster interface
// writes them: Python's json.dumps(value, sort_keys=True) with its default
// separators (", " and ": ") and ASCII-only output. Writing byte-identical
// values keeps the data unchanged across an upgrade from that charm, so
// hacluster sees no spurious change.

// pyObject encodes m as a JSON object with sorted keys.
func pyObject(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		pyString(&b, k)
		b.WriteString(": ")
		pyString(&b, m[k])
	}
	b.WriteByte('}')
	return b.String()
}

// pyList encodes l as a JSON array, in the given order.
func pyList(l []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range l {
		if i > 0 {
			b.WriteString(", ")
		}
		pyString(&b, s)
	}
	b.WriteByte(']')
	return b.String()
}

// pyString writes s as a JSON string with Python's escapes: the short forms
// for quote, backslash and \b \f \n \r \t, \u00XX for other control
// characters and DEL, and \uXXXX (UTF-16, lower-case hex) for every
// non-ASCII rune.
// Invalid UTF-8 is written as U+FFFD.
func pyString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			switch {
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(b, `\u%04x`, r)
			case r < utf8.RuneSelf:
				b.WriteRune(r)
			case r > 0xffff:
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
			default:
				fmt.Fprintf(b, `\u%04x`, r)
			}
		}
	}
	b.WriteByte('"')
}
