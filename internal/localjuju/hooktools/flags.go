package hooktools

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// errHelp is returned by flagSet.parse when -h or --help was given and the
// tool does not define a flag of that name.
var errHelp = errors.New("help requested")

// flagValue is the value behind one or more flag names.
type flagValue interface {
	// Set parses and stores a value given on the command line.
	Set(s string) error
	// String returns the current value, used as the default in help.
	String() string
}

// boolFlag is a flag that needs no argument; --name=value still sets it.
type boolFlag struct{ p *bool }

func (b boolFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	*b.p = v
	return err
}

func (b boolFlag) String() string { return strconv.FormatBool(*b.p) }

// stringFlag stores its argument verbatim.
type stringFlag struct{ p *string }

func (s stringFlag) Set(v string) error { *s.p = v; return nil }

func (s stringFlag) String() string { return *s.p }

// funcFlag adapts a setter and a printer to flagValue.
type funcFlag struct {
	set func(string) error
	str func() string
}

func (f funcFlag) Set(s string) error { return f.set(s) }

func (f funcFlag) String() string { return f.str() }

// flagDef is one named flag of a tool.
type flagDef struct {
	name     string
	usage    string
	value    flagValue
	group    any // flags sharing a group are shown together in help
	defValue string
}

// flagSet is a GNU-style option parser that behaves like the gnuflag
// package used by Juju's hook tools: interspersed options, "--" ends the
// options, "-abc" is a cluster of short options, "--name=value" and
// "--name value" forms, and boolean options that take no argument unless it
// is attached with "=".
type flagSet struct {
	defs map[string]*flagDef
}

func newFlagSet() *flagSet {
	return &flagSet{defs: map[string]*flagDef{}}
}

// add registers value under name. group identifies the storage the flag
// writes to, so aliases (-r/--relation) are listed together in help.
func (fs *flagSet) add(name, usage string, value flagValue, group any) {
	fs.defs[name] = &flagDef{name: name, usage: usage, value: value, group: group, defValue: value.String()}
}

// boolVar registers a boolean option.
func (fs *flagSet) boolVar(p *bool, usage string, names ...string) {
	for i, n := range names {
		u := ""
		if i == 0 {
			u = usage
		}
		fs.add(n, u, boolFlag{p}, p)
	}
}

// stringVar registers an option taking a string argument.
func (fs *flagSet) stringVar(p *string, usage string, names ...string) {
	for i, n := range names {
		u := ""
		if i == 0 {
			u = usage
		}
		fs.add(n, u, stringFlag{p}, p)
	}
}

// funcVar registers an option whose argument is checked by set.
func (fs *flagSet) funcVar(group any, set func(string) error, str func() string, usage string, names ...string) {
	for i, n := range names {
		u := ""
		if i == 0 {
			u = usage
		}
		fs.add(n, u, funcFlag{set: set, str: str}, group)
	}
}

// optionName renders a flag name the way it was (or would be) written.
func optionName(name string) string {
	if len(name) > 1 {
		return "--" + name
	}
	return "-" + name
}

