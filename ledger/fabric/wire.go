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

// sub consumes a message-typed field and parses it with parse.
func (w *wire) sub(parse func([]byte) error) {
	if v, ok := w.bytes(); ok {
		if err := parse(v); err != nil {
			w.err = err
		}
	}
}

// noZero returns nil for an empty singular bytes field, as proto3 does.
func noZero(v []byte) []byte {
	if len(v) == 0 {
		return nil
	}
	return v
}

// field says where parseFields puts one field of a message. The zero
// field skips it.
type field struct {
	bytes  *[]byte            // singular bytes: the last occurrence, nil when empty
	str    *[]byte            // singular proto3 string: the last occurrence
	varint *uint64            // singular varint: the last occurrence
	list   *[][]byte          // repeated bytes: every occurrence
	msg    func([]byte) error // message: parses each occurrence, in order
	// legacy is set when a message field of a Fabric type occurs,
	// whatever its wire type.
	legacy *bool
}

// parseFields parses the message b; fields[i] says what to do with field
// number i+1, and larger numbers are skipped.
func parseFields(b []byte, fields ...field) error {
	w := wire{b: b}
	for w.next() {
		i := int(w.num) - 1
		if i >= len(fields) {
			w.skip()
			continue
		}
		switch f := &fields[i]; {
		case f.bytes != nil:
			if v, ok := w.bytes(); ok {
				*f.bytes = noZero(v)
			}
		case f.str != nil:
			if v, ok := w.str(); ok {
				*f.str = v
			}
		case f.varint != nil:
			if v, ok := w.varint(); ok {
				*f.varint = v
			}
		case f.list != nil:
			if v, ok := w.bytes(); ok {
				*f.list = append(*f.list, v)
			}
		case f.msg != nil:
			w.sub(f.msg)
			if f.legacy != nil {
				*f.legacy = true
			}
		default:
			w.skip()
		}
	}
	return w.err
}

// blockMsg is a common.Block.
type blockMsg struct {
	hasHeader          bool
	number             uint64
	prevHash, dataHash []byte
	data, metadata     [][]byte
}

func parseBlock(b []byte, m *blockMsg) error {
	header := func(b []byte) error {
		return parseFields(b, field{varint: &m.number}, field{bytes: &m.prevHash}, field{bytes: &m.dataHash})
	}
	data := func(b []byte) error { return parseFields(b, field{list: &m.data}) }
	metadata := func(b []byte) error { return parseFields(b, field{list: &m.metadata}) }
	return parseFields(b, field{msg: header, legacy: &m.hasHeader}, field{msg: data}, field{msg: metadata})
}

// envelopeMsg is a common.Envelope.
type envelopeMsg struct{ payload, signature []byte }

func parseEnvelope(b []byte, m *envelopeMsg) error {
	return parseFields(b, field{bytes: &m.payload}, field{bytes: &m.signature})
}

// payloadMsg is a common.Payload with its common.Header.
type payloadMsg struct {
	hasHeader                      bool
	channelHeader, signatureHeader []byte
	data                           []byte
}

func parsePayload(b []byte, m *payloadMsg) error {
	header := func(b []byte) error {
		return parseFields(b, field{bytes: &m.channelHeader}, field{bytes: &m.signatureHeader})
	}
	return parseFields(b, field{msg: header, legacy: &m.hasHeader}, field{bytes: &m.data})
}

// channelHeaderMsg is a common.ChannelHeader.
type channelHeaderMsg struct {
	typ            uint64 // an int32
	hasTime        bool
	seconds, nanos uint64 // an int64 and an int32
	channel, txID  []byte
	extension      []byte
}

func parseChannelHeader(b []byte, m *channelHeaderMsg) error {
	// Timestamp is not a legacy type: it occurs only with its wire type.
	timestamp := func(b []byte) error {
		m.hasTime = true
		return parseFields(b, field{varint: &m.seconds}, field{varint: &m.nanos})
	}
	return parseFields(b, field{varint: &m.typ}, field{}, field{msg: timestamp},
		field{str: &m.channel}, field{str: &m.txID}, field{}, field{bytes: &m.extension})
}

