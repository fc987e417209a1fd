package fabric

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// The hot path of the decoder (blocks, envelopes and ENDORSER_TRANSACTION
// bodies) reads the protobuf wire format directly instead of unmarshalling
// Fabric's legacy generated types: no proto struct is allocated and bytes
// fields alias the input (capped, so an append cannot write into it).
//
// Each parse function accepts exactly what proto.Unmarshal accepts for
// the message it reads, with the same result: the last occurrence of a
// scalar or bytes field wins, the occurrences of a message field merge,
// a known field with another wire type is an unknown field, unknown
// fields (groups included) are skipped, a bad tag, a field number out of
// range, a truncated value or an end-group without its start is an
// error, and proto3 strings must be valid UTF-8. An empty singular bytes
// field is nil, an empty element of a repeated bytes field is not.
//
// One quirk is kept on purpose: Fabric's types are legacy (APIv1)
// messages, for which the proto library allocates a singular message
// field before it checks the wire type. Such a field is therefore present
// (non-nil) as soon as its number occurs, even with another wire type and
// skipped as unknown. Timestamp, an APIv2 type, does not do this.

// Wire errors, with the texts of the proto library's.
var (
	errWire = errors.New("proto: cannot parse invalid wire-format data")
	errUTF8 = errors.New("string field contains invalid UTF-8")
)

// malformed wraps a parse error like unmarshal does.
func malformed(what string, err error) error {
	return fmt.Errorf("%s: %w: %w", what, ErrMalformed, err)
}

// wire reads the fields of one marshalled message. next reads a tag; the
// caller then consumes the value with bytes, str, varint or skip.
type wire struct {
	b   []byte
	num protowire.Number
	typ protowire.Type
	err error
}

// next reads the next tag, false at the end of the message or on error.
func (w *wire) next() bool {
	if w.err != nil || len(w.b) == 0 {
		return false
	}
	var tag uint64
	if w.b[0] < 0x80 {
		tag, w.b = uint64(w.b[0]), w.b[1:]
	} else {
		v, n := protowire.ConsumeVarint(w.b)
		if n < 0 {
			w.err = errWire
			return false
		}
		tag, w.b = v, w.b[n:]
	}
	if n := tag >> 3; n < uint64(protowire.MinValidNumber) || n > uint64(protowire.MaxValidNumber) {
		w.err = errWire
		return false
	}
	w.num, w.typ = protowire.Number(tag>>3), protowire.Type(tag&7)
	if w.typ == protowire.EndGroupType {
		w.err = errWire
		return false
	}
	return true
}

// skip consumes the value of an unknown field.
func (w *wire) skip() {
	n := protowire.ConsumeFieldValue(w.num, w.typ, w.b)
	if n < 0 {
		w.err = errWire
		return
	}
	w.b = w.b[n:]
}

// bytes consumes a length-delimited value and returns it, capped. A value
// of another wire type is skipped as unknown and ok is false.
func (w *wire) bytes() (v []byte, ok bool) {
	if w.typ != protowire.BytesType {
		w.skip()
		return nil, false
	}
	v, n := protowire.ConsumeBytes(w.b)
	if n < 0 {
		w.err = errWire
		return nil, false
	}
	w.b = w.b[n:]
	return v[:len(v):len(v)], true
}

// str consumes a proto3 string value, which must be valid UTF-8.
func (w *wire) str() ([]byte, bool) {
	v, ok := w.bytes()
	if ok && !utf8.Valid(v) {
		w.err = errUTF8
		return nil, false
	}
	return v, ok
}

// varint consumes a varint value. A value of another wire type is
// skipped as unknown and ok is false.
func (w *wire) varint() (uint64, bool) {
	if w.typ != protowire.VarintType {
		w.skip()
		return 0, false
	}
	v, n := protowire.ConsumeVarint(w.b)
	if n < 0 {
		w.err = errWire
		return 0, false
	}
	w.b = w.b[n:]
	return v, true
}

// sub consumes a message-typed field and parses it with parse. It
// reports whether the field was present with the bytes wire type.
func (w *wire) sub(parse func([]byte) error) bool {
	v, ok := w.bytes()
	if !ok {
		return false
	}
	if err := parse(v); err != nil {
		w.err = err
	}
	return true
}

// noZero returns nil for an empty singular bytes field, as proto3 does.
func noZero(v []byte) []byte {
	if len(v) == 0 {
		return nil
	}
	return v
}

// blockMsg is a common.Block.
type blockMsg struct {
	hasHeader          bool
	number             uint64
	prevHash, dataHash []byte
	data, metadata     [][]byte
}

