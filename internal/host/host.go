// Package host is the only code of the charm that touches the machine: apt packages, files,
// systemd services and other commands such as panko-dbsync.
//
// Every operation works relative to a root directory. In production the root is "/"; the local
// model gives every unit its own root, in which user and group names are resolved from
// <root>/etc/passwd and <root>/etc/group and machine commands are looked up first in
// <root>/usr/local/sbin, <root>/usr/local/bin, <root>/usr/sbin, <root>/usr/bin, <root>/sbin and
// <root>/bin, then on $PATH.
//
// Commands run with a small environment (PATH, LANG=C.UTF-8 and, for apt, DEBIAN_FRONTEND).
// Command lines may be logged and recorded, so callers must never put secrets (passwords, keys,
// tokens) in argv: pass them through files written with WriteFile instead.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Host is the machine boundary used by the charm. Real is the implementation that touches the
// machine; hosttest.Fake is an in-memory implementation with the same semantics.
type Host interface {
	// Update refreshes the apt package lists (apt-get update).
	Update(ctx context.Context) error
	// Install installs pkgs (or upgrades them to the candidate version), keeping existing
	// configuration files. Installing nothing is a no-op.
	Install(ctx context.Context, pkgs []string) error
	// Upgrade runs apt-get dist-upgrade.
	Upgrade(ctx context.Context, opts UpgradeOptions) error
	// Purge removes pkgs and their configuration files. Purging nothing is a no-op.
	Purge(ctx context.Context, pkgs []string) error
	// AddSource adds an apt source with add-apt-repository (for example "ppa:owner/name",
	// "cloud-archive:wallaby" or a "deb ..." line).
	AddSource(ctx context.Context, source string) error
	// InstalledVersion returns the installed version of pkg, or "" when it is not installed.
	InstalledVersion(ctx context.Context, pkg string) (string, error)
	// InstalledVersions returns the installed version of each of pkgs ("" when
	// not installed) in one query. A package that is known but not installed
	// (removed, config files left) has an empty version.
	InstalledVersions(ctx context.Context, pkgs []string) (map[string]string, error)

	// WriteFile atomically writes data to path with mode and ownership. It writes nothing and
	// returns changed=false when content, mode and ownership already match; when only the mode
	// or ownership differs it fixes them in place. Missing parent directories are created 0755.
	WriteFile(path string, data []byte, mode fs.FileMode, owner, group string) (changed bool, err error)
	// ReadFile returns the content of path.
	ReadFile(path string) ([]byte, error)
	// Remove deletes path (a file, a symlink or an empty directory); changed=false when it did
	// not exist.
	Remove(path string) (changed bool, err error)
	// Exists reports whether path exists (a dangling symlink exists).
	Exists(path string) bool

	// Service returns a handle on the systemd service name ("apache2" or "apache2.service").
	Service(name string) Service
	// Run runs argv with captured output and kills it after timeout (0: no timeout). A non-zero
	// exit is returned as a *CommandError together with the full Result.
	Run(ctx context.Context, argv []string, timeout time.Duration) (Result, error)
	// CPUCount is the number of CPUs, used to size worker counts.
	CPUCount() int
}

// Service controls one systemd service through systemctl.
type Service interface {
	// Name is the service name as given to Host.Service.
	Name() string
	// Start starts the service (systemctl start).
	Start(ctx context.Context) error
	// Stop stops the service (systemctl stop).
	Stop(ctx context.Context) error
	// Restart restarts the service (systemctl restart).
	Restart(ctx context.Context) error
	// Reload reloads the service configuration (systemctl reload).
	Reload(ctx context.Context) error
	// Enable enables the service at boot (systemctl enable).
	Enable(ctx context.Context) error
	// Disable disables the service at boot (systemctl disable).
	Disable(ctx context.Context) error
	// Mask masks the service so that it cannot be started (systemctl mask).
	Mask(ctx context.Context) error
	// Unmask unmasks the service (systemctl unmask).
	Unmask(ctx context.Context) error
	// Active reports whether the service is running (systemctl is-active).
	Active(ctx context.Context) (bool, error)
	// Enabled reports whether the service is enabled (systemctl is-enabled); a masked service
	// is not enabled.
	Enabled(ctx context.Context) (bool, error)
	// Masked reports whether the service is masked (systemctl is-enabled prints "masked").
	Masked(ctx context.Context) (bool, error)
}

