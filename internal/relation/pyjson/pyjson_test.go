package pyjson

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// pyJSONSamples are objects covering every escape rule.
func pyJSONSamples() []map[string]string {
	return []map[string]string{
		{},
		{"res_panko_haproxy": "lsb:haproxy", "res_panko_c461f31_vip": "ocf:heartbeat:IPaddr2"},
		{"b": `  params ip="10.20.0.100"  meta a="1"`, "a": `back\slash`},
		{"ctl": "tab\tnl\ncr\rbs\bff\fnul\x00us\x1fdel\x7f", "<html>": "&amp; </script>"},
		{"é": "naïve café", "emoji": "😀 𝄞", "ZWJ": "\u2028\u2029\ufeff"},
		{"Z": "1", "a": "2", "É": "3", "_": "4", "0": "5"},
	}
}

// TestPyJSONRoundTrip decodes the encoding back.
func TestPyJSONRoundTrip(t *testing.T) {
	for _, m := range pyJSONSamples() {
		var got map[string]string
		require.NoError(t, json.Unmarshal([]byte(Encode(m)), &got))
		assert.Equal(t, m, got)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		var list []string
		require.NoError(t, json.Unmarshal([]byte(Encode(keys)), &list))
		assert.Equal(t, keys, list)
	}
}

// TestPyJSONMatchesPython compares the encoding with Python's
// json.dumps(sort_keys=True), which the reactive charm used.
func TestPyJSONMatchesPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		need.Skip(t, "python3 not installed (Debian package python3)")
	}
	const script = `
import json, sys
for line in sys.stdin:
    v = json.loads(line)
    print(json.dumps(v, sort_keys=True))
`
	var in bytes.Buffer
	var want []string
	for _, m := range pyJSONSamples() {
		raw, err := json.Marshal(m)
		require.NoError(t, err)
		in.Write(append(raw, '\n'))
		want = append(want, Encode(m))
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		raw, err = json.Marshal(keys)
		require.NoError(t, err)
		in.Write(append(raw, '\n'))
		want = append(want, Encode(keys))
	}
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = &in
	out, err := cmd.Output()
	require.NoError(t, err)

	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")

	assert.Equal(t, want, got)
}

func TestEncodeNested(t *testing.T) {
	got := Encode(map[string]any{"b": map[string]any{"sans": []string{"10.0.0.1", "é"}}, "a": "x"})
	assert.Equal(t, `{"a": "x", "b": {"sans": ["10.0.0.1", "\u00e9"]}}`, got)
}
