package render

import "testing"

// BenchmarkRender renders every template of a wallaby unit with HA and TLS
// (the largest files the charm writes), one sub-benchmark per template.
func BenchmarkRender(b *testing.B) {
	d := newScenario("wallaby", true, true, false).data
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := d.Render(name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderAll renders every template once per iteration, as one
// reconcile does.
func BenchmarkRenderAll(b *testing.B) {
	d := newScenario("wallaby", true, true, false).data
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, name := range Names() {
			if _, err := d.Render(name); err != nil {
				b.Fatal(err)
			}
		}
	}
}
