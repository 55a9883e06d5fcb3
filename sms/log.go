// Package sms holds the drivers of the app's SMS sender (app.SMSSender): a logging driver for
// development and a generic HTTP webhook driver for SMS gateways. It does not import app; the
// drivers satisfy the interface by their Send method, and cmd/phananh picks one from the
// configuration.
//
// Errors are *models.Error: a gateway that is down, slow or answering 5xx/429 is
// models.EUnavailable (worth retrying later); a gateway that refuses the request (other 4xx) is
// models.EInternal, because that means a misconfiguration rather than a user mistake. A
// cancelled or expired context keeps context.Canceled or context.DeadlineExceeded in the chain.
// Neither driver retries: after a timeout the gateway may still deliver the message, and whether
// a second copy of a sign-in code is acceptable is the caller's decision.
package sms

import (
	"context"
	"log/slog"

	"phananh/models"
)

// Log is the development driver: instead of sending, it writes every message, full text
// included, to a structured log, so a developer can sign in with the one-time code without an SMS
// gateway. Never use it in production: the log would then hold every sign-in code.
type Log struct {
	logger *slog.Logger
}

// NewLog returns a Log driver writing to logger (slog.Default() when nil).
func NewLog(logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{logger: logger}
}

// Send writes one log line "sms" with the attributes phone and text. Like a real driver it
// refuses an empty phone number and a context that is already done, so development behaves as
// production does.
func (l *Log) Send(ctx context.Context, phone, text string) error {
	if phone == "" {
		return models.FieldError(models.EInvalid, "phone", "phone number is required")
	}
	if err := ctx.Err(); err != nil {
		return models.WrapError(models.EUnavailable, err, "sms not sent")
	}
	l.logger.LogAttrs(ctx, slog.LevelInfo, "sms", slog.String("phone", phone), slog.String("text", text))
	return nil
}
