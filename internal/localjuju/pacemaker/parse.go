package pacemaker

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
)

type reqParser struct {
	r    Request
	errs []error
}

func (p *reqParser) fail(key, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// legacyKeys are the un-prefixed keys old principals sent.
func legacyKeys() []string {
	return []string{
		"resources", "resource_params", "groups", "clones", "init_services",
		"delete_resources", "colocations", "locations", "orders", "ms",
	}
}

func (p *reqParser) parse(bag map[string]string) {
	known := map[string]bool{keyBindIface: true, keyMcastPort: true}
	for _, k := range jsonKeys() {
		known[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(bag)) {
		if strings.HasPrefix(k, "json_") && !known[k] {
			p.fail(k, "unknown key")
		}
	}
	for _, k := range legacyKeys() {
		if _, ok := bag[k]; ok {
			p.fail(k, "legacy key without the json_ prefix is not supported; send json_%s", k)
		}
	}

	resources := p.object(bag, keyResources)
	params := p.object(bag, keyResourceParams)
	groups := p.object(bag, keyGroups)
	clones := p.object(bag, keyClones)
	for _, k := range []string{keyMS, keyOrders, keyColocations, keyLocations} {
		if m := p.object(bag, k); len(m) > 0 {
			p.r.Constraints[k] = m
		}
	}
	p.list(bag, keySystemdServices)
	deletes := p.list(bag, keyDeleteResources)

	specs := agents()
	for _, name := range slices.Sorted(maps.Keys(resources)) {
		p.primitive(name, resources[name], params[name], specs)
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if _, ok := resources[name]; !ok {
			p.fail(keyResourceParams, "%s is not in %s", name, keyResources)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		p.group(name, groups[name])
	}
	for _, name := range slices.Sorted(maps.Keys(clones)) {
		p.clone(name, clones[name])
	}
	p.crossCheck()

	for _, name := range deletes {
		switch {
		case !validID(name):
			p.fail(keyDeleteResources, "%q is not a valid resource id", name)
		case p.defined(name):
			p.fail(keyDeleteResources, "%s is deleted and created by the same request", name)
		case slices.Contains(p.r.Deletes, name):
			p.fail(keyDeleteResources, "%s is listed twice", name)
		default:
			p.r.Deletes = append(p.r.Deletes, name)
		}
	}
	p.initServices(bag)

	if v, ok := bag[keyBindIface]; ok && v != "" {
		if err := checkNIC(v); err != nil {
			p.fail(keyBindIface, "%q %v", v, err)
		} else {
			p.r.BindIface = v
		}
	}
	if v, ok := bag[keyMcastPort]; ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			p.fail(keyMcastPort, "%q is not a port", v)
		} else {
			p.r.McastPort = n
		}
	}
}

// object decodes bag[key] as a JSON object of strings; absent or empty is
// an empty object.
func (p *reqParser) object(bag map[string]string, key string) map[string]string {
	s, ok := bag[key]
	if !ok || s == "" {
		return map[string]string{}
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		p.fail(key, "not a JSON object of strings")
		return map[string]string{}
	}
	return m
}

// list decodes bag[key] as a JSON list of strings.
func (p *reqParser) list(bag map[string]string, key string) []string {
	s, ok := bag[key]
	if !ok || s == "" {
		return nil
	}
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil || l == nil {
		p.fail(key, "not a JSON list of strings")
		return nil
	}
	return l
}

func (p *reqParser) defined(name string) bool {
	_, r := p.r.Primitives[name]
	_, g := p.r.Groups[name]
	_, c := p.r.Clones[name]
	return r || g || c
}

func (p *reqParser) primitive(name, agent, def string, specs map[string]agentSpec) {
	if !validID(name) {
		p.fail(keyResources, "%q is not a valid resource id", name)
		return
	}
	spec, ok := specs[agent]
	if !ok {
		p.fail(keyResources, "%s: unknown resource agent %q", name, agent)
		return
	}
	prim := Primitive{Name: name, Agent: agent}
	where := keyResourceParams + ": " + name
	secs, err := parseSections(def, []string{"params", "meta", "utilization", "operations", "op"})
	if err != nil {
		p.fail(where, "%v", err)
		return
	}
	metas, acts, oattrs := metaAttrs(), opActions(), opAttrs()
	for _, s := range secs {
		switch s.keyword {
		case "params":
			for _, a := range s.attrs {
				check, known := spec.params[a.Name]
				switch {
				case !known:
					p.fail(where, "%s has no parameter %q", agent, a.Name)
				case check != nil && check(a.Value) != nil:
					p.fail(where, "parameter %s %q %v", a.Name, a.Value, check(a.Value))
				}
			}
			prim.Params = append(prim.Params, s.attrs...)
		case "meta":
			p.attrs(where, "meta attribute", s.attrs, metas)
			prim.Meta = append(prim.Meta, s.attrs...)
		case "op":
			if !acts[s.arg] {
				p.fail(where, "unknown operation %q", s.arg)
			}
			p.attrs(where, "op "+s.arg+" attribute", s.attrs, oattrs)
			prim.Ops = append(prim.Ops, Op{Action: s.arg, Attrs: s.attrs})
		default:
			p.fail(where, "section %q is not supported", s.keyword)
		}
	}
	for _, req := range spec.required {
		if _, ok := prim.Param(req); !ok {
			p.fail(where, "required parameter %s of %s is missing", req, agent)
		}
	}
	p.checkVIP(where, prim)
	p.r.Primitives[name] = prim
}

// checkVIP checks what the agents cannot tell from one value: an IPv4
// address has at most a /32 netmask.
func (p *reqParser) checkVIP(where string, prim Primitive) {
	if prim.Agent != AgentIPaddr2 {
		return
	}
	ip, _ := prim.Param("ip")
	mask, ok := prim.Param("cidr_netmask")
	if !ok || net.ParseIP(ip).To4() == nil {
		return
	}
	if n, err := strconv.Atoi(mask); err == nil && n > 32 {
		p.fail(where, "cidr_netmask %q is longer than an IPv4 netmask", mask)
	}
}

func (p *reqParser) attrs(where, what string, attrs []Attr, known map[string]checkFunc) {
	seen := map[string]bool{}
	for _, a := range attrs {
		check, ok := known[a.Name]
		switch {
		case !ok:
			p.fail(where, "unknown %s %q", what, a.Name)
		case seen[a.Name]:
			p.fail(where, "%s %s is set twice", what, a.Name)
		case check != nil && check(a.Value) != nil:
			p.fail(where, "%s %s %q %v", what, a.Name, a.Value, check(a.Value))
		}
		seen[a.Name] = true
	}
}

func (p *reqParser) group(name, def string) {
	if members, meta, ok := p.metaOnly(keyGroups, "group", name, def); ok {
		if len(members) == 0 {
			p.fail(keyGroups+": "+name, "has no members")
			return
		}
		p.r.Groups[name] = Group{Name: name, Members: members, Meta: meta}
	}
}

func (p *reqParser) clone(name, def string) {
	if words, meta, ok := p.metaOnly(keyClones, "clone", name, def); ok {
		if len(words) != 1 {
			p.fail(keyClones+": "+name, "must name exactly one resource")
			return
		}
		p.r.Clones[name] = Clone{Name: name, Resource: words[0], Meta: meta}
	}
}

// metaOnly reads a group's or clone's definition: the leading words, then
// meta attributes only.
func (p *reqParser) metaOnly(key, kind, name, def string) (words []string, meta []Attr, ok bool) {
	if !validID(name) {
		p.fail(key, "%q is not a valid %s id", name, kind)
		return nil, nil, false
	}
	words, rest := leadingWords(def)
	secs, err := parseSections(rest, []string{"meta"})
	if err != nil {
		p.fail(key+": "+name, "%v", err)
		return nil, nil, false
	}
	for _, s := range secs {
		p.attrs(key+": "+name, "meta attribute", s.attrs, metaAttrs())
		meta = append(meta, s.attrs...)
	}
	return words, meta, true
}

// crossCheck checks the references between resources, groups and clones.
func (p *reqParser) crossCheck() {
	owner := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(p.r.Groups)) {
		if _, clash := p.r.Primitives[name]; clash {
			p.fail(keyGroups, "%s is also a resource", name)
		}
		for _, m := range p.r.Groups[name].Members {
			if _, ok := p.r.Primitives[m]; !ok {
				p.fail(keyGroups+": "+name, "member %s is not a resource of %s", m, keyResources)
				continue
			}
			if other, dup := owner[m]; dup {
				p.fail(keyGroups+": "+name, "member %s is already in %s", m, other)
				continue
			}
			owner[m] = name
		}
	}
	cloned := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(p.r.Clones)) {
		c := p.r.Clones[name]
		_, isRes := p.r.Primitives[name]
		_, isGrp := p.r.Groups[name]
		if isRes || isGrp {
			p.fail(keyClones, "%s is also a resource or group", name)
		}
		_, res := p.r.Primitives[c.Resource]
		_, grp := p.r.Groups[c.Resource]
		switch {
		case !res && !grp:
			p.fail(keyClones+": "+name, "%s is not a resource or group of this request", c.Resource)
		case owner[c.Resource] != "":
			p.fail(keyClones+": "+name, "%s is in group %s and cannot be cloned itself", c.Resource, owner[c.Resource])
		case cloned[c.Resource] != "":
			p.fail(keyClones+": "+name, "%s is already cloned by %s", c.Resource, cloned[c.Resource])
		default:
			cloned[c.Resource] = name
		}
	}
}

// initServices reads json_init_services, a list of service names or an
// object resource -> service, and checks each against the resources.
func (p *reqParser) initServices(bag map[string]string) {
	s := bag[keyInitServices]
	if s == "" {
		return
	}
	services := map[string]bool{}
	for _, prim := range p.r.Primitives {
		if class, svc, ok := strings.Cut(prim.Agent, ":"); ok && (class == "lsb" || class == "systemd") {
			services[svc] = true
		}
	}
	var list []string
	var obj map[string]string
	switch {
	case json.Unmarshal([]byte(s), &list) == nil && list != nil:
	case json.Unmarshal([]byte(s), &obj) == nil && obj != nil:
		for _, res := range slices.Sorted(maps.Keys(obj)) {
			if _, ok := p.r.Primitives[res]; !ok {
				p.fail(keyInitServices, "%s is not a resource of %s", res, keyResources)
				continue
			}
			list = append(list, obj[res])
		}
	default:
		p.fail(keyInitServices, "not a JSON list of strings or object of strings")
		return
	}
	for _, svc := range list {
		if !services[svc] {
			p.fail(keyInitServices, "%q is the service of no lsb: or systemd: resource", svc)
			continue
		}
		p.r.InitServices = append(p.r.InitServices, svc)
	}
}
