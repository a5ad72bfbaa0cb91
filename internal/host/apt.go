package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Timeouts for package commands: downloads and maintainer scripts can be slow.
const (
	aptTimeout     = 30 * time.Minute
	dpkgTimeout    = time.Minute
	sourceTimeout  = 5 * time.Minute
	confOld        = "--option=Dpkg::Options::=--force-confold"
	confNew        = "--option=Dpkg::Options::=--force-confnew"
	confDef        = "--option=Dpkg::Options::=--force-confdef"
	aptFrontendEnv = "DEBIAN_FRONTEND=noninteractive"
)

// lockMessages are what apt and dpkg print when another process holds the dpkg lock.
func lockMessages() []string {
	return []string{
		"Could not get lock",
		"dpkg frontend lock",
		"Unable to lock the administration directory",
		"Unable to lock directory",
	}
}

// Update runs apt-get update.
func (r *Real) Update(ctx context.Context) error {
	if err := r.apt(ctx, "update"); err != nil {
		return fmt.Errorf("update package lists: %w", err)
	}
	return nil
}

// Install runs apt-get install -y --force-confold pkgs.
func (r *Real) Install(ctx context.Context, pkgs []string) error {
	if len(pkgs) == 0 {
		return nil
	}
	args := append([]string{"install", "-y", confOld}, pkgs...)
	if err := r.apt(ctx, args...); err != nil {
		return fmt.Errorf("install %s: %w", strings.Join(pkgs, " "), err)
	}
	return nil
}

// Upgrade runs apt-get dist-upgrade -y, keeping or replacing configuration files per opts.
func (r *Real) Upgrade(ctx context.Context, opts UpgradeOptions) error {
	args := []string{"dist-upgrade", "-y", confOld}
	if opts.ForceConfNew {
		args = []string{"dist-upgrade", "-y", confNew, confDef}
	}
	if err := r.apt(ctx, args...); err != nil {
		return fmt.Errorf("upgrade packages: %w", err)
	}
	return nil
}

// Purge runs apt-get purge -y pkgs.
func (r *Real) Purge(ctx context.Context, pkgs []string) error {
	if len(pkgs) == 0 {
		return nil
	}
	args := append([]string{"purge", "-y"}, pkgs...)
	if err := r.apt(ctx, args...); err != nil {
		return fmt.Errorf("purge %s: %w", strings.Join(pkgs, " "), err)
	}
	return nil
}

// AddSource runs add-apt-repository --yes source.
func (r *Real) AddSource(ctx context.Context, source string) error {
	_, err := r.exec(ctx, []string{"add-apt-repository", "--yes", source}, sourceTimeout, []string{aptFrontendEnv})
	if err != nil {
		return fmt.Errorf("add apt source %q: %w", source, err)
	}
	return nil
}

// InstalledVersion runs dpkg-query -W -f=${Version} pkg; "" when pkg is not installed.
func (r *Real) InstalledVersion(ctx context.Context, pkg string) (string, error) {
	res, err := r.exec(ctx, []string{"dpkg-query", "-W", "-f=${Version}", pkg}, dpkgTimeout, nil)
	var ce *CommandError
	if errors.As(err, &ce) && ce.ExitCode == 1 && strings.Contains(ce.Stderr, "no packages found matching") {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("query installed version of %s: %w", pkg, err)
	}
	return string(bytes.TrimSpace(res.Stdout)), nil
}

// InstalledVersions returns the installed version of every package in pkgs
// ("" for those not installed) with one dpkg-query call.
func (r *Real) InstalledVersions(ctx context.Context, pkgs []string) (map[string]string, error) {
	out := make(map[string]string, len(pkgs))
	if len(pkgs) == 0 {
		return out, nil
	}
	argv := append([]string{"dpkg-query", "-W", `-f=${Package}\t${db:Status-Abbrev}\t${Version}\n`}, pkgs...)
	res, err := r.exec(ctx, argv, dpkgTimeout, nil)
	var ce *CommandError
	if err != nil && !(errors.As(err, &ce) && ce.ExitCode == 1 && strings.Contains(ce.Stderr, "no packages found matching")) {
		return nil, fmt.Errorf("query installed versions: %w", err)
	}
	for _, p := range pkgs {
		out[p] = ""
	}
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) != 3 || !strings.HasPrefix(strings.TrimSpace(fields[1]), "i") || len(strings.TrimSpace(fields[1])) < 2 || fields[1][1] != 'i' {
			continue // not installed (e.g. removed with its config files left)
		}
		name, version := fields[0], fields[2]
		name, _, _ = strings.Cut(name, ":") // multi-arch "pkg:amd64"
		if _, wanted := out[name]; wanted {
			out[name] = strings.TrimSpace(version)
		}
	}
	return out, nil
}

// apt runs apt-get args noninteractively, retrying with backoff while the dpkg lock is held.
func (r *Real) apt(ctx context.Context, args ...string) error {
	argv := append([]string{"apt-get"}, args...)
	for attempt := 0; ; attempt++ {
		_, err := r.exec(ctx, argv, aptTimeout, []string{aptFrontendEnv})
		if err == nil {
			return nil
		}
		var ce *CommandError
		if !errors.As(err, &ce) || !lockHeld(ce.Stderr) {
			return err
		}
		if attempt >= len(r.aptBackoff) {
			return fmt.Errorf("%w after %d attempts: %w", ErrAptLocked, attempt+1, err)
		}
		if serr := r.sleep(ctx, r.aptBackoff[attempt]); serr != nil {
			return fmt.Errorf("wait for dpkg lock: %w", serr)
		}
	}
}

// lockHeld reports whether apt's stderr says another process holds the dpkg lock.
func lockHeld(stderr string) bool {
	for _, m := range lockMessages() {
		if strings.Contains(stderr, m) {
			return true
		}
	}
	return false
}
