package pacemaker

import (
	"encoding/xml"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// agentMetadata is the part of an OCF/LSB agent's meta-data the tests read.
type agentMetadata struct {
	Parameters []struct {
		Name     string `xml:"name,attr"`
		Required string `xml:"required,attr"`
	} `xml:"parameters>parameter"`
	Actions []struct {
		Name string `xml:"name,attr"`
	} `xml:"actions>action"`
}

func (m agentMetadata) params() []string {
	var out []string
	for _, p := range m.Parameters {
		out = append(out, p.Name)
	}
	return out
}

func (m agentMetadata) required() []string {
	var out []string
	for _, p := range m.Parameters {
		if p.Required == "1" {
			out = append(out, p.Name)
		}
	}
	return out
}

func (m agentMetadata) actions() []string {
	var out []string
	for _, a := range m.Actions {
		out = append(out, a.Name)
	}
	return out
}

// crmResource returns the path of crm_resource or skips the test.
func crmResource(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("crm_resource"); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, "crm_resource")
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	need.Skip(t, "crm_resource not installed (Debian packages pacemaker-cli-utils and resource-agents)")
	return ""
}

// metadata runs crm_resource --show-metadata for agent.
func metadata(t *testing.T, crm, agent string) (agentMetadata, bool) {
	t.Helper()
	out, err := exec.Command(crm, "--show-metadata", agent).Output()
	if err != nil {
		return agentMetadata{}, false
	}
	var m agentMetadata
	require.NoError(t, xml.Unmarshal(out, &m), "meta-data of %s", agent)
	return m, true
}

// definitionProblems lists the parameters and operations of prim that the
// agent's meta-data does not declare, and its required parameters that
// prim lacks.
func definitionProblems(prim Primitive, m agentMetadata) []string {
	var out []string
	for _, p := range prim.Params {
		if !slices.Contains(m.params(), p.Name) {
			out = append(out, "unknown parameter "+p.Name)
		}
	}
	for _, r := range m.required() {
		if _, ok := prim.Param(r); !ok {
			out = append(out, "missing required parameter "+r)
		}
	}
	for _, op := range prim.Ops {
		if !slices.Contains(m.actions(), op.Action) {
			out = append(out, "unknown action "+op.Action)
		}
	}
	return out
}

// TestAgentsAgainstMetadata checks the agent table ParseRequest uses, and
// every VIP and haproxy resource the recorded principals sent, against the
// meta-data of the installed resource agents.
func TestAgentsAgainstMetadata(t *testing.T) {
	crm := crmResource(t)
	table := agents()
	var bags []map[string]string
	for _, variant := range []string{"", "vip_fallback_config", "classic_charm_helpers_form"} {
		bags = append(bags, principalBag(t, variant))
	}
	for _, agent := range []string{AgentIPaddr2, AgentIPv6addr, AgentHAProxy} {
		t.Run(agent, func(t *testing.T) {
			m, ok := metadata(t, crm, agent)
			if !ok {
				if agent == AgentHAProxy {
					need.Skip(t, "lsb:haproxy has no init script (Debian package haproxy)")
				}
				t.Fatalf("crm_resource has no meta-data for %s (Debian package resource-agents)", agent)
			}

			for name := range table[agent].params {
				assert.Contains(t, m.params(), name, "parameter of the agent table")
			}
			assert.Subset(t, table[agent].required, m.required())

			for i, bag := range bags {
				r, err := ParseRequest(bag)
				require.NoError(t, err)
				for _, prim := range r.Primitives {
					if prim.Agent == agent {
						assert.Empty(t, definitionProblems(prim, m), "%s in recorded bag %d", prim.Name, i)
					}
				}
			}
		})
	}
}

// TestAgentMetadataCheckFails shows that the meta-data check rejects a
// parameter the agent does not have and a missing required one.
func TestAgentMetadataCheckFails(t *testing.T) {
	crm := crmResource(t)
	m, ok := metadata(t, crm, AgentIPaddr2)
	require.True(t, ok, "meta-data of %s", AgentIPaddr2)

	bad := Primitive{Name: "res_bad", Agent: AgentIPaddr2, Params: []Attr{{"ipaddr", "10.0.0.1"}}, Ops: []Op{{Action: "watch"}}}

	assert.ElementsMatch(t, []string{"unknown parameter ipaddr", "missing required parameter ip", "unknown action watch"}, definitionProblems(bad, m))
}
