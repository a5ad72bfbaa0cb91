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
	"time"
)

func tvUS(tv syscall.Timeval) int64 { return tv.Sec*1_000_000 + tv.Usec }

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

// clockTick is the unit of /proc/<pid>/stat times (USER_HZ on Linux).
const clockTick = 10 * time.Millisecond

// selfTimes reads the user and system time (µs) of a process stopped at
// exit, its children excluded.
func selfTimes(pid int) (user, sys int64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0
	}
	f := strings.Fields(s[i+1:])
	// After the command: state is field 3, utime field 14, stime field 15.
	if len(f) < 13 {
		return 0, 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	tick := clockTick.Microseconds()
	return ut * tick, st * tick
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

// diff lists the entries created or changed, and those removed.
func diff(before, after map[string]fileKey) (written, removed []string) {
	for p, k := range after {
		if b, ok := before[p]; !ok || b != k {
			written = append(written, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			removed = append(removed, p)
		}
	}
	return written, removed
}
