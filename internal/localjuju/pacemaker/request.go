package pacemaker

import (
	"errors"
	"maps"
	"slices"
	"strings"
)

// Attr is one name="value" attribute of a crm definition.
type Attr struct {
	// Name is the attribute name and Value its value, unquoted.
	Name, Value string
}

// Op is one "op <action> <attrs>" line of a primitive.
type Op struct {
	// Action is the operation, e.g. "monitor".
	Action string
	// Attrs are its attributes in the order given.
	Attrs []Attr
}

// Primitive is one resource a principal asks for.
type Primitive struct {
	// Name is the resource id, e.g. "res_panko_haproxy".
	Name string
	// Agent is the resource agent, e.g. "ocf:heartbeat:IPaddr2".
	Agent string
	// Params, Meta and Ops are the definition's sections in the order
	// given.
	Params, Meta []Attr
	Ops          []Op
}

// Param returns the value of parameter name and whether it is set.
func (p Primitive) Param(name string) (string, bool) {
	for _, a := range p.Params {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Group is a resource group: members start in order on one node.
type Group struct {
	// Name is the group id.
	Name string
	// Members are the grouped resources, in start order.
	Members []string
	// Meta are the group's meta attributes.
	Meta []Attr
}

// Clone runs a resource (or group) on every node.
type Clone struct {
	// Name is the clone id.
	Name string
	// Resource is the cloned resource or group.
	Resource string
	// Meta are the clone's meta attributes.
	Meta []Attr
}

// Request is a principal's ha bag as a hacluster unit reads it.
type Request struct {
	// Primitives are json_resources with their json_resource_params, by
	// name.
	Primitives map[string]Primitive
	// Groups are json_groups, by name.
	Groups map[string]Group
	// Clones are json_clones, by name.
	Clones map[string]Clone
	// InitServices are the init services hacluster takes over: the
	// json_init_services list, or the values of its object form.
	InitServices []string
	// Deletes are json_delete_resources, in the order given.
	Deletes []string
	// Constraints are json_ms, json_orders, json_colocations and
	// json_locations by key then name, kept as given (Panko sends none).
	Constraints map[string]map[string]string
	// BindIface and McastPort are corosync_bindiface and
	// corosync_mcastport ("" and 0 when absent).
	BindIface string
	McastPort int
}

// ParseRequest reads a principal's ha bag and checks it the way the
// hacluster charm will use it:
//   - every json_* value is JSON of the right shape (objects of strings;
//     json_delete_resources and json_systemd_services lists of strings;
//     json_init_services a list, or an object keyed by resource); unknown
//     json_* keys and the legacy keys without the json_ prefix are refused;
//   - every resource has a valid id and a known agent (IPaddr2, IPv6addr,
//     ocf:maas:dns, lsb:haproxy); its definition parses as crm sections
//     (params, meta, op); parameters are ones the agent declares, required
//     ones are present and values parse (IP addresses, prefix lengths,
//     interface names, DNS names); meta and op attributes are Pacemaker's;
//   - json_resource_params only names resources of json_resources;
//   - groups and clones reference known resources, no resource is in two
//     groups or both grouped and cloned, and ids are unique across
//     resources, groups and clones;
//   - every deletion is a valid id and not also created by the request;
//   - init services name an lsb: or systemd: resource's service;
//   - corosync_mcastport, when set, is a port; corosync_bindiface an
//     interface name.
//
// Deleting a name that Pacemaker does not hold is not an error: hacluster
// skips it, and principals send the names of older charm versions on
// purpose. Cluster.Apply reports such names. The error joins every problem
// found; the Request then holds whatever parsed.
func ParseRequest(bag map[string]string) (Request, error) {
	p := reqParser{r: Request{
		Primitives:  map[string]Primitive{},
		Groups:      map[string]Group{},
		Clones:      map[string]Clone{},
		Constraints: map[string]map[string]string{},
	}}
	p.parse(bag)
	return p.r, errors.Join(p.errs...)
}

// Commands returns the crm configure commands hacluster runs for r, in its
// order: deletions, primitives, groups, clones (each sorted by name), e.g.
// `primitive res_panko_haproxy lsb:haproxy meta migration-threshold="INFINITY" failure-timeout="5s" op monitor interval="5s"`.
func (r Request) Commands() []string {
	var out []string
	for _, d := range r.Deletes {
		out = append(out, "delete "+d)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Primitives)) {
		out = append(out, r.Primitives[name].String())
	}
	for _, name := range slices.Sorted(maps.Keys(r.Groups)) {
		out = append(out, r.Groups[name].String())
	}
	for _, name := range slices.Sorted(maps.Keys(r.Clones)) {
		out = append(out, r.Clones[name].String())
	}
	return out
}

func writeAttrs(b *strings.Builder, kw string, attrs []Attr) {
	if len(attrs) == 0 {
		return
	}
	b.WriteString(" " + kw)
	for _, a := range attrs {
		b.WriteString(" " + a.Name + `="` + a.Value + `"`)
	}
}

// String is the crm configure command defining p.
func (p Primitive) String() string {
	var b strings.Builder
	b.WriteString("primitive " + p.Name + " " + p.Agent)
	writeAttrs(&b, "params", p.Params)
	writeAttrs(&b, "meta", p.Meta)
	for _, op := range p.Ops {
		b.WriteString(" op " + op.Action)
		for _, a := range op.Attrs {
			b.WriteString(" " + a.Name + `="` + a.Value + `"`)
		}
	}
	return b.String()
}

// String is the crm configure command defining g.
func (g Group) String() string {
	var b strings.Builder
	b.WriteString("group " + g.Name + " " + strings.Join(g.Members, " "))
	writeAttrs(&b, "meta", g.Meta)
	return b.String()
}

// String is the crm configure command defining c.
func (c Clone) String() string {
	var b strings.Builder
	b.WriteString("clone " + c.Name + " " + c.Resource)
	writeAttrs(&b, "meta", c.Meta)
	return b.String()
}
