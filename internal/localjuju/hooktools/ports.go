package hooktools

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// portRange is a port, a range of ports or ICMP (from = to = -1).
type portRange struct {
	from, to int
	protocol string
}

func (p portRange) String() string {
	proto := strings.ToLower(p.protocol)
	if proto == "icmp" {
		return proto
	}
	if p.from == p.to {
		return fmt.Sprintf("%d/%s", p.from, proto)
	}
	return fmt.Sprintf("%d-%d/%s", p.from, p.to, proto)
}

func (p portRange) validate() error {
	proto := strings.ToLower(p.protocol)
	if proto != "tcp" && proto != "udp" && proto != "icmp" {
		return fmt.Errorf(`invalid protocol %q, expected "tcp", "udp", or "icmp"`, proto)
	}
	if proto == "icmp" {
		if p.from == p.to && p.from == -1 {
			return nil
		}
		return fmt.Errorf(`protocol "icmp" doesn't support any ports; got "%v"`, p.from)
	}
	if p.from > p.to {
		return fmt.Errorf("invalid port range %s", p)
	}
	if p.from < 0 || p.from > 65535 || p.to < 0 || p.to > 65535 {
		return fmt.Errorf("port range bounds must be between 0 and 65535, got %d-%d", p.from, p.to)
	}
	return nil
}

func (p portRange) conflictsWith(o portRange) bool {
	return p.protocol == o.protocol && p.to >= o.from && o.to >= p.from
}

func (p portRange) less(o portRange) bool {
	if p.protocol != o.protocol {
		return p.protocol < o.protocol
	}
	if p.from != o.from {
		return p.from < o.from
	}
	return p.to < o.to
}

// parsePortRange parses "80", "80/tcp", "8000-8010/udp", "icmp".
func parsePortRange(s string) (portRange, error) {
	protocol := "tcp"
	if before, after, ok := strings.Cut(s, "/"); ok {
		s, protocol = before, after
	}
	var p portRange
	parts := strings.Split(s, "-")
	switch {
	case len(parts) > 2:
		return p, fmt.Errorf("invalid port range %q", s)
	case len(parts) == 1 && parts[0] == "icmp":
		p.from, p.to = -1, -1
	case len(parts) == 1:
		n, err := strconv.Atoi(parts[0])
		if err != nil {
			return p, fmt.Errorf("invalid port %q: %w", s, err)
		}
		p.from, p.to = n, n
	default:
		var err error
		if p.from, err = strconv.Atoi(parts[0]); err != nil {
			return p, fmt.Errorf("invalid port %q: %w", parts[0], err)
		}
		if p.to, err = strconv.Atoi(parts[1]); err != nil {
			return p, fmt.Errorf("invalid port %q: %w", parts[1], err)
		}
	}
	if p.from == -1 {
		protocol = "icmp"
	}
	p.protocol = protocol
	return p, p.validate()
}

func sortPortRanges(list []portRange) {
	sort.Slice(list, func(i, j int) bool { return list[i].less(list[j]) })
}

func hasRange(list []portRange, p portRange) bool {
	for _, x := range list {
		if x == p {
			return true
		}
	}
	return false
}

