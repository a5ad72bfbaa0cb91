package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// commandDirs are searched, under the root, before $PATH.
func commandDirs() []string {
	return []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}
}

// waitDelay bounds how long a killed command may keep its output pipes open.
const waitDelay = 2 * time.Second

// Run runs argv under the host's small environment, capturing its output.
func (r *Real) Run(ctx context.Context, argv []string, timeout time.Duration) (Result, error) {
	return r.exec(ctx, argv, timeout, nil)
}

// lookPath resolves a command: a bare name under the root's command directories, then on
// $PATH; an absolute path inside the root; any other path as given.
func (r *Real) lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		p := name
		if filepath.IsAbs(name) {
			p = filepath.Join(r.root, name)
		}
		if isExecutable(p) {
			return p, nil
		}
		return "", fmt.Errorf("%s: %w", name, ErrCommandNotFound)
	}
	for _, d := range commandDirs() {
		p := filepath.Join(r.root, d, name)
		if isExecutable(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, ErrCommandNotFound)
	}
	if !filepath.IsAbs(p) {
		if abs, aerr := filepath.Abs(p); aerr == nil {
			p = abs
		}
	}
	return p, nil
}

// isExecutable reports whether p is a regular file with an execute bit (following symlinks).
func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// commandPath is the PATH given to commands: the root's command directories, then the system's.
func (r *Real) commandPath() string {
	seen := map[string]bool{}
	var dirs []string
	add := func(d string) {
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	for _, d := range commandDirs() {
		add(filepath.Join(r.root, d))
	}
	for _, d := range commandDirs() {
		add(d)
	}
	return strings.Join(dirs, ":")
}

// exec is the single place where the host starts a process. argv[0] is resolved with lookPath
// and passed to the process as its argv[0] (the local model's stand-ins find the unit root from
// it). The environment is PATH, LANG and extraEnv only. The process runs in its own process
// group, which is killed when timeout expires or ctx is cancelled.
func (r *Real) exec(ctx context.Context, argv []string, timeout time.Duration, extraEnv []string) (res Result, err error) {
	start := time.Now()
	res.ExitCode = -1
	var path string
	defer func() {
		if r.record != nil {
			r.record(Command{
				Argv:     append([]string(nil), argv...),
				Path:     path,
				ExitCode: res.ExitCode,
				Duration: time.Since(start),
				Err:      err,
			})
		}
	}()
	if len(argv) == 0 {
		return res, errors.New("run: empty command line")
	}
	path, err = r.lookPath(argv[0])
	if err != nil {
		return res, fmt.Errorf("run: %w", err)
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Args[0] = path
	cmd.Dir = r.root
	cmd.Env = append([]string{"PATH=" + r.commandPath(), "LANG=C.UTF-8"}, extraEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Kill the whole process group so that children holding the output pipes die too.
		if cmd.Process == nil {
			return nil
		}
		if kerr := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); kerr != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = waitDelay
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	res.Stdout = stdout.Bytes()
	res.Stderr = stderr.Bytes()
	if ctxErr := ctx.Err(); ctxErr != nil && runErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) && timeout > 0 {
			return res, fmt.Errorf("%s: timed out after %s: %w", filepath.Base(argv[0]), timeout, ctxErr)
		}
		return res, fmt.Errorf("%s: %w", filepath.Base(argv[0]), ctxErr)
	}
	var exitErr *exec.ExitError
	switch {
	case runErr == nil:
		res.ExitCode = 0
		return res, nil
	case errors.As(runErr, &exitErr):
		res.ExitCode = exitErr.ExitCode()
		return res, &CommandError{Argv: append([]string(nil), argv...), ExitCode: res.ExitCode, Stderr: stderr.String()}
	default:
		return res, fmt.Errorf("run %s: %w", filepath.Base(argv[0]), runErr)
	}
}
