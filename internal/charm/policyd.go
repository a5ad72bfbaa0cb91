package charm

import (
	"context"
	"encoding/json"
	"fmt"
	"path"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/policyd"
)

// Policy overrides: the files of the policyd-override resource in the
// directory Panko's oslo.policy reads (policy_dirs = policy.d next to
// panko.conf), recorded in a manifest so that files no longer wanted can
// be removed.
const (
	PolicydDir      = "/etc/panko/policy.d"
	PolicydManifest = "/var/lib/charm-panko/policyd"
)

// policydRecord is what PolicydManifest holds: the files installed, or
// why the resource was refused.
type policydRecord struct {
	Files  []string `json:"files"`
	Broken string   `json:"broken,omitempty"`
}

// readPolicyd reads what planPolicyd needs: the manifest always, the
// resource only while overrides are on (one resource-get).
func readPolicyd(ctx context.Context, in *Inputs, d Deps) {
	if raw, err := d.Host.ReadFile(PolicydManifest); err == nil {
		_ = json.Unmarshal(raw, &in.PolicydInstalled)
	}
	if !in.Config.UsePolicydOverride {
		return
	}
	p, err := d.Tools.ResourceGet(ctx, policyd.Resource)
	if err != nil {
		in.PolicydErr = fmt.Errorf("no %s resource could be fetched", policyd.Resource)
		return
	}
	if in.PolicydZip, err = d.Host.ReadFile(p); err != nil {
		in.PolicydErr = fmt.Errorf("the %s resource cannot be read", policyd.Resource)
	}
}

// planPolicyd installs the overrides when they are on and the resource is
// sound, and removes every installed override otherwise (all or nothing,
// as charm-helpers does). Apache restarts when a file changes. It returns
// the status prefix ("" while overrides are off).
func planPolicyd(in Inputs, p *Plan, release string) string {
	installed := map[string]bool{}
	for _, f := range in.PolicydInstalled.Files {
		if path.Base(f) == f && f != "." && f != ".." {
			installed[f] = true
		}
	}
	removeAll := func(keep map[string]bool) {
		for f := range installed {
			if !keep[f] {
				p.RemoveFiles = append(p.RemoveFiles, servedRemovals(path.Join(PolicydDir, f))...)
			}
		}
	}
	if !in.Config.UsePolicydOverride {
		removeAll(nil)
		if len(installed) > 0 || in.PolicydInstalled.Broken != "" {
			p.RetireFiles = append(p.RetireFiles, retiredFiles(PolicydManifest)...)
		}
		return ""
	}
	files, err := []policyd.File(nil), in.PolicydErr
	switch {
	case err != nil:
	case openstack.Compare(release, "queens") < 0:
		err = fmt.Errorf("policy overrides need Queens or later (this is %s)", release)
	default:
		files, err = policyd.Parse(in.PolicydZip)
	}
	record := policydRecord{Files: []string{}}
	if err != nil {
		removeAll(nil)
		record.Broken = err.Error()
		if in.PolicydInstalled.Broken != record.Broken {
			p.Warnings = append(p.Warnings, fmt.Sprintf("policy overrides not installed: %v", err))
		}
	} else {
		keep := map[string]bool{}
		for _, f := range files {
			keep[f.Name] = true
			record.Files = append(record.Files, f.Name)
			p.Files = append(p.Files, File{Path: path.Join(PolicydDir, f.Name), Data: f.Data, Mode: 0o640,
				Owner: "root", Group: "panko", Restarts: []string{"apache2"}})
		}
		removeAll(keep)
	}
	raw, _ := json.Marshal(record)
	p.Files = append(p.Files, File{Path: PolicydManifest, Data: append(raw, '\n'), Mode: 0o600, Owner: "root", Group: "root"})
	if err != nil {
		return policyd.PrefixBroken
	}
	return policyd.PrefixOK
}
