package audit

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/lianjian/lianjian/ledger/fabric"
)

// Bulk ledgers for benchmarks: the real fixture blocks 0–2 (genesis and
// the `_lifecycle` definition of kvcc) followed by synthetic blocks of
// real envelopes. Each transaction is fixture block 3's kvcc put with a
// fresh nonce, transaction id and proposal hash, endorsed again by the
// fixture peer and signed again by its creator; each block is chained to
// the previous one, signed by the fixture orderer and given the commit
// hash a peer would write. Nothing is reused, so every signature of the
// ledger is distinct.

// ChannelHeader.tx_id and ProposalResponsePayload.proposal_hash.
var (
	pTxID         = sel{5, 0}
	pProposalHash = sel{1, 0}
	// Paths inside an envelope payload.
	pChannelHeader = []sel{{1, 0}, {1, 0}}
	pPayloadSigHdr = []sel{{1, 0}, {2, 0}}
	pPRP           = []sel{{2, 0}, {1, 0}, {2, 0}, {2, 0}, {1, 0}}
	pEndorsement   = []sel{{2, 0}, {1, 0}, {2, 0}, {2, 0}, {2, 0}}
)

// bulk is a generated ledger.
type bulk struct {
	blocks [][]byte
	txs    int
}

var (
	bulkMu    sync.Mutex
	bulkCache = map[string]*bulk{}
)

// bulkLedger returns (and caches) a ledger of at least txs synthetic
// transactions, perBlock to a block, for a fixture network.
func bulkLedger(t testing.TB, nw network, txs, perBlock int) *bulk {
	t.Helper()
	bulkMu.Lock()
	defer bulkMu.Unlock()
	k := nw.name + "/" + hex.EncodeToString(protowire.AppendVarint(protowire.AppendVarint(nil, uint64(txs)), uint64(perBlock)))
	if b, ok := bulkCache[k]; ok {
		return b
	}
	g := newBulkGen(t, nw)
	out := &bulk{blocks: slices.Clone(g.fixture)}
	for out.txs < txs {
		out.blocks = append(out.blocks, g.next(t, perBlock).raw)
		out.txs += perBlock
	}
	bulkCache[k] = out
	return out
}

// bulkGen makes the synthetic blocks of a bulk ledger one at a time, so
// that a ledger of any size can be streamed to disk.
type bulkGen struct {
	fixture                      [][]byte // real blocks 0–2
	payload, creatorID, endorser []byte   // of the template transaction
	peer, creator, orderer       key
	md                           [][]byte // the template block's metadata
	n                            uint64   // number of the next block
	prevHash, prevCommit         []byte
}

// bulkBlock is one generated block, whole and in its parts.
type bulkBlock struct {
	raw                 []byte // marshalled common.Block
	number              uint64
	prevHash, dataHash  []byte
	envelopes, metadata [][]byte
}

// newBulkGen returns a generator whose first block follows fixture
// block 2 of nw.
func newBulkGen(t testing.TB, nw network) *bulkGen {
	t.Helper()
	all := readChain(t, nw.dir+"/peer", "mychannel_")
	g := &bulkGen{
		fixture: all[:3],
		peer:    loadKey(t, nw.dir, nw.orgDir+"/peers/peer0.org1.example.com"),
		orderer: loadKey(t, nw.dir, "ordererOrganizations/example.com/orderers/orderer.example.com"),
		n:       3,
	}
	template := all[target]
	g.payload = get(t, get(t, template, pData(0)...), pPayload)
	g.creatorID = get(t, g.payload, append(pPayloadSigHdr, sel{1, 0})...)
	for _, who := range []string{"User1", "Admin"} {
		k := loadKey(t, nw.dir, nw.orgDir+"/users/"+who+"@org1.example.com")
		if slices.Equal(get(t, g.creatorID, sel{2, 0}), k.cert) {
			g.creator = k
		}
	}
	if g.creator.priv == nil {
		t.Fatal("template creator is not a fixture key")
	}
	g.endorser = get(t, g.payload, append(pEndorsement, sel{1, 0})...)
	for i := 0; ; i++ {
		if !hasField(get(t, template, sel{3, 0}), sel{1, i}) {
			break
		}
		g.md = append(g.md, get(t, template, pMetadata(i)...))
	}
	prev, err := fabric.DecodeBlock("bulk", all[2])
	if err != nil {
		t.Fatal(err)
	}
	g.prevHash, g.prevCommit = prev.Hash, prev.Fabric.CommitHash
	return g
}

