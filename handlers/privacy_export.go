package handlers

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// exportReadme opens the data export: what each file holds, in Vietnamese and English.
const exportReadme = `Du lieu ca nhan cua ban tai Phan anh Long Xuyen (Luat 91/2025/QH15).
Your personal data held by Phan anh Long Xuyen (Law 91/2025/QH15).

manifest.json       what this archive holds / noi dung tep nay
account.json        your account / tai khoan
consents.json       your consent decisions, oldest first / cac quyet dinh dong y
devices.json        devices receiving notifications / thiet bi nhan thong bao
subscriptions.json  ward announcements you subscribed to / dang ky nhan tin theo phuong
notifications.json  notifications addressed to you / thong bao gui cho ban
reveals.json        every time an official saw your phone number / moi lan can bo xem so dien thoai cua ban
ratings.json        your ratings of resolved reports / danh gia cua ban
tickets/            every report you filed (your view, with history) or follow (public view)
media/              the photos and videos you attached to your reports
`

// exportFile is one entry of the manifest.
type exportFile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// exportManifest is manifest.json, written last so that it lists every file the archive holds.
type exportManifest struct {
	Format        string       `json:"format"`
	GeneratedAt   string       `json:"generated_at"`
	UserID        string       `json:"user_id"`
	NoticeVersion int          `json:"privacy_notice_version"`
	Files         []exportFile `json:"files"`
}

type exportAccount struct {
	ID          string      `json:"id"`
	Role        models.Role `json:"role"`
	Phone       string      `json:"phone"`
	DisplayName string      `json:"display_name,omitempty"`
	CreatedAt   string      `json:"created_at"`
}

type exportReveal struct {
	At       string      `json:"at"`
	TicketID string      `json:"ticket_id"`
	Role     models.Role `json:"official_role"`
	UnitID   string      `json:"unit_id,omitempty"`
}

type exportRating struct {
	TicketID string `json:"ticket_id"`
	Code     string `json:"code"`
	Rating   int    `json:"rating"`
	Comment  string `json:"comment,omitempty"`
}

type exportTicket struct {
	Relation string     `json:"relation"` // "filed" or "followed"
	Ticket   ticketBody `json:"ticket"`
}

