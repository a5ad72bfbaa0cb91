package policyd

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zipOf builds a ZIP file of name -> content (a name ending in "/" is a
// directory), in the order given.
func zipOf(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		fw, err := w.Create(f[0])
		require.NoError(t, err)
		_, err = fw.Write([]byte(f[1]))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		zip     []byte
		want    []File
		wantErr string
	}{
		// The file zaza's policyd test installs and expects under policy.d.
		{"one rule", zipOf(t, [2]string{"file1.yaml", "rule1: '!'\n"}), []File{{"file1.yaml", []byte("rule1: '!'\n")}}, ""},
		{".yml becomes .yaml, directories are flattened, case kept", zipOf(t,
			[2]string{"dir/", ""}, [2]string{"dir/B.YML", "telemetry:events:index: 'role:admin'\n"}, [2]string{"c.yaml", "a: b\n"}),
			[]File{{"B.yaml", []byte("telemetry:events:index: 'role:admin'\n")}, {"c.yaml", []byte("a: b\n")}}, ""},
		{"other files, dot files and macOS metadata are ignored", zipOf(t,
			[2]string{"README.txt", "notes"}, [2]string{".hidden.yaml", "x"}, [2]string{"__MACOSX/._p.yaml", "\x00\x05"}, [2]string{"p.yaml", "a: ''\n"}),
			[]File{{"p.yaml", []byte("a: ''\n")}}, ""},
		{"empty resource", nil, nil, "the resource is empty"},
		{"not a ZIP file", []byte("just text"), nil, "the resource is not a ZIP file"},
		{"no policy file", zipOf(t, [2]string{"README.txt", "x"}), nil, "no .yaml or .yml file in the ZIP file"},
		{"two files of one name", zipOf(t, [2]string{"a.yaml", "x: y\n"}, [2]string{"dir/a.yml", "x: y\n"}), nil, "a.yaml and dir/a.yml have the same name"},
		{"template", zipOf(t, [2]string{"p.j2", "x: {{ y }}\n"}), nil, "p.j2 is a template: templates are not supported"},
		{"bad YAML", zipOf(t, [2]string{"p.yaml", "a: [b\n"}), nil, "p.yaml: not valid YAML"},
		{"a list", zipOf(t, [2]string{"p.yaml", "- a\n- b\n"}), nil, "p.yaml: not a mapping of policy rules"},
		{"empty file", zipOf(t, [2]string{"p.yaml", ""}), nil, "p.yaml: not valid YAML"},
		{"a number rule", zipOf(t, [2]string{"p.yaml", "a: 1\n"}), nil, "p.yaml: the rule of a is not a string"},
		{"a nested rule", zipOf(t, [2]string{"p.yaml", "a:\n  b: c\n"}), nil, "p.yaml: the rule of a is not a string"},
		{"a number key", zipOf(t, [2]string{"p.yaml", "1: a\n"}), nil, "p.yaml: a key is not a string"},
		{"two documents", zipOf(t, [2]string{"p.yaml", "a: b\n---\nc: d\n"}), nil, "p.yaml: more than one YAML document"},
		{"blacklisted keys", zipOf(t, [2]string{"p.yaml", "admin_required: '@'\ncloud_admin: '@'\nok: ''\n"}), nil, "p.yaml: blacklisted keys admin_required, cloud_admin present"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.zip)

			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseRefusesLargeFiles(t *testing.T) {
	big := bytes.Repeat([]byte("a"), maxFile+1)
	_, err := Parse(zipOf(t, [2]string{"p.yaml", "x: " + string(big) + "\n"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is larger than")
}
