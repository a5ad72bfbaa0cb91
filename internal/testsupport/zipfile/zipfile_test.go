package zipfile

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteReadsBack(t *testing.T) {
	p := Write(t, "r.zip", map[string]string{"b.yaml": "b: ''\n", "a/": "", "a/c.yml": "c: d\n"})

	raw, err := os.ReadFile(p)
	require.NoError(t, err)
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err)
	got := map[string]string{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		got[f.Name] = string(data)
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"a/", "a/c.yml", "b.yaml"}, names, "in name order")
	assert.Equal(t, "c: d\n", got["a/c.yml"])
	assert.True(t, zr.File[0].FileInfo().IsDir())
}
