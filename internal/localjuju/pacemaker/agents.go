package pacemaker

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// checkFunc validates one attribute value; nil accepts any value.
type checkFunc func(string) error

// agentSpec is what a resource agent accepts, from its meta-data.
type agentSpec struct {
	// params are the parameter names the agent declares, with a check of
	// the value for the ones Panko sets.
	params map[string]checkFunc
	// required must be present in the principal's request. (ocf:maas:dns
	// also requires maas_url and maas_credentials, which hacluster adds
	// from its own config.)
	required []string
}

// agents returns the resource agents a Panko request may use. Parameter
// names are those of the agents' meta-data (resource-agents 4.12 for the
// heartbeat agents, the hacluster charm's ocf:maas:dns); lsb agents take
// none.
func agents() map[string]agentSpec {
	anyValue := checkFunc(nil)
	ipaddr2 := map[string]checkFunc{
		"ip": checkIP, "nic": checkNIC, "cidr_netmask": checkPrefix(128),
	}
	for _, p := range []string{
		"broadcast", "iflabel", "lvs_support", "lvs_ipv6_addrlabel", "lvs_ipv6_addrlabel_value",
		"mac", "clusterip_hash", "unique_clone_address", "arp_interval", "arp_count",
		"arp_count_refresh", "arp_bg", "arp_sender", "send_arp_opts", "flush_routes",
		"run_arping", "nodad", "noprefixroute", "preferred_lft", "network_namespace",
	} {
		ipaddr2[p] = anyValue
	}
	return map[string]agentSpec{
		AgentIPaddr2: {params: ipaddr2, required: []string{"ip"}},
		AgentIPv6addr: {
			params:   map[string]checkFunc{"ipv6addr": checkIPv6, "cidr_netmask": checkPrefix(128), "nic": checkNIC},
			required: []string{"ipv6addr"},
		},
		AgentDNS: {
			params: map[string]checkFunc{
				"fqdn": checkHostname, "ip_address": checkIP,
				"maas_url": anyValue, "maas_credentials": anyValue,
				"logfile": anyValue, "errlogfile": anyValue, "cfg_dir": anyValue,
			},
			required: []string{"fqdn", "ip_address"},
		},
		AgentHAProxy: {params: map[string]checkFunc{}},
	}
}

// metaAttrs are Pacemaker's resource meta-attributes (Pacemaker Explained,
// "Resource Meta-Attributes" and clone options), with checks for the ones
// Panko sets.
func metaAttrs() map[string]checkFunc {
	m := map[string]checkFunc{
		"migration-threshold": checkScore,
		"failure-timeout":     checkDuration,
		"resource-stickiness": checkScore,
		"priority":            checkScore,
		"target-role":         checkOneOf("Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave"),
		"is-managed":          checkBool,
	}
	for _, a := range []string{
		"critical", "maintenance", "requires", "multiple-active", "allow-migrate",
		"allow-unhealthy-nodes", "container-attribute-target", "remote-node", "remote-port",
		"remote-addr", "remote-connect-timeout", "globally-unique", "clone-max",
		"clone-node-max", "clone-min", "notify", "ordered", "interleave", "promotable",
		"description",
	} {
		m[a] = nil
	}
	return m
}

// opActions are the operations an op line may name.
func opActions() map[string]bool {
	return map[string]bool{
		"monitor": true, "start": true, "stop": true, "promote": true, "demote": true,
		"notify": true, "reload": true, "reload-agent": true, "migrate_to": true,
		"migrate_from": true, "status": true, "validate-all": true, "meta-data": true,
	}
}

// opAttrs are the attributes of an op line; depth is crmsh's name of
// OCF_CHECK_LEVEL.
func opAttrs() map[string]checkFunc {
	return map[string]checkFunc{
		"interval": checkDuration, "timeout": checkDuration, "start-delay": checkDuration,
		"depth": checkUint, "OCF_CHECK_LEVEL": checkUint,
		"role":            checkOneOf("Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave"),
		"on-fail":         checkOneOf("ignore", "block", "demote", "stop", "restart", "standby", "fence"),
		"enabled":         checkBool,
		"record-pending":  checkBool,
		"interval-origin": nil, "requires": nil, "id": nil, "description": nil,
	}
}

func checkIP(s string) error {
	if net.ParseIP(s) == nil {
		return errors.New("is not an IP address")
	}
	return nil
}

// checkIPv6 accepts an IPv6 address, optionally with "/prefix".
func checkIPv6(s string) error {
	addr, prefix, hasPrefix := strings.Cut(s, "/")
	ip := net.ParseIP(addr)
	if ip == nil || ip.To4() != nil {
		return errors.New("is not an IPv6 address")
	}
	if hasPrefix {
		return checkPrefix(128)(prefix)
	}
	return nil
}

// checkNIC accepts a Linux interface name: 1 to 15 letters, digits, "_",
// ".", "@" or "-" (no slash, colon or space).
func checkNIC(s string) error {
	if s == "" || len(s) > 15 || strings.IndexFunc(s, func(c rune) bool { return !isAlnum(c) && !strings.ContainsRune("_.@-", c) }) >= 0 {
		return errors.New("is not a network interface name")
	}
	return nil
}

func isAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func checkPrefix(maxLen int) checkFunc {
	return func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxLen {
			return fmt.Errorf("is not a prefix length (0 to %d)", maxLen)
		}
		return nil
	}
}

// checkHostname accepts a DNS name (not an IP address): labels of 1 to 63
// letters, digits or "-", neither starting nor ending with "-", an optional
// final dot, at most 254 characters.
func checkHostname(s string) error {
	bad := errors.New("is not a DNS name")
	if s == "" || len(s) > 254 || net.ParseIP(s) != nil {
		return bad
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' ||
			strings.IndexFunc(label, func(c rune) bool { return !isAlnum(c) && c != '-' }) >= 0 {
			return bad
		}
	}
	return nil
}

// durationPattern is a Pacemaker interval: a number with an optional
// unit, or an ISO 8601 duration.
var durationPattern = regexp.MustCompile(`^([0-9]+(ms|msec|us|usec|s|sec|m|min|h|hr)?|P(T?[0-9]+[YMWDHS])+)$`)

func checkDuration(s string) error {
	if !durationPattern.MatchString(s) {
		return errors.New("is not a duration")
	}
	return nil
}

// checkScore accepts an integer or [+-]INFINITY.
func checkScore(s string) error {
	switch strings.TrimLeft(strings.ToUpper(s), "+-") {
	case "INFINITY", "INF":
		return nil
	}
	if _, err := strconv.Atoi(s); err != nil {
		return errors.New("is not a score (an integer or INFINITY)")
	}
	return nil
}

func checkUint(s string) error {
	if n, err := strconv.Atoi(s); err != nil || n < 0 {
		return errors.New("is not a non-negative integer")
	}
	return nil
}

func checkBool(s string) error {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "1", "0", "y", "n":
		return nil
	}
	return errors.New("is not a boolean")
}

func checkOneOf(values ...string) checkFunc {
	return func(s string) error {
		for _, v := range values {
			if s == v {
				return nil
			}
		}
		return fmt.Errorf("is not one of %s", strings.Join(values, ", "))
	}
}

// idPattern is a Pacemaker id (an XML ID): a letter or underscore, then
// letters, digits, "_", "-" or ".".
var idPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

func validID(s string) bool { return idPattern.MatchString(s) }
