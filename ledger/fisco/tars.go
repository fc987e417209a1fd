package fisco

import (
	"fmt"

	"github.com/TarsCloud/TarsGo/tars/protocol/codec"
)

// tarsReader reads the TARS encoding of FISCO BCOS 3.x transactions with
// TarsGo's codec, bounding every length by the input so that hostile
// bytes cannot make it allocate or read past the end.
type tarsReader struct {
	r   *codec.Reader
	max int
}

func newTarsReader(b []byte) *tarsReader {
	return &tarsReader{r: codec.NewReader(b), max: len(b)}
}

// bytes reads an optional vector<byte> field.
func (t *tarsReader) bytes(tag byte, name string) ([]byte, error) {
	have, ty, err := t.r.SkipToNoCheck(tag, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !have {
		return nil, nil
	}
	var n int32
	switch ty {
	case codec.SimpleList:
		if _, err := t.r.SkipTo(codec.BYTE, 0, true); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := t.r.ReadInt32(&n, 0, true); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if n < 0 || int(n) > t.max {
			return nil, fmt.Errorf("%s: length %d exceeds the %d-byte input", name, n, t.max)
		}
		out := t.r.Next(int(n))
		if len(out) != int(n) {
			return nil, fmt.Errorf("%s: truncated: %d of %d bytes", name, len(out), n)
		}
		return append([]byte(nil), out...), nil
	case codec.LIST:
		if err := t.r.ReadInt32(&n, 0, true); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if n < 0 || int(n) > t.max {
			return nil, fmt.Errorf("%s: length %d exceeds the %d-byte input", name, n, t.max)
		}
		out := make([]byte, n)
		for i := range out {
			if err := t.r.ReadUint8(&out[i], 0, true); err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", name, i, err)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: TARS type %d is not a byte vector", name, ty)
}

// str reads an optional string field and checks it was not cut short.
func (t *tarsReader) str(tag byte, name string) (string, error) {
	var s string
	if err := t.r.ReadString(&s, tag, false); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

func (t *tarsReader) i64(tag byte, name string) (int64, error) {
	var v int64
	if err := t.r.ReadInt64(&v, tag, false); err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

func (t *tarsReader) i32(tag byte, name string) (int32, error) {
	var v int32
	if err := t.r.ReadInt32(&v, tag, false); err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

// DecodeTx3 decodes the TARS bytes of a signed FISCO BCOS 3.x transaction
// (bcos-tars-protocol tars/Transaction.tars).
func decodeTx3(b []byte) (*tx3, error) {
	t := newTarsReader(b)
	have, err := t.r.SkipTo(codec.StructBegin, 1, true)
	if err != nil || !have {
		return nil, fmt.Errorf("%w: transaction data (tag 1): %v", ErrMalformed, err)
	}
	var tx tx3
	if err := t.readData(&tx); err != nil {
		return nil, fmt.Errorf("%w: transaction data: %w", ErrMalformed, err)
	}
	if err := t.r.SkipToStructEnd(); err != nil {
		return nil, fmt.Errorf("%w: transaction data end: %w", ErrMalformed, err)
	}
	hash, err := t.bytes(2, "dataHash")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	sig, err := t.bytes(3, "signature")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	imp, err := t.i64(4, "importTime")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	attr, err := t.i32(5, "attribute")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	sender, err := t.bytes(7, "sender")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	extra, err := t.str(8, "extraData")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	tx.Hash = hexBytes{b: hash, set: len(hash) > 0}
	tx.Signature = hexBytes{b: sig, set: len(sig) > 0}
	tx.ImportTime = num{v: uint64(imp), set: true}
	tx.Attribute = num{v: uint64(uint32(attr)), set: true}
	if len(sender) > 0 {
		tx.From = fmt.Sprintf("0x%x", sender)
	}
	tx.ExtraData = extra
	tx.rawNonce = true
	return &tx, nil
}

// decodeTxData3 decodes a bare 3.x TransactionData (what the sender
// signs the hash of), as SDKs and hand-overs sometimes carry it without
// the signed Transaction around it.
func decodeTxData3(b []byte) (*tx3, error) {
	var tx tx3
	if err := newTarsReader(b).readData(&tx); err != nil {
		return nil, fmt.Errorf("%w: transaction data: %w", ErrMalformed, err)
	}
	tx.rawNonce = true
	return &tx, nil
}

// readData reads the TransactionData struct (tags 1..14).
func (t *tarsReader) readData(tx *tx3) error {
	v, err := t.i32(1, "version")
	if err != nil {
		return err
	}
	tx.Version = num{v: uint64(uint32(v)), set: true}
	if tx.ChainID, err = t.str(2, "chainID"); err != nil {
		return err
	}
	if tx.GroupID, err = t.str(3, "groupID"); err != nil {
		return err
	}
	bl, err := t.i64(4, "blockLimit")
	if err != nil {
		return err
	}
	tx.BlockLimit = num{v: uint64(bl), set: true}
	if tx.Nonce, err = t.str(5, "nonce"); err != nil {
		return err
	}
	if tx.To, err = t.str(6, "to"); err != nil {
		return err
	}
	in, err := t.bytes(7, "input")
	if err != nil {
		return err
	}
	tx.Input = hexBytes{b: in, set: true}
	if tx.Abi, err = t.str(8, "abi"); err != nil {
		return err
	}
	if tx.Value, err = t.str(9, "value"); err != nil {
		return err
	}
	if tx.GasPrice, err = t.str(10, "gasPrice"); err != nil {
		return err
	}
	gl, err := t.i64(11, "gasLimit")
	if err != nil {
		return err
	}
	tx.GasLimit = num{v: uint64(gl), set: true}
	if tx.MaxFeePerGas, err = t.str(12, "maxFeePerGas"); err != nil {
		return err
	}
	if tx.MaxPriorityFeePerGas, err = t.str(13, "maxPriorityFeePerGas"); err != nil {
		return err
	}
	ext, err := t.bytes(14, "extension")
	if err != nil {
		return err
	}
	tx.Extension = ext
	return nil
}
