package sim

import "fmt"

// Show returns, for show-unit, what the hacluster, vault or ceilometer
// simulator of application app keeps in stateDir, under the key
// "hacluster", "vault" or "ceilometer" (HAClusterStatus, VaultStatus,
// CeilometerStatus). It holds no private key or password. The map is empty
// when the simulator has recorded nothing (or keeps nothing to show).
func Show(stateDir, app string) (map[string]any, error) {
	out := map[string]any{}
	ha, ok, err := HACluster(stateDir, app)
	if err != nil {
		return nil, fmt.Errorf("show %s: %w", app, err)
	}
	if ok {
		out["hacluster"] = ha
	}
	v, ok, err := Vault(stateDir, app)
	if err != nil {
		return nil, fmt.Errorf("show %s: %w", app, err)
	}
	if ok {
		out["vault"] = v
	}
	c, ok, err := Ceilometer(stateDir, app)
	if err != nil {
		return nil, fmt.Errorf("show %s: %w", app, err)
	}
	if ok {
		out["ceilometer"] = c
	}
	return out, nil
}
