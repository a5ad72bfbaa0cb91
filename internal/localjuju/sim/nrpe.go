package sim

import (
	"context"
	"fmt"
	"strings"
)

// nrpeEndpoint is the nrpe simulator's endpoint to its principal.
const nrpeEndpoint = "nrpe-external-master"

// nrpeApp simulates the nrpe subordinate (canonical/charm-nrpe): each
// unit tells its principal the Nagios host name and context it uses
// (PrincipalRelation.provide_data: "<nagios_host_context>-<principal unit
// with / as ->"). The model links the charm's check plugins into the
// principal's machine and runs the checks the principal names (see
// localjuju.Model.NRPEChecks).
type nrpeApp struct {
	base
	hostContext string
}

// newNRPE validates the simulator's configuration: nagios_host_context
// (default "juju").
func newNRPE(config map[string]string, _ Env) (*nrpeApp, error) {
	if err := checkOptions("nrpe", config, "nagios_host_context"); err != nil {
		return nil, err
	}
	n := &nrpeApp{hostContext: "juju", base: base{"nrpe", true,
		map[string]Endpoint{nrpeEndpoint: {Interface: "nrpe-external-master", Role: RoleRequires, Scope: ScopeContainer}}}}
	if v, ok := config["nagios_host_context"]; ok {
		if v == "" || strings.ContainsAny(v, " /\t\n") {
			return nil, fmt.Errorf("nrpe simulator: nagios_host_context %q is not a name", v)
		}
		n.hostContext = v
	}
	return n, nil
}

// Respond gives each unit's principal its Nagios host name and context.
func (n *nrpeApp) Respond(_ context.Context, units []string, _ string, rel Relation) (Response, error) {
	if rel.Endpoint != nrpeEndpoint {
		return Response{}, fmt.Errorf("nrpe simulator has no endpoint %q", rel.Endpoint)
	}
	remote := SortedUnitKeys(rel.RemoteUnits)
	if len(units) != 1 || len(remote) != 1 {
		return Response{}, nil // a subordinate unit answers its one principal
	}
	host := n.hostContext + "-" + strings.ReplaceAll(remote[0], "/", "-")
	owned := []string{"nagios_hostname", "nagios_host_context"}
	return Response{Units: map[string]map[string]string{
		units[0]: replaceKeys(rel.Units[units[0]], owned, map[string]string{"nagios_hostname": host, "nagios_host_context": n.hostContext}),
	}}, nil
}
