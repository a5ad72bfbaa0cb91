package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// systemctlTimeout bounds one systemctl call (a start waits for the unit to come up).
const systemctlTimeout = 5 * time.Minute

// Service returns the systemd service name.
func (r *Real) Service(name string) Service {
	return &realService{r: r, name: name}
}

// realService runs systemctl for one unit.
type realService struct {
	r    *Real
	name string
}

// Name is the service name as given.
func (s *realService) Name() string { return s.name }

// Start runs systemctl start.
func (s *realService) Start(ctx context.Context) error { return s.do(ctx, "start") }

// Stop runs systemctl stop.
func (s *realService) Stop(ctx context.Context) error { return s.do(ctx, "stop") }

// Restart runs systemctl restart.
func (s *realService) Restart(ctx context.Context) error { return s.do(ctx, "restart") }

// Reload runs systemctl reload.
func (s *realService) Reload(ctx context.Context) error { return s.do(ctx, "reload") }

// Enable runs systemctl enable.
func (s *realService) Enable(ctx context.Context) error { return s.do(ctx, "enable") }

// Disable runs systemctl disable.
func (s *realService) Disable(ctx context.Context) error { return s.do(ctx, "disable") }

// Mask runs systemctl mask.
func (s *realService) Mask(ctx context.Context) error { return s.do(ctx, "mask") }

// Unmask runs systemctl unmask.
func (s *realService) Unmask(ctx context.Context) error { return s.do(ctx, "unmask") }

// do runs systemctl verb name.
func (s *realService) do(ctx context.Context, verb string) error {
	if _, err := s.r.exec(ctx, []string{"systemctl", verb, s.name}, systemctlTimeout, nil); err != nil {
		return fmt.Errorf("%s %s: %w", verb, s.name, err)
	}
	return nil
}

// query runs systemctl verb name and returns the state word it prints and whether it exited 0.
// A non-zero exit with a state word on stdout is an answer, not an error.
func (s *realService) query(ctx context.Context, verb string) (string, bool, error) {
	res, err := s.r.exec(ctx, []string{"systemctl", verb, s.name}, systemctlTimeout, nil)
	state := string(bytes.TrimSpace(res.Stdout))
	if err == nil {
		return state, true, nil
	}
	var ce *CommandError
	if errors.As(err, &ce) && ce.ExitCode > 0 {
		if state != "" {
			return state, false, nil
		}
		if verb == "is-enabled" && strings.Contains(ce.Stderr, "No such file or directory") {
			return "not-found", false, nil
		}
	}
	return "", false, fmt.Errorf("%s %s: %w", verb, s.name, err)
}

// Active runs systemctl is-active: exit 0 means active.
func (s *realService) Active(ctx context.Context) (bool, error) {
	_, ok, err := s.query(ctx, "is-active")
	return ok, err
}

// Enabled runs systemctl is-enabled: exit 0 means enabled (or static).
func (s *realService) Enabled(ctx context.Context) (bool, error) {
	_, ok, err := s.query(ctx, "is-enabled")
	return ok, err
}

// Masked runs systemctl is-enabled and checks for "masked".
func (s *realService) Masked(ctx context.Context) (bool, error) {
	state, _, err := s.query(ctx, "is-enabled")
	if err != nil {
		return false, err
	}
	return state == "masked" || state == "masked-runtime", nil
}
