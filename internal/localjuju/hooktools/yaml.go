package hooktools

// A YAML writer that produces the same bytes as gopkg.in/yaml.v2 (v2.4.0)
// Marshal, which is what Juju's hook tools use for their yaml and smart
// output. gopkg.in/yaml.v3 cannot be configured to match it (it always
// indents sequences inside mappings, v2 does not), so the layout rules are
// implemented here: block mappings and sequences, "{}"/"[]" for empty
// collections, v2's natural key order, v2's scalar quoting decisions
// (YAML 1.1 resolution, base-60 floats), folding of long scalars at column
// 80, and literal blocks for multi-line strings.

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	yamlIndent    = 2
	yamlBestWidth = 80
	yamlMaxKeyLen = 128
)

type yamlKind int

const (
	yamlScalar yamlKind = iota
	yamlMapping
	yamlSequence
)

type yamlStyle int

const (
	stylePlain yamlStyle = iota
	styleSingle
	styleDouble
	styleLiteral
)

// yamlNode is a value ready to be written.
type yamlNode struct {
	kind   yamlKind
	text   string
	tag    string // "" or "!!binary"
	style  yamlStyle
	keys   []*yamlNode
	values []*yamlNode
	items  []*yamlNode
}

// yamlMarshal renders v as a YAML document.
func yamlMarshal(v any) ([]byte, error) {
	n, err := toYAMLNode(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	e := &yamlEmitter{indent: -1, whitespace: true, indention: true}
	e.node(n, false, false)
	// Document end: finish the last line.
	if !e.indention || e.column > 0 || !e.whitespace {
		e.putBreak()
	}
	return e.out, nil
}

var (
	yamlStyleFloat  = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	yamlBase60Float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
)

func yamlPlainScalar(s string) *yamlNode {
	return &yamlNode{kind: yamlScalar, text: s, style: stylePlain}
}

// toYAMLNode converts a Go value following yaml.v2's marshalling rules.
func toYAMLNode(v reflect.Value) (*yamlNode, error) {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			return yamlPlainScalar("null"), nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return yamlPlainScalar("null"), nil
	}
	if t, ok := v.Interface().(time.Time); ok {
		return yamlPlainScalar(t.Format(time.RFC3339Nano)), nil
	}
	switch v.Kind() {
	case reflect.Map:
		n := &yamlNode{kind: yamlMapping}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return yamlKeyLess(keys[i], keys[j]) })
		for _, k := range keys {
			kn, err := toYAMLNode(k)
			if err != nil {
				return nil, err
			}
			vn, err := toYAMLNode(v.MapIndex(k))
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, kn)
			n.values = append(n.values, vn)
		}
		return n, nil
	case reflect.Struct:
		return structToYAMLNode(v)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return &yamlNode{kind: yamlSequence}, nil
		}
		n := &yamlNode{kind: yamlSequence}
		for i := 0; i < v.Len(); i++ {
			item, err := toYAMLNode(v.Index(i))
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, item)
		}
		return n, nil
	case reflect.String:
		return yamlStringNode(v.String()), nil
	case reflect.Bool:
		return yamlPlainScalar(strconv.FormatBool(v.Bool())), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if d, ok := v.Interface().(time.Duration); ok {
			return yamlStringNode(d.String()), nil
		}
		return yamlPlainScalar(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return yamlPlainScalar(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		bits := 64
		if v.Kind() == reflect.Float32 {
			bits = 32
		}
		s := strconv.FormatFloat(v.Float(), 'g', -1, bits)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return yamlPlainScalar(s), nil
	default:
		return nil, fmt.Errorf("cannot marshal type: %s", v.Type())
	}
}

// structToYAMLNode emits exported fields in declaration order, honouring
// `yaml:"name,omitempty"` and `yaml:"-"`.
func structToYAMLNode(v reflect.Value) (*yamlNode, error) {
	n := &yamlNode{kind: yamlMapping}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.PkgPath != "" {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fv := v.Field(i)
		if strings.Contains(opts, "omitempty") && yamlIsZero(fv) {
			continue
		}
		vn, err := toYAMLNode(fv)
		if err != nil {
			return nil, err
		}
		n.keys = append(n.keys, yamlStringNode(name))
		n.values = append(n.values, vn)
	}
	return n, nil
}

