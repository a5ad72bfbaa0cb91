package charm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/host"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/status"
)

// dbSyncTimeout bounds panko-dbsync (real runs take about a second).
const dbSyncTimeout = 10 * time.Minute

// apply makes the unit match the plan: packages, files, services (each
// restarted at most once), database sync, relation data, ports, status.
func apply(ctx context.Context, in Inputs, p Plan, d Deps) error {
	if p.Halt {
		return setStatus(ctx, d, p.Status)
	}
	if p.Err != nil {
		return p.Err
	}
	for _, w := range p.Warnings {
		logf(ctx, d, juju.LevelWarning, "%s", w)
	}
	if len(p.Install) > 0 || len(p.Purge) > 0 {
		msg := "Installing packages"
		if p.Upgrade != "" {
			msg = "Running openstack upgrade"
		}
		if err := d.Tools.StatusSet(ctx, status.Maintenance, msg); err != nil {
			return fmt.Errorf("set status: %w", err)
		}
		if err := installPackages(ctx, p, d); err != nil {
			return err
		}
		if p.Upgrade != "" {
			logf(ctx, d, juju.LevelInfo, "upgraded openstack from %s to %s", p.Upgrade, p.Release)
		}
	}
	for _, name := range p.Mask {
		if err := stopAndMask(ctx, d.Host.Service(name)); err != nil {
			return err
		}
	}
	if p.SetVersion {
		v, err := d.Host.InstalledVersion(ctx, openstack.VersionPackage)
		if err != nil {
			return fmt.Errorf("read version of %s: %w", openstack.VersionPackage, err)
		}
		if err := d.Tools.ApplicationVersionSet(ctx, upstreamVersion(v)); err != nil {
			return fmt.Errorf("set application version: %w", err)
		}
	}

	for _, f := range p.Create {
		if d.Host.Exists(f.Path) {
			continue
		}
		if _, err := d.Host.WriteFile(f.Path, nil, f.Mode, f.Owner, f.Group); err != nil {
			return fmt.Errorf("create %s: %w", f.Path, err)
		}
	}
	restart, reload := map[string]bool{}, map[string]bool{}
	for _, f := range p.Files {
		changed, err := d.Host.WriteFile(f.Path, f.Data, f.Mode, f.Owner, f.Group)
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
		if !changed {
			continue
		}
		for _, s := range f.Restarts {
			restart[s] = true
		}
		for _, s := range f.Reloads {
			reload[s] = true
		}
		if len(f.OnChange) > 0 {
			if _, err := d.Host.Run(ctx, f.OnChange, 5*time.Minute); err != nil {
				return fmt.Errorf("%s after writing %s: %w", f.OnChange[0], f.Path, err)
			}
		}
	}
	if err := remove(ctx, d, p.RemoveFiles, restart); err != nil {
		return err
	}
	for _, mod := range p.Modules {
		if d.Host.Exists("/etc/apache2/mods-enabled/" + mod + ".load") {
			continue
		}
		if _, err := d.Host.Run(ctx, []string{"a2enmod", mod}, time.Minute); err != nil {
			return fmt.Errorf("enable apache module %s: %w", mod, err)
		}
		restart["apache2"] = true
	}
	for _, site := range p.Sites {
		if d.Host.Exists("/etc/apache2/sites-enabled/" + site + ".conf") {
			continue
		}
		if _, err := d.Host.Run(ctx, []string{"a2ensite", site}, time.Minute); err != nil {
			return fmt.Errorf("enable site %s: %w", site, err)
		}
		restart["apache2"] = true
	}
	for _, site := range p.DisableSites {
		if !d.Host.Exists("/etc/apache2/sites-enabled/" + site + ".conf") {
			continue
		}
		if _, err := d.Host.Run(ctx, []string{"a2dissite", site}, time.Minute); err != nil {
			return fmt.Errorf("disable site %s: %w", site, err)
		}
		restart["apache2"] = true
	}

	if err := retire(ctx, p, d); err != nil {
		return err
	}
	for _, name := range p.Restart {
		restart[name] = true
	}
	var errs []error
	for _, name := range p.Services {
		if slices.Contains(p.Leave, name) {
			continue
		}
		if err := converge(ctx, d.Host.Service(name), p.Run, restart[name], reload[name]); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, name := range p.TryRestart {
		if !restart[name] {
			continue
		}
		// The other charm may not have installed it yet: a warning.
		if _, err := d.Host.Run(ctx, []string{"systemctl", "try-restart", name}, time.Minute); err != nil {
			logf(ctx, d, juju.LevelWarning, "restart %s: %v", name, err)
		}
	}

	if p.DBSync {
		if err := dbSync(ctx, p, d); err != nil {
			return err
		}
	}
	if len(p.LeaderSet) > 0 {
		if err := d.Tools.LeaderSet(ctx, p.LeaderSet); err != nil {
			return fmt.Errorf("set leader data: %w", err)
		}
	}
	for _, rs := range p.Relations {
		if err := d.Tools.RelationSet(ctx, rs.ID, false, rs.Data); err != nil {
			return fmt.Errorf("publish on %s: %w", rs.ID, err)
		}
	}
	for _, port := range p.Open {
		if err := d.Tools.OpenPort(ctx, port); err != nil {
			return fmt.Errorf("open port %s: %w", port, err)
		}
	}
	if p.Record != nil {
		if err := d.Tools.StateSet(ctx, map[string]string{publishedKey: *p.Record}); err != nil {
			return fmt.Errorf("record what was published: %w", err)
		}
	}
	return setStatus(ctx, d, p.Status)
}

// retire stops and disables the services the plan retires, then removes
// their files.
func retire(ctx context.Context, p Plan, d Deps) error {
	for _, name := range p.Retire {
		svc := d.Host.Service(name)
		if err := svc.Stop(ctx); err != nil {
			return fmt.Errorf("stop %s: %w", name, err)
		}
		if err := svc.Disable(ctx); err != nil {
			return fmt.Errorf("disable %s: %w", name, err)
		}
	}
	return remove(ctx, d, p.RetireFiles, map[string]bool{})
}

// remove deletes files, marks in restart the services of those that were
// there and then runs each of their commands once.
func remove(ctx context.Context, d Deps, files []Removal, restart map[string]bool) error {
	var after [][]string
	for _, f := range files {
		changed, err := d.Host.Remove(f.Path)
		if err != nil {
			return fmt.Errorf("remove %s: %w", f.Path, err)
		}
		if !changed {
			continue
		}
		for _, s := range f.Restarts {
			restart[s] = true
		}
		if len(f.OnChange) > 0 && !slices.ContainsFunc(after, func(c []string) bool { return slices.Equal(c, f.OnChange) }) {
			after = append(after, f.OnChange)
		}
	}
	for _, cmd := range after {
		if _, err := d.Host.Run(ctx, cmd, 5*time.Minute); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(cmd, " "), err)
		}
	}
	return nil
}

