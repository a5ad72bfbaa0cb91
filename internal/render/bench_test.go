package render

import "testing"

// benchData is a wallaby leader with HA, TLS and the event listener and
// expirer: the largest set of files the charm writes.
func benchData(b *testing.B) Data {
	for _, s := range scenarios() {
		if s.name == "wallaby-ha-tls" {
			return s.data
		}
	}
	b.Fatal("no wallaby-ha-tls scenario")
	return Data{}
}

// BenchmarkRender renders every template of that unit, one sub-benchmark
// per template.
func BenchmarkRender(b *testing.B) {
	d := benchData(b)
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
	d := benchData(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, name := range Names() {
			if _, err := d.Render(name); err != nil {
				b.Fatal(err)
			}
		}
	}
}
