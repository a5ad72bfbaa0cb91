package charm

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/render"
)

// The expirer: a systemd timer on the leader runs panko-expirer, as user
// panko, every expirer-interval minutes while event-time-to-live is
// positive.
const (
	ExpirerTimer       = "panko-expirer.timer"
	ExpirerServiceFile = "/etc/systemd/system/panko-expirer.service"
	ExpirerTimerFile   = "/etc/systemd/system/panko-expirer.timer"
	ExpirerProgramFile = "/usr/lib/charm-panko/panko-expirer-run"
	ExpirerLogFile     = "/var/log/panko/panko-expirer.log"
	ExpirerStateFile   = "/var/lib/panko/expirer-last-run"
	// PackageCronFile is the daily job Debian's panko-common ships, which
	// would run the expirer on every unit at the same minute.
	PackageCronFile = "/etc/cron.d/panko-common"
	// leaderExpirerUnit names the unit that runs the expirer: setting it
	// tells the previous leader (leader-settings-changed) to stop.
	leaderExpirerUnit = "expirer-unit"
)

// expirerFiles are the files of an installed expirer, removed with it.
func expirerFiles() []string {
	return []string{ExpirerTimerFile, ExpirerServiceFile, ExpirerProgramFile}
}

// planExpirer installs the expirer's timer on the leader when events
// expire, and retires it everywhere else. A package's own cron job for
// the expirer is removed on every unit.
func planExpirer(in Inputs, p *Plan, data render.Data) {
	if strings.Contains(string(in.PackageCron), "panko-expirer") {
		p.RetireFiles = append(p.RetireFiles, retiredFiles(PackageCronFile)...)
	}
	if !in.Leader || in.Config.EventTimeToLive <= 0 {
		if in.ExpirerInstalled {
			p.Retire = append(p.Retire, ExpirerTimer)
			p.RetireFiles = append(p.RetireFiles, retiredFiles(expirerFiles()...)...)
		}
		return
	}
	if n := in.Config.EventsDeleteBatchSize; n > 0 {
		if v := in.Installed[openstack.VersionPackage]; v != "" && !openstack.ExpiryBatches(v) {
			p.Warnings = append(p.Warnings, fmt.Sprintf("events-delete-batch-size %d has no effect on Panko %s: its panko-expirer deletes every expired event at once (batches came with 7.1.0, 8.1.0 and 9.0.0)", n, upstreamVersion(v)))
		}
	}
	interval := in.Config.ExpirerInterval
	data.Expirer = &render.Expirer{Interval: interval, Delay: interval / 4,
		Program: ExpirerProgramFile, LogFile: ExpirerLogFile, StateFile: ExpirerStateFile}
	reload := []string{"systemctl", "daemon-reload"}
	specs := []struct {
		tmpl, path string
		mode       fs.FileMode
		onChange   []string
		restarts   []string
	}{
		{render.ExpirerProgram, ExpirerProgramFile, 0o755, nil, nil},
		{render.ExpirerService, ExpirerServiceFile, 0o644, reload, nil},
		{render.ExpirerTimer, ExpirerTimerFile, 0o644, reload, []string{ExpirerTimer}},
	}
	for _, s := range specs {
		out, err := data.Render(s.tmpl)
		if err != nil {
			p.Err = fmt.Errorf("render %s: %w", s.path, err)
			return
		}
		p.Files = append(p.Files, File{Path: s.path, Data: out, Mode: s.mode, Owner: "root", Group: "root",
			OnChange: s.onChange, Restarts: s.restarts})
	}
	p.Create = append(p.Create, File{Path: ExpirerLogFile, Mode: 0o640, Owner: "panko", Group: "panko"})
	p.Services = append(p.Services, ExpirerTimer)
	if in.LeaderData[leaderExpirerUnit] != in.Unit {
		p.LeaderSet = map[string]string{leaderExpirerUnit: in.Unit}
	}
}

// expirerReport is diagnose's line on the expirer: on the leader, when
// panko-expirer last ran and how it ended (what the expirer's script
// records in ExpirerStateFile).
func expirerReport(in Inputs, d Deps) (bool, string) {
	switch {
	case in.Config.EventTimeToLive <= 0:
		return true, "events are kept forever (event-time-to-live -1): no expirer"
	case !in.Leader:
		return true, "runs on the leader (" + orDefault(in.LeaderData[leaderExpirerUnit], "not yet") + ")"
	case !in.ExpirerInstalled:
		return false, "the expirer's timer is not installed"
	}
	raw, err := d.Host.ReadFile(ExpirerStateFile)
	if err != nil {
		return true, fmt.Sprintf("not run yet (every %d minutes)", in.Config.ExpirerInterval)
	}
	when, code, ok := strings.Cut(strings.TrimSpace(string(raw)), " ")
	switch {
	case !ok:
		return false, ExpirerStateFile + " is not the expirer's record"
	case code == "0":
		return true, fmt.Sprintf("last run %s succeeded (every %d minutes)", when, in.Config.ExpirerInterval)
	}
	return false, fmt.Sprintf("last run %s exited %s: see %s", when, code, ExpirerLogFile)
}
