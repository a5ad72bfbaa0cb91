package host

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// modeBits are the parts of a file mode WriteFile sets and compares.
const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// dirMode is the mode of directories WriteFile creates.
const dirMode fs.FileMode = 0o755

// full maps an absolute path in the unit's view to the path on this machine.
func (r *Real) full(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("path %q is not absolute", path)
	}
	return filepath.Join(r.root, filepath.Clean(path)), nil
}

// WriteFile writes data to path atomically with mode and owner:group (see Host.WriteFile).
func (r *Real) WriteFile(path string, data []byte, mode fs.FileMode, owner, group string) (bool, error) {
	full, err := r.full(path)
	if err != nil {
		return false, fmt.Errorf("write file: %w", err)
	}
	uid, gid, err := r.ids(owner, group)
	if err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	mode &= modeBits
	fi, err := os.Lstat(full)
	switch {
	case err == nil && fi.Mode().IsRegular():
		cur, rerr := os.ReadFile(full)
		if rerr != nil {
			return false, fmt.Errorf("write %s: %w", path, rerr)
		}
		curUID, curGID := fileIDs(fi)
		sameOwner := curUID == uid && curGID == gid
		sameMode := fi.Mode()&modeBits == mode
		if bytes.Equal(cur, data) {
			if sameOwner && sameMode {
				return false, nil
			}
			if err := fixAttrs(full, fi, uid, gid, mode); err != nil {
				return false, fmt.Errorf("write %s: %w", path, err)
			}
			return true, nil
		}
	case err == nil && fi.IsDir():
		return false, fmt.Errorf("write %s: is a directory", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := writeAtomic(full, data, mode, uid, gid); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	return true, nil
}

// fixAttrs sets ownership (when it differs) and then mode, since chown may clear set-id bits.
func fixAttrs(full string, fi fs.FileInfo, uid, gid int, mode fs.FileMode) error {
	curUID, curGID := fileIDs(fi)
	if curUID != uid || curGID != gid {
		if err := os.Lchown(full, uid, gid); err != nil {
			return err
		}
	}
	return os.Chmod(full, mode)
}

// writeAtomic writes a temporary file next to full, syncs it, sets its attributes, renames it
// over full and syncs the directory.
func writeAtomic(full string, data []byte, mode fs.FileMode, uid, gid int) (err error) {
	dir := filepath.Dir(full)
	if err := mkdirAll(dir); err != nil {
		return err
	}
	// A write killed before its rename leaves a temporary file: clear them.
	if stale, _ := filepath.Glob(filepath.Join(dir, "."+filepath.Base(full)+".tmp*")); len(stale) > 0 {
		for _, f := range stale {
			_ = os.Remove(f)
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(full)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	fi, err := tmp.Stat()
	if err != nil {
		return err
	}
	if curUID, curGID := fileIDs(fi); curUID != uid || curGID != gid {
		if err = tmp.Chown(uid, gid); err != nil {
			return err
		}
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), full); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return serr
	}
	return cerr
}

// mkdirAll creates dir and its missing parents with mode 0755 regardless of the umask.
func mkdirAll(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, dirMode); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	}
	return os.Chmod(dir, dirMode)
}

// fileIDs returns the owner uid and gid of fi.
func fileIDs(fi fs.FileInfo) (int, int) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, -1
	}
	return int(st.Uid), int(st.Gid)
}

// ReadFile returns the content of path.
func (r *Real) ReadFile(path string) ([]byte, error) {
	full, err := r.full(path)
	if err != nil {
		return nil, fmt.Errorf("read file: %w", err)
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}

// Remove deletes path; changed=false when it did not exist.
func (r *Real) Remove(path string) (bool, error) {
	full, err := r.full(path)
	if err != nil {
		return false, fmt.Errorf("remove: %w", err)
	}
	if _, err := os.Lstat(full); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err := os.Remove(full); err != nil {
		return false, fmt.Errorf("remove %s: %w", path, err)
	}
	return true, nil
}

// Exists reports whether path exists (without following a final symlink).
func (r *Real) Exists(path string) bool {
	full, err := r.full(path)
	if err != nil {
		return false
	}
	_, err = os.Lstat(full)
	return err == nil
}

// ids resolves owner and group in the root's /etc/passwd and /etc/group.
func (r *Real) ids(owner, group string) (int, int, error) {
	if owner == "" || group == "" {
		return 0, 0, errors.New("owner and group are required")
	}
	uid, err := lookupID(filepath.Join(r.root, "etc/passwd"), owner)
	if err != nil {
		return 0, 0, fmt.Errorf("user %q: %w", owner, err)
	}
	gid, err := lookupID(filepath.Join(r.root, "etc/group"), group)
	if err != nil {
		return 0, 0, fmt.Errorf("group %q: %w", group, err)
	}
	return uid, gid, nil
}

// errNoSuchEntry is returned by lookupID when the name is not in the file.
var errNoSuchEntry = errors.New("no such entry")

// lookupID returns the numeric id (third field) of name in a passwd- or group-format file.
func lookupID(file, name string) (int, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 || fields[0] != name {
			continue
		}
		id, err := strconv.Atoi(fields[2])
		if err != nil {
			return 0, fmt.Errorf("bad id %q in %s", fields[2], filepath.Base(file))
		}
		return id, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%w in /etc/%s", errNoSuchEntry, filepath.Base(file))
}
