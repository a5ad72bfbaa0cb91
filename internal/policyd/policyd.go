// Package policyd reads a policy override resource: a ZIP file of YAML
// policy files that OpenStack charms install in the service's policy.d
// directory (charm-helpers contrib/openstack/policyd.py), checked the same
// way before anything is written.
//
// The package is pure: it turns bytes into files or a reason and never
// performs I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package policyd

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Names charm-helpers' policyd uses.
const (
	// ConfigOption turns overrides on.
	ConfigOption = "use-policyd-override"
	// Resource is the ZIP file's resource name.
	Resource = "policyd-override"
	// PrefixOK and PrefixBroken start the workload message while overrides
	// are on: installed, or refused (nothing installed).
	PrefixOK     = "PO:"
	PrefixBroken = "PO (broken):"
)

// Limits on what is read; anything larger is refused.
const (
	maxZip  = 1 << 20
	maxFile = 256 << 10
	maxOpen = 64
)

// File is one policy file to install, named <base>.yaml.
type File struct {
	Name string
	Data []byte
}

// blacklisted are the policy keys overrides must never change (charm-helpers
// POLICYD_ALWAYS_BLACKLISTED_KEYS, which its code means to refuse).
func blacklisted() []string { return []string{"admin_required", "cloud_admin"} }

// Parse checks the ZIP file data and returns the files to install, sorted
// by name. Directories are flattened; only .yaml and .yml files are read
// (other files, and macOS "__MACOSX/" and dot files, are ignored). Each
// becomes <base>.yaml with its content unchanged, and must be one YAML
// mapping of strings to strings without a blacklisted key. No files, two
// files with the same base name, a template (.j2, .tmpl, .tpl: not
// supported) or any bad file refuses the whole ZIP.
func Parse(data []byte) ([]File, error) {
	if len(data) == 0 {
		return nil, errors.New("the resource is empty")
	}
	if len(data) > maxZip {
		return nil, fmt.Errorf("the resource is larger than %d bytes", maxZip)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errors.New("the resource is not a ZIP file")
	}
	var files []File
	from := map[string]string{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		base := path.Base(f.Name)
		ext := strings.ToLower(path.Ext(base))
		if strings.HasPrefix(base, ".") {
			continue
		}
		switch ext {
		case ".yaml", ".yml":
		case ".j2", ".tmpl", ".tpl":
			return nil, fmt.Errorf("%s is a template: templates are not supported", f.Name)
		default:
			continue
		}
		name := strings.TrimSuffix(base, path.Ext(base)) + ".yaml"
		if prev, ok := from[name]; ok {
			return nil, fmt.Errorf("%s and %s have the same name", prev, f.Name)
		}
		from[name] = f.Name
		if len(files) == maxOpen {
			return nil, fmt.Errorf("more than %d policy files", maxOpen)
		}
		content, err := readFile(f)
		if err != nil {
			return nil, err
		}
		if err := check(content); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		files = append(files, File{Name: name, Data: content})
	}
	if len(files) == 0 {
		return nil, errors.New("no .yaml or .yml file in the ZIP file")
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

func readFile(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > maxFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", f.Name, maxFile)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: cannot be read: %v", f.Name, err)
	}
	defer rc.Close()
	content, err := io.ReadAll(io.LimitReader(rc, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot be read: %v", f.Name, err)
	}
	if len(content) > maxFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", f.Name, maxFile)
	}
	return content, nil
}

// check requires one YAML document mapping strings to strings, without a
// blacklisted key.
func check(content []byte) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(content))
	if err := dec.Decode(&doc); err != nil {
		return errors.New("not valid YAML")
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		return errors.New("more than one YAML document")
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return errors.New("not a mapping of policy rules")
	}
	m := doc.Content[0]
	var bad []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
			return errors.New("a key is not a string")
		}
		if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			return fmt.Errorf("the rule of %s is not a string", k.Value)
		}
		for _, b := range blacklisted() {
			if k.Value == b {
				bad = append(bad, b)
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("blacklisted keys %s present", strings.Join(bad, ", "))
	}
	return nil
}
