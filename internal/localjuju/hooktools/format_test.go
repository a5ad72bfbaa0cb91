package hooktools

import (
	"strings"
	"testing"
)

type testAddr struct {
	Hostname string `yaml:"hostname"`
	Value    string `yaml:"value"`
	Copy     string `yaml:"address"`
}

type testIface struct {
	MAC       string     `yaml:"mac-address"`
	Addresses []testAddr `yaml:"addresses"`
	Extra     []string   `yaml:"extra,omitempty"`
}

// The expected YAML below is what gopkg.in/yaml.v2 v2.4.0 (used by Juju's
// hook tools) produces for the same values.
func TestFormatYAML(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{
			name: "strings that would read back as other types are quoted",
			value: map[string]string{"port": "5432", "flag": "yes", "empty": "", "host": "10.0.0.1", "date": "2025-10-01",
				"time": "12:30", "mac": "00:16:3e:00:00:01", "colon": "a: b", "tab": "a\tb", "dash": "-", "hash": "#x"},
			want: "colon: 'a: b'\ndash: '-'\ndate: \"2025-10-01\"\nempty: \"\"\nflag: \"yes\"\nhash: '#x'\nhost: 10.0.0.1\n" +
				"mac: 00:16:3e:00:00:01\nport: \"5432\"\ntab: \"a\\tb\"\ntime: \"12:30\"\n",
		},
		{
			name: "natural key order, unindented sequences, empty collections, numbers",
			value: map[string]any{"a10": 1, "a9": 2, "b": []string{"x", "y"},
				"c": map[string]any{"d": 1.5, "e": 1e6, "f": true, "g": nil}, "h": []any{}, "i": map[string]string{}},
			want: "a9: 2\na10: 1\nb:\n- x\n- \"y\"\nc:\n  d: 1.5\n  e: 1e+06\n  f: true\n  g: null\nh: []\ni: {}\n",
		},
		{
			name:  "sequences of mappings and sequences",
			value: []any{map[string]any{"k": "v", "l": []string{"a"}}, []string{"p", "q"}},
			want:  "- k: v\n  l:\n  - a\n- - p\n  - q\n",
		},
		{
			name:  "long plain strings fold at column 80",
			value: map[string]string{"msg": strings.Repeat("word ", 25) + "end"},
			want: "msg: word word word word word word word word word word word word word word word word\n" +
				"  word word word word word word word word word end\n",
		},
		{
			name:  "multi-line strings are literal blocks",
			value: map[string]string{"cert": "-----BEGIN-----\nabc\n-----END-----\n", "two": "a\nb"},
			want:  "cert: |\n  -----BEGIN-----\n  abc\n  -----END-----\ntwo: |-\n  a\n  b\n",
		},
		{
			name:  "struct fields keep their order",
			value: testIface{MAC: "00:16:3e:00:00:02", Addresses: []testAddr{{"", "203.0.113.10", "203.0.113.10"}}},
			want:  "mac-address: 00:16:3e:00:00:02\naddresses:\n- hostname: \"\"\n  value: 203.0.113.10\n  address: 203.0.113.10\n",
		},
		{name: "plain root string", value: "plain string", want: "plain string\n"},
		{name: "empty root string", value: "", want: "\"\"\n"},
		{name: "nil prints nothing", value: nil, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := formatYAML(tt.value)
			if err != nil {
				t.Fatalf("formatYAML: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestFormatSmartAndJSON(t *testing.T) {
	tests := []struct {
		name      string
		value     any
		wantSmart string
		wantJSON  string
	}{
		{name: "string", value: "abc", wantSmart: "abc\n", wantJSON: "\"abc\"\n"},
		{name: "empty string", value: "", wantSmart: "", wantJSON: "\"\"\n"},
		{name: "bool", value: false, wantSmart: "False\n", wantJSON: "false\n"},
		{name: "string list", value: []string{"a", "b"}, wantSmart: "a\nb\n", wantJSON: "[\"a\",\"b\"]\n"},
		{name: "empty list", value: []string{}, wantSmart: "", wantJSON: "[]\n"},
		{name: "nil", value: nil, wantSmart: "", wantJSON: "null\n"},
		{name: "int", value: int64(8977), wantSmart: "8977\n", wantJSON: "8977\n"},
		{name: "float", value: 0.25, wantSmart: "0.25\n", wantJSON: "0.25\n"},
		{name: "map", value: map[string]string{"b": "2", "a": "<x>"}, wantSmart: "a: <x>\nb: \"2\"\n", wantJSON: "{\"a\":\"\\u003cx\\u003e\",\"b\":\"2\"}\n"},
		{name: "nil map", value: map[string]string(nil), wantSmart: "{}\n", wantJSON: "null\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			smart, err := formatSmart(tt.value)
			if err != nil || string(smart) != tt.wantSmart {
				t.Errorf("smart = %q (%v), want %q", smart, err, tt.wantSmart)
			}
			js, err := formatJSON(tt.value)
			if err != nil || string(js) != tt.wantJSON {
				t.Errorf("json = %q (%v), want %q", js, err, tt.wantJSON)
			}
		})
	}
}

func TestReadSettings(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{in: "", want: map[string]string{}},
		{in: "~", want: map[string]string{}},
		{in: "a: 1\nb: true\nc: yes\nd:\ne: ~\n", want: map[string]string{"a": "1", "b": "true", "c": "yes", "d": "", "e": ""}},
		{in: "{\"json\": \"ok\", \"n\": 2}", want: map[string]string{"json": "ok", "n": "2"}},
		{in: "a: b\na: c\n", want: map[string]string{"a": "c"}},
		{in: "x: &v 1\ny: *v\n", want: map[string]string{"x": "1", "y": "1"}},
		{in: "a: !!binary aGVsbG8=\n", want: map[string]string{"a": "hello"}},
		{in: "foo", wantErr: "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `foo` into map[string]string"},
		{in: "- a\n", wantErr: "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]string"},
		{in: "a: [1]\nb: {c: d}\n", wantErr: "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string\n  line 2: cannot unmarshal !!map into string"},
		{in: "not: [valid\n", wantErr: "yaml: line 1: did not find expected ',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := readSettings([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !equalStrings(got, tt.want) {
				t.Errorf("got %v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	type result struct {
		all    bool
		format string
		args   []string
		err    string
	}
	tests := []struct {
		args []string
		want result
	}{
		{args: []string{"x", "--all", "y"}, want: result{all: true, format: "smart", args: []string{"x", "y"}}},
		{args: []string{"-a", "--", "--all", "-"}, want: result{all: true, format: "smart", args: []string{"--all", "-"}}},
		{args: []string{"--all=false", "--format", "json"}, want: result{format: "json"}},
		{args: []string{"-afjson"}, want: result{all: true, format: "json"}},
		{args: []string{"--all", "false"}, want: result{all: true, format: "smart", args: []string{"false"}}},
		{args: []string{"-a=true"}, want: result{format: "smart", err: "invalid value \"=true\" for option -a: strconv.ParseBool: parsing \"=true\": invalid syntax"}},
		{args: []string{"--nope"}, want: result{format: "smart", err: "option provided but not defined: --nope"}},
		{args: []string{"-f"}, want: result{format: "smart", err: "option needs an argument: -f"}},
		{args: []string{"--help"}, want: result{format: "smart", err: errHelp.Error()}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got result
			got.format = "smart"
			fs := newFlagSet()
			fs.boolVar(&got.all, "all", "a", "all")
			fs.stringVar(&got.format, "format", "f", "format")
			args, err := fs.parse(tt.args)
			got.args = args
			if err != nil {
				got.err = err.Error()
			}
			if got.all != tt.want.all || got.format != tt.want.format || got.err != tt.want.err ||
				strings.Join(got.args, "|") != strings.Join(tt.want.args, "|") {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