// UpgradeOptions tunes Upgrade.
type UpgradeOptions struct {
	// ForceConfNew replaces modified configuration files with the package maintainer's version
	// (dpkg --force-confnew --force-confdef), as an OpenStack release upgrade does. Otherwise
	// existing files are kept (--force-confold).
	ForceConfNew bool
}

// Result is the captured outcome of a command.
type Result struct {
	// Stdout is everything the command wrote to standard output.
	Stdout []byte
	// Stderr is everything the command wrote to standard error.
	Stderr []byte
	// ExitCode is the exit status, or -1 when the command did not start, was killed or timed out.
	ExitCode int
}

// Command is what a Recorder receives after every command the host ran or tried to run.
type Command struct {
	// Argv is the command line as given (argv[0] before lookup).
	Argv []string
	// Path is the resolved executable, "" when it was not found.
	Path string
	// ExitCode is the exit status, or -1.
	ExitCode int
	// Duration is the wall time the command took.
	Duration time.Duration
	// Err is the error returned to the caller, nil on success.
	Err error
}

// ErrCommandNotFound is returned (wrapped) when a command is neither under the root nor on $PATH.
var ErrCommandNotFound = errors.New("command not found")

// ErrAptLocked is returned (wrapped, together with the last *CommandError) when apt still could
// not get the dpkg lock after all retries.
var ErrAptLocked = errors.New("dpkg lock held by another process")

// CommandError is a command that ran and exited non-zero (or was killed by a signal).
type CommandError struct {
	// Argv is the command line as given.
	Argv []string
	// ExitCode is the exit status, -1 when killed by a signal.
	ExitCode int
	// Stderr is the captured standard error.
	Stderr string
}

// Error names the command and its exit status and quotes the end of its standard error.
func (e *CommandError) Error() string {
	name := "command"
	if len(e.Argv) > 0 {
		name = filepath.Base(e.Argv[0])
	}
	msg := fmt.Sprintf("%s exited with status %d", name, e.ExitCode)
	if tail := stderrTail(e.Stderr); tail != "" {
		msg += ": " + tail
	}
	return msg
}

// stderrTail returns the last three non-empty lines of s, joined with "; " and capped.
func stderrTail(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	out := strings.Join(lines, "; ")
	const maxLen = 500
	if len(out) > maxLen {
		out = "…" + out[len(out)-maxLen:]
	}
	return out
}

// Real is the Host that touches the machine under its root directory.
type Real struct {
	root       string
	sleep      func(ctx context.Context, d time.Duration) error
	record     func(Command)
	aptBackoff []time.Duration
}

var _ Host = (*Real)(nil)

// Option configures a Real.
type Option func(*Real)

// WithSleep replaces the wait between apt retries (tests use it to avoid sleeping).
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(r *Real) { r.sleep = sleep }
}

// WithRecorder makes r call record after every command it runs.
func WithRecorder(record func(Command)) Option {
	return func(r *Real) { r.record = record }
}

// WithAptBackoff sets the waits before each apt retry when the dpkg lock is held; its length is
// the number of retries. The default is 10s, 20s, 40s.
func WithAptBackoff(delays ...time.Duration) Option {
	return func(r *Real) { r.aptBackoff = append([]time.Duration(nil), delays...) }
}

// New returns the Host working under root ("/" in production).
func New(root string, opts ...Option) *Real {
	if root == "" {
		root = "/"
	}
	r := &Real{
		root:       filepath.Clean(root),
		sleep:      sleepCtx,
		aptBackoff: []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Root is the directory r works under.
func (r *Real) Root() string { return r.root }

// CPUCount is runtime.NumCPU.
func (r *Real) CPUCount() int { return runtime.NumCPU() }

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
