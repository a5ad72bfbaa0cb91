package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRoot builds a unit root with passwd and group files naming root, daemon and a test user
// "svc" (with the ids of the system's daemon user, so a real chown is possible as root).
func testRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755))
	passwd := "root:x:0:0:root:/root:/bin/bash\n" +
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
		"svc:x:1:1::/nonexistent:/usr/sbin/nologin\n" +
		"broken:x:notanumber:0::/:/bin/false\n"
	group := "root:x:0:\ndaemon:x:1:\nsvc:x:1:\n"
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(passwd), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/group"), []byte(group), 0o644))
	return root
}

// script writes an executable shell script <root>/usr/bin/<name>.
func script(t *testing.T, root, name, body string) {
	t.Helper()
	p := filepath.Join(root, "usr/bin", name)
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
}

// recorder collects the commands a Real runs.
type recorder struct{ cmds []Command }

func (r *recorder) record(c Command) { r.cmds = append(r.cmds, c) }

// argvs returns the recorded command lines.
func (r *recorder) argvs() [][]string {
	var out [][]string
	for _, c := range r.cmds {
		out = append(out, c.Argv)
	}
	return out
}

// noSleep records the waits instead of sleeping.
type noSleep struct{ waits []time.Duration }

func (n *noSleep) sleep(_ context.Context, d time.Duration) error {
	n.waits = append(n.waits, d)
	return nil
}

func TestAptCommandLines(t *testing.T) {
	tests := []struct {
		name string
		call func(h *Real) error
		want [][]string
	}{
		{"update", func(h *Real) error { return h.Update(context.Background()) },
			[][]string{{"apt-get", "update"}}},
		{"install", func(h *Real) error { return h.Install(context.Background(), []string{"panko-api", "apache2"}) },
			[][]string{{"apt-get", "install", "-y", "--option=Dpkg::Options::=--force-confold", "panko-api", "apache2"}}},
		{"install nothing", func(h *Real) error { return h.Install(context.Background(), nil) }, nil},
		{"upgrade keeping config", func(h *Real) error { return h.Upgrade(context.Background(), UpgradeOptions{}) },
			[][]string{{"apt-get", "dist-upgrade", "-y", "--option=Dpkg::Options::=--force-confold"}}},
		{"upgrade with new config", func(h *Real) error {
			return h.Upgrade(context.Background(), UpgradeOptions{ForceConfNew: true})
		}, [][]string{{"apt-get", "dist-upgrade", "-y", "--option=Dpkg::Options::=--force-confnew", "--option=Dpkg::Options::=--force-confdef"}}},
		{"purge", func(h *Real) error { return h.Purge(context.Background(), []string{"python-panko"}) },
			[][]string{{"apt-get", "purge", "-y", "python-panko"}}},
		{"purge nothing", func(h *Real) error { return h.Purge(context.Background(), []string{}) }, nil},
		{"add source", func(h *Real) error { return h.AddSource(context.Background(), "ppa:team/panko") },
			[][]string{{"add-apt-repository", "--yes", "ppa:team/panko"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testRoot(t)
			log := filepath.Join(root, "argv")
			for _, name := range []string{"apt-get", "add-apt-repository"} {
				script(t, root, name, fmt.Sprintf(`echo "$0 $*" >> %s`, log))
			}
			rec := &recorder{}
			h := New(root, WithRecorder(rec.record))
			require.NoError(t, tt.call(h))
			assert.Equal(t, tt.want, rec.argvs())
			var wantLog string
			for _, argv := range tt.want {
				wantLog += filepath.Join(root, "usr/bin", argv[0]) + " " + strings.Join(argv[1:], " ") + "\n"
			}
			got, _ := os.ReadFile(log)
			assert.Equal(t, wantLog, string(got), "argv[0] is the resolved path under the root")
		})
	}
}

func TestCommandEnvironment(t *testing.T) {
	t.Setenv("PANKO_TEST_SECRET", "do-not-leak")
	tests := []struct {
		name       string
		call       func(h *Real) error
		wantAptEnv bool
	}{
		{"apt gets DEBIAN_FRONTEND", func(h *Real) error { return h.Install(context.Background(), []string{"x"}) }, true},
		{"other commands do not", func(h *Real) error {
			_, err := h.Run(context.Background(), []string{"apt-get"}, time.Minute)
			return err
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testRoot(t)
			out := filepath.Join(root, "env")
			script(t, root, "apt-get", "env > "+out)
			require.NoError(t, tt.call(New(root)))
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			env := string(data)
			assert.Contains(t, env, "LANG=C.UTF-8\n")
			assert.Contains(t, env, "PATH="+filepath.Join(root, "usr/local/sbin")+":")
			assert.Contains(t, env, ":/usr/bin:")
			assert.Equal(t, tt.wantAptEnv, strings.Contains(env, "DEBIAN_FRONTEND=noninteractive\n"))
			assert.NotContains(t, env, "PANKO_TEST_SECRET")
			assert.NotContains(t, env, "HOME=")
		})
	}
}

func TestAptRetriesWhileLocked(t *testing.T) {
	const lockMsg = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (apt-get)"
	tests := []struct {
		name        string
		failures    int
		stderr      string
		wantRuns    int
		wantWaits   []time.Duration
		wantErr     error
		wantAnyErr  bool
		wantErrText string
	}{
		{"free lock", 0, lockMsg, 1, nil, nil, false, ""},
		{"locked once", 1, lockMsg, 2, []time.Duration{time.Second}, nil, false, ""},
		{"frontend lock message", 2, "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend)", 3,
			[]time.Duration{time.Second, 2 * time.Second}, nil, false, ""},
		{"locked on every retry", 3, lockMsg, 3, []time.Duration{time.Second, 2 * time.Second}, ErrAptLocked, true,
			"Could not get lock"},
		{"other failure is not retried", 5, "E: Unable to locate package nosuch", 1, nil, nil, true,
			"apt-get exited with status 100: E: Unable to locate package nosuch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testRoot(t)
			count := filepath.Join(root, "count")
			script(t, root, "apt-get", fmt.Sprintf(`n=$(cat %[1]s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %[1]s
if [ $n -le %[2]d ]; then echo '%[3]s' >&2; exit 100; fi`, count, tt.failures, tt.stderr))
			ns := &noSleep{}
			h := New(root, WithSleep(ns.sleep), WithAptBackoff(time.Second, 2*time.Second))
			err := h.Install(context.Background(), []string{"panko-api"})
			if tt.wantAnyErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErrText)
				assert.Contains(t, err.Error(), "install panko-api")
				var ce *CommandError
				require.True(t, errors.As(err, &ce))
				assert.Equal(t, 100, ce.ExitCode)
			} else {
				require.NoError(t, err)
			}
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			runs, _ := os.ReadFile(count)
			assert.Equal(t, fmt.Sprint(tt.wantRuns), strings.TrimSpace(string(runs)))
			assert.Equal(t, tt.wantWaits, ns.waits)
		})
	}
}