func parseBlock(b []byte, m *blockMsg) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			w.sub(m.header)
			m.hasHeader = true
		case 2:
			w.sub(func(v []byte) error { return parseRepeatedBytes(v, &m.data) })
		case 3:
			w.sub(func(v []byte) error { return parseRepeatedBytes(v, &m.metadata) })
		default:
			w.skip()
		}
	}
	return w.err
}

// header parses a common.BlockHeader into m.
func (m *blockMsg) header(b []byte) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.varint(); ok {
				m.number = v
			}
		case 2:
			if v, ok := w.bytes(); ok {
				m.prevHash = noZero(v)
			}
		case 3:
			if v, ok := w.bytes(); ok {
				m.dataHash = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// parseRepeatedBytes parses a message whose field 1 is repeated bytes
// (common.BlockData, common.BlockMetadata), appending to out.
func parseRepeatedBytes(b []byte, out *[][]byte) error {
	w := wire{b: b}
	for w.next() {
		if w.num != 1 {
			w.skip()
			continue
		}
		if v, ok := w.bytes(); ok {
			*out = append(*out, v)
		}
	}
	return w.err
}

// envelopeMsg is a common.Envelope.
type envelopeMsg struct{ payload, signature []byte }

func parseEnvelope(b []byte, m *envelopeMsg) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				m.payload = noZero(v)
			}
		case 2:
			if v, ok := w.bytes(); ok {
				m.signature = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// payloadMsg is a common.Payload with its common.Header.
type payloadMsg struct {
	hasHeader                      bool
	channelHeader, signatureHeader []byte
	data                           []byte
}

func parsePayload(b []byte, m *payloadMsg) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			w.sub(m.header)
			m.hasHeader = true
		case 2:
			if v, ok := w.bytes(); ok {
				m.data = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// header parses a common.Header into m.
func (m *payloadMsg) header(b []byte) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				m.channelHeader = noZero(v)
			}
		case 2:
			if v, ok := w.bytes(); ok {
				m.signatureHeader = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// channelHeaderMsg is a common.ChannelHeader.
type channelHeaderMsg struct {
	typ           int32
	hasTime       bool
	seconds       int64
	nanos         int32
	channel, txID []byte
	extension     []byte
}

func parseChannelHeader(b []byte, m *channelHeaderMsg) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.varint(); ok {
				m.typ = int32(v)
			}
		case 3:
			if w.sub(m.timestamp) {
				m.hasTime = true
			}
		case 4:
			if v, ok := w.str(); ok {
				m.channel = v
			}
		case 5:
			if v, ok := w.str(); ok {
				m.txID = v
			}
		case 7:
			if v, ok := w.bytes(); ok {
				m.extension = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// timestamp parses a google.protobuf.Timestamp into m.
func (m *channelHeaderMsg) timestamp(b []byte) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.varint(); ok {
				m.seconds = int64(v)
			}
		case 2:
			if v, ok := w.varint(); ok {
				m.nanos = int32(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// signatureHeaderMsg is a common.SignatureHeader.
type signatureHeaderMsg struct{ creator, nonce []byte }

func parseSignatureHeader(b []byte, m *signatureHeaderMsg) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				m.creator = noZero(v)
			}
		case 2:
			if v, ok := w.bytes(); ok {
				m.nonce = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// chaincodeIDMsg is a peer.ChaincodeID; present tells a field that
// occurred from a nil message.
type chaincodeIDMsg struct {
	present       bool
	name, version []byte
}

// parse merges a marshalled peer.ChaincodeID into m.
func (m *chaincodeIDMsg) parse(b []byte) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			w.str()
		case 2:
			if v, ok := w.str(); ok {
				m.name = v
			}
		case 3:
			if v, ok := w.str(); ok {
				m.version = v
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// parseHeaderExtension parses a peer.ChaincodeHeaderExtension.
func parseHeaderExtension(b []byte, cc *chaincodeIDMsg) error {
	w := wire{b: b}
	for w.next() {
		if w.num == 2 {
			w.sub(cc.parse)
			continue
		}
		w.skip()
	}
	return w.err
}

// parseTransaction parses a peer.Transaction, appending the payload of
// each action.
func parseTransaction(b []byte, actions *[][]byte) error {
	w := wire{b: b}
	for w.next() {
		if w.num != 1 {
			w.skip()
			continue
		}
		w.sub(func(v []byte) error {
			var payload []byte
			a := wire{b: v}
			for a.next() {
				if a.num != 2 {
					a.skip()
					continue
				}
				if v, ok := a.bytes(); ok {
					payload = noZero(v)
				}
			}
			if a.err == nil {
				*actions = append(*actions, payload)
			}
			return a.err
		})
	}
	return w.err
}

// endorsementMsg is a peer.Endorsement.
type endorsementMsg struct{ endorser, signature []byte }

// actionPayloadMsg is a peer.ChaincodeActionPayload with its
// peer.ChaincodeEndorsedAction.
type actionPayloadMsg struct {
	proposalPayload []byte
	hasAction       bool
	prp             []byte
	endorsements    []endorsementMsg
}

func parseActionPayload(b []byte, m *actionPayloadMsg) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				m.proposalPayload = noZero(v)
			}
		case 2:
			w.sub(m.endorsedAction)
			m.hasAction = true
		default:
			w.skip()
		}
	}
	return w.err
}

// endorsedAction merges a peer.ChaincodeEndorsedAction into m.
func (m *actionPayloadMsg) endorsedAction(b []byte) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				m.prp = noZero(v)
			}
		case 2:
			w.sub(func(v []byte) error {
				var e endorsementMsg
				err := parseEndorsement(v, &e)
				if err == nil {
					m.endorsements = append(m.endorsements, e)
				}
				return err
			})
		default:
			w.skip()
		}
	}
	return w.err
}

