package hostname

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"10.5.0.2", true},
		{"fd00::2", true},
		{"juju-1234-0", true},
		{"db.example.com", true},
		{"panko_0", true},
		{"a", true},
		{strings.Repeat("a", 253), true},
		{strings.Repeat("a", 254), false},
		{"", false},
		{"-db", false},
		{"db-", false},
		{".db", false},
		{"db.", false},
		{"db..example", false},
		{"db example", false},
		{"db;drop", false},
		{"db/0", false},
		{"dé", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, Valid(tt.in))
		})
	}
}
