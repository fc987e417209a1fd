package fabric

import (
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"hash"
	"math/big"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-protos-go/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/lianjian/lianjian/ledger"
)

// Header hash algorithms understood by [Config].HashAlgorithm. The names
// are the values of a channel's HashingAlgorithm config.
const (
	SHA256 = "SHA256"
	SM3    = "SM3"
)

// codeNotValidated is TxValidationCode NOT_VALIDATED, the code of every
// transaction in a block without TRANSACTIONS_FILTER (an orderer's copy).
const codeNotValidated = int32(peer.TxValidationCode_NOT_VALIDATED)

// Config configures a [Decoder]. The zero value decodes upstream Fabric.
type Config struct {
	// HashAlgorithm names the hash of block headers: SHA256 (the default
	// when empty) or SM3. Ignored when Hash is set.
	HashAlgorithm string
	// Hash, when set, is used for block header hashes instead of
	// HashAlgorithm; HashAlgorithm then only names it in the model
	// (FabricBlock.HeaderHashAlgo), "custom" when empty.
	Hash func() hash.Hash
	// Strict makes an envelope that does not decode fail the whole block
	// instead of being recorded in FabricTx.DecodeError.
	Strict bool
}

// Validate reports whether the configuration can be used.
func (c Config) Validate() error {
	if c.Hash != nil {
		return nil
	}
	switch c.HashAlgorithm {
	case "", SHA256, SM3:
		return nil
	}
	return fmt.Errorf("%w: %q", ErrHashAlgorithm, c.HashAlgorithm)
}

// Decoder converts Fabric blocks into the model. It is safe for
// concurrent use.
type Decoder struct {
	algo    string
	newHash func() hash.Hash
	strict  bool
	ids     identityCache
}

// NewDecoder returns a decoder for cfg.
func NewDecoder(cfg Config) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Decoder{algo: cfg.HashAlgorithm, newHash: cfg.Hash, strict: cfg.Strict}
	switch {
	case d.algo != "":
	case cfg.Hash != nil:
		d.algo = "custom"
	default:
		d.algo = SHA256
	}
	if d.newHash == nil {
		d.newHash = sha256.New
		if d.algo == SM3 {
			d.newHash = sm3.New
		}
	}
	return d, nil
}

var defaultDecoder, _ = NewDecoder(Config{})

// DecodeBlock decodes a marshalled common.Block of chain with SHA-256
// header hashes and lenient envelope decoding.
func DecodeBlock(chain string, raw []byte) (*ledger.Block, error) {
	return defaultDecoder.DecodeBlock(chain, raw)
}

// HeaderBytes returns the ASN.1 DER encoding of a block header, the bytes
// that are hashed into the block hash and that orderer signatures cover.
func HeaderBytes(number uint64, previousHash, dataHash []byte) []byte {
	h := struct {
		Number       *big.Int
		PreviousHash []byte
		DataHash     []byte
	}{new(big.Int).SetUint64(number), previousHash, dataHash}
	out, err := asn1.Marshal(h)
	if err != nil {
		// An integer and two octet strings always encode.
		panic(fmt.Sprintf("fabric: encode block header: %v", err))
	}
	return out
}

// HeaderHash returns the block hash of a header under the decoder's hash.
func (d *Decoder) HeaderHash(number uint64, previousHash, dataHash []byte) []byte {
	h := d.newHash()
	h.Write(HeaderBytes(number, previousHash, dataHash))
	return h.Sum(nil)
}

// DecodeBlock decodes a marshalled common.Block of chain.
func (d *Decoder) DecodeBlock(chain string, raw []byte) (*ledger.Block, error) {
	b, _, err := d.decode(chain, raw, false)
	return b, err
}

// decode decodes a block and, with collect set, the messages its
// signatures cover. The bytes fields of the block, its transactions and
// the messages alias raw, which must not change afterwards.
func (d *Decoder) decode(chain string, raw []byte, collect bool) (*ledger.Block, []SignedMessage, error) {
	var pb blockMsg
	if err := parseBlock(raw, &pb); err != nil {
		return nil, nil, malformed("block", err)
	}
	if !pb.hasHeader {
		return nil, nil, fmt.Errorf("block: %w: no header", ErrMalformed)
	}
	return d.decodeParsed(chain, raw, &pb, collect, (*state).envelope)
}

// decodeParsed decodes a parsed block with envelope as the decoder of
// its envelopes.
func (d *Decoder) decodeParsed(chain string, raw []byte, pb *blockMsg, collect bool,
	envelope func(*state, []byte) (*ledger.Tx, *ledger.Config, error),
) (*ledger.Block, []SignedMessage, error) {
	s := &state{d: d, collect: collect}
	b := &ledger.Block{
		Chain:      chain,
		Height:     pb.number,
		Hash:       d.HeaderHash(pb.number, pb.prevHash, pb.dataHash),
		ParentHash: pb.prevHash,
		DataHash:   pb.dataHash,
		Txs:        make([]ledger.Tx, 0, len(pb.data)),
		Raw:        raw,
	}
	fb := &ledger.FabricBlock{HeaderHashAlgo: d.algo}
	b.Fabric = fb
	if err := s.blockMetadata(b, pb.metadata); err != nil {
		return nil, nil, fmt.Errorf("block %d: %w", pb.number, err)
	}
	for i, env := range pb.data {
		s.txIndex = i
		tx, cfg, err := envelope(s, env)
		code := codeNotValidated
		if i < len(fb.TxFilter) {
			code = int32(fb.TxFilter[i])
		}
		tx.Chain, tx.Height, tx.Index = chain, pb.number, i
		tx.Status, tx.Valid = codeName(code), code == int32(peer.TxValidationCode_VALID)
		tx.Fabric.ValidationCode = code
		if err != nil {
			err = fmt.Errorf("envelope %d: %w", i, err)
			if d.strict {
				return nil, nil, fmt.Errorf("block %d: %w", pb.number, err)
			}
			tx.Fabric.DecodeError = err.Error()
		}
		if fb.Channel == "" {
			fb.Channel = tx.Fabric.Channel
		}
		if tx.Time.After(b.Time) {
			b.Time = tx.Time
		}
		if cfg != nil {
			cfg.Height = pb.number
			b.Config = cfg
			fb.IsConfig = true
			fb.OrdererType = cfg.OrdererType
		}
		// Definitions of invalid transactions never reached the state; an
		// orderer's copy does not know yet.
		if tx.Valid || code == codeNotValidated {
			b.Contracts = append(b.Contracts, lifecycleContracts(tx)...)
		}
		b.Txs = append(b.Txs, *tx)
	}
	return b, s.msgs, nil
}

