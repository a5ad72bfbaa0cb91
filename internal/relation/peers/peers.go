// Package peers is the codec of the cluster peer relation (interface
// openstack-ha): each unit publishes its address on every endpoint binding
// as "<binding>-address", and haproxy builds its backends from the peers'
// addresses.
//
// The package is pure: it turns data bags into facts and never performs I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package peers

import (
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Bindings whose addresses the unit publishes. Juju itself writes
// private-address (BindingPrivate), which every reader falls back to.
const (
	BindingPrivate  = "private"
	BindingAdmin    = "admin"
	BindingInternal = "internal"
	BindingPublic   = "public"
)

// addressSuffix turns a binding name into its bag key.
const addressSuffix = "-address"

// Key returns the bag key of a binding's address, e.g. "admin-address".
func Key(binding string) string {
	return binding + addressSuffix
}

// Publish returns the bag a unit writes on the peer relation: one
// "<binding>-address" key per entry of addrs (binding -> address). An empty
// address yields an empty value, which deletes the key.
func Publish(addrs map[string]string) map[string]string {
	out := make(map[string]string, len(addrs))
	for binding, addr := range addrs {
		if binding == "" {
			continue
		}
		out[Key(binding)] = addr
	}
	return out
}

// Peer is one peer unit and its addresses by binding.
type Peer struct {
	Unit      string
	Addresses map[string]string // binding ("private", "admin", ...) -> address
	// Invalid lists, sorted, the "<binding>-address" keys whose value is
	// neither an IP address nor a host name.
	Invalid []string
}

// Address returns the peer's address on binding, falling back to its
// private address as haproxy does; "" when neither is known.
func (p Peer) Address(binding string) string {
	if a := p.Addresses[binding]; a != "" {
		return a
	}
	return p.Addresses[BindingPrivate]
}

// BackendName is the haproxy backend name of the unit: "/" becomes "-".
func (p Peer) BackendName() string {
	return strings.ReplaceAll(p.Unit, "/", "-")
}

// Parse reads the peers' bags (unit -> bag) and returns one Peer per unit,
// sorted by application and unit number. Only "<binding>-address" keys with
// a valid IP address or host name are kept; the others are listed in
// Invalid. Juju's ingress-address is not a binding and is ignored.
func Parse(bags map[string]map[string]string) []Peer {
	out := make([]Peer, 0, len(bags))
	for unit, bag := range bags {
		p := Peer{Unit: unit, Addresses: map[string]string{}}
		for k, v := range bag {
			binding, ok := strings.CutSuffix(k, addressSuffix)
			if !ok || binding == "" || binding == "ingress" || v == "" {
				continue
			}
			if !validHost(v) {
				p.Invalid = append(p.Invalid, k)
				continue
			}
			p.Addresses[binding] = v
		}
		sort.Strings(p.Invalid)
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return unitLess(out[i].Unit, out[j].Unit) })
	return out
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)

// validHost reports whether s is an IP address or a DNS host name.
func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	if net.ParseIP(s) != nil {
		return true
	}
	return hostnameRE.MatchString(s) && !strings.Contains(s, "..")
}

// unitLess orders unit names by application, then numerically by number.
func unitLess(a, b string) bool {
	appA, numA, errA := splitUnit(a)
	appB, numB, errB := splitUnit(b)
	if errA != nil || errB != nil || appA != appB {
		return a < b
	}
	return numA < numB
}

// splitUnit splits "app/N" into app and N.
func splitUnit(u string) (string, int, error) {
	app, num, _ := strings.Cut(u, "/")
	n, err := strconv.Atoi(num)
	return app, n, err
}
