package mariadb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// Running returns the server already running for dir, or nil (and no
// error) when none is; it never starts one.
func Running(ctx context.Context, dir string) (*Server, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("mariadb dir %s: %w", dir, err)
	}
	l := layout{dir: abs}
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	unlock, err := atomicfile.Lock(l.lock())
	if err != nil {
		return nil, err
	}
	defer unlock()
	return reuse(ctx, l, Options{StartTimeout: 10 * time.Second})
}
