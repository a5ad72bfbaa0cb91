package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name   string
		before []byte // nil: no file yet
		data   []byte
		mode   os.FileMode
	}{
		{"new file", nil, []byte("one\n"), 0o600},
		{"replaces", []byte("old content\n"), []byte("new\n"), 0o644},
		{"empty", []byte("x"), nil, 0o640},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "state.json")
			if tt.before != nil {
				require.NoError(t, os.WriteFile(p, tt.before, 0o666))
			}
			require.NoError(t, Write(p, tt.data, tt.mode))
			got, err := os.ReadFile(p)
			require.NoError(t, err)
			assert.Equal(t, string(tt.data), string(got))
			fi, err := os.Stat(p)
			require.NoError(t, err)
			assert.Equal(t, tt.mode, fi.Mode().Perm())
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, entries, 1, "no temporary file left")
		})
	}
}

func TestWriteFailsInMissingDirectory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "missing", "f")
	err := Write(p, []byte("x"), 0o644)
	require.Error(t, err)
	assert.Contains(t, err.Error(), p)
}
