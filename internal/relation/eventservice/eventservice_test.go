package eventservice

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/relfixture"
)

// fixture is the part of testdata/relations/ceilometer-event-service.json these
// tests read: what the old panko charm published.
type fixture struct {
	Local struct {
		Units map[string]map[string]string `json:"units"`
	} `json:"local"`
}

func TestPublish(t *testing.T) {
	f := relfixture.Load[fixture](t, "ceilometer-event-service.json")
	old := f.Local.Units["panko/0"]
	require.NotEmpty(t, old["panko_url"])

	cases := []struct {
		name string
		url  string
		want map[string]string
	}{
		{"the old charm's key and value", old["panko_url"], map[string]string{"publisher": "", "panko_url": old["panko_url"]}},
		{"no URL yet deletes both", "", map[string]string{"publisher": "", "panko_url": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Publish(tc.url)

			assert.Equal(t, tc.want, got)
			assert.Empty(t, got["publisher"], "any publisher breaks the stock ceilometer charm's event_pipeline.yaml")
		})
	}
}
