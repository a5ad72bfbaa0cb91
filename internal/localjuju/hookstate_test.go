package localjuju

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/unitstate"
)

// TestAdjustForHook: the relation a hook runs for, as the unit agent shows it.
func TestAdjustForHook(t *testing.T) {
	bags := map[string]map[string]string{"b/0": {"k": "0"}, "b/1": {"k": "1"}}
	tests := []struct {
		kind, remote string
		wantUnits    []string
		wantDeparted map[string]map[string]string
		wantLife     string
	}{
		{hookRelationChanged, "b/1", []string{"b/0", "b/1"}, nil, ""},
		{hookRelationDeparted, "b/1", []string{"b/0"}, map[string]map[string]string{"b/1": {"k": "1"}}, ""},
		{hookRelationBroken, "", nil, nil, lifeDying},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			st := &unitstate.State{Relations: []unitstate.Relation{{ID: 2,
				RemoteUnits: map[string]map[string]string{"b/0": {"k": "0"}, "b/1": {"k": "1"}}}}}
			adjustForHook(st, Hook{Kind: tt.kind, RelationID: 2, RemoteUnit: tt.remote}, &Relation{UnitData: bags})
			hr := st.Relations[0]
			assert.ElementsMatch(t, tt.wantUnits, sortedKeys(hr.RemoteUnits))
			assert.Equal(t, tt.wantDeparted, hr.DepartedUnits)
			assert.Equal(t, tt.wantLife, hr.Life)
		})
	}
}
