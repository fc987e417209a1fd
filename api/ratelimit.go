package api

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// limiter keeps one token bucket (golang.org/x/time/rate) per key: a
// token holder, or the address of a client without a valid token. It
// tracks at most max keys, so a flood from many addresses cannot grow
// it: when full it drops idle buckets (full again, so forgetting them
// changes nothing), and while every tracked bucket is busy new keys
// share one overflow bucket.
type limiter struct {
	limit rate.Limit
	burst int
	max   int
	now   func() time.Time

	mu       sync.Mutex
	buckets  map[string]*rate.Limiter
	overflow *rate.Limiter
	sweep    time.Time
}

// newLimiter allows perSec requests a second per key with bursts up to
// burst, for at most maxKeys keys. A negative rate returns nil, which
// allows everything.
func newLimiter(perSec float64, burst, maxKeys int) *limiter {
	if perSec < 0 {
		return nil
	}
	return &limiter{
		limit: rate.Limit(perSec), burst: burst, max: maxKeys, now: time.Now,
		buckets:  map[string]*rate.Limiter{},
		overflow: rate.NewLimiter(rate.Limit(perSec), burst),
	}
}

// allow takes one token from key's bucket. When the bucket is empty it
// returns false and how long until it holds a token again.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.now()
	b := l.bucket(key, now)
	if b.AllowN(now, 1) {
		return true, 0
	}
	if l.limit <= 0 {
		return false, time.Minute
	}
	wait := (1 - b.TokensAt(now)) / float64(l.limit)
	return false, time.Duration(math.Ceil(wait * float64(time.Second)))
}

// bucket returns key's bucket, making one if there is room.
func (l *limiter) bucket(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		return b
	}
	// Sweep once a minute, and at most once a second while full.
	if d := now.Sub(l.sweep); d > time.Minute || (len(l.buckets) >= l.max && d > time.Second) {
		l.sweep = now
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
	}
	if len(l.buckets) >= l.max {
		return l.overflow
	}
	b := rate.NewLimiter(l.limit, l.burst)
	l.buckets[key] = b
	return b
}

// size returns the number of tracked keys.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// clientKey names the client of a request for the per-address limiter
// and the refusal summary: its IPv4 address, or the /64 network of its
// IPv6 address, since one host is usually given a whole /64. Forwarded
// headers are not trusted (see engine), so this is the peer address.
func clientKey(c *gin.Context) string {
	ip := c.ClientIP()
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64) // cannot fail for an IPv6 address
		return p.String()
	}
	return a.String()
}
