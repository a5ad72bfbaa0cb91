// Package relfixture reads the recorded relation fixtures kept once for the
// whole module in testdata/relations/ at its root: the unit bags of both
// sides of a relation and named variants of them.
//
// Layer testsupport (see internal/layers): it imports no project package
// outside testsupport; only tests and cmd/bench import it, never code that
// ships or the local model.
package relfixture

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Side is one end of a recorded relation: each unit's relation data by unit
// name.
type Side struct {
	Units map[string]map[string]string `json:"units"`
}

// Variant is a named change to the recorded bags: replacement bags,
// overridden keys and removed keys of either side.
type Variant struct {
	LocalUnitData        map[string]string `json:"local_unit_data"`
	LocalUnitOverrides   map[string]string `json:"local_unit_overrides"`
	RemoteUnitData       map[string]string `json:"remote_unit_data"`
	RemoteUnitOverrides  map[string]string `json:"remote_unit_overrides"`
	RemoteUnitRemoveKeys []string          `json:"remote_unit_remove_keys"`
}

// Fixture is a recorded relation: both sides and the variants by name.
// Tests whose fixture holds more (expected results) embed it in their own
// type and read it with Load.
type Fixture struct {
	Local    Side               `json:"local"`
	Remote   Side               `json:"remote"`
	Variants map[string]Variant `json:"variants"`
}

// Read reads the recorded relation <name> of testdata/relations/, failing
// the test when it cannot be read.
func Read(t testing.TB, name string) Fixture {
	t.Helper()
	return Load[Fixture](t, name)
}

// Load decodes the recorded relation <name> of testdata/relations/ into a
// T, failing the test when the file cannot be read or is not JSON of that
// shape.
func Load[T any](t testing.TB, name string) T {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		var zero T
		t.Fatalf("read fixture: %v", err)
		return zero
	}
	return LoadFile[T](t, filepath.Join(dir, name))
}

// LoadFile decodes the JSON file at path into a T, failing the test when
// the file cannot be read or is not JSON of that shape.
func LoadFile[T any](t testing.TB, path string) T {
	t.Helper()
	var v T
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
		return v
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode fixture %s: %v", filepath.Base(path), err)
	}
	return v
}

// Dir returns the module's testdata/relations directory, found from the
// working directory (a package directory under go test) upwards.
func Dir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("fixture directory: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "relations"), nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("fixture directory: no go.mod above " + wd)
		}
	}
}