func yamlIsZero(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return v.Len() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Struct:
		for i := v.NumField() - 1; i >= 0; i-- {
			if v.Type().Field(i).PkgPath != "" {
				continue
			}
			if !yamlIsZero(v.Field(i)) {
				return false
			}
		}
		return true
	}
	return false
}

// yamlStringNode chooses the requested style for a string the way yaml.v2
// does: quote it when a plain scalar would read back as something else.
func yamlStringNode(s string) *yamlNode {
	n := &yamlNode{kind: yamlScalar, text: s}
	plainOK := true
	if !utf8.ValidString(s) {
		n.tag = "!!binary"
		n.text = yamlBase64(s)
	} else {
		plainOK = yamlResolvesToString(s) && !yamlIsBase60Float(s)
	}
	switch {
	case strings.Contains(n.text, "\n"):
		n.style = styleLiteral
	case plainOK:
		n.style = stylePlain
	default:
		n.style = styleDouble
	}
	return n
}

func yamlBase64(s string) string {
	const lineLen = 70
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	if len(enc) < lineLen {
		return enc
	}
	var b strings.Builder
	for i := 0; i < len(enc); i += lineLen {
		j := min(i+lineLen, len(enc))
		b.WriteString(enc[i:j])
		b.WriteByte('\n')
	}
	return b.String()
}

func yamlIsBase60Float(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c == '+' || c == '-' || c >= '0' && c <= '9') || !strings.Contains(s, ":") {
		return false
	}
	return yamlBase60Float.MatchString(s)
}

// yamlResolvesToString reports whether s, written as a plain scalar, would be
// read back by a YAML 1.1 parser (yaml.v2) as a string.
func yamlResolvesToString(s string) bool {
	if s == "" {
		return false // null
	}
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
		"~", "null", "Null", "NULL",
		".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
		"+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return false
	}
	switch c := s[0]; {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return false
		}
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		if yamlIsTimestamp(s) {
			return false
		}
		plain := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return false
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return false
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return false
			}
		}
		if strings.HasPrefix(plain, "0b") {
			if _, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
				return false
			}
			if _, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
				return false
			}
		} else if strings.HasPrefix(plain, "-0b") {
			if _, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return false
			}
		}
	}
	return true
}

func yamlIsTimestamp(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, layout := range []string{
		"2006-1-2T15:4:5.999999999Z07:00",
		"2006-1-2t15:4:5.999999999Z07:00",
		"2006-1-2 15:4:5.999999999",
		"2006-1-2",
	} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// yamlKeyLess orders map keys like yaml.v2: numbers before strings, and
// strings in "natural" order (digit runs compared by value, non-letters
// before letters).
func yamlKeyLess(a, b reflect.Value) bool {
	for (a.Kind() == reflect.Interface || a.Kind() == reflect.Pointer) && !a.IsNil() {
		a = a.Elem()
	}
	for (b.Kind() == reflect.Interface || b.Kind() == reflect.Pointer) && !b.IsNil() {
		b = b.Elem()
	}
	af, aNum := yamlKeyFloat(a)
	bf, bNum := yamlKeyFloat(b)
	if aNum && bNum {
		if af != bf {
			return af < bf
		}
		return a.Kind() < b.Kind()
	}
	if a.Kind() != reflect.String || b.Kind() != reflect.String {
		return a.Kind() < b.Kind()
	}
	return naturalLess([]rune(a.String()), []rune(b.String()))
}

func naturalLess(ar, br []rune) bool {
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al, bl := unicode.IsLetter(ar[i]), unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		ai, bi := i, i
		for ; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for ; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}

func yamlKeyFloat(v reflect.Value) (float64, bool) {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(v.Uint()), true
	case reflect.Bool:
		if v.Bool() {
			return 1, true
		}
		return 0, true
	}
	return math.NaN(), false
}

