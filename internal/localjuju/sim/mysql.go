package sim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
)

// Flavours of the mysql simulator.
const (
	FlavourPercona = "percona" // percona-cluster: every unit answers db_host, password, allowed_units
	FlavourRouter  = "router"  // mysql-router subordinate: 127.0.0.1, db_port, wait_timeout, ssl_ca
	FlavourInnoDB  = "innodb"  // mysql-innodb-cluster, direct: the leader answers with db_port
)

// sharedDBEndpoint is the mysql simulator's only endpoint.
const sharedDBEndpoint = "shared-db"

// passwordsFile keeps one password per database user name.
const passwordsFile = "mysql-passwords.json"

// mysqlApp simulates percona-cluster, mysql-router or mysql-innodb-cluster
// on top of a real MariaDB server.
//
// Deviations from the real charms, all caused by every local-model unit
// sharing this machine's loopback: db_host is the address the MariaDB
// server really listens on, not the unit's address or a VIP; the user is
// created for each requested hostname and also for 127.0.0.1 and
// localhost, because that is where the connections really come from;
// percona adds db_port when the server is not on port 3306; the router
// flavour answers with the server's second port, on 127.0.0.1 only when the
// server listens there (otherwise on the server's own address).
type mysqlApp struct {
	base
	flavour         string
	ssl             bool
	waitTimeout     int
	seriesUpgrading bool
	env             Env
}

// newMySQL validates the mysql simulator's configuration.
func newMySQL(config map[string]string, env Env) (*mysqlApp, error) {
	if err := checkOptions("mysql", config, "flavour", "ssl", "wait-timeout", "series-upgrading"); err != nil {
		return nil, err
	}
	m := &mysqlApp{flavour: config["flavour"], waitTimeout: 3600, env: env}
	switch m.flavour {
	case "":
		m.flavour = FlavourPercona
	case FlavourPercona, FlavourRouter, FlavourInnoDB:
	default:
		return nil, fmt.Errorf("mysql simulator: flavour %q is not one of percona, router, innodb", m.flavour)
	}
	var err error
	if v, ok := config["ssl"]; ok {
		if m.ssl, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("mysql simulator: ssl %q is not a boolean", v)
		}
		if m.ssl && m.flavour == FlavourPercona {
			return nil, fmt.Errorf("mysql simulator: percona-cluster never sends ssl_ca; use flavour router or innodb with ssl=true")
		}
	}
	if v, ok := config["wait-timeout"]; ok {
		if m.flavour == FlavourPercona {
			return nil, fmt.Errorf("mysql simulator: percona-cluster never sends wait_timeout")
		}
		if m.waitTimeout, err = strconv.Atoi(v); err != nil || m.waitTimeout <= 0 {
			return nil, fmt.Errorf("mysql simulator: wait-timeout %q is not a positive number of seconds", v)
		}
	}
	if v, ok := config["series-upgrading"]; ok {
		if m.seriesUpgrading, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("mysql simulator: series-upgrading %q is not a boolean", v)
		}
		if m.flavour == FlavourRouter {
			return nil, fmt.Errorf("mysql simulator: series-upgrading is set by the cluster, not by mysql-router")
		}
	}
	if env.MySQLDSN == "" {
		return nil, fmt.Errorf("mysql simulator needs a MariaDB server (Env.MySQLDSN)")
	}
	scope := ScopeGlobal
	if m.flavour == FlavourRouter {
		scope = ScopeContainer // mysql-router is a subordinate
	}
	m.base = base{"mysql", scope == ScopeContainer, map[string]Endpoint{sharedDBEndpoint: {Interface: "mysql-shared", Role: RoleProvides, Scope: scope}}}
	return m, nil
}

// unitRequest is one remote unit's shared-db request.
type unitRequest struct {
	unit string
	req  dbRequest
}

// Respond creates what the remote units asked for and answers them.
func (m *mysqlApp) Respond(ctx context.Context, units []string, leader string, rel Relation) (Response, error) {
	if rel.Endpoint != sharedDBEndpoint {
		return Response{}, fmt.Errorf("mysql simulator has no endpoint %q", rel.Endpoint)
	}
	var reqs []unitRequest
	for _, u := range SortedUnitKeys(rel.RemoteUnits) {
		req, ok, err := readDBRequest(rel.RemoteUnits[u])
		if err != nil {
			return Response{}, fmt.Errorf("shared-db request of %s: %w", u, err)
		}
		if ok {
			reqs = append(reqs, unitRequest{unit: u, req: req})
		}
	}
	if len(reqs) == 0 {
		return Response{}, nil
	}
	switch m.flavour {
	case FlavourRouter:
		return m.respondRouter(ctx, units, rel, reqs)
	default:
		if leader == "" || !slices.Contains(units, leader) {
			return Response{}, nil // only a leader creates databases
		}
		return m.respondCluster(ctx, units, leader, rel, reqs)
	}
}

