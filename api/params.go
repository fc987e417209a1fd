package api

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger"
)

// Bounds on free-form parameters.
const (
	maxNameLen   = 128 // chain ids, rule ids, filter values
	maxAddrLen   = 256 // EVM addresses, chaincode names
	maxCursorLen = 1024
	hashLen      = 32 // every supported chain hashes blocks and txs to 32 bytes
)

// name validates a free-form identifier: non-empty, bounded, valid UTF-8
// and free of spaces and control characters.
func name(param, s string, maxLen int) (string, error) {
	switch {
	case s == "":
		return "", badParam(param, "must not be empty")
	case len(s) > maxLen:
		return "", badParam(param, "longer than %d bytes", maxLen)
	case !utf8.ValidString(s):
		return "", badParam(param, "not valid UTF-8")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return "", badParam(param, "contains spaces or control characters")
	}
	return s, nil
}

// chainParam returns the :chain path parameter. Chain ids are restricted
// to letters, digits, '.', '_' and '-', so that an id can never reach into
// the key space of another chain.
func chainParam(c *gin.Context) (string, error) {
	id := c.Param("chain")
	switch {
	case id == "":
		return "", badParam("chain", "must not be empty")
	case len(id) > maxNameLen:
		return "", badParam("chain", "longer than %d bytes", maxNameLen)
	case strings.TrimLeft(id, chainIDChars) != "":
		return "", badParam("chain", "may hold only letters, digits, '.', '_' and '-'")
	}
	return id, nil
}

const chainIDChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

// hasHexPrefix reports whether s starts with 0x or 0X.
func hasHexPrefix(s string) bool {
	return len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
}

// parseHash decodes a 32-byte hash given as hex with or without 0x.
func parseHash(param, s string) ([]byte, error) {
	if hasHexPrefix(s) {
		s = s[2:]
	}
	if len(s) != 2*hashLen {
		return nil, badParam(param, "must be a %d-byte hex hash", hashLen)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, badParam(param, "must be a %d-byte hex hash", hashLen)
	}
	return b, nil
}

// blockRef is a block named by height or by hash.
type blockRef struct {
	height uint64
	hash   []byte // set when the block is named by hash
}

// parseBlockRef reads a block reference: a decimal height, or a hash as
// 0x-prefixed hex or as 64 bare hex digits.
func parseBlockRef(s string) (blockRef, error) {
	if s == "" {
		return blockRef{}, badParam("ref", "must not be empty")
	}
	if !hasHexPrefix(s) && len(s) != 2*hashLen {
		if strings.TrimLeft(s, "0123456789") != "" {
			return blockRef{}, badParam("ref", "must be a decimal height or a hex hash")
		}
		h, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return blockRef{}, badParam("ref", "height out of range")
		}
		return blockRef{height: h}, nil
	}
	b, err := parseHash("ref", s)
	if err != nil {
		return blockRef{}, err
	}
	return blockRef{hash: b}, nil
}

// parseTxID validates a transaction id, a 32-byte hex hash with or without
// 0x, and returns it in the index's form: lower-case hex without prefix.
func parseTxID(s string) (string, error) {
	b, err := parseHash("id", s)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// addrParam returns the :addr path parameter. EVM addresses (0x and 40 hex
// digits) are indexed lower-case, so they are lower-cased here; other
// addresses, such as chaincode names, are case-sensitive and kept as they
// are.
func addrParam(c *gin.Context) (string, error) {
	a, err := name("addr", c.Param("addr"), maxAddrLen)
	if err != nil {
		return "", err
	}
	if len(a) == 42 && hasHexPrefix(a) {
		if _, err := hex.DecodeString(a[2:]); err == nil {
			return strings.ToLower(a), nil
		}
	}
	return a, nil
}

// page reads ?limit= and ?cursor=. A missing limit takes the default; a
// limit above the maximum is capped.
func (s *Server) page(c *gin.Context) (ledger.Page, error) {
	p := ledger.Page{Limit: s.cfg.DefaultPageSize}
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, badParam("limit", "must be a positive integer")
		}
		p.Limit = min(n, s.cfg.MaxPageSize)
	}
	if v := c.Query("cursor"); v != "" {
		cur, err := name("cursor", v, maxCursorLen)
		if err != nil {
			return p, err
		}
		p.Cursor = cur
	}
	return p, nil
}

// rawParam reads ?raw=, which asks for original bytes in the response.
func rawParam(c *gin.Context) (bool, error) {
	switch c.Query("raw") {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, badParam("raw", "must be 1, true, 0 or false")
}

// langParam reads ?lang=, the language of a response's messages: zh-CN
// (the default) or en.
func langParam(c *gin.Context) (string, error) {
	switch lang := c.DefaultQuery("lang", report.LangZH); lang {
	case report.LangZH, report.LangEN:
		return lang, nil
	}
	return "", badParam("lang", "must be zh-CN or en")
}

// findingFilter reads the finding filters from the query.
func findingFilter(c *gin.Context) (ledger.FindingFilter, error) {
	var f ledger.FindingFilter
	str := func(param string, dst *string) error {
		if v, ok := c.GetQuery(param); ok {
			s, err := name(param, v, maxAddrLen)
			if err != nil {
				return err
			}
			*dst = s
		}
		return nil
	}
	sev := func(param string, dst *ledger.Severity) error {
		if v, ok := c.GetQuery(param); ok {
			s := ledger.Severity(v)
			if s.Rank() < 0 {
				return badParam(param, "must be one of critical, high, medium, low, info")
			}
			*dst = s
		}
		return nil
	}
	when := func(param string, dst *time.Time) error {
		if v, ok := c.GetQuery(param); ok {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return badParam(param, "must be an RFC 3339 time")
			}
			*dst = t
		}
		return nil
	}
	var category, status string
	for _, err := range []error{
		str("chain", &f.Chain),
		str("rule", &f.Rule),
		str("org", &f.Org),
		str("subject", &f.Subject),
		str("category", &category),
		str("status", &status),
		sev("severity", &f.Severity),
		sev("min_severity", &f.MinSeverity),
		when("since", &f.Since),
		when("until", &f.Until),
	} {
		if err != nil {
			return f, err
		}
	}
	// A transaction id or hash in the 0x form the API shows EVM and FISCO
	// BCOS ids in names the subject stored without the prefix.
	if hasHexPrefix(f.Subject) {
		if id, err := parseTxID(f.Subject); err == nil {
			f.Subject = id
		}
	}
	if category != "" {
		f.Category = ledger.Category(category)
		if !knownCategory(f.Category) {
			return f, badParam("category", "must be one of crypto, integrity, node, consortium, contract")
		}
	}
	if status != "" {
		f.Status = ledger.Status(status)
		if !knownStatus(f.Status) {
			return f, badParam("status", "must be one of open, acknowledged, rectifying, resolved, accepted-risk, false-positive")
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return f, badParam("until", "is before since")
	}
	return f, nil
}

func knownCategory(c ledger.Category) bool {
	switch c {
	case ledger.CatCrypto, ledger.CatIntegrity, ledger.CatNode, ledger.CatConsortium, ledger.CatContract:
		return true
	}
	return false
}

func knownStatus(s ledger.Status) bool {
	switch s {
	case ledger.StatusOpen, ledger.StatusAcknowledged, ledger.StatusRectifying,
		ledger.StatusResolved, ledger.StatusAcceptedRisk, ledger.StatusFalsePositive:
		return true
	}
	return false
}