// next returns the next block, of perBlock fresh transactions, chained
// to the one before, signed by the orderer and with its commit hash.
func (g *bulkGen) next(t testing.TB, perBlock int) bulkBlock {
	t.Helper()
	n := g.n
	envs := make([][]byte, 0, perBlock)
	for range perBlock {
		nonce := make([]byte, 24)
		rand.Read(nonce)
		id := sha256.Sum256(slices.Concat(nonce, g.creatorID))
		p := set(t, g.payload, nonce, append(pPayloadSigHdr, sel{2, 0})...)
		p = set(t, p, []byte(hex.EncodeToString(id[:])), append(pChannelHeader, pTxID)...)
		ph := make([]byte, 32)
		rand.Read(ph)
		prp := set(t, get(t, p, pPRP...), ph, pProposalHash)
		p = set(t, p, prp, pPRP...)
		p = set(t, p, g.peer.sign(t, slices.Concat(prp, g.endorser)), append(pEndorsement, sel{2, 0})...)
		envs = append(envs, msg(1, p, 2, g.creator.sign(t, p)))
	}
	dh := sha256.Sum256(slices.Concat(envs...))
	header := protowire.AppendTag(nil, 1, protowire.VarintType)
	header = protowire.AppendVarint(header, n)
	header = append(header, msg(2, g.prevHash, 3, dh[:])...)
	sigMD := g.md[0]
	signed := slices.Concat(get(t, sigMD, sel{1, 0}), get(t, sigMD, sel{2, 0}, sel{1, 0}), fabric.HeaderBytes(n, g.prevHash, dh[:]))
	sigMD = set(t, sigMD, g.orderer.sign(t, signed), sel{2, 0}, sel{2, 0})
	metas := slices.Clone(g.md)
	metas[0], metas[2] = sigMD, make([]byte, perBlock) // all VALID
	var data []byte
	for _, e := range envs {
		data = append(data, msg(1, e)...)
	}
	blockOf := func() []byte {
		var meta []byte
		for _, m := range metas {
			meta = append(meta, msg(1, m)...)
		}
		return msg(1, header, 2, data, 3, meta)
	}
	b, err := fabric.DecodeBlock("bulk", blockOf())
	if err != nil {
		t.Fatal(err)
	}
	g.prevCommit = commitHashes([][]byte{g.prevCommit}, metas[2], buildBatch(b, nil, nil))[0]
	metas[4] = msg(1, g.prevCommit) // COMMIT_HASH
	out := bulkBlock{raw: blockOf(), number: n, prevHash: g.prevHash, dataHash: dh[:], envelopes: envs, metadata: metas}
	hh := sha256.Sum256(fabric.HeaderBytes(n, g.prevHash, dh[:]))
	g.prevHash = hh[:]
	g.n++
	return out
}

// hasField reports whether msg has the selected bytes field.
func hasField(m []byte, s sel) bool {
	seen := 0
	for off := 0; off < len(m); {
		num, typ, n := protowire.ConsumeTag(m[off:])
		if n < 0 {
			return false
		}
		l := protowire.ConsumeFieldValue(num, typ, m[off+n:])
		if l < 0 {
			return false
		}
		if num == s.num && typ == protowire.BytesType {
			if seen == s.idx {
				return true
			}
			seen++
		}
		off += n + l
	}
	return false
}

// triple is one signature as the naive ceiling verifies it.
type triple struct {
	pub      *ecdsa.PublicKey
	sm2      bool
	msg, sig []byte
}

// triples returns every signature of a ledger with its parsed key,
// exactly the signatures the auditor verifies.
func triples(t testing.TB, blocks [][]byte) []triple {
	t.Helper()
	keys := map[string]*ecdsa.PublicKey{}
	var out []triple
	for _, raw := range blocks {
		b, err := fabric.DecodeBlock("bulk", raw)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := fabric.SignedMessages(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			pub, ok := keys[string(m.Identity)]
			if !ok {
				id, err := fabric.ParseIdentity(m.Identity)
				if err != nil {
					t.Fatal(err)
				}
				c, err := smx509.ParseCertificate(id.Cert)
				if err != nil {
					t.Fatal(err)
				}
				pub = c.PublicKey.(*ecdsa.PublicKey)
				keys[string(m.Identity)] = pub
			}
			out = append(out, triple{pub: pub, sm2: sm2.IsSM2PublicKey(pub), msg: m.Message, sig: m.Signature})
		}
	}
	return out
}
