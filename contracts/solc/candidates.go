package solc

import (
	"errors"
	"regexp"
	"slices"
)

// MaxAttempts bounds how many compiler versions Compile tries for one unit
// before it gives up. One per 0.MINOR series from 0.4 to 0.8 fits.
const MaxAttempts = 5

// Candidates returns the releases to try, in order, for a unit whose
// pragmas require want. The order depends only on want and on the known
// releases (Releases), never on what is installed:
//
//   - a pragma that pins one version (`0.8.26`, `=0.4.24`) yields just it,
//     known release or not;
//   - otherwise every 0.MINOR series with a matching release contributes
//     its newest matching patch, oldest series first, at most MaxAttempts.
//
// The oldest series comes first because an open pragma (`>=0.5.0`,
// `^0.4.11`) states the oldest compiler the author wrote the code for, and
// each later series removed syntax (0.5 removed `var` and `throw`, 0.6
// requires `virtual`/`override`, 0.8 removed `now`), so the newest release
// rejects much old code written for it. Within a series later patches only
// add features and fix bugs, so its newest patch compiles the most.
// Code written for a later series fails on an older one with a parse or
// type error, and Compile then moves on to the next candidate.
func Candidates(want Constraint) []Version {
	return candidates(want, Releases())
}

// candidates is Candidates over a given list of known releases, in any
// order.
func candidates(want Constraint, known []Version) []Version {
	if v, ok := want.Exact(); ok {
		return []Version{v}
	}
	newest := map[[2]int]Version{} // newest matching patch per series
	for _, r := range known {
		k := [2]int{r.Major, r.Minor}
		if best, ok := newest[k]; want.Match(r) && (!ok || r.Compare(best) > 0) {
			newest[k] = r
		}
	}
	out := make([]Version, 0, len(newest))
	for _, v := range newest {
		out = append(out, v)
	}
	slices.SortFunc(out, Version.Compare)
	return out[:min(len(out), MaxAttempts)]
}

// mismatchPattern matches compiler errors that a different compiler
// version may not raise: syntax it does not know or no longer accepts,
// names it lacks or renamed, type rules it changed, and the pragma check
// itself.
var mismatchPattern = regexp.MustCompile(`ParserError|SyntaxError|DeclarationError|TypeError|requires different compiler version`)

// retryable reports whether err, from compiling with one version, is worth
// trying the next candidate for: compile errors that suggest a version
// mismatch, and a compiler process that failed outright.
func retryable(err error) bool {
	if errors.Is(err, ErrCompile) {
		return mismatchPattern.MatchString(err.Error())
	}
	return errors.Is(err, ErrRun)
}
