package status

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResult(t *testing.T) {
	tests := []struct {
		name string
		add  func(c *Collector)
		want Status
	}{
		{"nothing is ready", func(c *Collector) {}, Status{Active, "Unit is ready"}},
		{"missing relations join in order", func(c *Collector) {
			c.Missing("shared-db")
			c.Missing("identity-service")
		}, Status{Blocked, "'shared-db' missing, 'identity-service' missing"}},
		{"blocked beats waiting", func(c *Collector) {
			c.Incomplete("shared-db")
			c.Missing("identity-service")
		}, Status{Blocked, "'identity-service' missing"}},
		{"maintenance beats waiting", func(c *Collector) {
			c.Incomplete("shared-db")
			c.Add(Maintenance, "Installing packages")
		}, Status{Maintenance, "Installing packages"}},
		{"waiting beats active", func(c *Collector) {
			c.Add(Active, "Unit is ready")
			c.Incomplete("identity-service")
		}, Status{Waiting, "'identity-service' incomplete"}},
		{"duplicates collapse", func(c *Collector) {
			c.Incomplete("shared-db")
			c.Incomplete("shared-db")
		}, Status{Waiting, "'shared-db' incomplete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Collector
			tt.add(&c)
			assert.Equal(t, tt.want, c.Result())
		})
	}
}
