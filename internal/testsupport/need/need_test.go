package need

import (
	"testing"
)

// recorder is a testing.TB that records how a test was stopped.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skip(args ...any)                  { r.skipped = true; r.msg = args[0].(string) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = true; r.msg = format }

func TestSkipFailsUnderCI(t *testing.T) {
	for _, tt := range []struct {
		ci            string
		skip, failure bool
	}{{"", true, false}, {"false", true, false}, {"true", false, true}} {
		t.Setenv("CI", tt.ci)
		r := &recorder{TB: t}
		Skip(r, "%s is not installed", "haproxy")
		if r.skipped != tt.skip || r.failed != tt.failure {
			t.Errorf("CI=%q: skipped %v, failed %v; want %v, %v", tt.ci, r.skipped, r.failed, tt.skip, tt.failure)
		}
	}
}
