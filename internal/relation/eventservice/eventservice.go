// Package eventservice is the codec of Panko's side of the event-service
// relation with ceilometer.
//
// Panko is the provider. The ceilometer charm reads one key from every
// remote unit, "publisher", and turns each value into an event sink of its
// event_pipeline.yaml; its template's whitespace control glues that sink to
// "sinks:", so any value makes the file invalid YAML and ceilometer drops
// every event. Panko therefore never publishes "publisher" (and deletes it
// where an earlier charm left it). It publishes only "panko_url", its
// public API URL, which the old panko interface used and ceilometer ignores.
// Events reach Panko from ceilometer's own event sink over the message bus
// instead (see the amqp relation).
//
// The package is pure: it turns facts into a data bag and performs no I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package eventservice

// Keys of the provider's unit bag (raw strings).
const (
	// KeyPublisher is the key the ceilometer charm reads; Panko keeps it
	// absent.
	KeyPublisher = "publisher"
	// KeyPankoURL holds Panko's public API URL.
	KeyPankoURL = "panko_url"
)

// Publish returns the unit bag a Panko unit publishes on event-service,
// with pankoURL as its public API URL. An empty value deletes its key, so
// "publisher" is always deleted.
func Publish(pankoURL string) map[string]string {
	return map[string]string{
		KeyPublisher: "",
		KeyPankoURL:  pankoURL,
	}
}
