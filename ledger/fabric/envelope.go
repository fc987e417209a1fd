package fabric

import (
	"fmt"
	"time"

	"github.com/hyperledger/fabric-protos-go/common"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/ledger"
)

// DecodeEnvelope decodes one marshalled common.Envelope outside a block.
// The result has no chain, height, index or validation code. On error
// the returned transaction holds what decoded before the failure.
func (d *Decoder) DecodeEnvelope(raw []byte) (*ledger.Tx, error) {
	s := &state{d: d}
	tx, _, err := s.envelope(raw)
	return tx, err
}

// DecodeEnvelope decodes one marshalled common.Envelope with the default
// decoder.
func DecodeEnvelope(raw []byte) (*ledger.Tx, error) {
	return defaultDecoder.DecodeEnvelope(raw)
}

// envelope decodes one envelope. It always returns a transaction, filled
// as far as decoding got, and the channel config when the envelope is a
// CONFIG transaction. Bytes fields of the result alias raw.
func (s *state) envelope(raw []byte) (*ledger.Tx, *ledger.Config, error) {
	tx := &ledger.Tx{Raw: raw, Fabric: &ledger.FabricTx{}}
	var err error
	if tx.Fabric.ExtraBytes, err = envelopeExtra(raw); err != nil {
		tx.Fabric.EnvelopeError = err.Error()
	}
	var env envelopeMsg
	if err := parseEnvelope(raw, &env); err != nil {
		return tx, nil, malformed("envelope", err)
	}
	var pl payloadMsg
	if err := parsePayload(env.payload, &pl); err != nil {
		return tx, nil, malformed("payload", err)
	}
	if !pl.hasHeader {
		return tx, nil, fmt.Errorf("payload: %w: no header", ErrMalformed)
	}
	var ch channelHeaderMsg
	if err := parseChannelHeader(pl.channelHeader, &ch); err != nil {
		return tx, nil, malformed("payload: channel header", err)
	}
	tx.ID = txID(string(ch.txID))
	tx.Type = headerTypeName(int32(ch.typ))
	if ch.hasTime {
		tx.Time = time.Unix(int64(ch.seconds), int64(int32(ch.nanos))).UTC()
	}
	tx.Fabric.Channel = string(ch.channel)
	tx.Fabric.HeaderType = tx.Type

	var sh signatureHeaderMsg
	if err := parseSignatureHeader(pl.signatureHeader, &sh); err != nil {
		return tx, nil, malformed("payload: signature header", err)
	}
	tx.Fabric.Nonce = sh.nonce
	if err := s.creatorSig(tx, sh.creator, env.signature, env.payload); err != nil {
		return tx, nil, err
	}

	switch common.HeaderType(int32(ch.typ)) {
	case common.HeaderType_ENDORSER_TRANSACTION:
		if err := s.endorserTx(tx, ch.extension, pl.data); err != nil {
			return tx, nil, fmt.Errorf("payload: %w", err)
		}
	case common.HeaderType_CONFIG:
		cfg, err := s.configTx(tx, pl.data)
		if err != nil {
			return tx, nil, fmt.Errorf("payload: %w", err)
		}
		cfg.Channel = tx.Fabric.Channel
		cfg.Time = tx.Time
		return tx, cfg, nil
	}
	return tx, nil, nil
}

// creatorSig records the creator of a transaction and its envelope
// signature over payload. Genesis blocks made by configtxgen carry
// neither creator nor signature.
func (s *state) creatorSig(tx *ledger.Tx, creator, sig, payload []byte) error {
	if len(creator) == 0 && len(sig) == 0 {
		return nil
	}
	id, err := s.identity(creator)
	if err != nil {
		return fmt.Errorf("payload: creator: %w", err)
	}
	tx.Creator = &id
	s.addSig(tx, RoleCreator, id, sig, creator, payload)
	return nil
}

// addSig records a transaction signature and, when collecting, the
// message it covers.
func (s *state) addSig(tx *ledger.Tx, role string, id ledger.Identity, sig, serialized, msg []byte) {
	if s.collect {
		s.msgs = append(s.msgs, SignedMessage{
			Role: role, Tx: s.txIndex, Sig: len(tx.Sigs),
			Identity: serialized, Message: msg, Signature: sig,
		})
	}
	tx.Sigs = append(tx.Sigs, ledger.Signature{Role: role, Signer: id, Algorithm: sigAlgorithm(id), Value: sig})
}

// endorserTx decodes the data of an ENDORSER_TRANSACTION.
func (s *state) endorserTx(tx *ledger.Tx, extension, data []byte) error {
	var cc chaincodeIDMsg
	if err := parseHeaderExtension(extension, &cc); err != nil {
		return malformed("channel header extension", err)
	}
	tx.Contract = string(cc.name)
	tx.Fabric.Chaincode = tx.Contract
	var actions [][]byte
	if err := parseTransaction(data, &actions); err != nil {
		return malformed("transaction", err)
	}
	if len(actions) == 0 {
		return fmt.Errorf("transaction: %w: no actions", ErrMalformed)
	}
	for i, a := range actions {
		if err := s.action(tx, a, i == 0); err != nil {
			return fmt.Errorf("transaction: action %d: %w", i, err)
		}
	}
	return nil
}

