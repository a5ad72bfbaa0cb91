package jujutest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// portRange is one opened port range; icmp has no ports.
type portRange struct {
	proto    string
	from, to int
}

// String returns Juju's form: "icmp", "8977/tcp", "1000-2000/udp".
func (p portRange) String() string {
	switch {
	case p.proto == "icmp":
		return "icmp"
	case p.from == p.to:
		return fmt.Sprintf("%d/%s", p.from, p.proto)
	}
	return fmt.Sprintf("%d-%d/%s", p.from, p.to, p.proto)
}

// parsePort parses an open-port/close-port argument; a non-empty msg is
// the tool's usage error.
func parsePort(spec string) (p portRange, msg string) {
	s := strings.ToLower(spec)
	if s == "" {
		return p, "no port or range specified"
	}
	if s == "icmp" || strings.HasPrefix(s, "icmp/") {
		return portRange{proto: "icmp"}, ""
	}
	ports, proto, ok := strings.Cut(s, "/")
	if !ok {
		proto = "tcp"
	}
	switch proto {
	case "tcp", "udp":
	case "icmp":
		return p, fmt.Sprintf(`protocol "icmp" doesn't support any ports; got %q`, ports)
	default:
		return p, fmt.Sprintf(`invalid protocol %q, expected "tcp", "udp", or "icmp"`, proto)
	}
	fromText, toText, isRange := strings.Cut(ports, "-")
	if !isRange {
		toText = fromText
	}
	from, err := strconv.Atoi(fromText)
	if err != nil {
		return p, fmt.Sprintf("invalid port %q: %v", fromText, err)
	}
	to, err := strconv.Atoi(toText)
	if err != nil {
		return p, fmt.Sprintf("invalid port %q: %v", toText, err)
	}
	if from > to {
		return p, fmt.Sprintf("invalid port range %d-%d/%s", from, to, proto)
	}
	if from < 0 || to > 65535 {
		return p, fmt.Sprintf("port range bounds must be between 0 and 65535, got %d-%d", from, to)
	}
	return portRange{proto: proto, from: from, to: to}, ""
}

// addPort adds p to ports (a no-op when present), keeping Juju's order:
// icmp, tcp, udp, each by port.
func addPort(ports []portRange, p portRange) []portRange {
	if slices.Contains(ports, p) {
		return ports
	}
	ports = append(ports, p)
	slices.SortFunc(ports, func(a, b portRange) int {
		if c := strings.Compare(a.proto, b.proto); c != 0 {
			return c
		}
		if a.from != b.from {
			return a.from - b.from
		}
		return a.to - b.to
	})
	return ports
}
