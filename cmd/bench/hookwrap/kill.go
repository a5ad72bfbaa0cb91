package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// killOrder is a parsed kill/<unit> file.
type killOrder struct {
	// afterUS is the delay in microseconds (0: no kill).
	afterUS int64
	// dirs, when set, start the delay at the first change in them.
	dirs []string
}

// takeKill consumes the kill order for unit.
func takeKill(control, unit string) killOrder {
	if unit == "" {
		return killOrder{}
	}
	p := filepath.Join(control, killDir, strings.ReplaceAll(unit, "/", "-"))
	taken := p + ".taken"
	if err := os.Rename(p, taken); err != nil {
		return killOrder{}
	}
	raw, err := os.ReadFile(taken)
	os.Remove(taken)
	if err != nil {
		return killOrder{}
	}
	return parseKill(strings.TrimSpace(string(raw)))
}

// parseKill reads "<µs>" or "write:<µs>:<dir>,<dir>...".
func parseKill(s string) killOrder {
	var o killOrder
	if rest, ok := strings.CutPrefix(s, "write:"); ok {
		delay, dirs, _ := strings.Cut(rest, ":")
		for _, d := range strings.Split(dirs, ",") {
			if d = strings.TrimSpace(d); d != "" {
				o.dirs = append(o.dirs, d)
			}
		}
		if len(o.dirs) == 0 {
			return killOrder{}
		}
		s = delay
	}
	us, err := strconv.ParseInt(s, 10, 64)
	if err != nil || us < 0 {
		return killOrder{}
	}
	o.afterUS = max(us, 1)
	return o
}

// prepareKill readies the kill o orders (watching its directories, under
// root, before the charm starts) and returns the function that arms it for
// the charm's pid; that returns the function that disarms it.
func prepareKill(o killOrder, root string) func(pid int) func() {
	none := func(int) func() { return func() {} }
	if o.afterUS == 0 {
		return none
	}
	delay := time.Duration(o.afterUS) * time.Microsecond
	if len(o.dirs) == 0 {
		return func(pid int) func() {
			t := time.AfterFunc(delay, func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
			return func() { t.Stop() }
		}
	}
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
	if err != nil {
		return none
	}
	for _, d := range o.dirs {
		_, _ = syscall.InotifyAddWatch(fd, filepath.Join(root, d), syscall.IN_CREATE|syscall.IN_MOVED_TO|syscall.IN_DELETE)
	}
	return func(pid int) func() {
		done := make(chan struct{})
		go func() {
			buf := make([]byte, 4096)
			if n, err := syscall.Read(fd, buf); err != nil || n <= 0 {
				return
			}
			select {
			case <-done:
			case <-time.After(delay):
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}()
		return func() {
			close(done)
			syscall.Close(fd)
		}
	}
}
