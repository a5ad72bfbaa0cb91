package hosttest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/host"
)

// Service returns a handle on the fake systemd unit name.
func (f *Fake) Service(name string) host.Service {
	return &fakeService{f: f, name: name}
}

// fakeService drives Systemctl on the fake's units.
type fakeService struct {
	f    *Fake
	name string
}

// Name is the name given to Service.
func (s *fakeService) Name() string { return s.name }

// Start is systemctl start.
func (s *fakeService) Start(context.Context) error { return s.do("start") }

// Stop is systemctl stop.
func (s *fakeService) Stop(context.Context) error { return s.do("stop") }

// Restart is systemctl restart.
func (s *fakeService) Restart(context.Context) error { return s.do("restart") }

// Reload is systemctl reload.
func (s *fakeService) Reload(context.Context) error { return s.do("reload") }

// Enable is systemctl enable.
func (s *fakeService) Enable(context.Context) error { return s.do("enable") }

// Disable is systemctl disable.
func (s *fakeService) Disable(context.Context) error { return s.do("disable") }

// Mask is systemctl mask.
func (s *fakeService) Mask(context.Context) error { return s.do("mask") }

// Unmask is systemctl unmask.
func (s *fakeService) Unmask(context.Context) error { return s.do("unmask") }

// systemctl runs verb on the unit and maps a failure to the error host.Real would return.
func (s *fakeService) systemctl(verb string, record bool) (string, int, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	unit := UnitName(s.name)
	if record {
		s.f.record(verb + " " + unit)
	}
	LoadLocalUnit(s.f.services, unit, s.f.hasFile)
	out, errOut, code := Systemctl(s.f.services, verb, unit)
	if code == 0 {
		switch verb {
		case "restart":
			s.f.restarts[unit]++
		case "reload":
			s.f.reloads[unit]++
		}
	}
	var err error
	if code != 0 {
		err = &host.CommandError{Argv: []string{"systemctl", verb, s.name}, ExitCode: code, Stderr: errOut}
	}
	return strings.TrimSpace(out), code, err
}

// do runs a state-changing verb.
func (s *fakeService) do(verb string) error {
	if _, _, err := s.systemctl(verb, true); err != nil {
		return fmt.Errorf("%s %s: %w", verb, s.name, err)
	}
	return nil
}

// query runs is-active or is-enabled: a state word is an answer, not an error.
func (s *fakeService) query(verb string) (string, bool, error) {
	out, code, err := s.systemctl(verb, false)
	var ce *host.CommandError
	switch {
	case err == nil:
		return out, true, nil
	case errors.As(err, &ce) && out != "":
		return out, false, nil
	case errors.As(err, &ce) && code > 0 && strings.Contains(ce.Stderr, "No such file or directory"):
		return "not-found", false, nil
	}
	return "", false, fmt.Errorf("%s %s: %w", verb, s.name, err)
}

// Active is systemctl is-active.
func (s *fakeService) Active(context.Context) (bool, error) {
	_, ok, err := s.query("is-active")
	return ok, err
}

// Enabled is systemctl is-enabled.
func (s *fakeService) Enabled(context.Context) (bool, error) {
	_, ok, err := s.query("is-enabled")
	return ok, err
}

// Masked is systemctl is-enabled printing "masked".
func (s *fakeService) Masked(context.Context) (bool, error) {
	state, _, err := s.query("is-enabled")
	return state == "masked", err
}
