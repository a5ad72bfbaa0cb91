package relfixture

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fatalRecorder is a testing.TB that records Fatalf instead of stopping.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
}

// withExpected is a fixture type that holds more than the relation.
type withExpected struct {
	Fixture
	Expected struct {
		Files int `json:"files"`
	} `json:"expected"`
}

func TestLoad(t *testing.T) {
	f := LoadFile[withExpected](t, filepath.Join("testdata", "relation.json"))

	assert.Equal(t, map[string]map[string]string{"panko/0": {"common_name": "a.example"}}, f.Local.Units)
	assert.Equal(t, map[string]map[string]string{"vault/0": {"ca": "CA", "chain": "CHAIN"}}, f.Remote.Units)
	assert.Equal(t, map[string]Variant{"override": {
		LocalUnitData:        map[string]string{"common_name": "b.example"},
		LocalUnitOverrides:   map[string]string{"sans": "[]"},
		RemoteUnitData:       map[string]string{"ca": "OTHER"},
		RemoteUnitOverrides:  map[string]string{"chain": ""},
		RemoteUnitRemoveKeys: []string{"chain"},
	}}, f.Variants)
	assert.Equal(t, 3, f.Expected.Files)
}

func TestReadFindsTheModuleFixtures(t *testing.T) {
	dir, err := Dir()
	require.NoError(t, err)
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, path := range names {
		f := Load[map[string]any](t, filepath.Base(path))
		assert.NotEmpty(t, f, filepath.Base(path))
	}
}

func TestLoadFails(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string
	}{
		{"missing file", "absent.json", "read fixture: open testdata/absent.json: no such file or directory"},
		{"wrong shape", "relation.json", "decode fixture relation.json: json: cannot unmarshal object into Go value of type []string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fatalRecorder{TB: t}

			LoadFile[[]string](r, filepath.Join("testdata", tt.file))

			assert.Equal(t, tt.want, r.fatal)
		})
	}
}
