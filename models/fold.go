package models

import "strings"

// foldGroups are the Vietnamese letters by the plain letter they fold to, the plain one first:
// every tone mark and the breve, circumflex and horn, and đ.
const foldGroups = "aàáảãạăằắẳẵặâầấẩẫậ|eèéẻẽẹêềếểễệ|iìíỉĩị|oòóỏõọôồốổỗộơờớởỡợ|uùúủũụưừứửữự|yỳýỷỹỵ|dđ"

// FoldText lowers s and takes the Vietnamese diacritics off its letters (đ becomes d), so that
// a search typed without accents or on a phone keyboard that drops them — "duong le loi" —
// finds "Đường Lê Lợi". Searches compare folded text with folded text.
func FoldText(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0x80 {
			for g := range strings.SplitSeq(foldGroups, "|") {
				if strings.ContainsRune(g, r) {
					r = rune(g[0])
					break
				}
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FoldVariants lists the lower-case letters that FoldText turns into the plain letter r, r
// first ("aàá…" for 'a'), or only r when nothing folds to it: a store without the fold as a
// function matches a folded search with a character class per letter.
func FoldVariants(r rune) string {
	for g := range strings.SplitSeq(foldGroups, "|") {
		if rune(g[0]) == r {
			return g
		}
	}
	return string(r)
}
