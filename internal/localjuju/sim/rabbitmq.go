package sim

import (
	"context"
	"fmt"
	"slices"
)

// amqpEndpoint is the rabbitmq-server simulator's only endpoint.
const amqpEndpoint = "amqp"

// Broker is the real RabbitMQ behind the rabbitmq-server simulator.
type Broker interface {
	// EnsureUser creates vhost and user with password (or sets the
	// password) and grants the user everything on vhost.
	EnsureUser(ctx context.Context, vhost, user, password string) error
}

// rabbitmqApp simulates charm-rabbitmq-server's amqp endpoint
// (hooks/rabbitmq_server_relations.py amqp_changed): once a client unit has
// sent username and vhost, the leader creates that user with a 64-character
// pwgen password on the vhost of the real broker, and every unit publishes
// the password with its own address in hostname and private-address. The
// password is kept per username, as the charm keeps "<username>.passwd"
// in its leader settings, so every client asking for the same user gets
// it. Before a request, units publish their address only.
type rabbitmqApp struct {
	base
	env Env
}

// rabbitmqState is what the simulator keeps per application.
type rabbitmqState struct {
	// Passwords by username.
	Passwords map[string]string `json:"passwords"`
	// Granted records "vhost/user" pairs created on the broker with the
	// current password.
	Granted map[string]string `json:"granted"`
}

// newRabbitMQ validates the simulator's configuration (it has none).
func newRabbitMQ(config map[string]string, env Env) (*rabbitmqApp, error) {
	if err := checkOptions("rabbitmq-server", config); err != nil {
		return nil, err
	}
	if env.Broker == nil {
		return nil, fmt.Errorf("rabbitmq-server simulator needs a RabbitMQ server (Env.Broker)")
	}
	return &rabbitmqApp{env: env, base: base{"rabbitmq-server", false,
		map[string]Endpoint{amqpEndpoint: {Interface: "rabbitmq", Role: RoleProvides, Scope: ScopeGlobal}}}}, nil
}

// Respond answers the first client unit (in unit order) that asked for a
// user on a vhost.
func (r *rabbitmqApp) Respond(ctx context.Context, units []string, leader string, rel Relation) (Response, error) {
	if rel.Endpoint != amqpEndpoint {
		return Response{}, fmt.Errorf("rabbitmq-server simulator has no endpoint %q", rel.Endpoint)
	}
	if leader == "" || !slices.Contains(units, leader) {
		return Response{}, nil
	}
	app := appOf(units, rel.Units)
	if err := checkAppName(app); err != nil {
		return Response{}, fmt.Errorf("rabbitmq-server simulator: %w", err)
	}
	user, vhost := "", ""
	for _, u := range SortedUnitKeys(rel.RemoteUnits) {
		bag := rel.RemoteUnits[u]
		if bag["username"] != "" && bag["vhost"] != "" {
			user, vhost = bag["username"], bag["vhost"]
			break
		}
	}
	owned := []string{"hostname", "private-address", "password"}
	resp := Response{Units: map[string]map[string]string{}}
	if user == "" {
		for _, u := range units {
			addr := r.env.unitAddress(u, rel.Units[u])
			resp.Units[u] = replaceKeys(rel.Units[u], owned, map[string]string{"hostname": addr, "private-address": addr})
		}
		return resp, nil
	}
	var password string
	err := withState(r.env.StateDir, stateFile("rabbitmq-server", app), func(st *rabbitmqState) error {
		if st.Passwords == nil {
			st.Passwords, st.Granted = map[string]string{}, map[string]string{}
		}
		if st.Passwords[user] == "" {
			pw, err := pwgen(64)
			if err != nil {
				return err
			}
			st.Passwords[user] = pw
		}
		password = st.Passwords[user]
		key := vhost + "/" + user
		if st.Granted[key] == password {
			return nil
		}
		if err := r.env.Broker.EnsureUser(ctx, vhost, user, password); err != nil {
			return fmt.Errorf("create user %s on vhost %s: %w", user, vhost, err)
		}
		st.Granted[key] = password
		return nil
	})
	if err != nil {
		return Response{}, fmt.Errorf("rabbitmq-server simulator: %w", err)
	}
	for _, u := range units {
		addr := r.env.unitAddress(u, rel.Units[u])
		resp.Units[u] = replaceKeys(rel.Units[u], owned, map[string]string{"hostname": addr, "private-address": addr, "password": password})
	}
	return resp, nil
}
