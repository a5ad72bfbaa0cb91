package pacemaker

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// section is one "<keyword> [arg] name=value ..." part of a definition.
type section struct {
	keyword string
	arg     string
	attrs   []Attr
}

// parseSections parses crm definition sections. Values may be
// double-quoted; keywords are those allowed. A leading description="..." is
// accepted and dropped.
func parseSections(def string, keywords []string) ([]section, error) {
	toks, err := tokens(def)
	if err != nil {
		return nil, err
	}
	if len(toks) > 0 && strings.HasPrefix(toks[0], "description=") {
		toks = toks[1:]
	}
	var out []section
	for i := 0; i < len(toks); {
		kw := toks[i]
		if !slices.Contains(keywords, kw) {
			return nil, fmt.Errorf("unexpected %q (want one of %s)", kw, strings.Join(keywords, ", "))
		}
		i++
		s := section{keyword: kw}
		if kw == "op" || kw == "operations" {
			if i >= len(toks) || slices.Contains(keywords, toks[i]) || (kw == "op" && strings.Contains(toks[i], "=")) {
				return nil, fmt.Errorf("%s without an action", kw)
			}
			s.arg = toks[i]
			i++
		}
		for i < len(toks) && !slices.Contains(keywords, toks[i]) {
			name, value, ok := strings.Cut(toks[i], "=")
			if !ok || name == "" {
				return nil, fmt.Errorf("%q in %s is not name=value", toks[i], kw)
			}
			s.attrs = append(s.attrs, Attr{Name: name, Value: value})
			i++
		}
		if len(s.attrs) == 0 && kw != "op" && kw != "operations" {
			return nil, fmt.Errorf("empty %s section", kw)
		}
		out = append(out, s)
	}
	return out, nil
}

// tokens splits s at white space outside double quotes and removes the
// quotes: `ip="10.0.0.1"  nic=eth0` gives ["ip=10.0.0.1", "nic=eth0"].
func tokens(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inQuote, inTok := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			inTok = true
		case !inQuote && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			if inTok {
				out = append(out, cur.String())
				cur.Reset()
				inTok = false
			}
		case r < ' ' || r == 0x7f:
			return nil, errors.New("control character in definition")
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	if inQuote {
		return nil, errors.New("unterminated quote")
	}
	if inTok {
		out = append(out, cur.String())
	}
	return out, nil
}

// leadingWords returns the words of def before the first keyword or
// name=value token, and the rest of def.
func leadingWords(def string) ([]string, string) {
	fields := strings.Fields(def)
	var words []string
	for i, f := range fields {
		if strings.Contains(f, "=") || f == "meta" || f == "params" {
			return words, strings.Join(fields[i:], " ")
		}
		words = append(words, f)
	}
	return words, ""
}