// yamlEmitter writes nodes in block style.
type yamlEmitter struct {
	out        []byte
	column     int
	indent     int
	indents    []int
	whitespace bool // the last character written was whitespace
	indention  bool // only indentation has been written on this line
}

func (e *yamlEmitter) put(c byte) {
	e.out = append(e.out, c)
	e.column++
}

func (e *yamlEmitter) putBreak() {
	e.out = append(e.out, '\n')
	e.column = 0
}

// writeChar copies the character starting at s[*i].
func (e *yamlEmitter) writeChar(s string, i *int) {
	w := charWidth(s[*i])
	e.out = append(e.out, s[*i:*i+w]...)
	e.column++
	*i += w
}

func (e *yamlEmitter) writeBreakChar(s string, i *int) {
	if s[*i] == '\n' {
		e.putBreak()
		*i++
		return
	}
	e.writeChar(s, i)
	e.column = 0
}

func (e *yamlEmitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.putBreak()
	}
	for e.column < indent {
		e.put(' ')
	}
	e.whitespace = true
	e.indention = true
}

func (e *yamlEmitter) writeIndicator(ind string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !e.whitespace {
		e.put(' ')
	}
	for i := 0; i < len(ind); {
		e.writeChar(ind, &i)
	}
	e.whitespace = isWhitespace
	e.indention = e.indention && isIndention
}

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0 && flow:
		e.indent = yamlIndent
	case e.indent < 0:
		e.indent = 0
	case !indentless:
		e.indent += yamlIndent
	}
}

func (e *yamlEmitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

// node writes n; inMapping and simpleKey describe where it appears.
func (e *yamlEmitter) node(n *yamlNode, inMapping, simpleKey bool) {
	switch n.kind {
	case yamlScalar:
		e.scalar(n, simpleKey)
	case yamlSequence:
		if len(n.items) == 0 {
			e.writeIndicator("[", true, true, false)
			e.writeIndicator("]", false, false, false)
			return
		}
		e.increaseIndent(false, inMapping && !e.indention)
		for _, item := range n.items {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			e.node(item, false, false)
		}
		e.popIndent()
	case yamlMapping:
		if len(n.keys) == 0 {
			e.writeIndicator("{", true, true, false)
			e.writeIndicator("}", false, false, false)
			return
		}
		e.increaseIndent(false, false)
		for i, k := range n.keys {
			e.writeIndent()
			if isSimpleKey(k) {
				e.node(k, true, true)
				e.writeIndicator(":", false, false, false)
			} else {
				e.writeIndicator("?", true, false, true)
				e.node(k, true, false)
				e.writeIndent()
				e.writeIndicator(":", true, false, true)
			}
			e.node(n.values[i], true, false)
		}
		e.popIndent()
	}
}

func isSimpleKey(k *yamlNode) bool {
	switch k.kind {
	case yamlScalar:
		if analyzeScalar(k.text).multiline {
			return false
		}
		return len(k.tag)+len(k.text) <= yamlMaxKeyLen
	case yamlSequence:
		return len(k.items) == 0
	default:
		return len(k.keys) == 0
	}
}

func (e *yamlEmitter) scalar(n *yamlNode, simpleKey bool) {
	a := analyzeScalar(n.text)
	style := n.style
	if simpleKey && a.multiline {
		style = styleDouble
	}
	if style == stylePlain {
		if !a.blockPlainAllowed || (n.text == "" && simpleKey) {
			style = styleSingle
		}
	}
	if style == styleSingle && !a.singleQuotedAllowed {
		style = styleDouble
	}
	if style == styleLiteral && (!a.blockAllowed || simpleKey) {
		style = styleDouble
	}
	if n.tag != "" {
		if !e.whitespace {
			e.put(' ')
		}
		e.out = append(e.out, n.tag...)
		e.column += len(n.tag)
		e.whitespace = false
		e.indention = false
	}
	e.increaseIndent(true, false)
	switch style {
	case stylePlain:
		e.plain(n.text, !simpleKey)
	case styleSingle:
		e.singleQuoted(n.text, !simpleKey)
	case styleDouble:
		e.doubleQuoted(n.text, !simpleKey)
	case styleLiteral:
		e.literal(n.text)
	}
	e.popIndent()
}

func (e *yamlEmitter) plain(s string, allowBreaks bool) {
	if !e.whitespace {
		e.put(' ')
	}
	spaces, breaks := false, false
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ':
			if allowBreaks && !spaces && e.column > yamlBestWidth && i+1 < len(s) && s[i+1] != ' ' {
				e.writeIndent()
				i++
			} else {
				e.writeChar(s, &i)
			}
			spaces = true
		case isBreakAt(s, i):
			if !breaks && s[i] == '\n' {
				e.putBreak()
			}
			e.writeBreakChar(s, &i)
			e.indention = true
			breaks = true
		default:
			if breaks {
				e.writeIndent()
			}
			e.writeChar(s, &i)
			e.indention = false
			spaces, breaks = false, false
		}
	}
	e.whitespace = false
	e.indention = false
}

