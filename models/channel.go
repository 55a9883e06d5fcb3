package models

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Channel is how a report reached the city. The resident app is the default; the other channels
// are reports an official took down (a phone call to the hotline, a visit to the ward office, a
// Zalo or e-mail message) and filed on the resident's behalf, and Open311 requests from partner
// systems. The IOC counts reports by channel to see where residents turn.
type Channel string

// The channels of a report.
const (
	ChannelApp     Channel = "app"     // the resident app (every report filed before channels existed)
	ChannelWeb     Channel = "web"     // a resident's own report through a web page
	ChannelHotline Channel = "hotline" // a phone call to the city's hotline
	ChannelWalkIn  Channel = "walk_in" // a visit to a ward office
	ChannelZalo    Channel = "zalo"    // a message to the city's Zalo account
	ChannelEmail   Channel = "email"   // an e-mail
	ChannelOpen311 Channel = "open311" // a POST of the Open311 GeoReport v2 interface
	ChannelOther   Channel = "other"   // any other way an official heard of the problem
)

// Channels lists every channel, in a stable order for validation messages, statistics and
// forms.
var Channels = []Channel{ChannelApp, ChannelWeb, ChannelHotline, ChannelWalkIn, ChannelZalo, ChannelEmail,
	ChannelOpen311, ChannelOther}

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool {
	for _, x := range Channels {
		if c == x {
			return true
		}
	}
	return false
}

// ChannelList joins channels for messages and the Arg of a bad_enum problem: "app, web".
func ChannelList(cs []Channel) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return strings.Join(out, ", ")
}

// OnBehalfChannels are the channels an official files a report on a resident's behalf under
// (Channel.OnBehalfChannel).
var OnBehalfChannels = []Channel{ChannelHotline, ChannelWalkIn, ChannelZalo, ChannelEmail, ChannelOther}

// OrApp is c, or ChannelApp when c is empty: tickets and facts stored before channels existed
// carry none, and all of them came through the resident app.
func (c Channel) OrApp() Channel {
	if c == "" {
		return ChannelApp
	}
	return c
}

// ResidentChannel reports whether a resident may name c for their own report: the app or the
// web. The other channels are an official's record of how they heard of the problem.
func (c Channel) ResidentChannel() bool { return c == ChannelApp || c == ChannelWeb }

// OnBehalfChannel reports whether an official may file a report on a resident's behalf under c:
// any channel but the resident's own (app, web) and Open311's, which only those routes record.
func (c Channel) OnBehalfChannel() bool {
	return c.Valid() && !c.ResidentChannel() && c != ChannelOpen311
}

// OnBehalf is who an official filed a report for: the resident's phone and name as the
// resident gave them, both optional (an anonymous walk-in gives neither).
type OnBehalf struct {
	Phone string
	Name  string
}

// Check checks what an official filing on a resident's behalf sends besides the report: the
// channel it came through (required, one of OnBehalfChannels), the resident's phone (optional, a
// Vietnamese mobile number) and name (optional, needs the phone: it is kept on the resident's
// account). It names every problem at once and returns the phone in E.164 ("" when not given)
// and the trimmed name.
func (w OnBehalf) Check(channel Channel) (phone, name string, err error) {
	var errs Errors
	allowed := ChannelList(OnBehalfChannels)
	switch {
	case channel == "":
		errs = append(errs, Problem("channel", ProblemRequired, allowed, "channel is required: how the report came (%s)", allowed))
	case !channel.OnBehalfChannel():
		errs = append(errs, Problem("channel", ProblemBadEnum, allowed, "an official files a report under channel %s", allowed))
	}
	if strings.TrimSpace(w.Phone) != "" {
		p, perr := NormalizePhone(w.Phone)
		if perr != nil {
			errs = append(errs, Problem("on_behalf.phone", ProblemMalformed, "", "on_behalf.phone must be a Vietnamese mobile number such as 0912345678"))
		}
		phone = p
	}
	name = strings.TrimSpace(w.Name)
	switch {
	case name == "":
	case strings.TrimSpace(w.Phone) == "":
		errs = append(errs, Problem("on_behalf.phone", ProblemRequired, "", "on_behalf.name needs on_behalf.phone: the name is kept on the resident's account"))
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		errs = append(errs, Problem("on_behalf.name", ProblemMalformed, "", "on_behalf.name must be text without control characters"))
	case utf8.RuneCountInString(name) > MaxDisplayNameRunes:
		errs = append(errs, Problem("on_behalf.name", ProblemTooLong, strconv.Itoa(MaxDisplayNameRunes), "on_behalf.name is longer than %d characters", MaxDisplayNameRunes))
	}
	return phone, name, errs.Err()
}
