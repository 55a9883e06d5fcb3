package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Media routes. Request bodies are streamed (fiber.Config.StreamRequestBody): an upload
// goes from the socket through a hash into a temporary file and is never held in memory, and the
// global BodyLimit is enforced for every other route by limitBody.

// mediaTimeout bounds the work of one media request instead of RequestTimeout: a 50 MB video on
// a mobile network takes minutes, and the bytes already sent survive a drop (PATCH resumes).
const mediaTimeout = 10 * time.Minute

// multipartOverhead is what a multipart body may add around its file (boundaries, headers,
// small extra fields).
const multipartOverhead = 64 << 10

type mediaBody struct {
	ID          string `json:"id"`
	Kind        string `json:"kind" jsonschema:"enum=image,enum=video"`
	ContentType string `json:"content_type" jsonschema:"enum=image/jpeg,enum=image/png,enum=image/webp,enum=video/mp4,enum=video/quicktime"`
	Bytes       int64  `json:"bytes" jsonschema_description:"size of the file as uploaded"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	SHA256      string `json:"sha256" jsonschema_description:"hex SHA-256 of the file as uploaded; the same file uploaded again by the same user returns the same id"`
}

func mediaView(m *models.Media) mediaBody {
	return mediaBody{ID: m.ID, Kind: string(m.Kind), ContentType: m.ContentType, Bytes: m.Bytes, Width: m.Width, Height: m.Height, SHA256: m.SHA256}
}

type uploadBody struct {
	ID           string `json:"id"`
	UploadOffset int64  `json:"upload_offset"`
	UploadLength int64  `json:"upload_length"`
}

// mediaRequest gives a media handler its long deadline and extends the connection's read
// deadline (ReadTimeout) to match, and returns the request body as a stream.
func (s *jsonAPI) mediaRequest(c *fiber.Ctx) (context.Context, context.CancelFunc, io.Reader) {
	if conn := c.Context().Conn(); conn != nil {
		_ = conn.SetReadDeadline(time.Now().Add(mediaTimeout))
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), mediaTimeout)
	if r := c.Context().RequestBodyStream(); r != nil {
		return ctx, cancel, r
	}
	return ctx, cancel, bytes.NewReader(c.Body())
}

// closeOnError closes the connection after a refused upload: the rest of the body was not read,
// so the connection cannot carry another request. It closes lingering (Listener), so the answer
// is not lost to a reset.
func closeOnError(c *fiber.Ctx, err error) error {
	if err != nil {
		closeLingering(c)
	}
	return err
}

func (s *jsonAPI) maxUpload() int64 {
	cfg := s.svc.Media.MediaConfig()
	return max(cfg.MaxImageBytes, cfg.MaxVideoBytes)
}

// uploadMedia: POST /v1/media, multipart/form-data with the file in the field "file".
func (s *jsonAPI) uploadMedia(c *fiber.Ctx) (err error) {
	defer func() { err = closeOnError(c, err) }()
	ctx, cancel, body := s.mediaRequest(c)
	defer cancel()
	mt, params, perr := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if perr != nil || mt != fiber.MIMEMultipartForm || params["boundary"] == "" {
		return models.Errorf(models.EUnsupportedMedia, "send multipart/form-data with the file in the field \"file\" (or use resumable uploads: POST /v1/media/uploads)")
	}
	limit := s.maxUpload() + multipartOverhead
	if cl := c.Request().Header.ContentLength(); cl > 0 && int64(cl) > limit {
		return models.FieldError(models.ETooLarge, "file", "the body is %d bytes; a file may be at most %d MB", cl, s.maxUpload()>>20)
	}
	mr := multipart.NewReader(io.LimitReader(body, limit), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return models.FieldError(models.EInvalid, "file", "the form has no field named \"file\"")
		} else if err != nil {
			return models.WrapError(models.EInvalid, err, "malformed multipart body")
		}
		if part.FormName() != "file" {
			continue // NextPart discards what is left of it
		}
		m, created, err := s.svc.Media.UploadMedia(ctx, principal(c), part)
		if err != nil {
			return err
		}
		// Drain the end of the form (closing boundary) so the connection can be reused.
		if n, _ := io.Copy(io.Discard, io.LimitReader(body, multipartOverhead+1)); n > multipartOverhead {
			closeLingering(c)
		}
		c.Location("/v1/media/" + m.ID)
		status := fiber.StatusOK
		if created {
			status = fiber.StatusCreated
		}
		return c.Status(status).JSON(mediaView(m))
	}
}

// createUpload: POST /v1/media/uploads with Upload-Length starts a resumable upload.
func (s *jsonAPI) createUpload(c *fiber.Ctx) error {
	ctx, cancel, _ := s.mediaRequest(c)
	defer cancel()
	length, err := strconv.ParseInt(c.Get("Upload-Length"), 10, 64)
	if err != nil {
		return models.FieldError(models.EInvalid, "Upload-Length", "the Upload-Length header must give the file's size in bytes")
	}
	up, err := s.svc.Media.CreateUpload(ctx, principal(c), length)
	if err != nil {
		return err
	}
	setUploadHeaders(c, up)
	c.Location("/v1/media/" + up.ID)
	return c.Status(fiber.StatusCreated).JSON(uploadBody{ID: up.ID, UploadOffset: up.Offset, UploadLength: up.Length})
}

func setUploadHeaders(c *fiber.Ctx, up app.Upload) {
	c.Set("Tus-Resumable", "1.0.0")
	c.Set("Upload-Offset", strconv.FormatInt(up.Offset, 10))
	c.Set("Upload-Length", strconv.FormatInt(up.Length, 10))
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// patchUpload: PATCH /v1/media/{id} with Upload-Offset appends the body to a resumable upload;
// the PATCH that completes it answers with the stored media.
func (s *jsonAPI) patchUpload(c *fiber.Ctx) (err error) {
	defer func() { err = closeOnError(c, err) }()
	ctx, cancel, body := s.mediaRequest(c)
	defer cancel()
	if mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); mt != "application/offset+octet-stream" && mt != fiber.MIMEOctetStream {
		return models.Errorf(models.EUnsupportedMedia, "send the bytes as application/offset+octet-stream")
	}
	offset, perr := strconv.ParseInt(c.Get("Upload-Offset"), 10, 64)
	if perr != nil || offset < 0 {
		return models.FieldError(models.EInvalid, "Upload-Offset", "the Upload-Offset header must give the byte offset the body starts at")
	}
	up, m, err := s.svc.Media.AppendUpload(ctx, principal(c), c.Params("id"), offset, body)
	if up.ID != "" {
		setUploadHeaders(c, up)
	}
	if err != nil {
		return err
	}
	if m == nil {
		return c.SendStatus(fiber.StatusNoContent)
	}
	c.Location("/v1/media/" + m.ID)
	return c.Status(fiber.StatusCreated).JSON(mediaView(m))
}

// optionalPrincipal authenticates a bearer token when one is sent; without one the caller is
// anonymous (public images). A bad token is still 401.
func (s *jsonAPI) optionalPrincipal(c *fiber.Ctx) (models.Principal, error) {
	auth := c.Get(fiber.HeaderAuthorization)
	if auth == "" {
		return models.Principal{}, nil
	}
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		return models.Principal{}, models.Errorf(models.EUnauthorized, "Authorization must be a bearer token")
	}
	return s.svc.Auth.Authenticate(c.UserContext(), token)
}

// getMedia: GET /v1/media/{id}[?size=thumb|large] sends the file under the ticket's read
// policy, with ETag, Cache-Control and single byte ranges; for a resumable upload in progress it
// answers its offset (tus HEAD).
func (s *jsonAPI) getMedia(c *fiber.Ctx) error {
	p, err := s.optionalPrincipal(c)
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="phananh", error="invalid_token"`)
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), mediaTimeout)
	id, size := c.Params("id"), c.Query("size")
	f, err := s.svc.Media.MediaFile(ctx, p, id, size)
	if models.IsCode(err, models.ENotFound) && size == "" {
		if up, uerr := s.svc.Media.UploadStatus(p, id); uerr == nil {
			cancel()
			setUploadHeaders(c, up)
			return c.JSON(uploadBody{ID: up.ID, UploadOffset: up.Offset, UploadLength: up.Length})
		}
	}
	if err != nil {
		cancel()
		return err
	}
	etag := `"` + f.Key + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderVary, fiber.HeaderAuthorization)
	// Images of public tickets may be cached by anyone; the rest of the media is a ticket's
	// data, which no cache keeps (securityHeaders, which also sets nosniff).
	if f.Public {
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && (inm == etag || inm == "*" || strings.Contains(inm, etag)) {
		cancel()
		return c.SendStatus(fiber.StatusNotModified)
	}
	r, total, err := s.svc.Media.OpenMediaBlob(ctx, f.Key, 0)
	if err != nil {
		cancel()
		return err
	}
	if c.Method() == fiber.MethodHead {
		r.Close()
		cancel()
		c.Set(fiber.HeaderContentType, f.ContentType)
		c.Response().Header.SetContentLength(int(total))
		return nil
	}
	start, end, partial, ok := parseRange(c.Get(fiber.HeaderRange), total)
	if c.Get(fiber.HeaderIfRange) != "" && c.Get(fiber.HeaderIfRange) != etag {
		partial, ok = false, true // the client's copy is stale: send it whole
	}
	if !ok {
		r.Close()
		cancel()
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", total))
		return c.Status(fiber.StatusRequestedRangeNotSatisfiable).JSON(errorBody{errorDetail{Code: models.EInvalid,
			Message: fmt.Sprintf("the range is outside the file of %d bytes", total), Field: "Range", RequestID: requestIDOf(c)}})
	}
	if !partial {
		start, end = 0, total-1
	} else if start > 0 {
		r.Close()
		if r, _, err = s.svc.Media.OpenMediaBlob(ctx, f.Key, start); err != nil {
			cancel()
			return err
		}
		c.Status(fiber.StatusPartialContent)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", start, end, total))
	} else {
		c.Status(fiber.StatusPartialContent)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", start, end, total))
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	n := end - start + 1
	// fasthttp sends the stream after the handler returns and then closes it, which ends the
	// read's context too.
	c.Context().SetBodyStream(&limitedCloser{Reader: io.LimitReader(r, n), c: r, cancel: cancel}, int(n))
	return nil
}

type limitedCloser struct {
	io.Reader
	c      io.Closer
	cancel context.CancelFunc
}

func (l *limitedCloser) Close() error {
	err := l.c.Close()
	l.cancel()
	return err
}

// parseRange reads a single "bytes=" range of a file of size bytes. partial is false when the
// header is absent or not one byte range (the whole file is sent, as RFC 9110 allows); ok is
// false for a range that cannot be satisfied (416).
func parseRange(h string, size int64) (start, end int64, partial, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, true
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, true
	}
	var err error
	switch {
	case first == "": // the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false, true
		}
		return max(size-n, 0), size - 1, true, size > 0
	default:
		if start, err = strconv.ParseInt(first, 10, 64); err != nil || start < 0 {
			return 0, 0, false, true
		}
		end = size - 1
		if last != "" {
			if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
				return 0, 0, false, true
			}
			end = min(end, size-1)
		}
		if start >= size {
			return 0, 0, false, false
		}
		return start, end, true, true
	}
}

// limitBody enforces Config.BodyLimit on every route but the media uploads. The server streams
// request bodies (so that uploads are never buffered), which means fasthttp no longer applies
// BodyLimit itself: this reads at most BodyLimit+1 bytes and hands the handlers the body as
// before.
func (s *Server) limitBody(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/v1/media") {
		err := c.Next()
		if err != nil && c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			// Refused before the handler read the upload (401, 429 …): the unread body makes
			// the connection unusable for another request.
			closeLingering(c)
		}
		return err
	}
	stream := c.Context().RequestBodyStream()
	if stream == nil {
		return c.Next()
	}
	tooLarge := fiber.NewError(fiber.StatusRequestEntityTooLarge)
	if cl := c.Request().Header.ContentLength(); cl > s.cfg.BodyLimit {
		closeLingering(c)
		return tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(stream, int64(s.cfg.BodyLimit)+1))
	if err != nil {
		closeLingering(c)
		return models.WrapError(models.EInvalid, err, "the request body could not be read")
	}
	if len(data) > s.cfg.BodyLimit {
		closeLingering(c)
		return tooLarge
	}
	c.Request().SetBodyRaw(data)
	return c.Next()
}
