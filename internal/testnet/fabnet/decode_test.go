package fabnet

import (
	"fmt"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// txSummary is what the tests check about one transaction of a block.
type txSummary struct {
	Type         common.HeaderType
	TxID         string
	Code         peer.TxValidationCode
	Endorsements int
	Deletes      []string // keys deleted in the kvcc namespace
	Writes       []string // keys written in the kvcc namespace
}

// unmarshal decodes into a fabric-protos-go (API v1) message.
func unmarshal(b []byte, m protoadapt.MessageV1) error {
	return proto.Unmarshal(b, protoadapt.MessageV2Of(m))
}

// decodeBlock summarises a peer-copy block.
func decodeBlock(raw []byte) (*common.Block, []txSummary, error) {
	var b common.Block
	if err := unmarshal(raw, &b); err != nil {
		return nil, nil, fmt.Errorf("block: %w", err)
	}
	if b.Header == nil || b.Data == nil || b.Metadata == nil {
		return nil, nil, fmt.Errorf("block: missing header, data or metadata")
	}
	filter := b.Metadata.Metadata[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	if len(filter) != len(b.Data.Data) {
		return nil, nil, fmt.Errorf("block %d: %d validation codes for %d txs", b.Header.Number, len(filter), len(b.Data.Data))
	}
	var out []txSummary
	for i, envBytes := range b.Data.Data {
		s, err := decodeTx(envBytes)
		if err != nil {
			return nil, nil, fmt.Errorf("block %d tx %d: %w", b.Header.Number, i, err)
		}
		s.Code = peer.TxValidationCode(filter[i])
		out = append(out, s)
	}
	return &b, out, nil
}

func decodeTx(envBytes []byte) (txSummary, error) {
	var s txSummary
	var env common.Envelope
	if err := unmarshal(envBytes, &env); err != nil {
		return s, err
	}
	var pl common.Payload
	if err := unmarshal(env.Payload, &pl); err != nil {
		return s, err
	}
	var ch common.ChannelHeader
	if err := unmarshal(pl.Header.ChannelHeader, &ch); err != nil {
		return s, err
	}
	s.Type, s.TxID = common.HeaderType(ch.Type), ch.TxId
	if s.Type != common.HeaderType_ENDORSER_TRANSACTION {
		return s, nil
	}
	var tx peer.Transaction
	if err := unmarshal(pl.Data, &tx); err != nil {
		return s, err
	}
	for _, act := range tx.Actions {
		var cap peer.ChaincodeActionPayload
		if err := unmarshal(act.Payload, &cap); err != nil {
			return s, err
		}
		s.Endorsements += len(cap.Action.Endorsements)
		var prp peer.ProposalResponsePayload
		if err := unmarshal(cap.Action.ProposalResponsePayload, &prp); err != nil {
			return s, err
		}
		var cca peer.ChaincodeAction
		if err := unmarshal(prp.Extension, &cca); err != nil {
			return s, err
		}
		var rws rwset.TxReadWriteSet
		if err := unmarshal(cca.Results, &rws); err != nil {
			return s, err
		}
		for _, ns := range rws.NsRwset {
			if ns.Namespace != DefaultChaincode {
				continue
			}
			var kv kvrwset.KVRWSet
			if err := unmarshal(ns.Rwset, &kv); err != nil {
				return s, err
			}
			for _, w := range kv.Writes {
				if w.IsDelete {
					s.Deletes = append(s.Deletes, w.Key)
				} else {
					s.Writes = append(s.Writes, w.Key)
				}
			}
		}
	}
	return s, nil
}