func removeRange(list []portRange, p portRange) []portRange {
	for i, x := range list {
		if x == p {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// errPortExists marks a request that is already recorded (a no-op).
var errPortExists = errors.New("port range already exists")

// checkPortConflict mirrors Juju's check of a request against the ranges
// of this unit: an identical range for the same endpoint is a no-op, an
// identical range for another endpoint is fine, any other overlap is a
// conflict.
func (c *Context) checkPortConflict(endpoint string, p portRange, existing map[string][]portRange, pending bool) error {
	for _, ep := range sortedKeys(existing) {
		for _, x := range existing[ep] {
			if !p.conflictsWith(x) {
				continue
			}
			if p == x {
				if endpoint != ep {
					continue
				}
				return errPortExists
			}
			extra := ""
			if pending {
				extra = " requested earlier"
			}
			return fmt.Errorf("port range conflicts with %s (unit %q)%s", x, c.unit, extra)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (c *Context) openPortRange(endpoint string, p portRange) error {
	c.pendingClose[endpoint] = removeRange(c.pendingClose[endpoint], p)
	for _, check := range []struct {
		ranges  map[string][]portRange
		pending bool
	}{{c.pendingOpen, true}, {c.openedPorts, false}} {
		if err := c.checkPortConflict(endpoint, p, check.ranges, check.pending); err != nil {
			if errors.Is(err, errPortExists) {
				return nil
			}
			return fmt.Errorf("cannot open %s (unit %q): %w", p, c.unit, err)
		}
	}
	c.pendingOpen[endpoint] = append(c.pendingOpen[endpoint], p)
	return nil
}

func (c *Context) closePortRange(endpoint string, p portRange) error {
	c.pendingOpen[endpoint] = removeRange(c.pendingOpen[endpoint], p)
	if err := c.checkPortConflict(endpoint, p, c.pendingClose, true); err != nil {
		if errors.Is(err, errPortExists) {
			return nil
		}
		return fmt.Errorf("cannot close %s (unit %q): %w", p, c.unit, err)
	}
	if err := c.checkPortConflict(endpoint, p, c.openedPorts, false); err != nil && !errors.Is(err, errPortExists) {
		return fmt.Errorf("cannot close %s (unit %q): %w", p, c.unit, err)
	}
	if len(c.openedPorts) == 0 {
		return nil
	}
	c.pendingClose[endpoint] = append(c.pendingClose[endpoint], p)
	return nil
}

// mergedPorts is the unit's port ranges with this hook's pending requests
// applied.
func (c *Context) mergedPorts() map[string][]portRange {
	out := map[string][]portRange{}
	for ep, list := range c.openedPorts {
		out[ep] = append([]portRange(nil), list...)
	}
	for _, ep := range sortedKeys(c.pendingOpen) {
		for _, p := range c.pendingOpen[ep] {
			if !hasRange(out[ep], p) {
				out[ep] = append(out[ep], p)
			}
		}
	}
	for _, ep := range sortedKeys(c.pendingClose) {
		for _, p := range c.pendingClose[ep] {
			if hasRange(out[ep], p) {
				out[ep] = removeRange(out[ep], p)
			}
		}
		if len(out[ep]) == 0 {
			delete(out, ep)
		}
	}
	return out
}

func formatGroupedPorts(m map[string][]portRange) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	out := map[string][]string{}
	for ep, list := range m {
		if len(list) == 0 {
			continue
		}
		sorted := append([]portRange(nil), list...)
		sortPortRanges(sorted)
		for _, p := range sorted {
			out[ep] = append(out[ep], p.String())
		}
	}
	return out
}

// portCommand implements open-port and close-port.
type portCommand struct {
	c         *Context
	name      string
	open      bool
	portRange portRange
	endpoints string
	format    string
}

func newOpenPort(c *Context) tool  { return &portCommand{c: c, name: "open-port", open: true} }
func newClosePort(c *Context) tool { return &portCommand{c: c, name: "close-port"} }

func (t *portCommand) info() toolInfo {
	verb := "open"
	if !t.open {
		verb = "close"
	}
	return toolInfo{
		name:    t.name,
		args:    "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp",
		purpose: fmt.Sprintf("Register a request to %s a port or port range.", verb),
		doc: fmt.Sprintf(`
Registers a request to %s a port, a range of ports or ICMP for all of the
application's endpoints, or for the comma-separated --endpoints. The
protocol defaults to tcp. The request takes effect when the hook exits
successfully.
`, verb),
	}
}

func (t *portCommand) setFlags(fs *flagSet) {
	fs.stringVar(&t.format, "deprecated format flag", "format")
	fs.stringVar(&t.endpoints, "a comma-delimited list of application endpoints to target with this operation", "endpoints")
}

func (t *portCommand) init(args []string) error {
	if len(args) == 0 {
		return errors.New("no port or range specified")
	}
	p, err := parsePortRange(strings.ToLower(args[0]))
	if err != nil {
		return err
	}
	t.portRange = p
	return checkEmpty(args[1:])
}

func (t *portCommand) run(rc *runContext) error {
	if t.format != "" {
		fmt.Fprintf(rc.stderr, "--format flag deprecated for command %q", t.name)
	}
	op := t.c.closePortRange
	if t.open {
		op = t.c.openPortRange
	}
	if t.endpoints == "" {
		return op("", t.portRange)
	}
	for _, ep := range strings.Split(t.endpoints, ",") {
		if err := op(strings.TrimSpace(ep), t.portRange); err != nil {
			return err
		}
	}
	return nil
}

// openedPorts implements opened-ports.
type openedPorts struct {
	c         *Context
	out       output
	endpoints bool
}

func newOpenedPorts(c *Context) tool { return &openedPorts{c: c} }

func (t *openedPorts) info() toolInfo {
	return toolInfo{
		name:    "opened-ports",
		purpose: "List all ports or port ranges opened by the unit.",
		doc: `
Lists the port ranges opened by the unit, including requests made earlier in
this hook. --endpoints adds the endpoints each range applies to ("*" for all
endpoints).
`,
	}
}

func (t *openedPorts) setFlags(fs *flagSet) {
	t.out.addFlags(fs, "smart")
	fs.boolVar(&t.endpoints, "display the list of target application endpoints for each port range", "endpoints")
}

func (t *openedPorts) init(args []string) error { return checkEmpty(args) }

func (t *openedPorts) run(rc *runContext) error {
	merged := t.c.mergedPorts()
	byRange := map[portRange]map[string]bool{}
	var unique []portRange
	for ep, list := range merged {
		for _, p := range list {
			if byRange[p] == nil {
				byRange[p] = map[string]bool{}
				unique = append(unique, p)
			}
			byRange[p][ep] = true
		}
	}
	sortPortRanges(unique)
	result := make([]string, len(unique))
	for i, p := range unique {
		result[i] = p.String()
		if t.endpoints {
			descr := "*"
			if !byRange[p][""] {
				descr = strings.Join(sortedKeys(byRange[p]), ", ")
			}
			result[i] = fmt.Sprintf("%s (%s)", p, descr)
		}
	}
	return t.out.write(rc, result)
}
