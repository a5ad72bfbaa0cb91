package host

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// diskFile is a file's observable state in a test root.
type diskFile struct {
	data     string
	mode     fs.FileMode
	uid, gid int
}

// stat reads a file's state and inode.
func stat(t *testing.T, p string) (diskFile, uint64) {
	t.Helper()
	fi, err := os.Lstat(p)
	require.NoError(t, err)
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	return diskFile{string(data), fi.Mode() & modeBits, int(st.Uid), int(st.Gid)}, st.Ino
}

func TestWriteFile(t *testing.T) {
	// In testRoot, user/group "svc" and "daemon" have id 1 and "root" id 0.
	tests := []struct {
		name        string
		existing    *diskFile
		path        string
		data        string
		mode        fs.FileMode
		owner       string
		group       string
		needsRoot   bool
		wantChanged bool
		wantFile    diskFile
		wantNewFile bool // replaced by rename (new inode)
		wantErr     string
	}{
		{name: "new file in new directories", path: "/etc/panko/conf.d/panko.conf", data: "a=1\n", mode: 0o640,
			owner: "root", group: "root", wantChanged: true, wantFile: diskFile{"a=1\n", 0o640, 0, 0}, wantNewFile: true},
		{name: "same bytes mode and owner is a no-op", existing: &diskFile{"a=1\n", 0o640, 0, 0},
			path: "/etc/panko/panko.conf", data: "a=1\n", mode: 0o640, owner: "root", group: "root",
			wantChanged: false, wantFile: diskFile{"a=1\n", 0o640, 0, 0}},
		{name: "new content replaces atomically", existing: &diskFile{"a=1\n", 0o640, 0, 0},
			path: "/etc/panko/panko.conf", data: "a=2\n", mode: 0o640, owner: "root", group: "root",
			wantChanged: true, wantFile: diskFile{"a=2\n", 0o640, 0, 0}, wantNewFile: true},
		{name: "only mode differs: fixed in place", existing: &diskFile{"a=1\n", 0o644, 0, 0},
			path: "/etc/panko/panko.conf", data: "a=1\n", mode: 0o640, owner: "root", group: "root",
			wantChanged: true, wantFile: diskFile{"a=1\n", 0o640, 0, 0}},
		{name: "only group differs: fixed in place", existing: &diskFile{"a=1\n", 0o640, 0, 0}, needsRoot: true,
			path: "/etc/panko/panko.conf", data: "a=1\n", mode: 0o640, owner: "root", group: "svc",
			wantChanged: true, wantFile: diskFile{"a=1\n", 0o640, 0, 1}},
		{name: "owner and group of a new file", needsRoot: true,
			path: "/etc/haproxy/haproxy.cfg", data: "global\n", mode: 0o640, owner: "daemon", group: "svc",
			wantChanged: true, wantFile: diskFile{"global\n", 0o640, 1, 1}, wantNewFile: true},
		{name: "new content and new owner", existing: &diskFile{"old", 0o600, 0, 0}, needsRoot: true,
			path: "/etc/x", data: "new", mode: 0o644, owner: "svc", group: "svc",
			wantChanged: true, wantFile: diskFile{"new", 0o644, 1, 1}, wantNewFile: true},
		{name: "empty content", path: "/etc/empty", data: "", mode: 0o600, owner: "root", group: "root",
			wantChanged: true, wantFile: diskFile{"", 0o600, 0, 0}, wantNewFile: true},
		{name: "unknown user", path: "/etc/panko/panko.conf", data: "x", mode: 0o640, owner: "panko", group: "root",
			wantErr: `write /etc/panko/panko.conf: user "panko": no such entry in /etc/passwd`},
		{name: "unknown group", path: "/etc/panko/panko.conf", data: "x", mode: 0o640, owner: "root", group: "panko",
			wantErr: `write /etc/panko/panko.conf: group "panko": no such entry in /etc/group`},
		{name: "bad uid in passwd", path: "/etc/x", data: "x", mode: 0o640, owner: "broken", group: "root",
			wantErr: `user "broken": bad id "notanumber" in passwd`},
		{name: "owner required", path: "/etc/x", data: "x", mode: 0o640, owner: "", group: "root",
			wantErr: "owner and group are required"},
		{name: "relative path", path: "etc/x", data: "x", mode: 0o640, owner: "root", group: "root",
			wantErr: `path "etc/x" is not absolute`},
		{name: "dot-dots stay inside the root", path: "/../../etc/inside", data: "x", mode: 0o600, owner: "root",
			group: "root", wantChanged: true, wantFile: diskFile{"x", 0o600, 0, 0}, wantNewFile: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.needsRoot || tt.wantErr == "" || tt.existing != nil) && os.Geteuid() != 0 {
				need.Skip(t, "ownership checks need root")
			}
			root := testRoot(t)
			full := filepath.Join(root, filepath.Clean(tt.path))
			var oldIno uint64
			if tt.existing != nil {
				require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
				require.NoError(t, os.WriteFile(full, []byte(tt.existing.data), 0o600))
				require.NoError(t, os.Chown(full, tt.existing.uid, tt.existing.gid))
				require.NoError(t, os.Chmod(full, tt.existing.mode))
				_, oldIno = stat(t, full)
			}
			changed, err := New(root).WriteFile(tt.path, []byte(tt.data), tt.mode, tt.owner, tt.group)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.False(t, changed)
				if tt.existing == nil {
					assert.NoFileExists(t, full)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantChanged, changed)
			got, ino := stat(t, full)
			assert.Equal(t, tt.wantFile, got)
			if tt.existing != nil {
				assert.Equal(t, tt.wantNewFile, ino != oldIno, "replaced by rename")
			}
			assertNoTemporaries(t, filepath.Dir(full))
		})
	}
}

