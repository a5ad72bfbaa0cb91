// Package relfixture reads the recorded relation fixtures the relation tests
// keep in their package's testdata/ directory: the unit bags of both sides
// of a relation and named variants of them.
package relfixture

import (
	"encoding/json"
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

// Read reads the recorded relation testdata/<name> of the test's package,
// failing the test when it cannot be read.
func Read(t testing.TB, name string) Fixture {
	t.Helper()
	return Load[Fixture](t, name)
}

// Load decodes testdata/<name> of the test's package into a T, failing the
// test when the file cannot be read or is not JSON of that shape.
func Load[T any](t testing.TB, name string) T {
	t.Helper()
	var v T
	path := filepath.Join("testdata", name)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
		return v
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode fixture %s: %v", path, err)
	}
	return v
}
