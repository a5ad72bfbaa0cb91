package pacemaker

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckHostnameAndNIC(t *testing.T) {
	hostnames := []struct {
		in string
		ok bool
	}{
		{"panko.example.com", true},
		{"panko.example.com.", true},
		{"a-b.c", true},
		{strings.Repeat("a", 63) + ".com", true},
		{strings.Repeat("a", 64) + ".com", false},
		{"-a.com", false},
		{"a-.com", false},
		{"a..com", false},
		{"a_b.com", false},
		{"", false},
		{"10.0.0.1", false},
	}
	for _, tt := range hostnames {
		assert.Equal(t, tt.ok, checkHostname(tt.in) == nil, "hostname %q", tt.in)
	}
	nics := []struct {
		in string
		ok bool
	}{
		{"eth0", true},
		{"br-ex", true},
		{"bond0.100", true},
		{"veth@if2", true},
		{strings.Repeat("e", 15), true},
		{strings.Repeat("e", 16), false},
		{"", false},
		{"eth0:1", false},
		{"eth/0", false},
		{"eth 0", false},
	}
	for _, tt := range nics {
		assert.Equal(t, tt.ok, checkNIC(tt.in) == nil, "nic %q", tt.in)
	}
}