type exportNotification struct {
	TicketID  string `json:"ticket_id"`
	Code      string `json:"code"`
	Event     string `json:"event"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	TitleEN   string `json:"title_en"`
	BodyEN    string `json:"body_en"`
	CreatedAt string `json:"created_at"`
	ReadAt    string `json:"read_at,omitempty"`
}

type exportDevice struct {
	Platform   models.Platform `json:"platform"`
	Locale     string          `json:"locale,omitempty"`
	AppVersion string          `json:"app_version,omitempty"`
	CreatedAt  string          `json:"created_at"`
	LastSeenAt string          `json:"last_seen_at"`
}

// exportZip writes the archive entries and remembers them for the manifest.
type exportZip struct {
	zw    *zip.Writer
	files []exportFile
	now   time.Time
}

func (z *exportZip) create(name, desc string) (io.Writer, error) {
	z.files = append(z.files, exportFile{Name: name, Description: desc})
	return z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.now})
}

func (z *exportZip) json(name, desc string, v any) error {
	w, err := z.create(name, desc)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// myData is GET /v1/me/data: a ZIP of everything held about the resident, streamed — tickets
// and media are read and written one at a time, so a large account is never in memory at once.
// What the archive holds is gathered before the answer starts, so a failure there is an error
// status; a failure while streaming truncates the archive (an unreadable ZIP) and is logged.
func (s *jsonAPI) myData(c *fiber.Ctx) error {
	p := principal(c)
	d, err := s.svc.Privacy.ExportData(c.UserContext(), p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="phananh-my-data.zip"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	releaseSlot := s.keepSlot(c)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), exportTimeout)
	reqID := c.Locals(localRequestID)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer releaseSlot()
		defer cancel()
		err := s.writeMyData(ctx, w, p, d)
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			s.log.Error("personal data export failed", "request_id", reqID, "error", err.Error())
		}
	})
	return nil
}

func (s *jsonAPI) writeMyData(ctx context.Context, w io.Writer, p models.Principal, d *app.DataExport) error {
	z := &exportZip{zw: zip.NewWriter(w), now: time.Now()}
	readme, err := z.create("README.txt", "what each file holds")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(readme, exportReadme); err != nil {
		return err
	}
	if err := s.writeMyRecords(z, d); err != nil {
		return err
	}
	ratings := []exportRating{}
	err = s.svc.Privacy.ExportTickets(ctx, p, func(td app.TicketDetail) error {
		t := td.Ticket
		rel := "followed"
		if td.Access == models.AccessReporter {
			rel = "filed"
			if t.Rating > 0 {
				ratings = append(ratings, exportRating{TicketID: t.ID, Code: t.Code, Rating: t.Rating, Comment: t.RatingComment})
			}
		}
		if err := z.json("tickets/"+t.ID+".json", rel+" "+t.Code, exportTicket{Relation: rel, Ticket: ticketView(t, s.svc.Tickets.Overdue(t))}); err != nil {
			return err
		}
		if rel != "filed" {
			return nil
		}
		return s.writeMyMedia(ctx, z, p, t)
	})
	if err != nil {
		return err
	}
	if err := z.json("ratings.json", "your ratings", ratings); err != nil {
		return err
	}
	m := exportManifest{Format: "phananh-personal-data/1", GeneratedAt: formatTime(z.now), UserID: d.User.ID,
		NoticeVersion: d.Notice.Version, Files: append(z.files, exportFile{Name: "manifest.json", Description: "this list"})}
	if err := z.json("manifest.json", "this list", m); err != nil {
		return err
	}
	return z.zw.Close()
}

// writeMyRecords writes the account and the records around it.
func (s *jsonAPI) writeMyRecords(z *exportZip, d *app.DataExport) error {
	u := d.User
	consents := make([]consentBody, 0, len(d.Consents))
	for _, r := range d.Consents {
		consents = append(consents, consentView(r))
	}
	devices := make([]exportDevice, 0, len(d.Devices))
	for _, dv := range d.Devices {
		devices = append(devices, exportDevice{Platform: dv.Platform, Locale: dv.Locale, AppVersion: dv.AppVersion,
			CreatedAt: formatTime(dv.CreatedAt), LastSeenAt: formatTime(dv.LastSeenAt)})
	}
	subs := make([]subscriptionResponse, 0, len(d.Subscriptions))
	for i := range d.Subscriptions {
		subs = append(subs, toSubscriptionResponse(&d.Subscriptions[i]))
	}
	notes := make([]exportNotification, 0, len(d.Notifications))
	for _, n := range d.Notifications {
		e := exportNotification{TicketID: n.TicketID, Code: n.Code, Event: n.Event, Title: n.Title, Body: n.Body,
			TitleEN: n.TitleEN, BodyEN: n.BodyEN, CreatedAt: formatTime(n.CreatedAt)}
		if !n.ReadAt.IsZero() {
			e.ReadAt = formatTime(n.ReadAt)
		}
		notes = append(notes, e)
	}
	reveals := make([]exportReveal, 0, len(d.Reveals))
	for _, r := range d.Reveals {
		reveals = append(reveals, exportReveal{At: formatTime(r.At), TicketID: r.TicketID, Role: r.Role, UnitID: r.UnitID})
	}
	for _, f := range []struct {
		name, desc string
		v          any
	}{
		{"account.json", "your account", exportAccount{ID: u.ID, Role: u.Role, Phone: u.Phone, DisplayName: u.DisplayName, CreatedAt: formatTime(u.CreatedAt)}},
		{"consents.json", "your consent decisions, oldest first", consents},
		{"devices.json", "devices receiving notifications", devices},
		{"subscriptions.json", "ward announcements you subscribed to", subs},
		{"notifications.json", "your notification inbox: everything a push told you", notes},
		{"reveals.json", "every reveal of your phone number to an official", reveals},
	} {
		if err := z.json(f.name, f.desc, f.v); err != nil {
			return err
		}
	}
	return nil
}

// writeMyMedia adds the originals of the media the resident attached to t.
func (s *jsonAPI) writeMyMedia(ctx context.Context, z *exportZip, p models.Principal, t *models.Ticket) error {
	for _, id := range t.Media {
		f, err := s.svc.Media.MediaFile(ctx, p, id, models.SizeOriginal)
		if models.IsCode(err, models.ENotFound) {
			continue
		} else if err != nil {
			return err
		}
		if f.Media.OwnerID != p.UserID {
			continue
		}
		ext := mediaExtension(f.ContentType)
		r, _, err := s.svc.Media.OpenMediaBlob(ctx, f.Key, 0)
		if err != nil {
			return err
		}
		w, err := z.create(fmt.Sprintf("media/%s/%s%s", t.ID, id, ext), "a file you attached to "+t.Code)
		if err == nil {
			_, err = io.Copy(w, r)
		}
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// mediaExtension names a stored media type's usual file extension, so the resident's files open
// with the right program (the system's MIME table differs between machines).
func mediaExtension(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "video/mp4":
		return ".mp4"
	case "video/quicktime":
		return ".mov"
	}
	if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}
