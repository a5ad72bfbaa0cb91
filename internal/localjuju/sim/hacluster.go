package sim

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/pacemaker"
)

// Endpoints and defaults of the hacluster simulator.
const (
	haEndpoint          = "ha"
	hanodeEndpoint      = "hanode"
	defaultClusterCount = 3
)

// haclusterApp simulates the hacluster subordinate: each unit reads its
// principal's ha bag, checks every resource the way hacluster and Pacemaker
// would, and the leader applies the request to the Pacemaker configuration
// kept in Env.StateDir (one per principal application). A unit answers
// clustered=yes once the application has at least cluster_count units and
// its principal's request is valid and names at least one resource.
//
// The hanode peers are the hacluster units the simulator has answered for:
// a unit counts from its first Respond until the model no longer knows it.
// Units answered before the count was reached say clustered when they are
// asked again.
type haclusterApp struct {
	base
	clusterCount int
	env          Env
}

// haclusterState is what the hacluster simulator keeps per application.
type haclusterState struct {
	// ClusterCount is cluster_count as of the last answer.
	ClusterCount int `json:"cluster_count"`
	// Nodes are the hacluster units (the hanode peers) with the principal
	// unit each runs on.
	Nodes map[string]string `json:"nodes"`
	// Principals holds the Pacemaker picture per principal application.
	Principals map[string]*pacemakerState `json:"principals"`
}

// pacemakerState is the Pacemaker picture of one principal application.
type pacemakerState struct {
	// RelationID is the ha relation the picture came from.
	RelationID int `json:"relation_id"`
	// Cluster is the configuration the leader applied.
	Cluster pacemaker.Cluster `json:"cluster"`
	// AppliedFrom is the principal unit whose request the leader applied
	// last.
	AppliedFrom string `json:"applied_from,omitempty"`
	// Skipped are the deletions of that request naming nothing Pacemaker
	// held (hacluster skips them).
	Skipped []string `json:"skipped_deletions,omitempty"`
	// Errors are the problems of each principal unit's current request.
	Errors map[string]string `json:"errors,omitempty"`
	// Clustered are the hacluster units that answered clustered=yes.
	Clustered map[string]bool `json:"clustered,omitempty"`
}

// newHACluster validates the hacluster simulator's configuration.
func newHACluster(config map[string]string, env Env) (*haclusterApp, error) {
	if err := checkOptions("hacluster", config, "cluster_count"); err != nil {
		return nil, err
	}
	h := &haclusterApp{clusterCount: defaultClusterCount, env: env, base: base{"hacluster", true, map[string]Endpoint{
		haEndpoint:     {Interface: "hacluster", Role: RoleProvides, Scope: ScopeContainer},
		hanodeEndpoint: {Interface: "hacluster", Role: RolePeers, Scope: ScopeGlobal},
	}}}
	if v, ok := config["cluster_count"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("hacluster simulator: cluster_count %q is not a positive number", v)
		}
		h.clusterCount = n
	}
	return h, nil
}

// Respond checks the request of each unit's principal, lets the leader
// apply it, and answers clustered=yes where the cluster is up.
func (h *haclusterApp) Respond(_ context.Context, units []string, leader string, rel Relation) (Response, error) {
	switch rel.Endpoint {
	case hanodeEndpoint:
		return Response{}, nil
	case haEndpoint:
	default:
		return Response{}, fmt.Errorf("hacluster simulator has no endpoint %q", rel.Endpoint)
	}
	app := appOf(units, rel.Units)
	if len(units) == 0 || app == "" {
		return Response{}, nil
	}
	if err := checkAppName(app); err != nil {
		return Response{}, fmt.Errorf("hacluster simulator: %w", err)
	}
	pairs, err := principals(h.env, units, rel)
	if err != nil {
		return Response{}, fmt.Errorf("hacluster simulator: %w", err)
	}
	answer := map[string]bool{}
	err = withState(h.env.StateDir, stateFile("hacluster", app), func(st *haclusterState) error {
		st.ClusterCount = h.clusterCount
		if st.Nodes == nil {
			st.Nodes = map[string]string{}
		}
		if st.Principals == nil {
			st.Principals = map[string]*pacemakerState{}
		}
		for n := range st.Nodes {
			if h.env.UnitAddress != nil && h.env.UnitAddress(n) == "" {
				delete(st.Nodes, n) // the model no longer has the unit
			}
		}
		for _, u := range units {
			st.Nodes[u] = pairs[u]
		}
		st.forgetGone()
		ps := st.Principals[rel.RemoteApp]
		if ps == nil || ps.RelationID != rel.ID {
			old := ps
			ps = &pacemakerState{RelationID: rel.ID}
			if old != nil {
				ps.Cluster = old.Cluster // Pacemaker keeps what it runs
			}
			st.Principals[rel.RemoteApp] = ps
		}
		if ps.Errors == nil {
			ps.Errors = map[string]string{}
		}
		if ps.Clustered == nil {
			ps.Clustered = map[string]bool{}
		}
		for _, u := range units {
			p := pairs[u]
			if p == "" {
				continue
			}
			req, err := pacemaker.ParseRequest(rel.RemoteUnits[p])
			if err != nil {
				ps.Errors[p] = err.Error()
				continue
			}
			delete(ps.Errors, p)
			if len(req.Primitives) == 0 {
				continue // the principal has not asked for anything yet
			}
			if u == leader || leader == "" {
				ps.Cluster, ps.Skipped = ps.Cluster.Apply(req)
				ps.AppliedFrom = p
			}
			if len(st.Nodes) >= h.clusterCount {
				ps.Clustered[u] = true
			}
		}
		for u := range ps.Clustered {
			answer[u] = true
		}
		return nil
	})
	if err != nil {
		return Response{}, fmt.Errorf("hacluster simulator: %w", err)
	}
	resp := Response{Units: map[string]map[string]string{}}
	for _, u := range units {
		if answer[u] {
			resp.Units[u] = replaceKeys(rel.Units[u], []string{pacemaker.KeyClustered},
				map[string]string{pacemaker.KeyClustered: "yes"})
		}
	}
	return resp, nil
}

