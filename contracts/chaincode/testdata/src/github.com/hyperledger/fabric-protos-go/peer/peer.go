// Package peer is a minimal stand-in for the Fabric peer protobufs, for
// analyzer tests.
package peer

// Response is a chaincode response.
type Response struct {
	Status  int32
	Message string
	Payload []byte
}
