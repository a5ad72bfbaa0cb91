package charm

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// Monitoring through the nrpe subordinate on nrpe-external-master, in the
// form charm-helpers' contrib/charmsupport/nrpe.py writes: one
// /etc/nagios/nrpe.d/check_<name>.cfg per check, its Nagios service in
// /var/lib/nagios/export when the nrpe charm made that directory, and the
// check names in the relation's "monitors" YAML.
const (
	NRPEExternalMaster = "nrpe-external-master"
	NRPEDir            = "/etc/nagios/nrpe.d"
	NagiosExportDir    = "/var/lib/nagios/export"
	nrpeService        = "nagios-nrpe-server"
	// The nrpe charm's systemd check and the monitoring-plugins' HTTP check.
	checkSystemd = "/usr/local/lib/nagios/plugins/check_systemd.py"
	checkHTTP    = "/usr/lib/nagios/plugins/check_http"
	// Certificate days left below which the check warns, and is critical.
	certWarnDays, certCritDays = 30, 14
)

// nrpeCheck is one Nagios check.
type nrpeCheck struct {
	name, description, command string
}

// nrpeCheckNames are every check the charm may write, so that those no
// longer wanted are removed.
func nrpeCheckNames() []string {
	return []string{"memcached", "apache2", "haproxy", ListenerService, "panko_api", "panko_cert"}
}

// planNRPE writes the checks for the services this unit runs, the API on
// its port (per-release health path) and, with TLS, the certificate's
// expiry; it removes them when the relation goes.
func planNRPE(in Inputs, p *Plan, tls bool, release string) {
	rels := in.Relations[NRPEExternalMaster]
	if len(rels) == 0 {
		for _, n := range nrpeCheckNames() {
			p.RetireFiles = append(p.RetireFiles, retiredFiles(path.Join(NRPEDir, "check_"+n+".cfg"))...)
		}
		return
	}
	rel := rels[0]
	var hostname, hostContext string
	for _, u := range rel.Units {
		if h := rel.Bags[u]["nagios_hostname"]; h != "" && hostname == "" {
			hostname, hostContext = h, rel.Bags[u]["nagios_host_context"]
		}
	}
	c := in.Config
	if hostname == "" {
		hostname = c.NagiosContext + "-" + strings.ReplaceAll(in.Unit, "/", "-")
	}
	label := in.Unit
	if hostContext != "" {
		label = hostContext + ":" + in.Unit
	}
	groups := c.NagiosServicegroups
	if groups == "" {
		groups = c.NagiosContext
	}
	checks := nrpeChecks(in, p.Services, label, tls, release)
	wanted := map[string]bool{}
	for _, ch := range checks {
		wanted[ch.name] = true
		p.Files = append(p.Files, File{Path: path.Join(NRPEDir, "check_"+ch.name+".cfg"), Data: []byte(nrpeCheckFile(ch, groups)),
			Mode: 0o644, Owner: "root", Group: "root", Restarts: []string{nrpeService}})
		p.TryRestart = []string{nrpeService}
		if in.NagiosExport {
			p.Files = append(p.Files, File{Path: path.Join(NagiosExportDir, "service__"+hostname+"_check_"+ch.name+".cfg"),
				Data: []byte(nagiosService(ch, hostname, groups)), Mode: 0o644, Owner: "root", Group: "root"})
		}
	}
	for _, n := range nrpeCheckNames() {
		if !wanted[n] {
			p.RetireFiles = append(p.RetireFiles, retiredFiles(path.Join(NRPEDir, "check_"+n+".cfg"))...)
		}
	}
	publish(p, rel, map[string]string{"monitors": monitorsYAML(checks), "primary": "True"})
}

// nrpeChecks lists the checks: a process check per managed service
// (haproxy left to hacluster's own checks when pacemaker runs it), the API,
// and the certificate when TLS is on.
func nrpeChecks(in Inputs, services []string, label string, tls bool, release string) []nrpeCheck {
	var out []nrpeCheck
	for _, svc := range services {
		if svc == ExpirerTimer || (svc == haproxyService && len(in.Relations[HA]) > 0) {
			continue
		}
		out = append(out, nrpeCheck{svc, "process check {" + label + "}", checkSystemd + " " + svc})
	}
	hc := openstack.HealthCheckFor(release)
	api := fmt.Sprintf("%s -I 127.0.0.1 -p %d -u %s -e %d", checkHTTP, openstack.APIPort, hc.Path, hc.Status)
	if tls {
		api += " -S --sni"
	}
	out = append(out, nrpeCheck{"panko_api", "Panko API on port 8977 {" + label + "}", api})
	if tls {
		out = append(out, nrpeCheck{"panko_cert", "Panko TLS certificate expiry {" + label + "}",
			fmt.Sprintf("%s -I 127.0.0.1 -p %d -S --sni -C %d,%d", checkHTTP, openstack.APIPort, certWarnDays, certCritDays)})
	}
	return out
}

// nrpeCheckFile is check_<name>.cfg as charm-helpers' Check.write makes it.
func nrpeCheckFile(ch nrpeCheck, groups string) string {
	return "# check " + ch.name + "\n" +
		"# The following header was added automatically by juju\n" +
		"# Modifying it will affect nagios monitoring and alerting\n" +
		"# servicegroups: " + groups + "\n" +
		"command[check_" + ch.name + "]=" + ch.command + "\n"
}

// nagiosService is the exported Nagios service, as charm-helpers'
// Check.write_service_config makes it.
func nagiosService(ch nrpeCheck, hostname, groups string) string {
	field := func(k, v string) string { return fmt.Sprintf("    %-32s%s\n", k, v) }
	return "\n#---------------------------------------------------\n" +
		"# This file is Juju managed\n" +
		"#---------------------------------------------------\n" +
		"define service {\n" +
		field("use", "active-service") +
		field("host_name", hostname) +
		field("service_description", hostname+"["+ch.name+"] "+ch.description) +
		field("check_command", "check_nrpe!check_"+ch.name) +
		field("servicegroups", groups) +
		"\n}\n"
}

// monitorsYAML is the "monitors" value: the checks by name under
// monitors.remote.nrpe, in PyYAML's block style with sorted keys.
func monitorsYAML(checks []nrpeCheck) string {
	names := make([]string, 0, len(checks))
	for _, ch := range checks {
		names = append(names, ch.name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("monitors:\n  remote:\n    nrpe:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "      %s:\n        command: check_%s\n", n, n)
	}
	return b.String()
}
