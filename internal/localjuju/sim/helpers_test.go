package sim

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
	"github.com/stretchr/testify/assert"
)

type bags = map[string]map[string]string

// fixture is the part of a relation fixture these tests use.
type fixture struct {
	Local struct {
		Units bags `json:"units"`
	} `json:"local"`
	Remote struct {
		Units bags `json:"units"`
	} `json:"remote"`
	Variants map[string]struct {
		LocalUnitData  map[string]string `json:"local_unit_data"`
		RemoteUnitData map[string]string `json:"remote_unit_data"`
	} `json:"variants"`
}

func loadFixture(t *testing.T, name string) fixture {
	t.Helper()
	f := relfixture.Load[fixture](t, name+".json")
	return f
}

// answeringBag returns the first remote bag of the fixture that carries
// more than Juju's own keys.
func (f fixture) answeringBag(t *testing.T) map[string]string {
	t.Helper()
	for _, u := range SortedUnitKeys(f.Remote.Units) {
		if len(withoutJujuKeys(f.Remote.Units[u])) > 0 {
			return f.Remote.Units[u]
		}
	}
	t.Fatal("fixture has no answer")
	return nil
}

func copyBags(in bags) bags {
	out := bags{}
	for u, b := range in {
		out[u] = copyBag(b)
	}
	return out
}

func copyBag(b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func withoutJujuKeys(b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range b {
		switch k {
		case "private-address", "ingress-address", "egress-subnets":
		default:
			out[k] = v
		}
	}
	return out
}

func keysOf(b map[string]string) []string {
	out := make([]string, 0, len(b))
	for k := range b {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ownBags gives each simulated unit a bag with Juju's private-address.
func ownBags(addrs map[string]string) bags {
	out := bags{}
	for u, a := range addrs {
		out[u] = map[string]string{"private-address": a}
	}
	return out
}

// addressOf returns an Env.UnitAddress backed by addrs.
func addressOf(addrs map[string]string) func(string) string {
	return func(u string) string { return addrs[u] }
}

// inAlphabet reports whether every character of s is in alphabet.
func inAlphabet(s, alphabet string) bool {
	for _, c := range s {
		if !strings.ContainsRune(alphabet, c) {
			return false
		}
	}
	return true
}

func TestSortUnitNames(t *testing.T) {
	for _, tt := range []struct{ in, want []string }{
		{[]string{"panko/10", "panko/2", "panko/0"}, []string{"panko/0", "panko/2", "panko/10"}},
		// By application first: "a-b" > "a" although '-' < '/'.
		{[]string{"a-b/0", "a/1", "a/0"}, []string{"a/0", "a/1", "a-b/0"}},
		{[]string{"b/0", "not-a-unit", "a/x"}, []string{"a/x", "b/0", "not-a-unit"}},
	} {
		got := slices.Clone(tt.in)
		SortUnitNames(got)
		assert.Equal(t, tt.want, got, "%v", tt.in)
	}
}
