package plugin

import (
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// A bounded defence against expensive forged tokens (x_failed_verification_budget).
//
// A forged token is refused only after a full signature check, and some checks are expensive
// in a Wasm VM: ES512 (P-521) about 40 ms, ES384 (P-384) about 3.4 ms (BENCHMARKS.md), so
// some 25 forged ES512 tokens a second keep a worker busy. Each VM therefore keeps a budget:
// the cost of the failed verifications of those algorithms is added up over a window (by
// default 100 ms per second, a tenth of the worker), and once it is spent, tokens of those
// algorithms that are not in the JWT cache are refused at once ("Jwt verification fails",
// counted in failed_verification_budget_refused) until the window ends. Valid tokens already
// verified (cached) still pass; other algorithms are not affected.
//
// The cost is the figure measured for the algorithm, not a clock reading: proxy-wasm has no
// CPU clock, a wall clock measures whatever else the worker did meanwhile, and a fixed cost
// keeps the defence the same on every host (and testable).
//
// Trade-off: while the budget is spent, a valid ES384/ES512 token not verified before is
// refused too (its client sees 401 for at most one window). The budget is per VM, so a flood
// spread over several workers meets each worker's budget.

const (
	defaultBudgetMaxCost = 100 * time.Millisecond
	defaultBudgetWindow  = time.Second
)

// verifyCost is what one signature check of alg is taken to cost; 0 for algorithms too cheap
// to be worth forging in a flood.
func verifyCost(alg verifier.Algorithm) time.Duration {
	switch alg {
	case verifier.ES512:
		return 40 * time.Millisecond
	case verifier.ES384:
		return 3400 * time.Microsecond
	}
	return 0
}

// verifyBudget is one VM's budget. The VM is single-threaded; the budget lives in its
// filterConfig, so a new configuration starts a new one.
type verifyBudget struct {
	maxCost, window time.Duration
	start           time.Time     // the current window's start
	spent           time.Duration // cost of the failed expensive verifications in it
}

// roll starts a new window when the current one is over.
func (b *verifyBudget) roll(now time.Time) {
	if now.Sub(b.start) >= b.window || now.Before(b.start) {
		b.start, b.spent = now, 0
	}
}

// exhausted reports whether a token of alg must be refused without verifying it.
func (b *verifyBudget) exhausted(alg verifier.Algorithm, now time.Time) bool {
	if b == nil || verifyCost(alg) == 0 {
		return false
	}
	b.roll(now)
	return b.spent >= b.maxCost
}

// charge adds a failed verification of alg; it reports whether that spent the budget.
func (b *verifyBudget) charge(alg verifier.Algorithm, now time.Time) bool {
	cost := verifyCost(alg)
	if b == nil || cost == 0 {
		return false
	}
	b.roll(now)
	before := b.spent
	b.spent += cost
	return before < b.maxCost && b.spent >= b.maxCost
}