// parse splits args into options (applied to their values) and positional
// arguments. It returns errHelp for an undefined -h/--help.
func (fs *flagSet) parse(args []string) ([]string, error) {
	var positional []string
	pending := args
	cluster := "" // the rest of a "-abc" cluster, or "=value" after a long option
	for {
		var name string
		long := false
		switch {
		case cluster != "":
			_, n := utf8.DecodeRuneInString(cluster)
			name, cluster = cluster[:n], cluster[n:]
		case len(pending) == 0:
			return positional, nil
		default:
			a := pending[0]
			if a == "-" || a == "" || a[0] != '-' {
				positional = append(positional, a)
				pending = pending[1:]
				continue
			}
			if a == "--" {
				return append(positional, pending[1:]...), nil
			}
			pending = pending[1:]
			if a[1] == '-' {
				long = true
				if i := strings.Index(a, "="); i >= 0 {
					name, cluster = a[2:i], a[i:]
					if name == "" {
						return nil, fmt.Errorf("empty option in argument %q", a)
					}
				} else {
					name = a[2:]
				}
			} else {
				_, n := utf8.DecodeRuneInString(a[1:])
				name, cluster = a[1:1+n], a[1+n:]
			}
		}
		def, ok := fs.defs[name]
		if !ok {
			if name == "help" || name == "h" {
				return nil, errHelp
			}
			return nil, fmt.Errorf("option provided but not defined: %s", optionName(name))
		}
		if _, isBool := def.value.(boolFlag); isBool && !strings.HasPrefix(cluster, "=") {
			_ = def.value.Set("true")
			continue
		}
		var value string
		switch {
		case cluster != "":
			value = cluster
			if long {
				value = value[1:]
			}
			cluster = ""
		case len(pending) > 0:
			value, pending = pending[0], pending[1:]
		default:
			return nil, fmt.Errorf("option needs an argument: %s", optionName(name))
		}
		if err := def.value.Set(value); err != nil {
			return nil, fmt.Errorf("invalid value %q for option %s: %v", value, optionName(name), err)
		}
	}
}

// printDefaults writes the "Options:" section of a tool's help: aliases on
// one line, shortest name first, then the default and the usage text.
func (fs *flagSet) printDefaults(buf *bytes.Buffer) {
	groups := map[any][]*flagDef{}
	for _, d := range fs.defs {
		groups[d.group] = append(groups[d.group], d)
	}
	var lines [][]*flagDef
	for _, g := range groups {
		sort.Slice(g, func(i, j int) bool {
			if len(g[i].name) != len(g[j].name) {
				return len(g[i].name) < len(g[j].name)
			}
			return g[i].name < g[j].name
		})
		lines = append(lines, g)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][0].name < lines[j][0].name })
	for _, g := range lines {
		names := make([]string, len(g))
		for i, d := range g {
			names[i] = optionName(d.name)
		}
		head := strings.Join(names, ", ")
		if _, ok := g[0].value.(stringFlag); ok {
			fmt.Fprintf(buf, "%s (= %q)\n    %s\n", head, g[0].defValue, g[0].usage)
		} else {
			fmt.Fprintf(buf, "%s  (= %s)\n    %s\n", head, g[0].defValue, g[0].usage)
		}
	}
}

// toolInfo is the help text of a tool.
type toolInfo struct {
	name     string
	args     string
	purpose  string
	doc      string
	examples string
}

// help renders the usage text printed for -h/--help.
func (i toolInfo) help(fs *flagSet) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "Usage: %s", i.name)
	if len(fs.defs) > 0 {
		buf.WriteString(" [options]")
	}
	if i.args != "" {
		fmt.Fprintf(&buf, " %s", i.args)
	}
	buf.WriteString("\n")
	if i.purpose != "" {
		fmt.Fprintf(&buf, "\nSummary:\n%s\n", strings.TrimSpace(i.purpose))
	}
	if len(fs.defs) > 0 {
		buf.WriteString("\nOptions:\n")
		fs.printDefaults(&buf)
	}
	if i.doc != "" {
		fmt.Fprintf(&buf, "\nDetails:\n%s\n", strings.TrimSpace(i.doc))
	}
	if i.examples != "" {
		fmt.Fprintf(&buf, "\nExamples:\n%s", i.examples)
	}
	return buf.Bytes()
}

// checkEmpty rejects leftover positional arguments.
func checkEmpty(args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("unrecognized args: %q", args)
	}
	return nil
}

// parseKeyValues parses key=value arguments the way Juju's
// keyvalues.Parse(args, true) does: split at the first "=", trim both
// sides, reject a missing "=" or an empty key and repeated keys; empty
// values are allowed.
func parseKeyValues(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range args {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("expected \"key=value\", got %q", kv)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("key %q specified more than once", k)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}