// respondCluster answers as percona-cluster (every unit publishes the
// leader's answer) or as mysql-innodb-cluster (only the leader answers).
func (m *mysqlApp) respondCluster(ctx context.Context, units []string, leader string, rel Relation, reqs []unitRequest) (Response, error) {
	db, srv, err := m.open(ctx)
	if err != nil {
		return Response{}, err
	}
	defer db.Close()
	primary := reqs[0].req
	passwords, err := m.passwords(reqs)
	if err != nil {
		return Response{}, err
	}
	var allowed []string
	for _, r := range reqs {
		if err := grant(ctx, db, r.req, passwords[r.req.username]); err != nil {
			return Response{}, err
		}
		if r.req.database != primary.database || r.req.username != primary.username {
			continue
		}
		ok, err := granted(ctx, db, r.req)
		if err != nil {
			return Response{}, err
		}
		if ok {
			allowed = append(allowed, r.unit)
		}
	}
	answer := dbAnswer{
		host:            srv.host,
		password:        passwords[primary.username],
		allowed:         allowed,
		seriesUpgrading: m.seriesUpgrading,
	}
	resp := Response{Units: map[string]map[string]string{}}
	if m.flavour == FlavourInnoDB {
		answer.port = srv.port
		answer.waitTimeout = m.waitTimeout
		if m.ssl {
			if answer.sslCA, err = srv.ca(); err != nil {
				return Response{}, err
			}
		}
		resp.Units[leader] = replaceKeys(rel.Units[leader], dbAnswerKeys(), answer.bag())
		return resp, nil
	}
	if srv.port != defaultDBPort {
		answer.port = srv.port // deviation: percona never sends db_port
	}
	bag := answer.bag()
	for _, u := range units {
		resp.Units[u] = replaceKeys(rel.Units[u], dbAnswerKeys(), bag)
	}
	return resp, nil
}

// respondRouter answers, per subordinate unit, its own principal only.
func (m *mysqlApp) respondRouter(ctx context.Context, units []string, rel Relation, reqs []unitRequest) (Response, error) {
	pairs, err := principals(m.env, units, rel)
	if err != nil {
		return Response{}, err
	}
	db, srv, err := m.open(ctx)
	if err != nil {
		return Response{}, err
	}
	defer db.Close()
	passwords, err := m.passwords(reqs)
	if err != nil {
		return Response{}, err
	}
	var ca []byte
	if m.ssl {
		if ca, err = srv.ca(); err != nil {
			return Response{}, err
		}
	}
	resp := Response{Units: map[string]map[string]string{}}
	for _, sub := range units {
		var r *unitRequest
		for i := range reqs {
			if reqs[i].unit == pairs[sub] {
				r = &reqs[i]
			}
		}
		if r == nil {
			continue
		}
		if err := grant(ctx, db, r.req, passwords[r.req.username]); err != nil {
			return Response{}, err
		}
		ok, err := granted(ctx, db, r.req)
		if err != nil {
			return Response{}, err
		}
		answer := dbAnswer{
			host: srv.routerHost, port: srv.routerPort, password: passwords[r.req.username],
			waitTimeout: m.waitTimeout, sslCA: ca,
		}
		if ok {
			answer.allowed = []string{r.unit}
		}
		resp.Units[sub] = replaceKeys(rel.Units[sub], dbAnswerKeys(), answer.bag())
	}
	return resp, nil
}

// passwords returns the stable password of every requested user name,
// creating missing ones (percona's 32-character pwgen).
func (m *mysqlApp) passwords(reqs []unitRequest) (map[string]string, error) {
	out := map[string]string{}
	err := withState(m.env.StateDir, passwordsFile, func(store *map[string]string) error {
		if *store == nil {
			*store = map[string]string{}
		}
		for _, r := range reqs {
			user := r.req.username
			if (*store)[user] == "" {
				pw, err := pwgen(32)
				if err != nil {
					return err
				}
				(*store)[user] = pw
			}
			out[user] = (*store)[user]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mysql simulator passwords: %w", err)
	}
	return out, nil
}
