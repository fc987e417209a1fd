// Package alert sends findings to webhooks. Hooks are chosen per minimum
// severity and org; the JSON payload is signed with HMAC-SHA256; delivery
// runs on its own goroutines from a bounded queue, retries with capped
// exponential backoff and is recorded. It never blocks the producer: a
// full queue drops (and records) the alert instead.
package alert
