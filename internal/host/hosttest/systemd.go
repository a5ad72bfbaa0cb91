package hosttest

import (
	"fmt"
	"strings"
)

// ServiceState is the state of one systemd service unit.
type ServiceState struct {
	// Active is true while the service runs (systemctl is-active prints "active").
	Active bool `json:"active"`
	// Enabled is true when the unit is enabled at boot; masking hides but keeps it.
	Enabled bool `json:"enabled"`
	// Masked is true when the unit is linked to /dev/null and cannot be started.
	Masked bool `json:"masked"`
}

// UnitName strips a ".service" suffix: systemctl treats "apache2" and "apache2.service" alike.
func UnitName(name string) string {
	return strings.TrimSuffix(name, ".service")
}

// Systemctl applies one systemctl verb to the unit name in units (keyed by UnitName) the way
// systemd does, and returns what systemctl would print on stdout and stderr and its exit code.
// Verbs: start, stop, restart, reload, enable, disable, mask, unmask, is-active, is-enabled and
// daemon-reload. Units that are not in the map are unknown to systemd, except that mask creates
// them (systemd masks unknown units too).
func Systemctl(units map[string]ServiceState, verb, name string) (stdout, stderr string, code int) {
	name = UnitName(name)
	unit := name + ".service"
	st, known := units[name]
	switch verb {
	case "daemon-reload":
		return "", "", 0
	case "start", "restart", "try-restart", "reload":
		// try-restart leaves a loaded unit that is not running alone
		// (systemd collapses the job to a no-op).
		switch {
		case !known:
			return "", fmt.Sprintf("Failed to %s %s: Unit %s not found.\n", verb, unit, unit), 5
		case st.Masked:
			return "", fmt.Sprintf("Failed to %s %s: Unit %s is masked.\n", verb, unit, unit), 1
		case verb == "reload" && !st.Active:
			return "", fmt.Sprintf("%s is not active, cannot reload.\n", unit), 1
		}
		st.Active = st.Active || verb == "start" || verb == "restart"
	case "stop":
		if !known {
			return "", fmt.Sprintf("Failed to stop %s: Unit %s not loaded.\n", unit, unit), 5
		}
		st.Active = false
	case "enable", "disable":
		switch {
		case !known:
			return "", fmt.Sprintf("Failed to %s unit: Unit file %s does not exist.\n", verb, unit), 1
		case st.Masked && verb == "enable":
			return "", fmt.Sprintf("Failed to enable unit: Unit file /etc/systemd/system/%s is masked.\n", unit), 1
		}
		st.Enabled = verb == "enable"
	case "mask":
		if st.Masked {
			return "", "", 0
		}
		st.Masked = true
		stderr = fmt.Sprintf("Created symlink /etc/systemd/system/%s → /dev/null.\n", unit)
	case "unmask":
		if !known || !st.Masked {
			return "", "", 0
		}
		st.Masked = false
		stderr = fmt.Sprintf("Removed /etc/systemd/system/%s.\n", unit)
	case "is-active":
		if known && st.Active {
			return "active\n", "", 0
		}
		return "inactive\n", "", 3
	case "is-enabled":
		switch {
		case known && st.Masked:
			return "masked\n", "", 1
		case !known:
			return "", fmt.Sprintf("Failed to get unit file state for %s: No such file or directory\n", unit), 1
		case st.Enabled:
			return "enabled\n", "", 0
		default:
			return "disabled\n", "", 1
		}
	default:
		return "", fmt.Sprintf("Unknown command verb %s.\n", verb), 1
	}
	units[name] = st
	return "", stderr, 0
}

// LocalUnitDir is where administrators (and charms) write their own units.
const LocalUnitDir = "/etc/systemd/system/"

// LocalUnitFile is the unit file of a locally written unit: a timer,
// socket, path or target by its full name, a service with or without its
// suffix.
func LocalUnitFile(name string) string {
	for _, suffix := range []string{".timer", ".socket", ".path", ".target"} {
		if strings.HasSuffix(name, suffix) {
			return LocalUnitDir + name
		}
	}
	return LocalUnitDir + UnitName(name) + ".service"
}

// LoadLocalUnit makes a locally written unit known the first time it is
// used, as systemd loads a unit file on demand: when name is unknown and
// hasFile(its unit file) holds, it is added stopped and disabled.
func LoadLocalUnit(units map[string]ServiceState, name string, hasFile func(string) bool) {
	name = UnitName(name)
	if _, known := units[name]; !known && hasFile(LocalUnitFile(name)) {
		units[name] = ServiceState{}
	}
}

// DaemonReload forgets the units that have neither a unit file (hasFile)
// nor a package providing them (packaged), as systemctl daemon-reload does;
// masked units stay (their mask is a file).
func DaemonReload(units map[string]ServiceState, hasFile func(string) bool, packaged func(string) bool) {
	for name, st := range units {
		if !st.Masked && !packaged(name) && !hasFile(LocalUnitFile(name)) {
			delete(units, name)
		}
	}
}
