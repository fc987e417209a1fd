package fabric

import (
	"fmt"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/peer"
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
// CONFIG transaction.
func (s *state) envelope(raw []byte) (*ledger.Tx, *ledger.Config, error) {
	tx := &ledger.Tx{Raw: raw, Fabric: &ledger.FabricTx{}}
	var err error
	if tx.Fabric.ExtraBytes, err = envelopeExtra(raw); err != nil {
		tx.Fabric.EnvelopeError = err.Error()
	}
	var env common.Envelope
	if err := unmarshal("envelope", raw, &env); err != nil {
		return tx, nil, err
	}
	var pl common.Payload
	if err := unmarshal("payload", env.Payload, &pl); err != nil {
		return tx, nil, err
	}
	if pl.Header == nil {
		return tx, nil, fmt.Errorf("payload: %w: no header", ErrMalformed)
	}
	var ch common.ChannelHeader
	if err := unmarshal("payload: channel header", pl.Header.ChannelHeader, &ch); err != nil {
		return tx, nil, err
	}
	tx.ID = txID(ch.TxId)
	tx.Type = headerTypeName(ch.Type)
	tx.Time = timeOf(ch.Timestamp)
	tx.Fabric.Channel = ch.ChannelId
	tx.Fabric.HeaderType = tx.Type

	var sh common.SignatureHeader
	if err := unmarshal("payload: signature header", pl.Header.SignatureHeader, &sh); err != nil {
		return tx, nil, err
	}
	tx.Fabric.Nonce = sh.Nonce
	// Genesis blocks made by configtxgen carry neither creator nor
	// signature.
	if len(sh.Creator) > 0 || len(env.Signature) > 0 {
		creator, err := s.identity(sh.Creator)
		if err != nil {
			return tx, nil, fmt.Errorf("payload: creator: %w", err)
		}
		tx.Creator = &creator
		s.addSig(tx, RoleCreator, creator, env.Signature, sh.Creator, env.Payload)
	}

	switch common.HeaderType(ch.Type) {
	case common.HeaderType_ENDORSER_TRANSACTION:
		if err := s.endorserTx(tx, ch.Extension, pl.Data); err != nil {
			return tx, nil, fmt.Errorf("payload: %w", err)
		}
	case common.HeaderType_CONFIG:
		cfg, err := s.configTx(tx, pl.Data)
		if err != nil {
			return tx, nil, fmt.Errorf("payload: %w", err)
		}
		cfg.Channel = ch.ChannelId
		cfg.Time = tx.Time
		return tx, cfg, nil
	}
	return tx, nil, nil
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
	var ext peer.ChaincodeHeaderExtension
	if err := unmarshal("channel header extension", extension, &ext); err != nil {
		return err
	}
	tx.Contract = ext.GetChaincodeId().GetName()
	tx.Fabric.Chaincode = tx.Contract
	var t peer.Transaction
	if err := unmarshal("transaction", data, &t); err != nil {
		return err
	}
	if len(t.Actions) == 0 {
		return fmt.Errorf("transaction: %w: no actions", ErrMalformed)
	}
	for i, a := range t.Actions {
		if err := s.action(tx, a, i == 0); err != nil {
			return fmt.Errorf("transaction: action %d: %w", i, err)
		}
	}
	return nil
}

// action decodes one transaction action: the invocation, the endorsed
// chaincode action and its endorsements. The invocation of the first
// action names the function.
func (s *state) action(tx *ledger.Tx, a *peer.TransactionAction, first bool) error {
	var ap peer.ChaincodeActionPayload
	if err := unmarshal("payload", a.Payload, &ap); err != nil {
		return err
	}
	var cpp peer.ChaincodeProposalPayload
	if err := unmarshal("proposal payload", ap.ChaincodeProposalPayload, &cpp); err != nil {
		return err
	}
	var cis peer.ChaincodeInvocationSpec
	if err := unmarshal("proposal payload: input", cpp.Input, &cis); err != nil {
		return err
	}
	if args := cis.GetChaincodeSpec().GetInput().GetArgs(); first && len(args) > 0 {
		tx.Function = string(args[0])
		tx.Fabric.Args = args[1:]
	}
	if ap.Action == nil {
		return fmt.Errorf("payload: %w: no endorsed action", ErrMalformed)
	}
	prpBytes := ap.Action.ProposalResponsePayload
	var prp peer.ProposalResponsePayload
	if err := unmarshal("proposal response payload", prpBytes, &prp); err != nil {
		return err
	}
	var ca peer.ChaincodeAction
	if err := unmarshal("proposal response payload: chaincode action", prp.Extension, &ca); err != nil {
		return err
	}
	if ca.ChaincodeId != nil && first {
		tx.Fabric.ChaincodeVersion = ca.ChaincodeId.Version
		if tx.Contract == "" {
			tx.Contract, tx.Fabric.Chaincode = ca.ChaincodeId.Name, ca.ChaincodeId.Name
		}
	}
	if ca.Response != nil && first {
		tx.Fabric.Response = &ledger.Response{Status: ca.Response.Status, Message: ca.Response.Message, Payload: ca.Response.Payload}
	}
	rw, err := rwsets(ca.Results)
	if err != nil {
		return fmt.Errorf("chaincode action: results: %w", err)
	}
	tx.Fabric.RWSets = append(tx.Fabric.RWSets, rw...)
	if len(ca.Events) > 0 {
		var ev peer.ChaincodeEvent
		if err := unmarshal("chaincode action: events", ca.Events, &ev); err != nil {
			return err
		}
		tx.Fabric.Events = append(tx.Fabric.Events, ledger.FabricEvent{
			Chaincode: ev.ChaincodeId, TxID: txID(ev.TxId), Name: ev.EventName, Payload: ev.Payload,
		})
	}
	for i, e := range ap.Action.Endorsements {
		id, err := s.identity(e.Endorser)
		if err != nil {
			return fmt.Errorf("endorsement %d: %w", i, err)
		}
		s.addSig(tx, RoleEndorser, id, e.Signature, e.Endorser, concat(prpBytes, e.Endorser))
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
