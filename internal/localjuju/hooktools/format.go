package hooktools

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v2"
)

// formatter renders a tool's result value.
type formatter func(value any) ([]byte, error)

// formatterFor returns the formatter for a --format name.
func formatterFor(name string) formatter {
	switch name {
	case "yaml":
		return formatYAML
	case "json":
		return formatJSON
	default:
		return formatSmart
	}
}

// formatYAML renders value as YAML with gopkg.in/yaml.v2, like Juju's
// cmd.FormatYaml: nil prints nothing, trailing newlines are collapsed into one.
func formatYAML(value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	out, err := yaml.Marshal(value)
	if err != nil {
		return nil, err
	}
	for i := len(out) - 1; i > 0 && out[i] == '\n'; i-- {
		out = out[:i]
	}
	if len(out) == 0 {
		return nil, nil
	}
	return append(out, '\n'), nil
}

// formatJSON renders value as compact JSON followed by a newline.
func formatJSON(value any) ([]byte, error) {
	out, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// formatSmart prints strings as they are, string lists one per line, bools
// as True/False and everything else as YAML; empty results print nothing.
func formatSmart(value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	var s string
	switch v := value.(type) {
	case string:
		s = v
	case []string:
		s = strings.Join(v, "\n")
	case bool:
		s = "False"
		if v {
			s = "True"
		}
	default:
		return formatYAML(value)
	}
	if s == "" {
		return nil, nil
	}
	return []byte(s + "\n"), nil
}

// output implements the --format and -o/--output options of a tool.
type output struct {
	format  string
	allowed []string
	path    string
}

// addFlags registers --format (with the given default and choices) and
// -o/--output.
func (o *output) addFlags(fs *flagSet, def string, allowed ...string) {
	if len(allowed) == 0 {
		allowed = []string{"json", "smart", "yaml"}
	}
	sort.Strings(allowed)
	o.format = def
	o.allowed = allowed
	fs.funcVar(&o.format, func(s string) error {
		for _, a := range o.allowed {
			if a == s {
				o.format = s
				return nil
			}
		}
		return fmt.Errorf("unknown format %q", s)
	}, func() string { return o.format },
		"Specify output format ("+strings.Join(allowed, "|")+")", "format")
	fs.stringVar(&o.path, "Specify an output file", "o", "output")
}

// write formats value and sends it to stdout or to the -o file.
func (o *output) write(rc *runContext, value any) error {
	data, err := formatterFor(o.format)(value)
	if err != nil {
		return err
	}
	if o.path == "" {
		rc.stdout.Write(data)
		return nil
	}
	path := o.path
	if !filepath.IsAbs(path) {
		path = filepath.Join(rc.dir, path)
	}
	return os.WriteFile(path, data, 0o666)
}