// blockMetadata fills the block signatures, last config, validation codes
// and commit hash from the block metadata.
func (s *state) blockMetadata(b *ledger.Block, md [][]byte) error {
	fb := b.Fabric
	at := func(i common.BlockMetadataIndex) []byte {
		if int(i) < len(md) {
			return md[i]
		}
		return nil
	}
	fb.TxFilter = at(common.BlockMetadataIndex_TRANSACTIONS_FILTER)
	if raw := at(common.BlockMetadataIndex_COMMIT_HASH); len(raw) > 0 {
		// Peer-local and unsigned: a broken one is recorded, not fatal.
		var m common.Metadata
		if err := unmarshal("metadata COMMIT_HASH", raw, &m); err != nil {
			fb.CommitHashError = err.Error()
		} else {
			fb.CommitHash = m.Value
		}
	}
	if raw := at(common.BlockMetadataIndex_LAST_CONFIG); len(raw) > 0 {
		var m common.Metadata
		if err := unmarshal("metadata LAST_CONFIG", raw, &m); err != nil {
			return err
		}
		var lc common.LastConfig
		if err := unmarshal("metadata LAST_CONFIG: value", m.Value, &lc); err != nil {
			return err
		}
		fb.LastConfig = lc.Index
	}
	raw := at(common.BlockMetadataIndex_SIGNATURES)
	if len(raw) == 0 {
		return nil
	}
	var m common.Metadata
	if err := unmarshal("metadata SIGNATURES", raw, &m); err != nil {
		return err
	}
	// Since Fabric 2.0 the last config index travels in the signed
	// OrdererBlockMetadata; older blocks carry only LAST_CONFIG.
	var obm common.OrdererBlockMetadata
	if len(m.Value) > 0 && unmarshal("", m.Value, &obm) == nil && obm.LastConfig != nil {
		fb.LastConfig = obm.LastConfig.Index
	}
	header := HeaderBytes(b.Height, b.ParentHash, b.DataHash)
	for i, ms := range m.Signatures {
		sig := ledger.Signature{Role: RoleOrderer, Value: ms.Signature}
		msg := SignedMessage{Role: RoleOrderer, Tx: -1, Sig: len(b.Signatures), Signature: ms.Signature}
		switch {
		case len(ms.SignatureHeader) > 0:
			var sh common.SignatureHeader
			if err := unmarshal(fmt.Sprintf("metadata SIGNATURES: signature %d: header", i), ms.SignatureHeader, &sh); err != nil {
				return err
			}
			id, err := s.identity(sh.Creator)
			if err != nil {
				return fmt.Errorf("metadata SIGNATURES: signature %d: creator: %w", i, err)
			}
			sig.Signer, sig.Algorithm = id, sigAlgorithm(id)
			msg.Identity = sh.Creator
			msg.Message = concat(m.Value, ms.SignatureHeader, header)
		case len(ms.IdentifierHeader) > 0:
			var ih common.IdentifierHeader
			if err := unmarshal(fmt.Sprintf("metadata SIGNATURES: signature %d: identifier header", i), ms.IdentifierHeader, &ih); err != nil {
				return err
			}
			fb.ConsenterIDs = append(fb.ConsenterIDs, ih.Identifier)
			msg.Consenter = ih.Identifier
			msg.Message = concat(m.Value, ms.IdentifierHeader, header)
		default:
			return fmt.Errorf("metadata SIGNATURES: signature %d: %w: neither signature nor identifier header", i, ErrMalformed)
		}
		if s.collect {
			s.msgs = append(s.msgs, msg)
		}
		b.Signatures = append(b.Signatures, sig)
	}
	return nil
}

// state is the scratch space of one block decode.
type state struct {
	d       *Decoder
	collect bool
	txIndex int
	msgs    []SignedMessage
	ids     map[string]ledger.Identity
}

// unmarshal decodes b into m; what names the structure in errors. Fabric
// protobufs are generated with the legacy API, hence the adapter.
func unmarshal(what string, b []byte, m protoadapt.MessageV1) error {
	if err := proto.Unmarshal(b, protoadapt.MessageV2Of(m)); err != nil {
		return fmt.Errorf("%s: %w: %w", what, ErrMalformed, err)
	}
	return nil
}

// codeName names a transaction validation code.
func codeName(code int32) string {
	if name, ok := peer.TxValidationCode_name[code]; ok {
		return name
	}
	return fmt.Sprintf("UNKNOWN_%d", code)
}

// headerTypeName names an envelope header type.
func headerTypeName(t int32) string {
	if name, ok := common.HeaderType_name[t]; ok {
		return name
	}
	return fmt.Sprintf("UNKNOWN_%d", t)
}

// txID normalises a transaction id to lower-case hex.
func txID(id string) string { return strings.ToLower(id) }

// concat joins byte slices into a new slice.
func concat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
