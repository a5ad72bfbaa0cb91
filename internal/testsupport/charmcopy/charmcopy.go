// Package charmcopy copies a built charm, a .charm archive or a charm
// directory, into a new directory with its symbolic links and file modes,
// for the tests and tools that stage a charm to deploy.
//
// Layer testsupport (see internal/layers): it imports no project package
// outside testsupport; only tests and cmd/bench import it, never code that
// ships or the local model.
package charmcopy

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Charm copies the charm at src, a .charm archive or a charm directory, to
// dst.
func Charm(src, dst string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return Tree(src, dst)
	}
	return extract(src, dst)
}

// Tree copies the directory tree src to dst, recreating symbolic links
// instead of following them and keeping the permission bits of files.
func Tree(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case fi.IsDir():
			return os.MkdirAll(target, 0o755)
		case fi.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		}
		return File(p, target, fi.Mode().Perm())
	})
}

// File copies the file src to dst, created with mode or truncated.
func File(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// extract unpacks the zip archive src into dst, keeping symbolic links and
// modes (0644 for files the archive gives none). Entries naming dst itself
// or a path outside it are skipped.
func extract(src, dst string) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		name := filepath.Clean(f.Name)
		if name == "." || !filepath.IsLocal(name) {
			continue
		}
		if err := extractFile(f, filepath.Join(dst, name)); err != nil {
			return fmt.Errorf("extract %s: %w", f.Name, err)
		}
	}
	return nil
}

// extractFile writes the archive entry f to target.
func extractFile(f *zip.File, target string) error {
	mode := f.Mode()
	if mode.IsDir() {
		return os.MkdirAll(target, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	if mode&os.ModeSymlink != 0 {
		return os.Symlink(string(data), target)
	}
	perm := mode.Perm()
	if perm == 0 {
		perm = 0o644
	}
	return os.WriteFile(target, data, perm)
}
