package fabric

// The proto-based decoder the zero-copy one replaced, kept as the
// reference of the differential tests: every function is the one of the
// same name without the ref prefix, as it was.

import (
	"fmt"
	"time"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go/peer"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lianjian/lianjian/ledger"
)

// refDecode decodes a block and, with collect set, the messages its
// signatures cover. The block itself is unmarshalled by proto; what
// follows is decode's.
func (d *Decoder) refDecode(chain string, raw []byte, collect bool) (*ledger.Block, []SignedMessage, error) {
	var pb common.Block
	if err := unmarshal("block", raw, &pb); err != nil {
		return nil, nil, err
	}
	if pb.Header == nil {
		return nil, nil, fmt.Errorf("block: %w: no header", ErrMalformed)
	}
	h := pb.Header
	parsed := blockMsg{
		hasHeader: true, number: h.Number, prevHash: h.PreviousHash, dataHash: h.DataHash,
		data: pb.GetData().GetData(), metadata: pb.GetMetadata().GetMetadata(),
	}
	return d.decodeParsed(chain, raw, &parsed, collect, (*state).refEnvelope)
}

// refEnvelope decodes one envelope. It always returns a transaction, filled
// as far as decoding got, and the channel config when the envelope is a
// CONFIG transaction.
func (s *state) refEnvelope(raw []byte) (*ledger.Tx, *ledger.Config, error) {
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
	if err := s.creatorSig(tx, sh.Creator, env.Signature, env.Payload); err != nil {
		return tx, nil, err
	}

	switch common.HeaderType(ch.Type) {
	case common.HeaderType_ENDORSER_TRANSACTION:
		if err := s.refEndorserTx(tx, ch.Extension, pl.Data); err != nil {
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

// refEndorserTx decodes the data of an ENDORSER_TRANSACTION.
func (s *state) refEndorserTx(tx *ledger.Tx, extension, data []byte) error {
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
		if err := s.refAction(tx, a, i == 0); err != nil {
			return fmt.Errorf("transaction: action %d: %w", i, err)
		}
	}
	return nil
}

// refAction decodes one transaction action: the invocation, the endorsed
// chaincode action and its endorsements. The invocation of the first
// refAction names the function.
func (s *state) refAction(tx *ledger.Tx, a *peer.TransactionAction, first bool) error {
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
	rw, err := refRWSets(ca.Results)
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

// refRWSets decodes the marshalled rwset.TxReadWriteSet of a chaincode
// action.
func refRWSets(raw []byte) ([]ledger.NsRWSet, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var txrw rwset.TxReadWriteSet
	if err := unmarshal("read/write set", raw, &txrw); err != nil {
		return nil, err
	}
	out := make([]ledger.NsRWSet, 0, len(txrw.NsRwset))
	for _, ns := range txrw.NsRwset {
		n, err := refNsRWSet(ns)
		if err != nil {
			return nil, fmt.Errorf("namespace %q: %w", ns.Namespace, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// refNsRWSet decodes the public and hashed private read/write sets of one
// namespace.
func refNsRWSet(ns *rwset.NsReadWriteSet) (ledger.NsRWSet, error) {
	n := ledger.NsRWSet{Namespace: ns.Namespace}
	var kv kvrwset.KVRWSet
	if err := unmarshal("kv rwset", ns.Rwset, &kv); err != nil {
		return n, err
	}
	n.Reads = refKVReads(kv.Reads)
	for _, w := range kv.Writes {
		n.Writes = append(n.Writes, ledger.KVWrite{Key: w.Key, IsDelete: w.IsDelete, Value: w.Value})
	}
	for _, q := range kv.RangeQueriesInfo {
		r := ledger.RangeRead{StartKey: q.StartKey, EndKey: q.EndKey, ItrExhausted: q.ItrExhausted}
		if raw := q.GetRawReads(); raw != nil {
			r.Keys = refKVReads(raw.KvReads)
		}
		if m := q.GetReadsMerkleHashes(); m != nil {
			r.MerkleHashes, r.MerkleLevel, r.MerkleDegree = m.MaxLevelHashes, m.MaxLevel, m.MaxDegree
		}
		n.RangeReads = append(n.RangeReads, r)
	}
	for _, mw := range kv.MetadataWrites {
		n.MetaWrites = append(n.MetaWrites, ledger.KVMetaWrite{Key: mw.Key, Entries: refMetaEntries(mw.Entries)})
	}
	for _, c := range ns.CollectionHashedRwset {
		var h kvrwset.HashedRWSet
		if err := unmarshal(fmt.Sprintf("collection %q: hashed rwset", c.CollectionName), c.HashedRwset, &h); err != nil {
			return n, err
		}
		coll := ledger.CollHashedRW{Collection: c.CollectionName, PvtRWHash: c.PvtRwsetHash}
		for _, r := range h.HashedReads {
			coll.ReadHashes = append(coll.ReadHashes, r.KeyHash)
			hr := ledger.HashedRead{KeyHash: r.KeyHash, Missing: r.Version == nil}
			if r.Version != nil {
				hr.BlockNum, hr.TxNum = r.Version.BlockNum, r.Version.TxNum
			}
			coll.HashedReads = append(coll.HashedReads, hr)
		}
		for _, w := range h.HashedWrites {
			coll.WriteHashes = append(coll.WriteHashes, w.KeyHash)
			coll.HashedWrites = append(coll.HashedWrites, ledger.HashedWrite{
				KeyHash: w.KeyHash, ValueHash: w.ValueHash, IsDelete: w.IsDelete, IsPurge: w.IsPurge,
			})
		}
		for _, mw := range h.MetadataWrites {
			coll.MetaWrites = append(coll.MetaWrites, ledger.HashedMetaWrite{KeyHash: mw.KeyHash, Entries: refMetaEntries(mw.Entries)})
		}
		n.Collections = append(n.Collections, coll)
	}
	return n, nil
}

// refKVReads converts key reads; a read without version saw no key.
func refKVReads(in []*kvrwset.KVRead) []ledger.KVRead {
	if len(in) == 0 {
		return nil
	}
	out := make([]ledger.KVRead, len(in))
	for i, r := range in {
		out[i] = ledger.KVRead{Key: r.Key, Missing: r.Version == nil}
		if r.Version != nil {
			out[i].BlockNum, out[i].TxNum = r.Version.BlockNum, r.Version.TxNum
		}
	}
	return out
}

// refMetaEntries converts key metadata entries.
func refMetaEntries(in []*kvrwset.KVMetadataEntry) []ledger.MetaEntry {
	out := make([]ledger.MetaEntry, len(in))
	for i, e := range in {
		out[i] = ledger.MetaEntry{Name: e.Name, Value: e.Value}
	}
	return out
}

// timeOf converts a protobuf timestamp, the zero time when absent.
func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}
