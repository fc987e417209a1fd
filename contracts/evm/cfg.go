package evm

import "slices"

// Block is a basic block: a straight run of instructions entered only at
// its first and left only after its last.
type Block struct {
	Start int   // pc of the first instruction
	End   int   // pc of the last instruction
	Succs []int // start pcs of successor blocks
	Preds []int // start pcs of predecessor blocks
}

// CFG is the control-flow graph of a program. Jump edges come from
// constant PUSH→JUMP pairs and from targets the abstract stack resolved,
// such as return addresses of internal function calls.
type CFG struct {
	Blocks []*Block // in code order
	// Unresolved lists pcs of jumps whose target was never a constant.
	Unresolved []int
	byStart    map[int]*Block
}

// Block returns the block starting at pc, or nil.
func (c *CFG) Block(pc int) *Block { return c.byStart[pc] }

// Containing returns the block holding the instruction at pc, or nil.
func (c *CFG) Containing(pc int) *Block {
	i, found := slices.BinarySearchFunc(c.Blocks, pc, func(b *Block, pc int) int { return b.Start - pc })
	if found {
		return c.Blocks[i]
	}
	if i == 0 {
		return nil
	}
	if b := c.Blocks[i-1]; pc <= b.End {
		return b
	}
	return nil
}

func buildCFG(p *Program, x *explorer) *CFG {
	c := &CFG{byStart: map[int]*Block{}}
	var cur *Block
	for i, in := range p.Instrs {
		if cur == nil || in.Op == JUMPDEST {
			if cur != nil {
				cur.Succs = append(cur.Succs, in.PC)
			}
			cur = &Block{Start: in.PC}
			c.Blocks = append(c.Blocks, cur)
			c.byStart[in.PC] = cur
		}
		cur.End = in.PC
		switch {
		case in.Op == JUMP || in.Op == JUMPI:
			for t := range x.edges[in.PC] {
				if t != in.PC+1 || in.Op == JUMP {
					cur.Succs = append(cur.Succs, t)
				}
			}
			if len(x.edges[in.PC]) == 0 && i > 0 && p.Instrs[i-1].Op.IsPush() {
				if t, ok := pushTarget(p, p.Instrs[i-1]); ok {
					cur.Succs = append(cur.Succs, t)
				}
			}
			if _, dyn := x.dynJumps[in.PC]; dyn {
				c.Unresolved = append(c.Unresolved, in.PC)
			}
			if in.Op == JUMPI && i+1 < len(p.Instrs) {
				cur.Succs = append(cur.Succs, p.Instrs[i+1].PC)
			}
			cur = nil
		case in.Op.Halts():
			cur = nil
		}
	}
	for _, b := range c.Blocks {
		slices.Sort(b.Succs)
		b.Succs = slices.Compact(b.Succs)
		for _, s := range b.Succs {
			if t := c.byStart[s]; t != nil {
				t.Preds = append(t.Preds, b.Start)
			}
		}
	}
	slices.Sort(c.Unresolved)
	return c
}

func pushTarget(p *Program, in Instruction) (int, bool) {
	if in.Truncated() || len(in.Arg) > 4 {
		return 0, false
	}
	t := 0
	for _, b := range in.Arg {
		t = t<<8 | int(b)
	}
	return t, p.IsJumpDest(t)
}