// forgetGone drops the errors of principal units and the answers of
// hacluster units that are no longer in the cluster.
func (st *haclusterState) forgetGone() {
	live := map[string]bool{}
	for _, p := range st.Nodes {
		live[p] = true
	}
	for _, ps := range st.Principals {
		for p := range ps.Errors {
			if !live[p] {
				delete(ps.Errors, p)
			}
		}
		for u := range ps.Clustered {
			if _, ok := st.Nodes[u]; !ok {
				delete(ps.Clustered, u)
			}
		}
	}
}

// HAClusterPrincipal is the Pacemaker picture a hacluster simulator keeps
// for one principal application.
type HAClusterPrincipal struct {
	// Application is the principal application.
	Application string `json:"application"`
	// RelationID is the ha relation the picture came from.
	RelationID int `json:"relation_id"`
	// Clustered are the hacluster units that answered clustered=yes,
	// sorted.
	Clustered []string `json:"clustered"`
	// Commands are the crm configure commands that define the resources
	// Pacemaker runs (primitives, groups, clones).
	Commands []string `json:"commands"`
	// AppliedFrom is the principal unit whose request was applied last.
	AppliedFrom string `json:"applied_from,omitempty"`
	// SkippedDeletions are deletions in that request naming nothing
	// Pacemaker held.
	SkippedDeletions []string `json:"skipped_deletions,omitempty"`
	// Errors maps each principal unit whose current request is invalid to
	// the problems found.
	Errors map[string]string `json:"errors,omitempty"`
}

// HAClusterStatus is what a hacluster simulator keeps.
type HAClusterStatus struct {
	// ClusterCount is cluster_count as of the last answer.
	ClusterCount int `json:"cluster_count"`
	// Nodes are the hacluster units forming the cluster, sorted.
	Nodes []string `json:"nodes"`
	// Principals are the principal applications, sorted by name.
	Principals []HAClusterPrincipal `json:"principals"`
}

// HACluster returns what the hacluster simulator of application app keeps
// in stateDir; ok is false when it has not answered yet.
func HACluster(stateDir, app string) (status HAClusterStatus, ok bool, err error) {
	if err := checkAppName(app); err != nil {
		return HAClusterStatus{}, false, err
	}
	var st haclusterState
	ok, err = readState(stateDir, stateFile("hacluster", app), &st)
	if err != nil || !ok {
		return HAClusterStatus{}, ok, err
	}
	status = HAClusterStatus{ClusterCount: st.ClusterCount, Nodes: SortedUnitKeys(st.Nodes), Principals: []HAClusterPrincipal{}}
	names := make([]string, 0, len(st.Principals))
	for n := range st.Principals {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ps := st.Principals[n]
		p := HAClusterPrincipal{
			Application: n, RelationID: ps.RelationID, Clustered: []string{},
			Commands: ps.Cluster.Commands(), AppliedFrom: ps.AppliedFrom,
			SkippedDeletions: ps.Skipped, Errors: ps.Errors,
		}
		for _, u := range SortedUnitKeys(ps.Clustered) {
			if ps.Clustered[u] {
				p.Clustered = append(p.Clustered, u)
			}
		}
		if p.Commands == nil {
			p.Commands = []string{}
		}
		status.Principals = append(status.Principals, p)
	}
	return status, true, nil
}
