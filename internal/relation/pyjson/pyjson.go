// Package pyjson encodes values the way Python's
// json.dumps(value, sort_keys=True) does: ", " and ": " separators, object
// keys sorted, ASCII-only output. Reactive charms write relation data this
// way; writing byte-identical values keeps data unchanged across an upgrade
// from such a charm, so the remote side sees no spurious change.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package pyjson

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Encode encodes v, which holds strings, []string, map[string]string and
// map[string]any (recursively). Any other type is a programming error and
// panics.
func Encode(v any) string {
	var b strings.Builder
	write(&b, v)
	return b.String()
}

func write(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		writeString(b, x)
	case []string:
		b.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeString(b, s)
		}
		b.WriteByte(']')
	case map[string]string:
		writeObject(b, keys(x), func(k string) { writeString(b, x[k]) })
	case map[string]any:
		writeObject(b, keys(x), func(k string) { write(b, x[k]) })
	default:
		panic(fmt.Sprintf("pyjson: unsupported type %T", v))
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func writeObject(b *strings.Builder, keys []string, value func(string)) {
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		writeString(b, k)
		b.WriteString(": ")
		value(k)
	}
	b.WriteByte('}')
}

// writeString writes s with Python's escapes: the short forms for quote,
// backslash and \b \f \n \r \t, \u00XX for other control characters and
// DEL, and \uXXXX (UTF-16, lower-case hex) for every non-ASCII rune.
// Invalid UTF-8 is written as U+FFFD.
func writeString(b *strings.Builder, s string) {
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
