package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// limitBody caps every request body at the configured size.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	}
	c.Next()
}

// bindJSON decodes a JSON request body into v, refusing unknown fields,
// trailing data and bodies over the limit.
func bindJSON(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "application/json" {
		return badParam("body", "must be application/json")
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		if _, rerr := dec.Token(); !errors.Is(rerr, io.EOF) {
			err = errors.New("trailing data")
		}
	}
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe):
		return ErrTooLarge
	case errors.Is(err, io.EOF):
		return badParam("body", "must not be empty")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return badParam("body", "has an unknown field")
	}
	return badParam("body", "is not a valid JSON object of the expected shape")
}