// action decodes the payload of one transaction action: the invocation,
// the endorsed chaincode action and its endorsements. The invocation of
// the first action names the function.
func (s *state) action(tx *ledger.Tx, payload []byte, first bool) error {
	var ap actionPayloadMsg
	if err := parseActionPayload(payload, &ap); err != nil {
		return malformed("payload", err)
	}
	input, err := parseProposalPayload(ap.proposalPayload)
	if err != nil {
		return malformed("proposal payload", err)
	}
	args, err := parseInvocationSpec(input)
	if err != nil {
		return malformed("proposal payload: input", err)
	}
	if first && len(args) > 0 {
		tx.Function = string(args[0])
		tx.Fabric.Args = args[1:]
	}
	if !ap.hasAction {
		return fmt.Errorf("payload: %w: no endorsed action", ErrMalformed)
	}
	ext, err := parseResponsePayload(ap.prp)
	if err != nil {
		return malformed("proposal response payload", err)
	}
	var ca chaincodeActionMsg
	if err := parseChaincodeAction(ext, &ca); err != nil {
		return malformed("proposal response payload: chaincode action", err)
	}
	if ca.chaincode.present && first {
		tx.Fabric.ChaincodeVersion = string(ca.chaincode.version)
		if tx.Contract == "" {
			tx.Contract = string(ca.chaincode.name)
			tx.Fabric.Chaincode = tx.Contract
		}
	}
	if ca.hasResponse && first {
		tx.Fabric.Response = &ledger.Response{Status: int32(ca.status), Message: string(ca.message), Payload: ca.payload}
	}
	rw, err := rwsets(ca.results)
	if err != nil {
		return fmt.Errorf("chaincode action: results: %w", err)
	}
	tx.Fabric.RWSets = append(tx.Fabric.RWSets, rw...)
	if len(ca.events) > 0 {
		var ev eventMsg
		if err := parseEvent(ca.events, &ev); err != nil {
			return malformed("chaincode action: events", err)
		}
		tx.Fabric.Events = append(tx.Fabric.Events, ledger.FabricEvent{
			Chaincode: string(ev.chaincode), TxID: txID(string(ev.txID)), Name: string(ev.name), Payload: ev.payload,
		})
	}
	for i, e := range ap.endorsements {
		id, err := s.identity(e.endorser)
		if err != nil {
			return fmt.Errorf("endorsement %d: %w", i, err)
		}
		s.addSig(tx, RoleEndorser, id, e.signature, e.endorser, concat(ap.prp, e.endorser))
		tx.Fabric.Endorsements = append(tx.Fabric.Endorsements, tx.Sigs[len(tx.Sigs)-1])
	}
	return nil
}

// configTx decodes the data of a CONFIG transaction: the new channel
// config, and the signatures of the config update that produced it.
func (s *state) configTx(tx *ledger.Tx, data []byte) (*ledger.Config, error) {
	var ce common.ConfigEnvelope
	if err := unmarshal("config envelope", data, &ce); err != nil {
		return nil, err
	}
	if ce.Config == nil {
		return nil, fmt.Errorf("config envelope: %w: no config", ErrMalformed)
	}
	cfg, err := decodeConfig(ce.Config)
	if err != nil {
		return nil, fmt.Errorf("config envelope: %w", err)
	}
	cfg.Raw = configBytes(data)
	if ce.LastUpdate == nil {
		return cfg, nil
	}
	if err := s.lastUpdate(tx, ce.LastUpdate); err != nil {
		return nil, fmt.Errorf("config envelope: last update: %w", err)
	}
	return cfg, nil
}

// lastUpdate records the signatures on the config update a CONFIG
// transaction applied: its envelope signature by the submitter, then the
// signatures the update collected.
func (s *state) lastUpdate(tx *ledger.Tx, env *common.Envelope) error {
	var pl common.Payload
	if err := unmarshal("payload", env.Payload, &pl); err != nil {
		return err
	}
	if pl.Header != nil {
		var sh common.SignatureHeader
		if err := unmarshal("signature header", pl.Header.SignatureHeader, &sh); err != nil {
			return err
		}
		if len(sh.Creator) > 0 || len(env.Signature) > 0 {
			id, err := s.identity(sh.Creator)
			if err != nil {
				return fmt.Errorf("submitter: %w", err)
			}
			s.addSig(tx, RoleConfigSubmitter, id, env.Signature, sh.Creator, env.Payload)
		}
	}
	var cue common.ConfigUpdateEnvelope
	if err := unmarshal("config update envelope", pl.Data, &cue); err != nil {
		return err
	}
	for i, cs := range cue.Signatures {
		var sh common.SignatureHeader
		if err := unmarshal(fmt.Sprintf("signature %d: header", i), cs.SignatureHeader, &sh); err != nil {
			return err
		}
		id, err := s.identity(sh.Creator)
		if err != nil {
			return fmt.Errorf("signature %d: %w", i, err)
		}
		s.addSig(tx, RoleConfigUpdate, id, cs.Signature, sh.Creator, concat(cs.SignatureHeader, cue.ConfigUpdate))
	}
	return nil
}

// envelopeExtra returns the number of bytes of a marshalled envelope
// outside its one payload (field 1) and one signature (field 2).
func envelopeExtra(raw []byte) (int, error) {
	extra := 0
	var seen [3]bool
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return extra + len(raw), fmt.Errorf("envelope: %w", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, raw[n:])
		if m < 0 {
			return extra + len(raw), fmt.Errorf("envelope: field %d: %w", num, protowire.ParseError(m))
		}
		if (num == 1 || num == 2) && typ == protowire.BytesType && !seen[num] {
			seen[num] = true
		} else {
			extra += n + m
		}
		raw = raw[n+m:]
	}
	return extra, nil
}
