package nodes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// CliqueHealth reads the last window blocks of an EVM chain, with the
// header fields the EVM adapter put in the model (Block.EVM: difficulty,
// checkpoint signers; EIP-225). When they are Clique blocks, a change of the signer list between checkpoints is a
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
		ch := b.EVM
		if ch == nil || ch.Difficulty > 2 {
			return nil, nil // not a Clique chain (or a block stored without its header fields)
		}
		if ch.Signers != nil {
			if signers != nil && !slices.Equal(signers, ch.Signers) {
				ref := fmt.Sprintf("signers@%d", h)
				out = append(out, ledger.NewFinding(RuleCliqueSigners, c.ID, ledger.Subject{Kind: "chain", Ref: ref, Height: h}, now,
					fmt.Sprintf("Clique signers changed between blocks %d and %d", signersAt, h),
					map[string]string{"before": strings.Join(signers, ","), "after": strings.Join(ch.Signers, ","),
						"fromHeight": strconv.FormatUint(signersAt, 10), "toHeight": strconv.FormatUint(h, 10)}))
			}
			signers, signersAt = ch.Signers, h
		}
		if len(signers) == 0 || ch.Difficulty == 0 || h == 0 {
			continue
		}
		s := signers[h%uint64(len(signers))]
		v := inTurn[s]
		v[0]++
		if ch.Difficulty == 2 {
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
