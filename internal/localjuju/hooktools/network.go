package hooktools

import (
	"errors"
	"fmt"
)

// networkInfo returns the network configuration of a binding. A charm
// endpoint or extra binding without its own entry uses the default
// binding (""), as Juju binds every endpoint to the default space unless
// told otherwise.
func (c *Context) networkInfo(binding string) (NetworkInfo, bool) {
	if ni, ok := c.initial.Networks[binding]; ok {
		return ni, true
	}
	if c.isCharmBinding(binding) {
		ni, ok := c.initial.Networks[""]
		return ni, ok
	}
	return NetworkInfo{}, false
}

// The display types give network-get's output layout; the YAML form keeps
// Juju's legacy duplicate keys.
type interfaceAddressDisplay struct {
	Hostname string `json:"hostname" yaml:"hostname"`
	Address  string `json:"value" yaml:"value"`
	CIDR     string `json:"cidr" yaml:"cidr"`
	AddressX string `json:"-" yaml:"address"`
}

type networkInfoDisplay struct {
	MACAddress     string                    `json:"mac-address" yaml:"mac-address"`
	InterfaceName  string                    `json:"interface-name" yaml:"interface-name"`
	Addresses      []interfaceAddressDisplay `json:"addresses" yaml:"addresses"`
	MACAddressX    string                    `json:"-" yaml:"macaddress"`
	InterfaceNameX string                    `json:"-" yaml:"interfacename"`
}

type networkInfoResultDisplay struct {
	Info             []networkInfoDisplay `json:"bind-addresses,omitempty" yaml:"bind-addresses,omitempty"`
	EgressSubnets    []string             `json:"egress-subnets,omitempty" yaml:"egress-subnets,omitempty"`
	IngressAddresses []string             `json:"ingress-addresses,omitempty" yaml:"ingress-addresses,omitempty"`
}

func networkDisplay(ni NetworkInfo) networkInfoResultDisplay {
	d := networkInfoResultDisplay{
		Info:             make([]networkInfoDisplay, len(ni.BindAddresses)),
		EgressSubnets:    append(make([]string, 0, len(ni.EgressSubnets)), ni.EgressSubnets...),
		IngressAddresses: append(make([]string, 0, len(ni.IngressAddresses)), ni.IngressAddresses...),
	}
	for i, b := range ni.BindAddresses {
		info := networkInfoDisplay{
			MACAddress:     b.MACAddress,
			InterfaceName:  b.InterfaceName,
			Addresses:      make([]interfaceAddressDisplay, len(b.Addresses)),
			MACAddressX:    b.MACAddress,
			InterfaceNameX: b.InterfaceName,
		}
		for j, a := range b.Addresses {
			info.Addresses[j] = interfaceAddressDisplay{Hostname: a.Hostname, Address: a.Value, CIDR: a.CIDR, AddressX: a.Value}
		}
		d.Info[i] = info
	}
	return d
}

// networkGet implements network-get.
type networkGet struct {
	c              *Context
	out            output
	relationID     int
	binding        string
	primaryAddress bool
	bindAddress    bool
	ingressAddress bool
	egressSubnets  bool
	keys           []string
}

func newNetworkGet(c *Context) tool { return &networkGet{c: c} }

func (t *networkGet) info() toolInfo {
	return toolInfo{
		name:    "network-get",
		args:    "<binding-name> [--ingress-address] [--bind-address] [--egress-subnets]",
		purpose: "Get network config.",
		doc: `
Prints the network configuration of a binding (an endpoint or extra
binding): its interfaces and addresses, ingress addresses and egress
subnets. With one of --bind-address, --ingress-address or --egress-subnets
only that value is printed; with several, a map of them.
`,
	}
}

