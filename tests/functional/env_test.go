//go:build functional

package functional

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// howToRun is the skip message when no controller is named.
const howToRun = "functional tests need a Juju 3.6 controller: build the charm and run " +
	"`make charm && JUJU_CONTROLLER=<controller> JUJU_MODEL=<model> make functional` " +
	"(credentials from the Juju client store, ~/.local/share/juju)"

// defaultBundle is the bundle deployed unless PANKO_BUNDLE names another,
// relative to this package's directory.
const defaultBundle = "../bundles/focal-wallaby-ha.yaml"

// settings is the suite's configuration, read from the environment once.
type settings struct {
	Controller  string
	Model       string
	Bundle      string // absolute path of the bundle file
	VIP         string // replaces panko's vip option when deploying
	SkipDeploy  bool
	WaitTimeout time.Duration
}

// readSettings returns the settings, or skips t when no controller is named.
func readSettings(t *testing.T) settings {
	t.Helper()
	s := settings{
		Controller:  os.Getenv("JUJU_CONTROLLER"),
		Model:       os.Getenv("JUJU_MODEL"),
		Bundle:      os.Getenv("PANKO_BUNDLE"),
		VIP:         os.Getenv("PANKO_VIP"),
		WaitTimeout: 90 * time.Minute,
	}
	// JUJU_MODEL may also be given as "<controller>:<model>", as juju accepts.
	if c, m, ok := strings.Cut(s.Model, ":"); ok {
		if s.Controller == "" {
			s.Controller = c
		}
		if c != s.Controller {
			t.Fatalf("JUJU_MODEL=%q names controller %s, JUJU_CONTROLLER=%s", s.Model, c, s.Controller)
		}
		s.Model = m
	}
	if s.Controller == "" || s.Model == "" {
		t.Skip(howToRun)
	}
	if s.Bundle == "" {
		s.Bundle = defaultBundle
	}
	abs, err := filepath.Abs(s.Bundle)
	if err != nil {
		t.Fatalf("bundle path %q: %v", s.Bundle, err)
	}
	s.Bundle = abs
	if v := os.Getenv("PANKO_SKIP_DEPLOY"); v != "" {
		skip, err := strconv.ParseBool(v)
		if err != nil {
			t.Fatalf("PANKO_SKIP_DEPLOY=%q: %v", v, err)
		}
		s.SkipDeploy = skip
	}
	if v := os.Getenv("PANKO_WAIT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("PANKO_WAIT_TIMEOUT=%q: want a positive duration such as 90m", v)
		}
		s.WaitTimeout = d
	}
	return s
}

// String describes the settings for the test log.
func (s settings) String() string {
	return fmt.Sprintf("controller %s, model %s, bundle %s, skip deploy %t, wait %s",
		s.Controller, s.Model, s.Bundle, s.SkipDeploy, s.WaitTimeout)
}
