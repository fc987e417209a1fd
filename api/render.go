package api

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/supervise"
)

// handler is the shape of every route: bind input, make one domain call,
// return the response value or an error.
type handler func(c *gin.Context) (any, error)

// Error codes, stable across versions.
const (
	codeBadRequest       = "bad_request"
	codeUnauthenticated  = "unauthenticated"
	codeForbidden        = "forbidden"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeTimeout          = "timeout"
	codeConflict         = "conflict"
	codeTooLarge         = "too_large"
	codeRateLimited      = "rate_limited"
	codeUnavailable      = "unavailable"
	codeInternal         = "internal"
)

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail names an error by a stable code and explains it.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// wrap turns a route into a gin handler: it authorises the caller, runs
// the handler and renders its result. It is the only place that writes
// responses for routes. A mutating request gets its own audit entry,
// unless it was refused before authentication succeeded or over its
// rate limit: those are counted per client (refuse).
func (s *Server) wrap(rt route) gin.HandlerFunc {
	mutating := rt.Method != http.MethodGet && rt.Method != http.MethodHead
	return func(c *gin.Context) {
		if err := s.authorize(c, rt.Permission); err != nil {
			s.fail(c, err)
			var rf *refusal
			if mutating && !errors.As(err, &rf) {
				s.auditRequest(c, rt)
			}
			return
		}
		if mutating {
			defer func() {
				if v := recover(); v != nil {
					s.auditAction(c, rt, "500 panic")
					panic(v) // for the recovery middleware
				}
				s.auditRequest(c, rt)
			}()
		}
		v, err := rt.handle(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		switch r := v.(type) {
		case rawBody:
			if r.filename != "" {
				c.Header("Content-Disposition", `attachment; filename="`+r.filename+`"`)
			}
			c.Data(http.StatusOK, r.contentType, r.body)
		case http.Handler:
			r.ServeHTTP(c.Writer, c.Request)
		default:
			c.JSON(http.StatusOK, v)
		}
	}
}

// rawBody is a handler result rendered as is (reports, CSV).
type rawBody struct {
	contentType string
	filename    string
	body        []byte
}

// authorize checks the caller against the route's permission when an
// Authenticator is configured, and stores the principal in the request
// context. A request without a valid token then takes from its client
// address's bucket and is answered 429 once that is empty; the token is
// checked first, so valid tokens from an address that keeps failing are
// limited only by their own bucket. A principal's bucket is checked
// before its permission, so its forbidden requests are rate limited too.
func (s *Server) authorize(c *gin.Context, perm Permission) error {
	if s.auth == nil || perm == "" {
		return nil
	}
	ctx := c.Request.Context()
	p, err := s.auth.Authenticate(ctx, c.Request)
	if err == nil && p == nil {
		err = ErrUnauthenticated
	}
	if errors.Is(err, ErrUnauthenticated) {
		ok, retry := s.unauth.allow(clientKey(c))
		s.refuse(c, nil, !ok)
		if !ok {
			return &refusal{err: ErrRateLimited, retry: retry}
		}
		return &refusal{err: err}
	}
	if err != nil {
		return err
	}
	if ok, retry := s.limit.allow(p.Name()); !ok {
		s.refuse(c, p, true)
		return &refusal{err: ErrRateLimited, retry: retry}
	}
	c.Request = c.Request.WithContext(withPrincipal(ctx, p))
	if !p.Allowed(perm) {
		return ErrForbidden
	}
	return nil
}

// fail renders err as an error response; it logs errors that are the
// server's fault.
func (s *Server) fail(c *gin.Context, err error) {
	status, code, msg := classify(err)
	if status >= http.StatusInternalServerError {
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "request failed",
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Any("err", err))
	}
	var rf *refusal
	if errors.As(err, &rf) && rf.retry > 0 {
		c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(rf.retry.Seconds())))))
	}
	c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
}

// classify maps an error to its status code, stable code and the message
// shown to the client. This is the one place where errors become statuses.
func classify(err error) (status int, code, msg string) {
	var (
		pe *ParamError
		ce *conflictError
		uc *unknownChainError
	)
	switch {
	case errors.Is(err, errNotReady):
		return http.StatusServiceUnavailable, codeUnavailable, "index not ready"
	case errors.As(err, &pe):
		return http.StatusBadRequest, codeBadRequest, pe.Error()
	case errors.Is(err, ledger.ErrInvalid):
		return http.StatusBadRequest, codeBadRequest, "invalid request parameters"
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized, codeUnauthenticated, "authentication required"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, codeForbidden, "permission denied"
	case errors.Is(err, ErrRateLimited):
		return http.StatusTooManyRequests, codeRateLimited, "too many requests"
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge, codeTooLarge, "request body too large"
	case errors.As(err, &ce):
		return http.StatusConflict, codeConflict, ce.Error()
	case errors.As(err, &uc):
		return http.StatusNotFound, codeNotFound, uc.Error()
	case errors.Is(err, supervise.ErrTransition):
		// Transition errors name only statuses and roles.
		return http.StatusConflict, codeConflict, err.Error()
	case errors.Is(err, report.ErrOptions):
		return http.StatusBadRequest, codeBadRequest, "invalid report parameters"
	case errors.Is(err, report.ErrTooMany):
		return http.StatusBadRequest, codeBadRequest, "too many findings for one report; narrow it by chain, org or time"
	case errors.Is(err, errAuditCheckpoints):
		return http.StatusInternalServerError, codeInternal, "the external audit log checkpoint file cannot be read; see the server log"
	case errors.Is(err, errNoSupervisor):
		return http.StatusServiceUnavailable, codeUnavailable, "service unavailable"
	case errors.Is(err, ledger.ErrNotFound), errors.Is(err, ledger.ErrUnknownChain):
		return http.StatusNotFound, codeNotFound, "resource not found"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, codeTimeout, "request timed out"
	case errors.Is(err, context.Canceled), errors.Is(err, ledger.ErrClosed):
		return http.StatusServiceUnavailable, codeUnavailable, "service unavailable"
	}
	return http.StatusInternalServerError, codeInternal, "internal error"
}

// noRoute answers paths that match no route.
func (s *Server) noRoute(c *gin.Context) {
	c.AbortWithStatusJSON(http.StatusNotFound, ErrorBody{Error: ErrorDetail{
		Code: codeNotFound, Message: "no such route",
	}})
}

// noMethod answers known paths asked with the wrong method.
func (s *Server) noMethod(c *gin.Context) {
	c.AbortWithStatusJSON(http.StatusMethodNotAllowed, ErrorBody{Error: ErrorDetail{
		Code: codeMethodNotAllowed, Message: "method not allowed",
	}})
}

// recovery turns a panic in a handler into a generic 500 and logs it with
// its stack. http.ErrAbortHandler is re-raised, as net/http expects.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(v)
		}
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "handler panic",
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Any("panic", v),
			slog.String("stack", string(debug.Stack())))
		if c.Writer.Written() {
			c.Abort()
			return
		}
		c.AbortWithStatusJSON(http.StatusInternalServerError, ErrorBody{Error: ErrorDetail{
			Code: codeInternal, Message: "internal error",
		}})
	}()
	c.Next()
}

// timeout gives every request context the configured deadline.
func (s *Server) timeout(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// logRequests logs one line per request after it is served.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.String("route", c.FullPath()),
		slog.Int("status", c.Writer.Status()),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
		slog.Duration("duration", time.Since(start)),
		slog.String("remote", c.ClientIP()),
	}
	if p, ok := PrincipalFrom(c.Request.Context()); ok {
		attrs = append(attrs, slog.String("principal", p.Name()))
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "http request", attrs...)
}
