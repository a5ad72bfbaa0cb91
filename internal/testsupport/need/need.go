// Package need stops a test that lacks something from the machine (a tool,
// a package, root, a free port): the test is skipped, except under CI=true,
// where nothing may skip silently and the test fails with the reason.
//
// Layer testsupport (see internal/layers): it imports no project package
// outside testsupport; only tests and cmd/bench import it, never code that
// ships or the local model.
package need

import (
	"fmt"
	"os"
	"testing"
)

// Strict says whether missing requirements fail tests (CI=true).
func Strict() bool { return os.Getenv("CI") == "true" }

// Skip stops t for a missing requirement: a skip, or a failure under
// CI=true. The reason should say what is missing and how to get it.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if Strict() {
		t.Fatalf("required under CI=true (run make deps as root): %s", reason)
		return
	}
	t.Skip(reason)
}