func (e *yamlEmitter) singleQuoted(s string, allowBreaks bool) {
	e.writeIndicator("'", true, false, false)
	spaces, breaks := false, false
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ':
			if allowBreaks && !spaces && e.column > yamlBestWidth && i > 0 && i < len(s)-1 && s[i+1] != ' ' {
				e.writeIndent()
				i++
			} else {
				e.writeChar(s, &i)
			}
			spaces = true
		case isBreakAt(s, i):
			if !breaks && s[i] == '\n' {
				e.putBreak()
			}
			e.writeBreakChar(s, &i)
			e.indention = true
			breaks = true
		default:
			if breaks {
				e.writeIndent()
			}
			if s[i] == '\'' {
				e.put('\'')
			}
			e.writeChar(s, &i)
			e.indention = false
			spaces, breaks = false, false
		}
	}
	e.writeIndicator("'", false, false, false)
	e.whitespace = false
	e.indention = false
}

func (e *yamlEmitter) doubleQuoted(s string, allowBreaks bool) {
	e.writeIndicator("\"", true, false, false)
	bom := strings.HasPrefix(s, "\xef\xbb\xbf")
	spaces := false
	for i := 0; i < len(s); {
		switch {
		case !isPrintableAt(s, i) || bom || isBreakAt(s, i) || s[i] == '"' || s[i] == '\\':
			r, w := utf8.DecodeRuneInString(s[i:])
			i += w
			e.put('\\')
			switch r {
			case 0x00:
				e.put('0')
			case 0x07:
				e.put('a')
			case 0x08:
				e.put('b')
			case 0x09:
				e.put('t')
			case 0x0A:
				e.put('n')
			case 0x0B:
				e.put('v')
			case 0x0C:
				e.put('f')
			case 0x0D:
				e.put('r')
			case 0x1B:
				e.put('e')
			case 0x22:
				e.put('"')
			case 0x5C:
				e.put('\\')
			case 0x85:
				e.put('N')
			case 0xA0:
				e.put('_')
			case 0x2028:
				e.put('L')
			case 0x2029:
				e.put('P')
			default:
				var digits int
				switch {
				case r <= 0xFF:
					e.put('x')
					digits = 2
				case r <= 0xFFFF:
					e.put('u')
					digits = 4
				default:
					e.put('U')
					digits = 8
				}
				for _, c := range fmt.Sprintf("%0*X", digits, r) {
					e.put(byte(c))
				}
			}
			spaces = false
		case s[i] == ' ':
			if allowBreaks && !spaces && e.column > yamlBestWidth && i > 0 && i < len(s)-1 {
				e.writeIndent()
				if s[i+1] == ' ' {
					e.put('\\')
				}
				i++
			} else {
				e.writeChar(s, &i)
			}
			spaces = true
		default:
			e.writeChar(s, &i)
			spaces = false
		}
	}
	e.writeIndicator("\"", false, false, false)
	e.whitespace = false
	e.indention = false
}

