package localjuju

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

// NRPECheck is the result of one Nagios check run on a unit.
type NRPECheck struct {
	// Name is the check's name (check_<name> in nrpe.d).
	Name string `json:"name"`
	// Command is the command line nrpe runs.
	Command string `json:"command"`
	// Exit is the plugin's exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3
	// UNKNOWN; State names it.
	Exit  int    `json:"exit"`
	State string `json:"state"`
	// Output is the plugin's first line.
	Output string `json:"output"`
}

// nagiosStates names the plugin exit codes.
func nagiosState(code int) string {
	if names := []string{"OK", "WARNING", "CRITICAL"}; code >= 0 && code < len(names) {
		return names[code]
	}
	return "UNKNOWN"
}

// installNRPEPlugins puts the nrpe charm's plugins on the machine of each
// real principal unit of an nrpe simulator's relation.
func (m *Model) installNRPEPlugins(principals []string) error {
	for _, p := range principals {
		a, _, err := m.st.unit(p)
		if err != nil || a.Kind != KindCharm {
			continue
		}
		if err := machine.InstallNagiosPlugins(m.unitRoot(p), m.toolsLink()); err != nil {
			return err
		}
	}
	return nil
}

// NRPEChecks runs, as the nrpe subordinate's nagios-nrpe-server does when
// Nagios asks, every check the unit named in its monitors on
// nrpe-external-master: the command of /etc/nagios/nrpe.d/check_<name>.cfg
// on the unit's machine. A plugin the machine does not have is UNKNOWN,
// as nrpe reports it.
func (m *Model) NRPEChecks(ctx context.Context, unit string) ([]NRPECheck, error) {
	a, u, err := m.st.unit(unit)
	if err != nil {
		return nil, err
	}
	var monitors string
	for _, r := range m.relationsOf(a.Name) {
		if e, ok := r.endpointOf(a.Name); ok && e.Name == "nrpe-external-master" {
			monitors = r.UnitData[u.Name]["monitors"]
		}
	}
	if monitors == "" {
		return nil, fmt.Errorf("%s published no monitors on nrpe-external-master", unit)
	}
	var doc struct {
		Monitors struct {
			Remote struct {
				NRPE map[string]struct {
					Command string `yaml:"command"`
				} `yaml:"nrpe"`
			} `yaml:"remote"`
		} `yaml:"monitors"`
	}
	if err := yaml.Unmarshal([]byte(monitors), &doc); err != nil {
		return nil, fmt.Errorf("monitors of %s: %w", unit, err)
	}
	root := m.unitRoot(unit)
	var out []NRPECheck
	for name, mon := range doc.Monitors.Remote.NRPE {
		cmd, err := nrpeCommand(root, mon.Command)
		if err != nil {
			return nil, err
		}
		c := NRPECheck{Name: name, Command: cmd}
		c.Exit, c.Output = runPlugin(ctx, root, cmd)
		c.State = nagiosState(c.Exit)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// nrpeCommand reads command[<check>]=... from the unit's nrpe.d.
func nrpeCommand(root, check string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(root, "etc/nagios/nrpe.d", check+".cfg"))
	if err != nil {
		return "", fmt.Errorf("check %s: %w", check, err)
	}
	prefix := "command[" + check + "]="
	for _, line := range strings.Split(string(raw), "\n") {
		if cmd, ok := strings.CutPrefix(line, prefix); ok {
			return cmd, nil
		}
	}
	return "", fmt.Errorf("check %s: no %s line", check, prefix)
}

// runPlugin runs a check command on the unit's machine (the plugin at its
// path under the unit's root) and returns its exit code and first line.
func runPlugin(ctx context.Context, root, cmd string) (int, string) {
	argv := strings.Fields(cmd)
	if len(argv) == 0 || !filepath.IsAbs(argv[0]) {
		return 3, "NRPE: Unable to read output"
	}
	bin := filepath.Join(root, argv[0])
	if _, err := os.Lstat(bin); err != nil {
		return 3, "NRPE: Unable to read output"
	}
	run, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c := exec.CommandContext(run, bin, argv[1:]...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	line, _, _ := strings.Cut(stdout.String(), "\n")
	if line == "" {
		// nrpe shows what the plugin said on stderr when stdout is empty.
		line, _, _ = strings.Cut(stderr.String(), "\n")
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, line
	case errors.As(err, &ee):
		return ee.ExitCode(), line
	}
	return 3, "NRPE: Unable to read output (" + err.Error() + ")"
}
