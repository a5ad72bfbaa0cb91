package packaging

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/juju/charm/v12"
)

// Generated documentation files, relative to the charm directory.
const (
	ConfigDoc  = "docs/config.md"
	ActionsDoc = "docs/actions.md"
)

// ConfigMarkdown renders docs/config.md from config.yaml: every option with
// its type, default and description.
func ConfigMarkdown(charmDir string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(charmDir, "config.yaml"))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := charm.ReadConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	names := make([]string, 0, len(cfg.Options))
	for name := range cfg.Options {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Configuration options\n\n")
	b.WriteString("Generated from `config.yaml` by `make docs`; a test fails when it drifts.\n")
	b.WriteString("Set an option with `juju config panko <option>=<value>`.\n\n")
	b.WriteString("| option | type | default |\n|---|---|---|\n")
	for _, name := range names {
		o := cfg.Options[name]
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", name, anchor(name), o.Type, defaultText(o.Default))
	}
	for _, name := range names {
		o := cfg.Options[name]
		fmt.Fprintf(&b, "\n## %s\n\n*%s*, default %s.\n\n%s\n", name, o.Type, defaultText(o.Default), strings.TrimSpace(o.Description))
	}
	return []byte(b.String()), nil
}

// ActionsMarkdown renders docs/actions.md from actions.yaml.
func ActionsMarkdown(charmDir string) ([]byte, error) {
	actions, err := readActions(charmDir, "panko")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(actions.ActionSpecs))
	for name := range actions.ActionSpecs {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Actions\n\n")
	b.WriteString("Generated from `actions.yaml` by `make docs`; a test fails when it drifts.\n")
	b.WriteString("Run an action with `juju run panko/0 <action> [param=value …]` (Juju 2.9: `juju run-action panko/0 <action> --wait`).\n")
	for _, name := range names {
		spec := actions.ActionSpecs[name]
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", name, strings.TrimSpace(spec.Description))
		props, _ := spec.Params["properties"].(map[string]interface{})
		if len(props) == 0 {
			continue
		}
		params := make([]string, 0, len(props))
		for p := range props {
			params = append(params, p)
		}
		sort.Strings(params)
		b.WriteString("\n| parameter | type | default | description |\n|---|---|---|---|\n")
		for _, p := range params {
			def, _ := props[p].(map[string]interface{})
			desc := strings.Join(strings.Fields(fmt.Sprint(def["description"])), " ")
			fmt.Fprintf(&b, "| `%s` | %v | %s | %s |\n", p, def["type"], defaultText(def["default"]), desc)
		}
	}
	return []byte(b.String()), nil
}

// WriteDocs regenerates the generated documentation files.
func WriteDocs(charmDir string) error {
	for path, gen := range docGenerators() {
		data, err := gen(charmDir)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(charmDir, path), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// DocsDrift lists the generated documentation files that differ from what
// config.yaml and actions.yaml give.
func DocsDrift(charmDir string) ([]string, error) {
	var drift []string
	for path, gen := range docGenerators() {
		want, err := gen(charmDir)
		if err != nil {
			return nil, err
		}
		got, err := os.ReadFile(filepath.Join(charmDir, path))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if !bytes.Equal(got, want) {
			drift = append(drift, path)
		}
	}
	sort.Strings(drift)
	return drift, nil
}

func docGenerators() map[string]func(string) ([]byte, error) {
	return map[string]func(string) ([]byte, error){ConfigDoc: ConfigMarkdown, ActionsDoc: ActionsMarkdown}
}

func defaultText(v interface{}) string {
	switch v := v.(type) {
	case nil:
		return "unset"
	case string:
		if v == "" {
			return `""`
		}
		return "`" + v + "`"
	}
	return fmt.Sprintf("`%v`", v)
}

func anchor(name string) string {
	return strings.ToLower(strings.NewReplacer("_", "", ".", "").Replace(name))
}
