package machine

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

// systemctl is systemctl [--quiet] [--now] VERB [UNIT…], with systemd's outputs and exit codes
// (see hosttest.Systemctl). Restarts and reloads are counted per unit.
func (m *machine) systemctl(st *State, args []string) int {
	quiet, now := false, false
	var verb string
	var units []string
	for _, a := range args {
		switch {
		case a == "-q" || a == "--quiet":
			quiet = true
		case a == "--now":
			now = true
		case strings.HasPrefix(a, "-"):
		case verb == "":
			verb = a
		default:
			units = append(units, a)
		}
	}
	switch verb {
	case "":
		fmt.Fprint(m.stderr, "systemctl: this stand-in needs a command verb\n")
		return 1
	case "daemon-reload":
		hosttest.DaemonReload(st.Services, m.hasFile, func(svc string) bool {
			for p := range st.Packages {
				if slices.Contains(hosttest.Effects(p).Services, svc) {
					return true
				}
			}
			return false
		})
		return 0
	case "status":
		return m.systemctlStatus(st, units)
	}
	if len(units) == 0 {
		fmt.Fprintf(m.stderr, "Too few arguments.\n")
		return 1
	}
	code := 0
	for _, u := range units {
		name := hosttest.UnitName(u)
		hosttest.LoadLocalUnit(st.Services, name, m.hasFile)
		steps := []string{verb}
		if now && verb == "enable" {
			steps = append(steps, "start")
		}
		if now && verb == "disable" {
			steps = append(steps, "stop")
		}
		for _, step := range steps {
			running := st.Services[name].Active
			out, errOut, c := hosttest.Systemctl(st.Services, step, name)
			if !quiet {
				fmt.Fprint(m.stdout, out)
			}
			fmt.Fprint(m.stderr, errOut)
			if c == 0 && (step == "restart" || step == "try-restart" && running) {
				st.Restarts[name]++
			}
			if c == 0 && step == "reload" {
				st.Reloads[name]++
			}
			if c != 0 && code == 0 {
				code = c
			}
		}
	}
	return code
}

// systemctlStatus prints a short status per unit; exit 0 when all are active, 3 when one is
// inactive, 4 when one is unknown.
func (m *machine) systemctlStatus(st *State, units []string) int {
	code := 0
	for _, u := range units {
		name := hosttest.UnitName(u)
		s, known := st.Services[name]
		switch {
		case !known:
			fmt.Fprintf(m.stderr, "Unit %s.service could not be found.\n", name)
			code = 4
			continue
		case s.Masked:
			fmt.Fprintf(m.stdout, "● %s.service\n     Loaded: masked (Reason: Unit %s.service is masked.)\n", name, name)
		default:
			enabled := "disabled"
			if s.Enabled {
				enabled = "enabled"
			}
			fmt.Fprintf(m.stdout, "● %s.service\n     Loaded: loaded (/lib/systemd/system/%s.service; %s)\n", name, name, enabled)
		}
		if s.Active {
			fmt.Fprint(m.stdout, "     Active: active (running)\n")
		} else {
			fmt.Fprint(m.stdout, "     Active: inactive (dead)\n")
			if code == 0 {
				code = 3
			}
		}
	}
	return code
}

// hasFile reports whether path (in the unit's view) is a regular file.
func (m *machine) hasFile(path string) bool {
	fi, err := os.Stat(m.path(path))
	return err == nil && fi.Mode().IsRegular()
}
