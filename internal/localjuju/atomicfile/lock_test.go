package atomicfile

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLockExcludes: a second holder waits until the first releases.
func TestLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.lock")
	unlock, err := Lock(path)
	require.NoError(t, err)
	got := make(chan struct{})
	go func() {
		second, err := Lock(path)
		if err == nil {
			second()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("the second Lock did not wait")
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the second Lock never got the lock")
	}
	_, err = Lock(filepath.Join(t.TempDir(), "missing", "x.lock"))
	assert.ErrorContains(t, err, "lock ")
}