// installPackages adds the origin's apt source and installs and purges.
func installPackages(ctx context.Context, p Plan, d Deps) error {
	src := p.Source
	if len(src.Packages) > 0 {
		if err := d.Host.Install(ctx, src.Packages); err != nil {
			return fmt.Errorf("install %s: %w", strings.Join(src.Packages, " "), err)
		}
	}
	for _, f := range src.Remove {
		if _, err := d.Host.Remove(f); err != nil {
			return fmt.Errorf("remove %s: %w", f, err)
		}
	}
	if src.File != "" {
		if _, err := d.Host.WriteFile(src.File, []byte(src.Content), 0o644, "root", "root"); err != nil {
			return fmt.Errorf("write %s: %w", src.File, err)
		}
	}
	if src.Repository != "" {
		if err := d.Host.AddSource(ctx, src.Repository); err != nil {
			return fmt.Errorf("add apt source: %w", err)
		}
	}
	if err := d.Host.Update(ctx); err != nil {
		return fmt.Errorf("apt update: %w", err)
	}
	if p.Upgrade != "" {
		if err := d.Host.Upgrade(ctx, host.UpgradeOptions{ForceConfNew: true}); err != nil {
			return fmt.Errorf("dist-upgrade: %w", err)
		}
	}
	if err := d.Host.Install(ctx, p.Install); err != nil {
		return fmt.Errorf("install packages: %w", err)
	}
	if err := d.Host.Purge(ctx, p.Purge); err != nil {
		return fmt.Errorf("purge packages: %w", err)
	}
	return nil
}