// signatureHeaderMsg is a common.SignatureHeader.
type signatureHeaderMsg struct{ creator, nonce []byte }

func parseSignatureHeader(b []byte, m *signatureHeaderMsg) error {
	return parseFields(b, field{bytes: &m.creator}, field{bytes: &m.nonce})
}

// chaincodeIDMsg is a peer.ChaincodeID; present tells a field that
// occurred from a nil message.
type chaincodeIDMsg struct {
	present             bool
	path, name, version []byte
}

// parse merges a marshalled peer.ChaincodeID into m.
func (m *chaincodeIDMsg) parse(b []byte) error {
	return parseFields(b, field{str: &m.path}, field{str: &m.name}, field{str: &m.version})
}

// parseHeaderExtension parses a peer.ChaincodeHeaderExtension.
func parseHeaderExtension(b []byte, cc *chaincodeIDMsg) error {
	return parseFields(b, field{}, field{msg: cc.parse})
}

// parseTransaction parses a peer.Transaction, appending the payload of
// each action.
func parseTransaction(b []byte, actions *[][]byte) error {
	action := func(b []byte) error {
		var payload []byte
		err := parseFields(b, field{}, field{bytes: &payload})
		if err == nil {
			*actions = append(*actions, payload)
		}
		return err
	}
	return parseFields(b, field{msg: action})
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
	endorsement := func(b []byte) error {
		var e endorsementMsg
		err := parseFields(b, field{bytes: &e.endorser}, field{bytes: &e.signature})
		if err == nil {
			m.endorsements = append(m.endorsements, e)
		}
		return err
	}
	action := func(b []byte) error {
		return parseFields(b, field{bytes: &m.prp}, field{msg: endorsement})
	}
	return parseFields(b, field{bytes: &m.proposalPayload}, field{msg: action, legacy: &m.hasAction})
}

// parseProposalPayload parses a peer.ChaincodeProposalPayload and returns
// its input.
func parseProposalPayload(b []byte) ([]byte, error) {
	var input []byte
	err := parseFields(b, field{bytes: &input}, field{msg: parseStringBytesEntry})
	return input, err
}

// parseStringBytesEntry checks one entry of a map<string, bytes>.
func parseStringBytesEntry(b []byte) error {
	var key []byte
	return parseFields(b, field{str: &key})
}

// parseInvocationSpec parses a peer.ChaincodeInvocationSpec and returns
// the arguments of its chaincode spec's input.
func parseInvocationSpec(b []byte) ([][]byte, error) {
	var args [][]byte
	input := func(b []byte) error {
		return parseFields(b, field{list: &args}, field{msg: parseStringBytesEntry})
	}
	spec := func(b []byte) error {
		var cc chaincodeIDMsg
		return parseFields(b, field{}, field{msg: cc.parse}, field{msg: input})
	}
	err := parseFields(b, field{msg: spec})
	return args, err
}

// parseResponsePayload parses a peer.ProposalResponsePayload and returns
// its extension.
func parseResponsePayload(b []byte) ([]byte, error) {
	var ext []byte
	err := parseFields(b, field{}, field{bytes: &ext})
	return ext, err
}

// chaincodeActionMsg is a peer.ChaincodeAction.
type chaincodeActionMsg struct {
	results, events []byte
	hasResponse     bool
	status          uint64 // an int32
	message         []byte
	payload         []byte
	chaincode       chaincodeIDMsg
}

func parseChaincodeAction(b []byte, m *chaincodeActionMsg) error {
	response := func(b []byte) error {
		return parseFields(b, field{varint: &m.status}, field{str: &m.message}, field{bytes: &m.payload})
	}
	return parseFields(b, field{bytes: &m.results}, field{bytes: &m.events},
		field{msg: response, legacy: &m.hasResponse}, field{msg: m.chaincode.parse, legacy: &m.chaincode.present})
}

// eventMsg is a peer.ChaincodeEvent.
type eventMsg struct{ chaincode, txID, name, payload []byte }

func parseEvent(b []byte, m *eventMsg) error {
	return parseFields(b, field{str: &m.chaincode}, field{str: &m.txID}, field{str: &m.name}, field{bytes: &m.payload})
}
