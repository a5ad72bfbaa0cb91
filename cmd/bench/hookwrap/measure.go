package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// peakRSS reads VmHWM (kB) of a process stopped at exit.
func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// fileKey identifies one version of a file system entry.
type fileKey struct {
	ino, size, mtime, ctime int64
	mode                    uint32
	uid, gid                uint32
}

// snapshot lists every entry under root except the model's bookkeeping.
func snapshot(root string) map[string]fileKey {
	out := map[string]fileKey{}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if rel == machineState {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return nil
		}
		out["/"+rel] = fileKey{
			ino: int64(st.Ino), size: st.Size,
			mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(),
			mode: st.Mode, uid: st.Uid, gid: st.Gid,
		}
		return nil
	})
	return out
}

// changed lists the entries created or changed.
func changed(before, after map[string]fileKey) (written []string) {
	for p, k := range after {
		if b, ok := before[p]; !ok || b != k {
			written = append(written, p)
		}
	}
	return written
}