// converge brings one service to its desired state: running and enabled
// (restarted if one of its files changed) or stopped.
func converge(ctx context.Context, svc host.Service, run, changed, reload bool) error {
	active, err := svc.Active(ctx)
	if err != nil {
		return fmt.Errorf("check %s: %w", svc.Name(), err)
	}
	if !run {
		if active {
			if err := svc.Stop(ctx); err != nil {
				return fmt.Errorf("stop %s: %w", svc.Name(), err)
			}
		}
		return nil
	}
	if active && !changed {
		if reload {
			if err := svc.Reload(ctx); err != nil {
				return fmt.Errorf("reload %s: %w", svc.Name(), err)
			}
		}
		return nil
	}
	if masked, err := svc.Masked(ctx); err == nil && masked {
		if err := svc.Unmask(ctx); err != nil {
			return fmt.Errorf("unmask %s: %w", svc.Name(), err)
		}
	}
	if enabled, err := svc.Enabled(ctx); err == nil && !enabled {
		if err := svc.Enable(ctx); err != nil {
			return fmt.Errorf("enable %s: %w", svc.Name(), err)
		}
	}
	switch {
	case !active:
		if err := svc.Start(ctx); err != nil {
			return fmt.Errorf("start %s: %w", svc.Name(), err)
		}
	case changed:
		if err := svc.Restart(ctx); err != nil {
			return fmt.Errorf("restart %s: %w", svc.Name(), err)
		}
	}
	return nil
}

// stopAndMask stops, disables and masks a service.
func stopAndMask(ctx context.Context, svc host.Service) error {
	for _, step := range []struct {
		name string
		do   func(context.Context) error
	}{{"stop", svc.Stop}, {"disable", svc.Disable}, {"mask", svc.Mask}} {
		if err := step.do(ctx); err != nil {
			return fmt.Errorf("%s %s: %w", step.name, svc.Name(), err)
		}
	}
	return nil
}

// dbSync runs panko-dbsync on the leader, checks the schema and records the
// synced release for the other units.
func dbSync(ctx context.Context, p Plan, d Deps) error {
	if err := d.Tools.StatusSet(ctx, status.Maintenance, "Syncing database schema"); err != nil {
		return fmt.Errorf("set status: %w", err)
	}
	argv := []string{"panko-dbsync", "--config-file=" + PankoConf, "--log-file=" + DBSyncLog}
	if _, err := d.Host.Run(ctx, argv, dbSyncTimeout); err != nil {
		return fmt.Errorf("panko-dbsync: %s", redact(err.Error(), p.DB.Password))
	}
	schema, err := d.DB.Schema(ctx, *p.DB)
	if err != nil {
		return fmt.Errorf("check schema: %s", redact(err.Error(), p.DB.Password))
	}
	if !schema.CurrentFor(p.Release) {
		return fmt.Errorf("panko-dbsync finished but the schema is not current (see %s)", DBSyncLog)
	}
	// db-synced-at changes with every sync, so the other units hear of a
	// sync into a new database at once (leader-settings-changed) even when
	// the release they wait for stays the same.
	if err := d.Tools.LeaderSet(ctx, map[string]string{leaderDBSynced: p.Release, leaderDBSyncedAt: d.Now().UTC().Format(time.RFC3339)}); err != nil {
		return fmt.Errorf("record database sync: %w", err)
	}
	logf(ctx, d, juju.LevelInfo, "database schema synced for %s", p.Release)
	return nil
}

// setStatus sets the workload status and caches it for update-status.
func setStatus(ctx context.Context, d Deps, s status.Status) error {
	if err := d.Tools.StatusSet(ctx, s.Name, s.Message); err != nil {
		return fmt.Errorf("set status: %w", err)
	}
	return nil
}

// upstreamVersion strips the Debian epoch and revision: "1:10.0.0-0ubuntu1" → "10.0.0".
func upstreamVersion(v string) string {
	if _, after, ok := strings.Cut(v, ":"); ok {
		v = after
	}
	if before, _, ok := strings.Cut(v, "-"); ok {
		v = before
	}
	if before, _, ok := strings.Cut(v, "~"); ok {
		v = before
	}
	return v
}

// redact removes secret from s.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "********")
}
