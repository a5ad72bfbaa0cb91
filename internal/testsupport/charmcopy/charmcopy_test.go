package charmcopy

import (
	"archive/zip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entry is one path of a charm: a directory, a file with its mode and
// content, or a symbolic link with its target.
type entry struct {
	name   string
	mode   fs.FileMode
	data   string // file content or link target
	noMode bool   // archive only: the entry carries no permission bits
}

// charmEntries is a small charm: an executable, a data file, links to the
// executable and an empty directory.
func charmEntries() []entry {
	return []entry{
		{name: "bin", mode: fs.ModeDir | 0o755},
		{name: "bin/panko-charm", mode: 0o755, data: "#!/bin/sh\n"},
		{name: "metadata.yaml", mode: 0o644, data: "name: panko\n"},
		{name: "dispatch", mode: fs.ModeSymlink | 0o777, data: "bin/panko-charm"},
		{name: "hooks", mode: fs.ModeDir | 0o755},
		{name: "hooks/install", mode: fs.ModeSymlink | 0o777, data: "../bin/panko-charm"},
		{name: "empty", mode: fs.ModeDir | 0o755},
	}
}

// writeDir creates entries under dir.
func writeDir(t *testing.T, dir string, entries []entry) {
	t.Helper()
	for _, e := range entries {
		p := filepath.Join(dir, e.name)
		switch {
		case e.mode.IsDir():
			require.NoError(t, os.MkdirAll(p, 0o755))
		case e.mode&fs.ModeSymlink != 0:
			require.NoError(t, os.Symlink(e.data, p))
		default:
			require.NoError(t, os.WriteFile(p, []byte(e.data), e.mode.Perm()))
			require.NoError(t, os.Chmod(p, e.mode.Perm()))
		}
	}
}

// writeZip creates a zip archive at path holding entries in order.
func writeZip(t *testing.T, path string, entries []entry) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode.IsDir() {
			h.Name += "/"
		}
		if e.noMode {
			h.CreatorVersion = 3 << 8 // unix, with no mode bits
		} else {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write([]byte(e.data))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
}

// listing describes every path under dir: "dir", "file <mode> <content>" or
// "link <target>".
func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			out[rel] = "dir"
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link " + target
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("file %o %s", fi.Mode().Perm(), data)
		}
		return nil
	}))
	return out
}

// wantCharm is the listing of a copy of charmEntries.
func wantCharm() map[string]string {
	return map[string]string{
		"bin":             "dir",
		"bin/panko-charm": "file 755 #!/bin/sh\n",
		"metadata.yaml":   "file 644 name: panko\n",
		"dispatch":        "link bin/panko-charm",
		"hooks":           "dir",
		"hooks/install":   "link ../bin/panko-charm",
		"empty":           "dir",
	}
}

func TestCharm(t *testing.T) {
	tests := []struct {
		name    string
		archive bool
		entries []entry
		want    map[string]string
	}{
		{"charm directory", false, charmEntries(), wantCharm()},
		{"charm archive", true, charmEntries(), wantCharm()},
		{"archive entries naming the destination or outside it are skipped", true, []entry{
			{name: "../outside", mode: 0o644, data: "x"},
			{name: "a/../../outside", mode: 0o644, data: "x"},
			{name: "/absolute", mode: 0o644, data: "x"},
			{name: ".", mode: 0o644, data: "x"},
			{name: "kept", mode: 0o600, data: "y"},
		}, map[string]string{"kept": "file 600 y"}},
		{"archive file without mode bits, its directory not listed", true, []entry{
			{name: "templates/panko.conf", data: "z", noMode: true},
		}, map[string]string{"templates": "dir", "templates/panko.conf": "file 644 z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work := t.TempDir()
			src := filepath.Join(work, "src")
			if tt.archive {
				src += ".charm"
				writeZip(t, src, tt.entries)
			} else {
				require.NoError(t, os.Mkdir(src, 0o755))
				writeDir(t, src, tt.entries)
			}
			dst := filepath.Join(work, "stage", "panko")

			err := Charm(src, dst)

			require.NoError(t, err)
			assert.Equal(t, tt.want, listing(t, dst))
			_, err = os.Lstat(filepath.Join(work, "outside"))
			assert.True(t, os.IsNotExist(err), "nothing written outside the destination")
		})
	}
}

func TestCharmErrors(t *testing.T) {
	work := t.TempDir()
	notZip := filepath.Join(work, "not-a.charm")
	require.NoError(t, os.WriteFile(notZip, []byte("plain text"), 0o644))
	taken := filepath.Join(work, "taken.charm")
	writeZip(t, taken, []entry{{name: "dispatch", mode: 0o644, data: "x"}})
	busy := filepath.Join(work, "busy")
	require.NoError(t, os.MkdirAll(filepath.Join(busy, "dispatch"), 0o755))
	tests := []struct {
		name string
		src  string
		dst  string
		want string
	}{
		{"missing source", filepath.Join(work, "absent"), filepath.Join(work, "d1"), "stat " + filepath.Join(work, "absent") + ": no such file or directory"},
		{"not an archive", notZip, filepath.Join(work, "d2"), "zip: not a valid zip file"},
		{"entry over a directory", taken, busy, "extract dispatch: open " + filepath.Join(busy, "dispatch") + ": is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Charm(tt.src, tt.dst)

			require.EqualError(t, err, tt.want)
		})
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	require.NoError(t, os.WriteFile(src, []byte("new"), 0o644))
	tests := []struct {
		name     string
		existing string // content already at dst; "" for none
		mode     fs.FileMode
		wantMode fs.FileMode
	}{
		{"created with the mode", "", 0o750, 0o750},
		{"existing file truncated, its mode kept", "older and longer", 0o755, 0o600},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(dir, fmt.Sprintf("dst%d", i))
			if tt.existing != "" {
				require.NoError(t, os.WriteFile(dst, []byte(tt.existing), 0o600))
			}

			err := File(src, dst, tt.mode)

			require.NoError(t, err)
			data, err := os.ReadFile(dst)
			require.NoError(t, err)
			assert.Equal(t, "new", string(data))
			fi, err := os.Stat(dst)
			require.NoError(t, err)
			assert.Equal(t, tt.wantMode, fi.Mode().Perm())
		})
	}
}
