package charm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/status"
)

// updateStatus re-checks the workload without re-reading inputs: inputs
// cannot change without another hook firing. A ready unit whose services
// stopped turns blocked; any other unfinished state reconciles again (a
// database that was unreachable may answer now).
func updateStatus(ctx context.Context, d Deps) error {
	current, _, err := d.Tools.StatusGet(ctx)
	if err != nil {
		return fmt.Errorf("read status: %w", err)
	}
	paused := d.Host.Exists(PausedMarker)
	switch {
	case paused:
		running, err := servicesIn(ctx, d, pausedByMarker(d), true)
		if err != nil {
			return err
		}
		if len(running) > 0 {
			return setStatus(ctx, d, status.Status{Name: status.Blocked, Message: "Services should be paused but these services running: " + strings.Join(running, ", ")})
		}
		if current != status.Maintenance {
			return setStatus(ctx, d, pausedStatus)
		}
		return nil
	case current == status.Active:
		stopped, err := servicesIn(ctx, d, installedServices(d), false)
		if err != nil {
			return err
		}
		if len(stopped) > 0 {
			return setStatus(ctx, d, status.Status{Name: status.Blocked, Message: "Services not running that should be: " + strings.Join(stopped, ", ")})
		}
		return nil
	}
	return reconcile(ctx, updateStatusEvent, d)
}

// servicesIn lists which of names are running (active=true) or not
// running (active=false).
func servicesIn(ctx context.Context, d Deps, names []string, active bool) ([]string, error) {
	var out []string
	for _, name := range names {
		a, err := d.Host.Service(name).Active(ctx)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", name, err)
		}
		if a == active {
			out = append(out, name)
		}
	}
	return out, nil
}

// teardown stops and disables the services on stop and remove. The
// database and its data are left untouched.
func teardown(ctx context.Context, _ string, d Deps) error {
	var errs []error
	services := installedServices(d)
	for i := len(services) - 1; i >= 0; i-- {
		svc := d.Host.Service(services[i])
		if err := svc.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", svc.Name(), err))
		}
		if err := svc.Disable(ctx); err != nil {
			errs = append(errs, fmt.Errorf("disable %s: %w", svc.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// dyingStatus is the status of a unit that is being removed.
var dyingStatus = status.Status{Name: status.Maintenance, Message: "Unit is being removed"}

// leaving reports whether this unit is being removed: Juju runs its
// relation-departed hooks with JUJU_DEPARTING_UNIT set to the unit itself
// (remove-unit, or its application removed), and the marker keeps that
// known through the relation-broken and other hooks that follow. A dying
// unit no longer reconciles: it still is in scope of its relations until
// each breaks, so anything it published (its own address to keystone once
// its hacluster relation is gone, http URLs once vault's is) would reach
// the other side. Its services keep running until stop.
func leaving(ctx context.Context, d Deps) (bool, error) {
	if d.Host.Exists(DyingMarker) {
		return true, nil
	}
	if d.Env.DepartingUnit == "" || d.Env.DepartingUnit != d.Env.Unit {
		return false, nil
	}
	if _, err := d.Host.WriteFile(DyingMarker, []byte(d.Env.Unit+"\n"), 0o600, "root", "root"); err != nil {
		return true, fmt.Errorf("mark the unit dying: %w", err)
	}
	logf(ctx, d, juju.LevelInfo, "%s is being removed: it publishes nothing more on its relations", d.Env.Unit)
	return true, setStatus(ctx, d, dyingStatus)
}

// seriesUpgradeStatus is the status between pre- and post-series-upgrade.
var seriesUpgradeStatus = status.Status{Name: status.Blocked, Message: "Ready for do-release-upgrade and reboot. Set complete when finished."}

// preSeriesUpgrade stops and disables the services (so they stay down
// across the reboot) and records the series upgrade so that no hook starts
// them until post-series-upgrade.
func preSeriesUpgrade(ctx context.Context, d Deps) error {
	if _, err := d.Host.WriteFile(SeriesUpgradeMarker, []byte("series upgrade\n"), 0o644, "root", "root"); err != nil {
		return fmt.Errorf("record series upgrade: %w", err)
	}
	services := installedServices(d)
	for i := len(services) - 1; i >= 0; i-- {
		svc := d.Host.Service(services[i])
		if err := svc.Stop(ctx); err != nil {
			return fmt.Errorf("stop %s: %w", svc.Name(), err)
		}
		if err := svc.Disable(ctx); err != nil {
			return fmt.Errorf("disable %s: %w", svc.Name(), err)
		}
	}
	return setStatus(ctx, d, seriesUpgradeStatus)
}

// postSeriesUpgrade clears the series upgrade and reconciles the unit.
func postSeriesUpgrade(ctx context.Context, ev juju.Event, d Deps) error {
	if _, err := d.Host.Remove(SeriesUpgradeMarker); err != nil {
		return fmt.Errorf("clear series upgrade: %w", err)
	}
	return reconcile(ctx, ev, d)
}
