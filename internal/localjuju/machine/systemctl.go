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

// hasFile reports whether path (in the unit's view) is a regular file.
func (m *machine) hasFile(path string) bool {
	fi, err := os.Stat(m.path(path))
	return err == nil && fi.Mode().IsRegular()
}
