package hosttest

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// clean checks that p is absolute and cleans it.
func clean(p string) (string, error) {
	if !path.IsAbs(p) {
		return "", fmt.Errorf("path %q is not absolute", p)
	}
	return path.Clean(p), nil
}

// isDir reports whether p is a directory: explicit, or the parent of a file or link.
// f.mu must be held.
func (f *Fake) isDir(p string) bool {
	if p == "/" || f.dirs[p] {
		return true
	}
	prefix := p + "/"
	for q := range f.files {
		if strings.HasPrefix(q, prefix) {
			return true
		}
	}
	for q := range f.links {
		if strings.HasPrefix(q, prefix) {
			return true
		}
	}
	return false
}

// WriteFile writes the file unless content, mode and ownership already match; owner and group
// must exist (installing panko creates the panko user, as on Ubuntu).
func (f *Fake) WriteFile(p string, data []byte, mode fs.FileMode, owner, group string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("write " + p)
	p, err := clean(p)
	if err != nil {
		return false, fmt.Errorf("write file: %w", err)
	}
	switch {
	case owner == "" || group == "":
		return false, fmt.Errorf("write %s: owner and group are required", p)
	case !f.users[owner]:
		return false, fmt.Errorf("write %s: user %q: no such entry in /etc/passwd", p, owner)
	case !f.groups[group]:
		return false, fmt.Errorf("write %s: group %q: no such entry in /etc/group", p, group)
	case f.isDir(p):
		return false, fmt.Errorf("write %s: is a directory", p)
	}
	want := File{Data: append([]byte(nil), data...), Mode: mode & modeBits, Owner: owner, Group: group}
	if cur, ok := f.files[p]; ok && bytes.Equal(cur.Data, want.Data) && cur.Mode == want.Mode &&
		cur.Owner == owner && cur.Group == group {
		return false, nil
	}
	delete(f.links, p)
	f.mkdirs(path.Dir(p))
	f.files[p] = want
	f.writes++
	return true, nil
}

// resolve follows links from p (at most 40, like the kernel). f.mu must be held.
func (f *Fake) resolve(p string) (string, bool) {
	for i := 0; i < 40; i++ {
		t, ok := f.links[p]
		if !ok {
			return p, true
		}
		if path.IsAbs(t) {
			p = path.Clean(t)
		} else {
			p = path.Join(path.Dir(p), t)
		}
	}
	return "", false
}

// ReadFile returns the content of the file at p, following links.
func (f *Fake) ReadFile(p string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp, err := clean(p)
	if err != nil {
		return nil, fmt.Errorf("read file: %w", err)
	}
	target, ok := f.resolve(cp)
	if !ok {
		return nil, fmt.Errorf("read %s: too many levels of symbolic links", cp)
	}
	file, ok := f.files[target]
	if !ok {
		if f.isDir(target) {
			return nil, fmt.Errorf("read %s: is a directory", cp)
		}
		return nil, fmt.Errorf("read %s: %w", cp, fs.ErrNotExist)
	}
	return append([]byte(nil), file.Data...), nil
}

// Remove deletes a file, a link or an empty directory.
func (f *Fake) Remove(p string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("remove " + p)
	p, err := clean(p)
	if err != nil {
		return false, fmt.Errorf("remove: %w", err)
	}
	return f.remove(p)
}

// remove deletes p. f.mu must be held.
func (f *Fake) remove(p string) (bool, error) {
	if _, ok := f.files[p]; ok {
		delete(f.files, p)
		return true, nil
	}
	if _, ok := f.links[p]; ok {
		delete(f.links, p)
		return true, nil
	}
	if f.isDir(p) {
		delete(f.dirs, p)
		if f.isDir(p) {
			f.dirs[p] = true
			return false, fmt.Errorf("remove %s: directory not empty", p)
		}
		return true, nil
	}
	return false, nil
}

// symlink makes p a link to target. f.mu must be held.
func (f *Fake) symlink(target, p string) (bool, error) {
	switch {
	case target == "":
		return false, fmt.Errorf("symlink %s: empty target", p)
	case f.isDir(p):
		return false, fmt.Errorf("symlink %s: is a directory", p)
	}
	if cur, ok := f.links[p]; ok && cur == target {
		return false, nil
	}
	delete(f.files, p)
	f.mkdirs(path.Dir(p))
	f.links[p] = target
	return true, nil
}

// Exists reports whether p is a file, a link or a directory.
func (f *Fake) Exists(p string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := clean(p)
	if err != nil {
		return false
	}
	_, isFile := f.files[p]
	_, isLink := f.links[p]
	return isFile || isLink || f.isDir(p)
}
