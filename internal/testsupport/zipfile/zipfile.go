// Package zipfile builds ZIP files for tests (policy override resources).
// Only tests import it.
//
// Layer testsupport (see internal/layers): it imports no project package
// outside testsupport; only tests and cmd/bench import it, never code that
// ships or the local model.
package zipfile

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Bytes returns a ZIP file of name -> content, in name order (a name
// ending in "/" is a directory).
func Bytes(t testing.TB, files map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		fw, err := w.Create(n)
		if err != nil {
			t.Fatalf("zip %s: %v", n, err)
		}
		if _, err := fw.Write([]byte(files[n])); err != nil {
			t.Fatalf("zip %s: %v", n, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("zip: %v", err)
	}
	return buf.Bytes()
}

// Write writes Bytes(files) to <a temporary directory>/name and returns its
// path.
func Write(t testing.TB, name string, files map[string]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, Bytes(t, files), 0o644); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	return p
}
