package nodes

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Clique header layout (EIP-225): extraData is 32 bytes of vanity, the
// signer addresses on checkpoint blocks, and a 65-byte seal. Difficulty 2
// means the in-turn signer sealed the block, 1 that another signer did.
const (
	cliqueVanity = 32
	cliqueSeal   = 65
	addrLen      = 20
	headerFields = 15 // fields up to the nonce; later forks append more
	fieldDiff    = 7
	fieldNumber  = 8
	fieldExtra   = 12
)

var errRLP = errors.New("malformed rlp")

// rlpItem reads one RLP item at b[0:], returning its payload, whether it
// is a list and the bytes after it.
func rlpItem(b []byte) (payload []byte, list bool, rest []byte, err error) {
	if len(b) == 0 {
		return nil, false, nil, errRLP
	}
	p := b[0]
	var off, n uint64
	switch {
	case p < 0x80:
		return b[:1], false, b[1:], nil
	case p <= 0xb7:
		off, n = 1, uint64(p-0x80)
	case p <= 0xbf:
		off, n, err = longLen(b, int(p-0xb7))
	case p <= 0xf7:
		off, n, list = 1, uint64(p-0xc0), true
	default:
		off, n, err = longLen(b, int(p-0xf7))
		list = true
	}
	if err != nil {
		return nil, false, nil, err
	}
	if n > uint64(len(b))-off {
		return nil, false, nil, errRLP
	}
	return b[off : off+n], list, b[off+n:], nil
}

func longLen(b []byte, size int) (uint64, uint64, error) {
	if size > 8 || len(b) < 1+size {
		return 0, 0, errRLP
	}
	var n uint64
	for _, c := range b[1 : 1+size] {
		n = n<<8 | uint64(c)
	}
	return uint64(1 + size), n, nil
}

// headerItems splits an RLP-encoded header into its top-level items.
func headerItems(raw []byte) ([][]byte, error) {
	body, list, rest, err := rlpItem(raw)
	if err != nil || !list || len(rest) != 0 {
		return nil, fmt.Errorf("%w: header is not one list", errRLP)
	}
	var items [][]byte
	for len(body) > 0 {
		var it []byte
		if it, _, body, err = rlpItem(body); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	if len(items) < headerFields {
		return nil, fmt.Errorf("%w: header has %d fields", errRLP, len(items))
	}
	return items, nil
}

// cliqueHeader is what Clique health reads from a header.
type cliqueHeader struct {
	number     uint64
	difficulty uint64
	signers    []string // on checkpoint blocks only
}

func parseCliqueHeader(raw []byte) (cliqueHeader, error) {
	items, err := headerItems(raw)
	if err != nil {
		return cliqueHeader{}, err
	}
	h := cliqueHeader{
		difficulty: new(big.Int).SetBytes(items[fieldDiff]).Uint64(),
		number:     new(big.Int).SetBytes(items[fieldNumber]).Uint64(),
	}
	extra := items[fieldExtra]
	if n := len(extra) - cliqueVanity - cliqueSeal; n > 0 && n%addrLen == 0 {
		for i := cliqueVanity; i < len(extra)-cliqueSeal; i += addrLen {
			h.signers = append(h.signers, "0x"+hex.EncodeToString(extra[i:i+addrLen]))
		}
	}
	return h, nil
}

// CliqueHealth reads the last window blocks of an EVM chain. When they
// are Clique blocks, a change of the signer list between checkpoints is a
// NODE-CLIQUE-SIGNERS finding, and a signer whose in-turn blocks in the
// window were all sealed out of turn (difficulty 1) is absent. Chains
// that are not Clique yield nothing.
func CliqueHealth(ctx context.Context, st HealthStore, c ledger.Chain, window int, now time.Time) ([]ledger.Finding, error) {
	if window <= 0 {
		window = defaultHealthWindow
	}
	cp, err := st.Checkpoint(ctx, c.ID)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	from := uint64(0)
	if uint64(window) <= cp.Height {
		from = cp.Height - uint64(window) + 1
	}
	var out []ledger.Finding
	var signers []string
	var signersAt uint64
	inTurn := map[string][2]int{} // signer -> {in-turn blocks, sealed in turn}
	for h := from; h <= cp.Height; h++ {
		b, err := st.Block(ctx, c.ID, h)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", h, err)
		}
		ch, err := parseCliqueHeader(b.Raw)
		if err != nil || ch.difficulty > 2 {
			return nil, nil // not a Clique chain (or not a header we can read)
		}
		if ch.signers != nil {
			if signers != nil && !slices.Equal(signers, ch.signers) {
				ref := fmt.Sprintf("signers@%d", h)
				out = append(out, ledger.NewFinding(RuleCliqueSigners, c.ID, ledger.Subject{Kind: "chain", Ref: ref, Height: h}, now,
					fmt.Sprintf("Clique signers changed between blocks %d and %d", signersAt, h),
					map[string]string{"before": strings.Join(signers, ","), "after": strings.Join(ch.signers, ","),
						"fromHeight": strconv.FormatUint(signersAt, 10), "toHeight": strconv.FormatUint(h, 10)}))
			}
			signers, signersAt = ch.signers, h
		}
		if len(signers) == 0 || ch.difficulty == 0 || h == 0 {
			continue
		}
		s := signers[h%uint64(len(signers))]
		v := inTurn[s]
		v[0]++
		if ch.difficulty == 2 {
			v[1]++
		}
		inTurn[s] = v
	}
	for _, s := range slices.Sorted(mapKeysOf(inTurn)) {
		if v := inTurn[s]; v[0] > 0 && v[1] == 0 {
			out = append(out, ledger.NewFinding(RuleCliqueAbsent, c.ID, ledger.Subject{Kind: "node", Ref: s}, now,
				fmt.Sprintf("Clique signer %s sealed none of its %d in-turn blocks since %d", s, v[0], from),
				map[string]string{"signer": s, "inTurnBlocks": strconv.Itoa(v[0]), "from": strconv.FormatUint(from, 10)}))
		}
	}
	return out, nil
}