func parseEndorsement(b []byte, m *endorsementMsg) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				m.endorser = noZero(v)
			}
		case 2:
			if v, ok := w.bytes(); ok {
				m.signature = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// parseProposalPayload parses a peer.ChaincodeProposalPayload and returns
// its input.
func parseProposalPayload(b []byte) ([]byte, error) {
	var input []byte
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				input = noZero(v)
			}
		case 2:
			w.sub(parseStringBytesEntry)
		default:
			w.skip()
		}
	}
	return input, w.err
}

// parseStringBytesEntry checks one entry of a map<string, bytes>.
func parseStringBytesEntry(b []byte) error {
	w := wire{b: b}
	for w.next() {
		if w.num == 1 {
			w.str()
			continue
		}
		w.skip()
	}
	return w.err
}

// parseInvocationSpec parses a peer.ChaincodeInvocationSpec and returns
// the arguments of its chaincode spec's input.
func parseInvocationSpec(b []byte) ([][]byte, error) {
	var args [][]byte
	input := func(b []byte) error {
		w := wire{b: b}
		for w.next() {
			switch w.num {
			case 1:
				if v, ok := w.bytes(); ok {
					args = append(args, v)
				}
			case 2:
				w.sub(parseStringBytesEntry)
			default:
				w.skip()
			}
		}
		return w.err
	}
	spec := func(b []byte) error {
		var cc chaincodeIDMsg
		w := wire{b: b}
		for w.next() {
			switch w.num {
			case 2:
				w.sub(cc.parse)
			case 3:
				w.sub(input)
			default:
				w.skip()
			}
		}
		return w.err
	}
	w := wire{b: b}
	for w.next() {
		if w.num == 1 {
			w.sub(spec)
			continue
		}
		w.skip()
	}
	return args, w.err
}

// parseResponsePayload parses a peer.ProposalResponsePayload and returns
// its extension.
func parseResponsePayload(b []byte) ([]byte, error) {
	var ext []byte
	w := wire{b: b}
	for w.next() {
		if w.num != 2 {
			w.skip()
			continue
		}
		if v, ok := w.bytes(); ok {
			ext = noZero(v)
		}
	}
	return ext, w.err
}

// chaincodeActionMsg is a peer.ChaincodeAction.
type chaincodeActionMsg struct {
	results, events []byte
	hasResponse     bool
	status          int32
	message         []byte
	payload         []byte
	chaincode       chaincodeIDMsg
}

func parseChaincodeAction(b []byte, m *chaincodeActionMsg) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.bytes(); ok {
				m.results = noZero(v)
			}
		case 2:
			if v, ok := w.bytes(); ok {
				m.events = noZero(v)
			}
		case 3:
			w.sub(m.response)
			m.hasResponse = true
		case 4:
			w.sub(m.chaincode.parse)
			m.chaincode.present = true
		default:
			w.skip()
		}
	}
	return w.err
}

// response merges a peer.Response into m.
func (m *chaincodeActionMsg) response(b []byte) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.varint(); ok {
				m.status = int32(v)
			}
		case 2:
			if v, ok := w.str(); ok {
				m.message = v
			}
		case 3:
			if v, ok := w.bytes(); ok {
				m.payload = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// eventMsg is a peer.ChaincodeEvent.
type eventMsg struct{ chaincode, txID, name, payload []byte }

func parseEvent(b []byte, m *eventMsg) error {
	w := wire{b: b}
	for w.next() {
		switch w.num {
		case 1:
			if v, ok := w.str(); ok {
				m.chaincode = v
			}
		case 2:
			if v, ok := w.str(); ok {
				m.txID = v
			}
		case 3:
			if v, ok := w.str(); ok {
				m.name = v
			}
		case 4:
			if v, ok := w.bytes(); ok {
				m.payload = noZero(v)
			}
		default:
			w.skip()
		}
	}
	return w.err
}
