package machine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SetAptFailure makes every later apt-get on the unit fail with exit 100 (or stops doing so).
func SetAptFailure(root string, fail bool) error {
	p := filepath.Join(root, stateDir, failAptFile)
	if !fail {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clear apt failure: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		return fmt.Errorf("set apt failure: %w", err)
	}
	return nil
}

// SetAptLocked makes the next times apt-get calls on the unit fail as if another process held
// the dpkg lock.
func SetAptLocked(root string, times int) error {
	p := filepath.Join(root, stateDir, aptLockFile)
	if times <= 0 {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clear apt lock: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(p, []byte(fmt.Sprintln(times)), 0o644); err != nil {
		return fmt.Errorf("set apt lock: %w", err)
	}
	return nil
}
