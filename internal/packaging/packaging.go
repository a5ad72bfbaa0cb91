// Package packaging builds the charm's layout from its metadata: the hooks/
// and actions/ symlinks to the charm binary, and the panko.charm archive.
//
// Layer tooling (see internal/layers): it imports tooling and third-party
// modules only; only cmd/charmpack and tests import it, never the charm.
package packaging

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/juju/charm/v12"
)

// BinaryPath is where the charm binary lives inside the charm.
const BinaryPath = "bin/panko-charm"

// Link is one symlink of the charm layout: Path points at Target.
type Link struct {
	Path   string
	Target string
}

// Links returns every symlink the charm needs: dispatch, one per hook of the
// metadata and one per action, all pointing at the charm binary.
func Links(charmDir string) ([]Link, error) {
	meta, err := readMeta(charmDir)
	if err != nil {
		return nil, err
	}
	actions, err := readActions(charmDir, meta.Name)
	if err != nil {
		return nil, err
	}
	links := []Link{{Path: "dispatch", Target: BinaryPath}}
	var hooks []string
	for name := range meta.Hooks() {
		hooks = append(hooks, name)
	}
	sort.Strings(hooks)
	for _, h := range hooks {
		links = append(links, Link{Path: "hooks/" + h, Target: "../" + BinaryPath})
	}
	var names []string
	for name := range actions.ActionSpecs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, a := range names {
		links = append(links, Link{Path: "actions/" + a, Target: "../" + BinaryPath})
	}
	return links, nil
}

// Drift lists the differences between the committed hooks/ and actions/
// symlinks in charmDir and the ones the metadata calls for.
func Drift(charmDir string) ([]string, error) {
	want, err := Links(charmDir)
	if err != nil {
		return nil, err
	}
	var problems []string
	wanted := map[string]bool{}
	for _, l := range want {
		if l.Path == "dispatch" {
			continue
		}
		wanted[l.Path] = true
		got, err := os.Readlink(filepath.Join(charmDir, l.Path))
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: missing (want symlink to %s)", l.Path, l.Target))
		case got != l.Target:
			problems = append(problems, fmt.Sprintf("%s: points at %s, want %s", l.Path, got, l.Target))
		}
	}
	for _, dir := range []string{"hooks", "actions"} {
		entries, err := os.ReadDir(filepath.Join(charmDir, dir))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read %s: %w", dir, err)
		}
		for _, e := range entries {
			if p := dir + "/" + e.Name(); !wanted[p] {
				problems = append(problems, p+": not a hook or action of the metadata")
			}
		}
	}
	return problems, nil
}

// WriteLinks makes the hooks/ and actions/ symlinks of charmDir match the
// metadata, removing stale ones. dispatch is left to the archive.
func WriteLinks(charmDir string) error {
	links, err := Links(charmDir)
	if err != nil {
		return err
	}
	for _, dir := range []string{"hooks", "actions"} {
		if err := os.RemoveAll(filepath.Join(charmDir, dir)); err != nil {
			return fmt.Errorf("clear %s: %w", dir, err)
		}
		if err := os.MkdirAll(filepath.Join(charmDir, dir), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	for _, l := range links {
		if l.Path == "dispatch" {
			continue
		}
		if err := os.Symlink(l.Target, filepath.Join(charmDir, l.Path)); err != nil {
			return fmt.Errorf("link %s: %w", l.Path, err)
		}
	}
	return nil
}

// payload lists the files copied from the source tree into the charm.
func payload() []string {
	return []string{"metadata.yaml", "config.yaml", "actions.yaml", "manifest.yaml", "README.md", "LICENSE", "icon.svg"}
}

// Stage assembles the charm directory at stageDir from the source tree at
// srcDir and the built binary, ready to be archived.
func Stage(srcDir, binary, stageDir string) error {
	if err := os.RemoveAll(stageDir); err != nil {
		return fmt.Errorf("clear %s: %w", stageDir, err)
	}
	for _, name := range payload() {
		data, err := os.ReadFile(filepath.Join(srcDir, name))
		if errors.Is(err, os.ErrNotExist) && name != "metadata.yaml" {
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if err := writeFile(filepath.Join(stageDir, name), data, 0o644); err != nil {
			return err
		}
	}
	if err := copyTree(filepath.Join(srcDir, "templates"), filepath.Join(stageDir, "templates")); err != nil {
		return err
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		return fmt.Errorf("read binary: %w", err)
	}
	if err := writeFile(filepath.Join(stageDir, BinaryPath), bin, 0o755); err != nil {
		return err
	}
	links, err := Links(stageDir)
	if err != nil {
		return err
	}
	for _, l := range links {
		p := filepath.Join(stageDir, l.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(l.Path), err)
		}
		if err := os.Symlink(l.Target, p); err != nil {
			return fmt.Errorf("link %s: %w", l.Path, err)
		}
	}
	return nil
}

// Archive writes the staged charm directory as a .charm (zip) archive using
// Juju's own packer, so the result is what `juju deploy` would upload.
func Archive(stageDir string, w io.Writer) error {
	dir, err := charm.ReadCharmDir(stageDir)
	if err != nil {
		return fmt.Errorf("read charm %s: %w", stageDir, err)
	}
	if err := dir.ArchiveTo(w); err != nil {
		return fmt.Errorf("archive %s: %w", stageDir, err)
	}
	return nil
}

// IsStatic reports whether the ELF binary at path is statically linked: no
// program interpreter and no needed shared libraries.
func IsStatic(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return false, fmt.Errorf("read libraries of %s: %w", path, err)
	}
	return len(libs) == 0, nil
}

func readMeta(dir string) (*charm.Meta, error) {
	data, err := os.ReadFile(filepath.Join(dir, "metadata.yaml"))
	if err != nil {
		return nil, fmt.Errorf("read metadata: %w", err)
	}
	meta, err := charm.ReadMeta(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parse metadata: %w", err)
	}
	return meta, nil
}

func readActions(dir, name string) (*charm.Actions, error) {
	data, err := os.ReadFile(filepath.Join(dir, "actions.yaml"))
	if errors.Is(err, os.ErrNotExist) {
		return &charm.Actions{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read actions: %w", err)
	}
	actions, err := charm.ReadActionsYaml(name, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parse actions: %w", err)
	}
	return actions, nil
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Chmod(path, mode)
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && path == src {
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) == ".go" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		return writeFile(filepath.Join(dst, rel), data, 0o644)
	})
}
