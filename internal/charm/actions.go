package charm

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/config"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/status"
)

// pausedStatus is the status of a paused unit.
var pausedStatus = status.Status{Name: status.Maintenance, Message: "Paused. Use 'resume' action to resume normal service."}

// updateStatusEvent is the event a reconcile started by update-status sees.
var updateStatusEvent = juju.Event{Kind: juju.Hook, Name: "update-status"}

// runAction dispatches an action to its handler. A handler's failure is
// reported with action-fail; the process still exits 0.
func runAction(ctx context.Context, name string, d Deps) error {
	var err error
	switch name {
	case "pause":
		err = pause(ctx, d)
	case "resume":
		err = resume(ctx, d)
	case "restart-services":
		err = restartServices(ctx, d)
	case "openstack-upgrade":
		err = openstackUpgrade(ctx, d)
	case "diagnose":
		err = diagnose(ctx, d)
	default:
		err = fmt.Errorf("action %q is not supported by this charm version", name)
	}
	if err != nil {
		if ferr := d.Tools.ActionFail(ctx, err.Error()); ferr != nil {
			return fmt.Errorf("action-fail: %w (action error: %v)", ferr, err)
		}
	}
	return nil
}

// pause stops, disables and masks the managed services (haproxy stays with
// pacemaker when an ha relation manages it) and records the pause, with the
// services it stopped, on disk, where every later hook sees it.
func pause(ctx context.Context, d Deps) error {
	ha, err := d.Tools.RelationIDs(ctx, HA)
	if err != nil {
		return fmt.Errorf("couldn't pause: list %s relations: %w", HA, err)
	}
	services := pausedServices(installedServices(d), len(ha) > 0)
	if _, err := d.Host.WriteFile(PausedMarker, []byte(strings.Join(services, " ")+"\n"), 0o644, "root", "root"); err != nil {
		return fmt.Errorf("record pause: %w", err)
	}
	for i := len(services) - 1; i >= 0; i-- {
		if err := stopAndMask(ctx, d.Host.Service(services[i])); err != nil {
			return fmt.Errorf("couldn't pause: %w", err)
		}
	}
	if err := setStatus(ctx, d, pausedStatus); err != nil {
		return err
	}
	return d.Tools.ActionSet(ctx, map[string]string{"stopped": strings.Join(services, ",")})
}

// pausedServices are the services of installed a pause stops: all of them,
// but haproxy only when no ha relation hands it to pacemaker.
func pausedServices(installed []string, haRelated bool) []string {
	var out []string
	for _, name := range installed {
		if haRelated && name == haproxyService {
			continue
		}
		out = append(out, name)
	}
	return out
}

// pausedByMarker reads the services the pause marker records (older markers
// name none: every managed service was stopped).
func pausedByMarker(d Deps) []string {
	installed := installedServices(d)
	data, err := d.Host.ReadFile(PausedMarker)
	if err != nil {
		return installed
	}
	var out []string
	for _, name := range strings.Fields(string(data)) {
		if slices.Contains(installed, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return installed
	}
	return out
}

// resume removes the pause, unmasks the services and reconciles the unit.
func resume(ctx context.Context, d Deps) error {
	for _, name := range installedServices(d) {
		if err := d.Host.Service(name).Unmask(ctx); err != nil {
			return fmt.Errorf("couldn't resume: unmask %s: %w", name, err)
		}
	}
	if _, err := d.Host.Remove(PausedMarker); err != nil {
		return fmt.Errorf("clear pause: %w", err)
	}
	if err := reconcile(ctx, juju.Event{Kind: juju.Action, Name: "resume"}, d); err != nil {
		return err
	}
	var running []string
	for _, name := range installedServices(d) {
		if ok, err := d.Host.Service(name).Active(ctx); err == nil && ok {
			running = append(running, name)
		}
	}
	return d.Tools.ActionSet(ctx, map[string]string{"started": strings.Join(running, ",")})
}

// reloadable returns the managed services that can reload their
// configuration without a restart.
func reloadable() []string {
	return []string{"apache2", haproxyService}
}

// restartServices restarts every managed service, in order; with
// deferred-only=true the services that can reload do so instead.
func restartServices(ctx context.Context, d Deps) error {
	if d.Host.Exists(PausedMarker) {
		return fmt.Errorf("unit is paused: run the resume action first")
	}
	params, err := d.Tools.ActionGet(ctx)
	if err != nil {
		return fmt.Errorf("read parameters: %w", err)
	}
	reloadOnly, _ := params["deferred-only"].(bool)
	var restarted, reloaded []string
	for _, name := range installedServices(d) {
		svc := d.Host.Service(name)
		if reloadOnly && slices.Contains(reloadable(), name) {
			if err := svc.Reload(ctx); err != nil {
				return fmt.Errorf("reload %s: %w", name, err)
			}
			reloaded = append(reloaded, name)
			continue
		}
		if err := svc.Restart(ctx); err != nil {
			return fmt.Errorf("restart %s: %w", name, err)
		}
		restarted = append(restarted, name)
	}
	results := map[string]string{"restarted": strings.Join(restarted, ",")}
	if len(reloaded) > 0 {
		results["reloaded"] = strings.Join(reloaded, ",")
	}
	return d.Tools.ActionSet(ctx, results)
}

// openstackUpgrade upgrades to the release openstack-origin names, when
// action-managed-upgrade is set.
func openstackUpgrade(ctx context.Context, d Deps) error {
	raw, err := d.Tools.ConfigGet(ctx)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	cfg, _ := config.Parse(raw)
	if !cfg.ActionManagedUpgrade {
		return fmt.Errorf("action-managed-upgrade is false: the charm upgrades by itself when openstack-origin changes; set action-managed-upgrade=true to upgrade with this action")
	}
	before, err := d.Host.InstalledVersion(ctx, openstack.VersionPackage)
	if err != nil {
		return fmt.Errorf("read installed version: %w", err)
	}
	p, err := reconcileWith(ctx, juju.Event{Kind: juju.Action, Name: "openstack-upgrade"}, d, true)
	if err != nil {
		return err
	}
	if p.Halt {
		return fmt.Errorf("%s", p.Status.Message)
	}
	if p.Upgrade == "" {
		rel, _ := openstack.ReleaseFromPackageVersion(before)
		return d.Tools.ActionSet(ctx, map[string]string{"outcome": "no upgrade available: " + rel + " is installed and openstack-origin gives the same release"})
	}
	return d.Tools.ActionSet(ctx, map[string]string{"outcome": "success, upgraded from " + p.Upgrade + " to " + p.Release})
}
