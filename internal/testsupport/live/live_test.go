package live

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records failures instead of stopping the
// test; cleanups still run on the real test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	fatals []string
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestBuffer(t *testing.T) {
	var b buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("x"))
			}
		})
	}
	wg.Wait()

	assert.Equal(t, strings.Repeat("x", 800), b.String())
}

func TestCanRunAs(t *testing.T) {
	root := os.Geteuid() == 0
	tests := []struct {
		name, user, group string
		want              bool
	}{
		{"existing account and group", "root", "root", root},
		{"no such account", "no-such-account-here", "root", false},
		{"no such group", "root", "no-such-group-here", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, CanRunAs(tt.user, tt.group))
		})
	}
}

func TestServeHTTP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()

	stop := ServeHTTP(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "served "+r.URL.Path)
	}))

	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/x")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, "served /x", string(body))
	assert.True(t, AcceptsTCP(addr), "serving")

	stop()
	stop()

	assert.False(t, AcceptsTCP(addr), "stopped")
}

func TestGet(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	ServeHTTP(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, r.Method+" "+r.URL.Path)
	}))
	base := "http://" + l.Addr().String()
	tests := []struct {
		name       string
		url        string
		wantStatus int
		wantBody   string
		wantErr    string
	}{
		{"answer and whole body", base + "/x", http.StatusCreated, "GET /x", ""},
		{"gives up after the timeout", base + "/slow", 0, "", "context deadline exceeded"},
		{"bad url", "http://[::1", 0, "", "missing ']' in host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body, err := Get(&http.Client{}, tt.url, 300*time.Millisecond)

			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Nil(t, resp)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantBody, string(body))
		})
	}
}

// TestStart starts real processes and checks what WaitListening and the
// stop at the end of the test report.
func TestStart(t *testing.T) {
	tests := []struct {
		name string
		// args of the process; ready is how many polls pass before it
		// accepts (-1: never).
		args       []string
		ready      int
		wait       time.Duration
		long       bool
		wantFatals []string
		wantErrors []string
	}{
		{name: "listens after a few polls", args: []string{"sleep", "30"}, ready: 3, wait: 10 * time.Second},
		{name: "exits before it listens", args: []string{"sh", "-c", "echo boom >&2; exit 3"}, ready: -1, wait: 10 * time.Second,
			wantFatals: []string{"sh exited: exit status 3\nout: boom\n"}},
		{name: "never listens", args: []string{"sleep", "30"}, ready: -1, wait: 200 * time.Millisecond,
			wantFatals: []string{"sleep does not listen on 127.0.0.1:1\nout: "}},
		{name: "a child outlives the server", args: []string{"sh", "-c", "sleep 30 & exec sleep 31"}, ready: 3, wait: 10 * time.Second, long: true,
			wantErrors: []string{"sh children still running after the parent stopped; killing them"}},
		{name: "the server ignores SIGTERM", args: []string{"sh", "-c", "trap '' TERM; sleep 30"}, ready: 3, wait: 10 * time.Second, long: true,
			wantErrors: []string{"sh did not stop within 5s of SIGTERM; killing its process group"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.long && testing.Short() {
				t.Skip("waits StopGrace")
			}
			r := &recorder{TB: t}
			// Registered first, so it runs after the server is stopped.
			t.Cleanup(func() {
				assert.Equal(t, tt.wantErrors, r.errors, "errors of the stop")
			})
			cmd := exec.Command(tt.args[0], tt.args[1:]...)
			polls := 0

			s := Start(r, cmd, func(output string) string { return "out: " + output })
			s.WaitListening(r, "127.0.0.1:1", time.Now().Add(tt.wait), func(addr string) bool {
				polls++
				return tt.ready >= 0 && polls > tt.ready
			})

			assert.Equal(t, tt.wantFatals, r.fatals)
		})
	}
}
