package machine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
)

// NagiosPluginDir is where the nrpe charm installs its plugins.
const NagiosPluginDir = "/usr/local/lib/nagios/plugins"

// Plugins are the Nagios plugin stand-ins (run from NagiosPluginDir).
func Plugins() []string { return []string{"check_systemd.py"} }

// InstallNagiosPlugins links, as the nrpe subordinate charm installs them
// on its principal's machine (install_charm_files), the stand-in of its
// check_systemd.py into <root>/usr/local/lib/nagios/plugins.
func InstallNagiosPlugins(root, binary string) error {
	dir := filepath.Join(root, NagiosPluginDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install nagios plugins: %w", err)
	}
	link := filepath.Join(dir, "check_systemd.py")
	if cur, err := os.Readlink(link); err == nil && cur == binary {
		return nil
	}
	if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("install nagios plugins: %w", err)
	}
	if err := os.Symlink(binary, link); err != nil {
		return fmt.Errorf("install nagios plugins: %w", err)
	}
	return nil
}

// checkSystemd is the nrpe charm's check_systemd.py <service>: OK while the
// service runs, CRITICAL otherwise, with its output lines.
func (m *machine) checkSystemd(st *State, args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(m.stdout, "UNKNOWN: usage: check_systemd.py <service>")
		return 3
	}
	name := hosttest.UnitName(args[0])
	s, known := st.Services[name]
	switch {
	case !known:
		fmt.Fprintf(m.stdout, "CRITICAL: unable to find %s.service\n", name)
		return 2
	case s.Active:
		fmt.Fprintf(m.stdout, "OK: %s.service is running\n", name)
		return 0
	}
	fmt.Fprintf(m.stdout, "CRITICAL: %s.service is not running\n", name)
	return 2
}