func TestWriteFileCreatesDirectories0755DespiteUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	root := testRoot(t)
	owner, group := "root", "root"
	if os.Geteuid() != 0 {
		need.Skip(t, "needs root to own files as root")
	}
	_, err := New(root).WriteFile("/var/lib/panko/a/b", []byte("x"), 0o644, owner, group)
	require.NoError(t, err)
	for _, d := range []string{"var/lib/panko", "var/lib/panko/a"} {
		fi, err := os.Stat(filepath.Join(root, d))
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o755), fi.Mode().Perm(), d)
	}
	fi, err := os.Stat(filepath.Join(root, "var/lib/panko/a/b"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644), fi.Mode().Perm())
}

func TestWriteFileOnDirectory(t *testing.T) {
	root := testRoot(t)
	_, err := New(root).WriteFile("/etc", []byte("x"), 0o644, "root", "root")
	assert.EqualError(t, err, "write /etc: is a directory")
}

func TestWriteFileNoOpKeepsModificationTime(t *testing.T) {
	if os.Geteuid() != 0 {
		need.Skip(t, "needs root to own files as root")
	}
	root := testRoot(t)
	h := New(root)
	_, err := h.WriteFile("/etc/a", []byte("x"), 0o640, "root", "svc")
	require.NoError(t, err)
	p := filepath.Join(root, "etc/a")
	past := mustParseTime(t, "2001-02-03T04:05:06Z")
	require.NoError(t, os.Chtimes(p, past, past))
	changed, err := h.WriteFile("/etc/a", []byte("x"), 0o640, "root", "svc")
	require.NoError(t, err)
	assert.False(t, changed)
	fi, err := os.Stat(p)
	require.NoError(t, err)
	assert.True(t, fi.ModTime().Equal(past), "file was not touched")
}

// assertNoTemporaries checks that dir holds no hidden (temporary) entries.
func assertNoTemporaries(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), "."), "temporary %s left behind", e.Name())
	}
}

// mustParseTime parses an RFC 3339 time.
func mustParseTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return tm
}

// TestLinksExistAndRemove: a link counts as existing even when it dangles,
// and Remove removes the link, not its target.
func TestLinksExistAndRemove(t *testing.T) {
	for _, target := range []string{"../a", "/nowhere"} {
		t.Run(target, func(t *testing.T) {
			root := testRoot(t)
			require.NoError(t, os.WriteFile(filepath.Join(root, "etc/a"), []byte("x"), 0o644))
			require.NoError(t, os.Symlink(target, filepath.Join(root, "etc/l")))
			h := New(root)
			assert.True(t, h.Exists("/etc/l"), "a dangling link exists")
			removed, err := h.Remove("/etc/l")
			require.NoError(t, err)
			assert.True(t, removed)
			assert.False(t, h.Exists("/etc/l"))
			assert.True(t, h.Exists("/etc/a"), "the target stays")
			removed, err = h.Remove("/etc/l")
			require.NoError(t, err)
			assert.False(t, removed, "second remove changes nothing")
		})
	}
}

func TestReadFile(t *testing.T) {
	root := testRoot(t)
	h := New(root)
	data, err := h.ReadFile("/etc/group")
	require.NoError(t, err)
	assert.Contains(t, string(data), "svc:x:1:")
	_, err = h.ReadFile("/etc/missing")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "read /etc/missing")
	_, err = h.ReadFile("etc/group")
	assert.EqualError(t, err, `read file: path "etc/group" is not absolute`)
	assert.False(t, h.Exists("etc/group"), "relative paths never exist")
}

func TestWriteFileClearsStaleTemporaryFiles(t *testing.T) {
	root := testRoot(t)
	h := New(root)
	dir := filepath.Join(root, "etc/panko")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	stale := filepath.Join(dir, ".panko.conf.tmp123456")
	require.NoError(t, os.WriteFile(stale, []byte("half"), 0o600))
	_, err := h.WriteFile("/etc/panko/panko.conf", []byte("x\n"), 0o644, "root", "root")
	require.NoError(t, err)
	_, err = os.Stat(stale)
	assert.True(t, os.IsNotExist(err), "stale temporary file removed")
}