func (t *networkGet) setFlags(fs *flagSet) {
	t.out.addFlags(fs, "smart")
	fs.boolVar(&t.primaryAddress, "(deprecated) get the primary address for the binding", "primary-address")
	fs.boolVar(&t.bindAddress, "get the address for the binding on which the unit should listen", "bind-address")
	fs.boolVar(&t.ingressAddress, "get the ingress address for the binding", "ingress-address")
	fs.boolVar(&t.egressSubnets, "get the egress subnets for the binding", "egress-subnets")
	t.c.addRelationFlag(fs, &t.relationID, "specify a relation by id")
}

func (t *networkGet) init(args []string) error {
	if len(args) < 1 {
		return errors.New("no arguments specified")
	}
	t.binding = args[0]
	if t.binding == "" {
		return errors.New("no binding name specified")
	}
	if t.bindAddress {
		t.keys = append(t.keys, "bind-address")
	}
	if t.ingressAddress {
		t.keys = append(t.keys, "ingress-address")
	}
	if t.egressSubnets {
		t.keys = append(t.keys, "egress-subnets")
	}
	return checkEmpty(args[1:])
}

func (t *networkGet) run(rc *runContext) error {
	ni, ok := t.c.networkInfo(t.binding)
	if !ok || len(ni.BindAddresses) == 0 {
		return fmt.Errorf("no network config found for binding %q", t.binding)
	}
	if !t.primaryAddress && len(t.keys) == 0 {
		return t.out.write(rc, networkDisplay(ni))
	}
	noAddress := fmt.Errorf("no addresses attached to space for binding %q", t.binding)
	if t.primaryAddress {
		if len(t.keys) > 0 {
			return errors.New("--primary-address must be the only flag specified")
		}
		if len(ni.BindAddresses[0].Addresses) == 0 {
			return noAddress
		}
		return t.out.write(rc, ni.BindAddresses[0].Addresses[0].Value)
	}
	values := map[string]any{}
	if t.egressSubnets {
		values["egress-subnets"] = ni.EgressSubnets
	}
	if t.ingressAddress {
		switch {
		case len(ni.IngressAddresses) > 0:
			values["ingress-address"] = ni.IngressAddresses[0]
		case len(ni.BindAddresses[0].Addresses) > 0:
			values["ingress-address"] = ni.BindAddresses[0].Addresses[0].Value
		default:
			return noAddress
		}
	}
	if t.bindAddress {
		if len(ni.BindAddresses[0].Addresses) == 0 {
			return noAddress
		}
		values["bind-address"] = ni.BindAddresses[0].Addresses[0].Value
	}
	if len(t.keys) == 1 {
		return t.out.write(rc, values[t.keys[0]])
	}
	return t.out.write(rc, values)
}

// unitGet implements unit-get.
type unitGet struct {
	c   *Context
	out output
	key string
}

func newUnitGet(c *Context) tool { return &unitGet{c: c} }

func (t *unitGet) info() toolInfo {
	return toolInfo{name: "unit-get", args: "<setting>", purpose: "Print public-address or private-address."}
}

func (t *unitGet) setFlags(fs *flagSet) { t.out.addFlags(fs, "smart") }

func (t *unitGet) init(args []string) error {
	if len(args) == 0 {
		return errors.New("no setting specified")
	}
	if args[0] != "private-address" && args[0] != "public-address" {
		return fmt.Errorf("unknown setting %q", args[0])
	}
	t.key = args[0]
	return checkEmpty(args[1:])
}

func (t *unitGet) run(rc *runContext) error {
	if t.key == "public-address" {
		if t.c.initial.PublicAddress == "" {
			return errors.New("public address not found")
		}
		return t.out.write(rc, t.c.initial.PublicAddress)
	}
	if ni, ok := t.c.initial.Networks[""]; ok && len(ni.BindAddresses) > 0 && len(ni.BindAddresses[0].Addresses) > 0 {
		addr := ni.BindAddresses[0].Addresses[0]
		if addr.Hostname != "" {
			return t.out.write(rc, addr.Hostname)
		}
		return t.out.write(rc, addr.Value)
	}
	if t.c.initial.PrivateAddress == "" {
		return errors.New("private address not found")
	}
	return t.out.write(rc, t.c.initial.PrivateAddress)
}