func (e *yamlEmitter) literal(s string) {
	e.writeIndicator("|", true, false, false)
	if len(s) > 0 && (s[0] == ' ' || isBreakAt(s, 0)) {
		e.writeIndicator(strconv.Itoa(yamlIndent), false, false, false)
	}
	if chomp := literalChomp(s); chomp != "" {
		e.writeIndicator(chomp, false, false, false)
	}
	e.putBreak()
	e.indention = true
	e.whitespace = true
	breaks := true
	for i := 0; i < len(s); {
		if isBreakAt(s, i) {
			e.writeBreakChar(s, &i)
			e.indention = true
			breaks = true
			continue
		}
		if breaks {
			e.writeIndent()
		}
		e.writeChar(s, &i)
		e.indention = false
		breaks = false
	}
}

// literalChomp returns the chomping indicator for a literal block.
func literalChomp(s string) string {
	if s == "" {
		return "-"
	}
	i := len(s) - 1
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	if !isBreakAt(s, i) {
		return "-"
	}
	if i == 0 {
		return "+"
	}
	i--
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	if isBreakAt(s, i) {
		return "+"
	}
	return ""
}

// scalarAnalysis says which styles can represent a scalar.
type scalarAnalysis struct {
	multiline           bool
	blockPlainAllowed   bool
	singleQuotedAllowed bool
	blockAllowed        bool
}

func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{blockPlainAllowed: true, singleQuotedAllowed: true}
	}
	var blockIndicators, lineBreaks, special bool
	var leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockIndicators = true
	}
	precededByWhitespace := true
	prevSpace, prevBreak := false, false
	for i, w := 0, 0; i < len(s); i += w {
		w = charWidth(s[i])
		followedByWhitespace := i+w >= len(s) || s[i+w] == ' ' || s[i+w] == '\t'
		if i == 0 {
			switch s[i] {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				blockIndicators = true
			case '?', ':', '-':
				if followedByWhitespace {
					blockIndicators = true
				}
			}
		} else {
			switch s[i] {
			case ':':
				if followedByWhitespace {
					blockIndicators = true
				}
			case '#':
				if precededByWhitespace {
					blockIndicators = true
				}
			}
		}
		if !isPrintableAt(s, i) {
			special = true
		}
		switch {
		case s[i] == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i+w == len(s) {
				trailingSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isBreakAt(s, i):
			lineBreaks = true
			if i == 0 {
				leadingBreak = true
			}
			if i+w == len(s) {
				trailingBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByWhitespace = s[i] == ' ' || s[i] == '\t' || s[i] == 0 || isBreakAt(s, i)
	}
	a := scalarAnalysis{multiline: lineBreaks, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.blockPlainAllowed = false
	}
	if trailingSpace {
		a.blockAllowed = false
	}
	if breakSpace {
		a.blockPlainAllowed = false
		a.singleQuotedAllowed = false
	}
	if spaceBreak || special {
		a.blockPlainAllowed = false
		a.singleQuotedAllowed = false
		a.blockAllowed = false
	}
	if lineBreaks || blockIndicators {
		a.blockPlainAllowed = false
	}
	return a
}

// charWidth is the length of the UTF-8 sequence starting with byte b.
func charWidth(b byte) int {
	switch {
	case b&0x80 == 0x00:
		return 1
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	case b&0xF8 == 0xF0:
		return 4
	}
	return 1
}

func isBreakAt(s string, i int) bool {
	switch s[i] {
	case '\r', '\n':
		return true
	case 0xC2:
		return i+1 < len(s) && s[i+1] == 0x85
	case 0xE2:
		return i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9)
	}
	return false
}

// isPrintableAt follows the YAML printable character set as implemented by
// libyaml: no C0/C1 controls except LF, no BOM, nothing outside the BMP.
func isPrintableAt(s string, i int) bool {
	b := s[i]
	at := func(k int) byte {
		if i+k < len(s) {
			return s[i+k]
		}
		return 0
	}
	return b == 0x0A ||
		(b >= 0x20 && b <= 0x7E) ||
		(b == 0xC2 && at(1) >= 0xA0) ||
		(b > 0xC2 && b < 0xED) ||
		(b == 0xED && at(1) < 0xA0) ||
		b == 0xEE ||
		(b == 0xEF && !(at(1) == 0xBB && at(2) == 0xBF) && !(at(1) == 0xBF && (at(2) == 0xBE || at(2) == 0xBF)))
}
