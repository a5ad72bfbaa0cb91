package render

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenPath is where the output of template name for scenario sc is kept.
func goldenPath(sc, name string) string {
	return filepath.Join("testdata", "golden", sc, name)
}

// TestGolden renders every template for every scenario and compares the
// result with testdata/golden/<scenario>/<template>. The TLS frontend of a
// scenario without TLS must fail instead.
func TestGolden(t *testing.T) {
	for _, sc := range scenarios() {
		for _, name := range Names() {
			t.Run(sc.name+"/"+name, func(t *testing.T) {
				got, err := sc.data.Render(name)
				if !sc.data.renders(name) {
					if err == nil {
						t.Fatalf("rendering %s without TLS data succeeded", name)
					}
					return
				}
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				path := goldenPath(sc.name, name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("read golden file (run go test -update to create it): %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file; run go test -update and review the diff\n--- got (passwords redacted) ---\n%s",
						path, redact(sc.data, string(got)))
				}
			})
		}
	}
}

// TestGoldenNoStrays fails when a golden file exists that no scenario
// produces, so that renamed scenarios do not leave stale files behind.
func TestGoldenNoStrays(t *testing.T) {
	want := map[string]bool{}
	for _, sc := range scenarios() {
		for _, name := range Names() {
			if !sc.data.renders(name) {
				continue
			}
			want[goldenPath(sc.name, name)] = true
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		for _, f := range files {
			if !want[f] {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}
		return
	}
	for _, f := range files {
		if !want[f] {
			t.Errorf("stray golden file %s", f)
		}
	}
	if len(files) != len(want) {
		t.Errorf("%d golden files, want %d", len(files), len(want))
	}
}

// renders reports whether d has what template name needs.
func (d Data) renders(name string) bool {
	switch name {
	case HTTPSFrontend:
		return d.TLS != nil
	case ListenerScript, ListenerConf, ListenerUnit:
		return d.Listener != nil
	case ExpirerProgram, ExpirerService, ExpirerTimer:
		return d.Expirer != nil
	}
	return true
}