func TestAptWaitStopsWhenContextEnds(t *testing.T) {
	root := testRoot(t)
	script(t, root, "apt-get", `echo "E: Could not get lock /var/lib/dpkg/lock" >&2; exit 100`)
	ctx, cancel := context.WithCancel(context.Background())
	h := New(root, WithSleep(func(context.Context, time.Duration) error { cancel(); return ctx.Err() }))
	err := h.Update(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestInstalledVersion(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    string
		wantErr string
	}{
		{"installed", `[ "$1 $2 $3" = '-W -f=${Version} panko-api' ] || exit 9; printf '1:10.0.0-0ubuntu1~cloud0'`,
			"1:10.0.0-0ubuntu1~cloud0", ""},
		{"not installed", `echo "dpkg-query: no packages found matching $3" >&2; exit 1`, "", ""},
		{"known but not installed", `exit 0`, "", ""},
		{"dpkg broken", `echo "dpkg-query: error: parsing file '/var/lib/dpkg/status'" >&2; exit 2`, "",
			"query installed version of panko-api: dpkg-query exited with status 2: dpkg-query: error: parsing file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testRoot(t)
			script(t, root, "dpkg-query", tt.body)
			got, err := New(root).InstalledVersion(context.Background(), "panko-api")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name         string
		scripts      map[string]string
		argv         []string
		timeout      time.Duration
		wantStdout   string
		wantStderr   string
		wantCode     int
		wantErrIs    error
		wantExitErr  bool
		wantMaxDelay time.Duration
	}{
		{name: "captures output", scripts: map[string]string{"tool": `echo out "$1"; echo err >&2`},
			argv: []string{"tool", "a b"}, wantStdout: "out a b\n", wantStderr: "err\n"},
		{name: "non-zero exit", scripts: map[string]string{"tool": `echo nope >&2; exit 3`},
			argv: []string{"tool"}, wantStderr: "nope\n", wantCode: 3, wantExitErr: true},
		{name: "root command wins over $PATH", scripts: map[string]string{"ls": `echo unit ls`},
			argv: []string{"ls"}, wantStdout: "unit ls\n"},
		{name: "falls back to $PATH", argv: []string{"sh", "-c", "echo from path"}, wantStdout: "from path\n"},
		{name: "absolute path is inside the root", scripts: map[string]string{"tool": `echo abs`},
			argv: []string{"/usr/bin/tool"}, wantStdout: "abs\n"},
		{name: "not found", argv: []string{"no-such-command-anywhere"}, wantCode: -1, wantErrIs: ErrCommandNotFound},
		{name: "absolute path outside the root is not found", argv: []string{"/usr/bin/no-such-tool"}, wantCode: -1,
			wantErrIs: ErrCommandNotFound},
		{name: "killed on timeout with its children", scripts: map[string]string{"slow": `echo started; sleep 30 & wait`},
			argv: []string{"slow"}, timeout: 300 * time.Millisecond, wantStdout: "started\n", wantCode: -1,
			wantErrIs: context.DeadlineExceeded, wantMaxDelay: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testRoot(t)
			for name, body := range tt.scripts {
				script(t, root, name, body)
			}
			start := time.Now()
			res, err := New(root).Run(context.Background(), tt.argv, tt.timeout)
			assert.Equal(t, tt.wantStdout, string(res.Stdout))
			assert.Equal(t, tt.wantStderr, string(res.Stderr))
			assert.Equal(t, tt.wantCode, res.ExitCode)
			switch {
			case tt.wantErrIs != nil:
				assert.ErrorIs(t, err, tt.wantErrIs)
			case tt.wantExitErr:
				var ce *CommandError
				require.True(t, errors.As(err, &ce), "want *CommandError, got %v", err)
				assert.Equal(t, tt.wantCode, ce.ExitCode)
				assert.Equal(t, tt.argv, ce.Argv)
			default:
				assert.NoError(t, err)
			}
			if tt.wantMaxDelay > 0 {
				assert.Less(t, time.Since(start), tt.wantMaxDelay)
			}
		})
	}
}

func TestRecorderSeesEveryCommand(t *testing.T) {
	root := testRoot(t)
	script(t, root, "ok", `exit 0`)
	script(t, root, "bad", `exit 4`)
	rec := &recorder{}
	h := New(root, WithRecorder(rec.record))
	_, _ = h.Run(context.Background(), []string{"ok"}, 0)
	_, _ = h.Run(context.Background(), []string{"bad", "x"}, 0)
	_, _ = h.Run(context.Background(), []string{"missing"}, 0)
	require.Len(t, rec.cmds, 3)
	assert.Equal(t, []string{"ok"}, rec.cmds[0].Argv)
	assert.Equal(t, filepath.Join(root, "usr/bin/ok"), rec.cmds[0].Path)
	assert.Equal(t, 0, rec.cmds[0].ExitCode)
	assert.NoError(t, rec.cmds[0].Err)
	assert.Equal(t, 4, rec.cmds[1].ExitCode)
	assert.Error(t, rec.cmds[1].Err)
	assert.Equal(t, "", rec.cmds[2].Path)
	assert.ErrorIs(t, rec.cmds[2].Err, ErrCommandNotFound)
}

func TestService(t *testing.T) {
	// The fake systemctl answers from a state word in a file, as systemd would.
	tests := []struct {
		name      string
		state     string // what the fake prints for is-active/is-enabled
		code      int    // and its exit code
		stderr    string
		call      func(s Service) (any, error)
		wantArgv  string
		want      any
		wantError string
	}{
		{name: "start", call: func(s Service) (any, error) { return nil, s.Start(context.Background()) },
			wantArgv: "start apache2"},
		{name: "restart", call: func(s Service) (any, error) { return nil, s.Restart(context.Background()) },
			wantArgv: "restart apache2"},
		{name: "reload", call: func(s Service) (any, error) { return nil, s.Reload(context.Background()) },
			wantArgv: "reload apache2"},
		{name: "stop", call: func(s Service) (any, error) { return nil, s.Stop(context.Background()) },
			wantArgv: "stop apache2"},
		{name: "enable", call: func(s Service) (any, error) { return nil, s.Enable(context.Background()) },
			wantArgv: "enable apache2"},
		{name: "disable", call: func(s Service) (any, error) { return nil, s.Disable(context.Background()) },
			wantArgv: "disable apache2"},
		{name: "mask", call: func(s Service) (any, error) { return nil, s.Mask(context.Background()) },
			wantArgv: "mask apache2"},
		{name: "unmask", call: func(s Service) (any, error) { return nil, s.Unmask(context.Background()) },
			wantArgv: "unmask apache2"},
		{name: "start masked fails", code: 1, stderr: "Failed to start apache2.service: Unit apache2.service is masked.",
			call:      func(s Service) (any, error) { return nil, s.Start(context.Background()) },
			wantArgv:  "start apache2",
			wantError: "start apache2: systemctl exited with status 1: Failed to start apache2.service: Unit apache2.service is masked."},
		{name: "active", state: "active", call: func(s Service) (any, error) { return s.Active(context.Background()) },
			wantArgv: "is-active apache2", want: true},
		{name: "inactive", state: "inactive", code: 3, call: func(s Service) (any, error) { return s.Active(context.Background()) },
			wantArgv: "is-active apache2", want: false},
		{name: "failed", state: "failed", code: 3, call: func(s Service) (any, error) { return s.Active(context.Background()) },
			wantArgv: "is-active apache2", want: false},
		{name: "no bus", code: 1, stderr: "Failed to connect to bus: Host is down",
			call:     func(s Service) (any, error) { return s.Active(context.Background()) },
			wantArgv: "is-active apache2", want: false,
			wantError: "is-active apache2: systemctl exited with status 1: Failed to connect to bus"},
		{name: "enabled", state: "enabled", call: func(s Service) (any, error) { return s.Enabled(context.Background()) },
			wantArgv: "is-enabled apache2", want: true},
		{name: "disabled", state: "disabled", code: 1, call: func(s Service) (any, error) { return s.Enabled(context.Background()) },
			wantArgv: "is-enabled apache2", want: false},
		{name: "masked is not enabled", state: "masked", code: 1,
			call:     func(s Service) (any, error) { return s.Enabled(context.Background()) },
			wantArgv: "is-enabled apache2", want: false},
		{name: "masked", state: "masked", code: 1, call: func(s Service) (any, error) { return s.Masked(context.Background()) },
			wantArgv: "is-enabled apache2", want: true},
		{name: "not masked", state: "enabled", call: func(s Service) (any, error) { return s.Masked(context.Background()) },
			wantArgv: "is-enabled apache2", want: false},
		{name: "unknown unit is not enabled", code: 1,
			stderr:   "Failed to get unit file state for apache2.service: No such file or directory",
			call:     func(s Service) (any, error) { return s.Enabled(context.Background()) },
			wantArgv: "is-enabled apache2", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testRoot(t)
			log := filepath.Join(root, "argv")
			body := fmt.Sprintf("echo \"$*\" > %s\n", log)
			if tt.state != "" {
				body += "echo " + tt.state + "\n"
			}
			if tt.stderr != "" {
				body += fmt.Sprintf("echo '%s' >&2\n", tt.stderr)
			}
			body += fmt.Sprintf("exit %d", tt.code)
			script(t, root, "systemctl", body)
			s := New(root).Service("apache2")
			assert.Equal(t, "apache2", s.Name())
			got, err := tt.call(s)
			if tt.wantError != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantError)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
			argv, _ := os.ReadFile(log)
			assert.Equal(t, tt.wantArgv+"\n", string(argv))
		})
	}
}

func TestCommandErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  CommandError
		want string
	}{
		{"no stderr", CommandError{Argv: []string{"/x/usr/bin/tool"}, ExitCode: 2}, "tool exited with status 2"},
		{"last three lines", CommandError{Argv: []string{"apt-get"}, ExitCode: 100, Stderr: "a\n\nb\nc\nd\n"},
			"apt-get exited with status 100: b; c; d"},
		{"long stderr is cut", CommandError{Argv: []string{"t"}, ExitCode: 1, Stderr: strings.Repeat("x", 600)},
			"t exited with status 1: …" + strings.Repeat("x", 500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestCPUCount(t *testing.T) {
	assert.GreaterOrEqual(t, New("/").CPUCount(), 1)
}

func TestInstalledVersions(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    map[string]string
		wantErr string
	}{
		{"all installed",
			`[ "$2" = '-f=${Package}\t${db:Status-Abbrev}\t${Version}\n' ] || exit 9; printf 'apache2\tii \t2.4.41-4ubuntu3\npanko-api\tii \t1:8.0.0-0ubuntu1\n'`,
			map[string]string{"apache2": "2.4.41-4ubuntu3", "panko-api": "1:8.0.0-0ubuntu1"}, ""},
		{"one missing, one removed with config left",
			`printf 'apache2\trc \t2.4.41-4ubuntu3\n'; echo "dpkg-query: no packages found matching panko-api" >&2; exit 1`,
			map[string]string{"apache2": "", "panko-api": ""}, ""},
		{"multi-arch name", `printf 'apache2:amd64\tii \t2.4\npanko-api\tii \t1\n'`,
			map[string]string{"apache2": "2.4", "panko-api": "1"}, ""},
		{"dpkg broken", `echo "dpkg-query: error: parsing file" >&2; exit 2`, nil,
			"query installed versions: dpkg-query exited with status 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testRoot(t)
			script(t, root, "dpkg-query", tt.body)
			got, err := New(root).InstalledVersions(context.Background(), []string{"apache2", "panko-api"})
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
