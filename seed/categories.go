package seed

import "phananh/models"

// City-level unit kinds used by the default catalog. The ward-level kinds (ubnd, cong_an, vhxh)
// and the IOC live in models; these exist once per city because the organisations behind them
// (utilities, provincial departments) are not organised by ward, so a category naming one of them
// is CityLevel and routes straight to the city unit instead of the routed ward.
const (
	UnitChieuSang models.UnitKind = "chieu_sang" // public street lighting
	UnitDienLuc   models.UnitKind = "dien_luc"   // power distribution company
	UnitCapNuoc   models.UnitKind = "cap_nuoc"   // water supply company
	UnitVienThong models.UnitKind = "vien_thong" // telecom infrastructure (cables on poles)
	UnitVanTai    models.UnitKind = "van_tai"    // public passenger transport
)

// Deadline classes. Every category of the catalog gets exactly one of them, so the rule lives
// here and not in forty literals (sources: the city's category list and its deadline classes):
//
//   - ongoing — urgent danger that is happening now and at any hour (disorder, racing, theft,
//     night noise, fire, violence against family members or children, fallen trees, disasters):
//     triage within 1 clock hour, resolve within 3 clock hours ("ongoing disorder: 3 clock
//     hours"). Working time would be wrong here: a fight at 23:00 on a Friday cannot be due on
//     Monday morning.
//   - urgent — urgent, but the response is office work of a ward office or a health station
//     (child-protection case work, emergency relief, epidemic response): triage within 1 clock
//     hour, resolve within 4 working hours (iHanoi "khẩn").
//   - routine — triage (acknowledge) within 8 working hours (iHanoi), resolve within 3 working
//     days (Đà Nẵng Góp ý). HCM 1022 allows up to 5 working days for infrastructure; we keep the
//     stricter default and let administrators relax it per category.
//   - order — construction, urban order and land: triage within 8 working hours, resolve within
//     7 working days, because they need an inspection and often a written decision.
//
// Urgent classes also carry an emergency number the app shows before the form (113 police,
// 114 fire and rescue, 115 ambulance, 111 the national child-protection hotline).

// ongoing applies the class of urgent matters that happen now and at any hour.
func ongoing(c models.Category, emergency string) models.Category {
	c.Priority = models.PriorityUrgent
	c.TriageSLA = models.SLA{Value: 1, Unit: models.ClockHours}
	c.ResolveSLA = models.SLA{Value: 3, Unit: models.ClockHours}
	c.Emergency = emergency
	c.Active = true
	return c
}

// urgent applies the class of urgent matters handled as office work (iHanoi "khẩn").
func urgent(c models.Category, emergency string) models.Category {
	c.Priority = models.PriorityUrgent
	c.TriageSLA = models.SLA{Value: 1, Unit: models.ClockHours}
	c.ResolveSLA = models.SLA{Value: 4, Unit: models.WorkingHours}
	c.Emergency = emergency
	c.Active = true
	return c
}

// routine applies the default class (Đà Nẵng: 3 working days).
func routine(c models.Category) models.Category {
	c.Priority = models.PriorityNormal
	c.TriageSLA = models.SLA{Value: 8, Unit: models.WorkingHours}
	c.ResolveSLA = models.SLA{Value: 3, Unit: models.WorkingDays}
	c.Active = true
	return c
}

// order applies the class of construction, urban order and land (7 working days).
func order(c models.Category) models.Category {
	c.Priority = models.PriorityNormal
	c.TriageSLA = models.SLA{Value: 8, Unit: models.WorkingHours}
	c.ResolveSLA = models.SLA{Value: 7, Unit: models.WorkingDays}
	c.Active = true
	return c
}

// Categories returns the default catalog a fresh deployment starts with: the taxonomy proposed in
// The city's category list — security and order (ANTT, handled by the ward police), social welfare
// (ASXH, the ward culture–social office), and urban and other matters (the ward People's
// Committee, or a city-level utility where the ward has no say). ANTT and ASXH reports are
// private by default: they name neighbours, victims and families.
//
// The slice is built on each call, so callers may modify it (an administrator's edits, tests)
// without affecting anyone else. Codes, Vietnamese names and ward units follow categories.md;
// descriptions, attributes and the deadline class of each category are this catalog's choices.
func Categories() []models.Category {
	cats := []models.Category{
		// (1) An ninh trật tự — the ward police (Công an phường).
		ongoing(models.Category{
			Code: "ANTT.01", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Gây rối trật tự công cộng, đánh nhau, tụ tập đông người",
			NameEN:      "Public disorder, brawls, crowds",
			Description: "Đánh nhau, gây rối, tụ tập đông người gây mất trật tự đang diễn ra. Có người bị đe dọa tính mạng: gọi ngay 113.",
		}, "113"),
		ongoing(models.Category{
			Code: "ANTT.02", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Đua xe trái phép, lạng lách, đánh võng, nẹt pô",
			NameEN:      "Illegal street racing and reckless riding",
			Description: "Nhóm xe tụ tập đua xe, lạng lách, đánh võng, nẹt pô trên đường. Ghi rõ tuyến đường và khung giờ thường xảy ra.",
			Attributes: []models.Attribute{
				{
					Code: "time_of_day", Datatype: "singlevaluelist", Required: false,
					Description: "Thường xảy ra vào khung giờ nào?",
					Values:      []string{"Sáng (6h–12h)", "Chiều (12h–18h)", "Tối (18h–22h)", "Đêm khuya (22h–6h)"},
				},
				{
					Code: "recurring", Datatype: "singlevaluelist", Required: false,
					Description: "Tình trạng này có tái diễn nhiều lần không?",
					Values:      []string{"Lần đầu thấy", "Tái diễn nhiều lần"},
				},
			},
		}, "113"),
		ongoing(models.Category{
			Code: "ANTT.03", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Trộm cắp, cướp, cướp giật tài sản",
			NameEN:      "Theft, robbery and bag snatching",
			Description: "Trộm cắp, cướp, cướp giật tài sản đang hoặc vừa xảy ra. Đang bị đe dọa: gọi ngay 113.",
		}, "113"),
		// Noise is "NORMAL (URGENT at night)" in categories.md; almost every report comes after
		// 22h and is worthless the next working day, so it is handled as ongoing.
		ongoing(models.Category{
			Code: "ANTT.04", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Tiếng ồn, karaoke, loa kẹo kéo gây ồn (nhất là sau 22h)",
			NameEN:      "Noise and karaoke nuisance",
			Description: "Hát karaoke, loa kẹo kéo, cơ sở kinh doanh gây ồn ảnh hưởng khu dân cư, nhất là từ 22h đến 6h.",
			Attributes: []models.Attribute{
				{
					Code: "noise_source", Datatype: "singlevaluelist", Required: false,
					Description: "Nguồn gây ồn",
					Values:      []string{"Karaoke gia đình", "Loa kẹo kéo", "Quán, cơ sở kinh doanh", "Công trình xây dựng", "Khác"},
				},
			},
		}, "113"),
		routine(models.Category{
			Code: "ANTT.05", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Tệ nạn xã hội: ma túy, cờ bạc, mại dâm",
			NameEN:      "Social evils: drugs, gambling, prostitution",
			Description: "Điểm nghi mua bán, sử dụng ma túy, đánh bạc, mại dâm. Thông tin người phản ánh được giữ bí mật.",
		}),
		routine(models.Category{
			Code: "ANTT.06", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Cư trú: người lạ khả nghi, không khai báo tạm trú/lưu trú",
			NameEN:      "Residence registration and suspicious persons",
			Description: "Người lạ có biểu hiện khả nghi; nhà trọ, cơ sở lưu trú không khai báo tạm trú, lưu trú.",
		}),
		routine(models.Category{
			Code: "ANTT.07", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Tín dụng đen, đòi nợ thuê, khủng bố đòi nợ",
			NameEN:      "Loan sharks and debt intimidation",
			Description: "Cho vay nặng lãi, dán quảng cáo vay tiền, đòi nợ thuê, ném chất bẩn, đe dọa để đòi nợ.",
		}),
		routine(models.Category{
			Code: "ANTT.08", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Lừa đảo qua mạng, giả danh cơ quan chức năng",
			NameEN:      "Online and impersonation fraud",
			Description: "Cuộc gọi, tin nhắn, trang mạng giả danh công an, ngân hàng, cơ quan nhà nước để lừa đảo. Không chuyển tiền, không cung cấp mã OTP cho bất kỳ ai.",
		}),
		ongoing(models.Category{
			Code: "ANTT.09", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Cháy nổ, nguy cơ cháy nổ, vi phạm PCCC; pháo, vũ khí",
			NameEN:      "Fire, fire hazards, fireworks and weapons",
			Description: "Đang cháy: gọi ngay 114. Phản ánh nguy cơ cháy nổ, vi phạm phòng cháy chữa cháy, tàng trữ, mua bán pháo, vũ khí.",
		}, "114"),
		routine(models.Category{
			Code: "ANTT.10", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Trật tự an toàn giao thông: vi phạm, đậu xe sai, ùn tắc",
			NameEN:      "Traffic order, illegal parking and congestion",
			Description: "Vi phạm trật tự an toàn giao thông, đậu đỗ xe sai quy định, ùn tắc kéo dài.",
		}),
		routine(models.Category{
			Code: "ANTT.11", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Ăn xin, hàng rong đeo bám, chèo kéo",
			NameEN:      "Aggressive begging and touting",
			Description: "Ăn xin, bán hàng rong đeo bám, chèo kéo người đi đường và du khách.",
		}),
		ongoing(models.Category{
			Code: "ANTT.12", Group: models.GroupANTT, UnitKind: models.UnitCongAn, Private: true,
			Name:        "Bạo lực gia đình, xâm hại trẻ em (khẩn)",
			NameEN:      "Domestic violence and child abuse (urgent)",
			Description: "Bạo lực gia đình, xâm hại trẻ em đang hoặc vừa xảy ra. Nguy hiểm tức thời: gọi 113; tư vấn bảo vệ trẻ em: tổng đài 111.",
		}, "113"),

		// (2) An sinh xã hội — the ward culture–social office (Phòng Văn hóa – Xã hội).
		routine(models.Category{
			Code: "ASXH.01", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Trợ cấp xã hội hằng tháng (người cao tuổi, khuyết tật, đơn thân nghèo…)",
			NameEN:      "Monthly social assistance",
			Description: "Chưa được hưởng, bị cắt hoặc chậm chi trả trợ cấp xã hội hằng tháng.",
			Attributes: []models.Attribute{
				{
					Code: "beneficiary_type", Datatype: "singlevaluelist", Required: false,
					Description: "Đối tượng hưởng trợ cấp",
					Values: []string{
						"Người cao tuổi", "Người khuyết tật", "Trẻ em mồ côi, không nơi nương tựa",
						"Người đơn thân nghèo đang nuôi con", "Người nhiễm HIV thuộc hộ nghèo", "Khác",
					},
				},
			},
		}),
		routine(models.Category{
			Code: "ASXH.02", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Hộ nghèo, cận nghèo: rà soát, bình xét, chính sách hỗ trợ",
			NameEN:      "Poor and near-poor household review and benefits",
			Description: "Rà soát, bình xét hộ nghèo, cận nghèo chưa đúng; chậm hoặc thiếu chính sách hỗ trợ.",
		}),
		routine(models.Category{
			Code: "ASXH.03", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Chính sách người có công (thương binh, liệt sĩ, gia đình chính sách)",
			NameEN:      "Veterans and people with meritorious services",
			Description: "Chế độ ưu đãi người có công với cách mạng, thương binh, thân nhân liệt sĩ, gia đình chính sách.",
		}),
		urgent(models.Category{
			Code: "ASXH.04", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Bảo vệ, chăm sóc trẻ em (bỏ rơi, lao động trẻ em, hoàn cảnh đặc biệt)",
			NameEN:      "Child protection",
			Description: "Trẻ em bị bỏ rơi, phải lao động sớm hoặc có hoàn cảnh đặc biệt cần hỗ trợ. Trẻ đang bị xâm hại, bạo hành: chọn mục bạo lực gia đình, xâm hại trẻ em hoặc gọi 113.",
		}, "111"),
		routine(models.Category{
			Code: "ASXH.05", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Người khuyết tật: xác định mức độ, hỗ trợ",
			NameEN:      "Disability assessment and support",
			Description: "Xác định mức độ khuyết tật, cấp giấy xác nhận, chính sách hỗ trợ người khuyết tật.",
		}),
		routine(models.Category{
			Code: "ASXH.06", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "BHXH, BHYT: thẻ BHYT, chế độ, chậm chi trả",
			NameEN:      "Social and health insurance",
			Description: "Cấp, đổi thẻ bảo hiểm y tế; chế độ bảo hiểm xã hội; chậm chi trả.",
		}),
		routine(models.Category{
			Code: "ASXH.07", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Lao động, việc làm, bảo hiểm thất nghiệp, học nghề",
			NameEN:      "Employment, unemployment insurance and vocational training",
			Description: "Quyền lợi người lao động, giới thiệu việc làm, trợ cấp thất nghiệp, hỗ trợ học nghề.",
		}),
		urgent(models.Category{
			Code: "ASXH.08", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Hỗ trợ khẩn cấp: thiên tai, hỏa hoạn, sạt lở, hoàn cảnh đột xuất",
			NameEN:      "Emergency relief",
			Description: "Hộ gia đình cần cứu trợ sau thiên tai, hỏa hoạn, sạt lở hoặc gặp hoàn cảnh khó khăn đột xuất. Người đang gặp nguy hiểm: gọi ngay 114.",
			Attributes: []models.Attribute{
				{
					Code: "affected_people", Datatype: "number", Required: false,
					Description: "Số người bị ảnh hưởng (ước tính)",
				},
				{
					Code: "needs", Datatype: "multivaluelist", Required: false,
					Description: "Nhu cầu cần hỗ trợ",
					Values:      []string{"Lương thực, nước uống", "Chỗ ở tạm", "Y tế", "Sửa chữa nhà", "Khác"},
				},
			},
		}, "114"),
		routine(models.Category{
			Code: "ASXH.09", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Người lang thang, xin ăn, người tâm thần lang thang",
			NameEN:      "Vagrants, beggars and wandering mentally ill persons",
			Description: "Người lang thang, xin ăn, người có biểu hiện tâm thần đi lang thang cần được hỗ trợ, đưa về nơi cư trú.",
		}),
		routine(models.Category{
			Code: "ASXH.10", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Hỗ trợ nhà ở (xóa nhà tạm, nhà đột xuất)",
			NameEN:      "Housing support",
			Description: "Hộ khó khăn về nhà ở: xóa nhà tạm, nhà dột nát, hỗ trợ làm nhà.",
		}),
		routine(models.Category{
			Code: "ASXH.11", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Bình đẳng giới, bạo lực gia đình (hỗ trợ nạn nhân)",
			NameEN:      "Gender equality and support for domestic-violence victims",
			Description: "Phân biệt đối xử về giới; hỗ trợ, tư vấn, nơi tạm lánh cho nạn nhân bạo lực gia đình.",
		}),
		routine(models.Category{
			Code: "ASXH.12", Group: models.GroupASXH, UnitKind: models.UnitVHXH, Private: true,
			Name:        "Cai nghiện, hỗ trợ sau cai, người sử dụng ma túy",
			NameEN:      "Drug rehabilitation and aftercare",
			Description: "Hỗ trợ cai nghiện tự nguyện, quản lý và giúp đỡ người sau cai nghiện hòa nhập cộng đồng.",
		}),

		// (3) Urban and other matters — the ward People's Committee (Phòng Kinh tế – Hạ tầng –
		// Đô thị, Văn phòng HĐND và UBND) or a city-level organisation.
		order(models.Category{
			Code: "TTDT", Group: models.GroupDoThi, UnitKind: models.UnitUBND,
			Name:        "Trật tự đô thị: lấn chiếm vỉa hè, lòng lề đường, buôn bán, quảng cáo rao vặt",
			NameEN:      "Urban order and sidewalk encroachment",
			Description: "Lấn chiếm vỉa hè, lòng lề đường để buôn bán, để xe, dựng mái che; quảng cáo, rao vặt sai quy định.",
		}),
		order(models.Category{
			Code: "TTXD", Group: models.GroupDoThi, UnitKind: models.UnitUBND,
			Name:        "Trật tự xây dựng: xây không phép, sai phép, cơi nới",
			NameEN:      "Construction order",
			Description: "Công trình xây dựng không phép, sai phép, cơi nới; thi công gây mất an toàn cho nhà lân cận.",
		}),
		routine(models.Category{
			Code: "MT", Group: models.GroupMoiTruong, UnitKind: models.UnitUBND,
			Name:        "Môi trường: rác thải, ô nhiễm, nước thải, mùi, khói bụi",
			NameEN:      "Environment and sanitation",
			Description: "Rác thải không được thu gom, đổ trộm xà bần; nước thải, mùi hôi, khói bụi gây ô nhiễm.",
			Attributes: []models.Attribute{
				{
					Code: "waste_type", Datatype: "singlevaluelist", Required: false,
					Description: "Loại ô nhiễm",
					Values: []string{
						"Rác thải sinh hoạt", "Xà bần, chất thải xây dựng", "Nước thải", "Mùi hôi",
						"Khói, bụi", "Xác động vật", "Khác",
					},
				},
			},
		}),
		routine(models.Category{
			Code: "GT", Group: models.GroupGiaoThong, UnitKind: models.UnitUBND,
			Name:        "Hạ tầng giao thông: ổ gà, hư hỏng mặt đường, nắp hố ga, biển báo",
			NameEN:      "Road infrastructure",
			Description: "Ổ gà, mặt đường hư hỏng, mất hoặc vỡ nắp hố ga, biển báo, đèn tín hiệu hư hỏng.",
		}),
		routine(models.Category{
			Code: "CS", Group: models.GroupDoThi, UnitKind: UnitChieuSang, CityLevel: true,
			Name:        "Điện chiếu sáng công cộng (đèn đường hỏng)",
			NameEN:      "Street lighting",
			Description: "Đèn đường không sáng, sáng ban ngày, chập chờn; trụ đèn nghiêng, hở điện.",
			Attributes: []models.Attribute{
				{
					Code: "pole_number", Datatype: "string", Required: false,
					Description: "Số hiệu trụ đèn (ghi trên thân trụ), nếu có",
				},
			},
		}),
		routine(models.Category{
			Code: "DL", Group: models.GroupDoThi, UnitKind: UnitDienLuc, CityLevel: true,
			Name:        "Điện lực: mất điện, dây điện võng/đứt",
			NameEN:      "Power supply",
			Description: "Mất điện, dây điện võng thấp hoặc bị đứt. Dây điện đứt rơi xuống đất: tránh xa, không chạm vào.",
		}),
		routine(models.Category{
			Code: "CN", Group: models.GroupDoThi, UnitKind: UnitCapNuoc, CityLevel: true,
			Name:        "Cấp nước: mất nước, rò rỉ, chất lượng nước",
			NameEN:      "Water supply",
			Description: "Mất nước, nước yếu, bể ống rò rỉ, nước máy đục hoặc có mùi.",
			Attributes: []models.Attribute{
				{
					Code: "customer_code", Datatype: "string", Required: false,
					Description: "Mã khách hàng (in trên hóa đơn tiền nước), nếu có",
				},
			},
		}),
		routine(models.Category{
			Code: "TN", Group: models.GroupDoThi, UnitKind: models.UnitUBND,
			Name:        "Thoát nước, ngập nước, nạo vét cống",
			NameEN:      "Drainage and flooding",
			Description: "Ngập nước cục bộ, cống nghẹt, hố ga bốc mùi, cần nạo vét kênh, cống thoát nước.",
		}),
		ongoing(models.Category{
			Code: "CX", Group: models.GroupMoiTruong, UnitKind: models.UnitUBND,
			Name:        "Cây xanh: cây ngã đổ, nguy cơ gãy đổ (khẩn)",
			NameEN:      "Trees: fallen or at risk of falling (urgent)",
			Description: "Cây ngã đổ chắn đường, cành gãy treo lơ lửng, cây nghiêng có nguy cơ đổ. Có người bị kẹt, bị thương: gọi ngay 114.",
		}, "114"),
		routine(models.Category{
			Code: "VT", Group: models.GroupDoThi, UnitKind: UnitVienThong, CityLevel: true,
			Name:        "Viễn thông: cáp treo lộn xộn, đứt cáp",
			NameEN:      "Telecom cables",
			Description: "Cáp viễn thông treo lộn xộn, võng thấp, đứt rơi xuống đường gây mất an toàn.",
		}),
		routine(models.Category{
			Code: "VTCC", Group: models.GroupGiaoThong, UnitKind: UnitVanTai, CityLevel: true,
			Name:        "Vận tải hành khách công cộng / xe buýt",
			NameEN:      "Public transport and buses",
			Description: "Xe buýt trễ chuyến, bỏ trạm, thái độ phục vụ; nhà chờ, trạm dừng hư hỏng.",
			Attributes: []models.Attribute{
				{
					Code: "route", Datatype: "string", Required: false,
					Description: "Số tuyến xe buýt, nếu biết",
				},
			},
		}),
		urgent(models.Category{
			Code: "YT", Group: models.GroupKhac, UnitKind: models.UnitVHXH,
			Name:        "Y tế: dịch bệnh (sốt xuất huyết…), cơ sở y tế, an toàn thực phẩm",
			NameEN:      "Health, epidemics and food safety",
			Description: "Ổ dịch (sốt xuất huyết, tay chân miệng…), ngộ độc thực phẩm, cơ sở y tế, thực phẩm không an toàn. Cấp cứu: gọi 115.",
		}, "115"),
		routine(models.Category{
			Code: "GD", Group: models.GroupKhac, UnitKind: models.UnitVHXH,
			Name:        "Giáo dục: trường lớp, học phí, an toàn trường học",
			NameEN:      "Education",
			Description: "Trường lớp, thu học phí và các khoản thu, an toàn trong và quanh trường học.",
		}),
		routine(models.Category{
			Code: "HCC", Group: models.GroupKhac, UnitKind: models.UnitUBND,
			Name:        "Hành chính công / thủ tục hành chính: chậm hồ sơ, thái độ phục vụ",
			NameEN:      "Public administration services",
			Description: "Hồ sơ thủ tục hành chính trễ hẹn, yêu cầu giấy tờ ngoài quy định, thái độ phục vụ của cán bộ.",
		}),
		ongoing(models.Category{
			Code: "TT", Group: models.GroupKhac, UnitKind: models.UnitUBND,
			Name:        "Thiên tai: sạt lở bờ sông, ngập lũ, giông lốc (khẩn)",
			NameEN:      "Natural disasters (urgent)",
			Description: "Sạt lở, nứt bờ sông, ngập lũ, giông lốc tốc mái nhà. Người đang gặp nguy hiểm: gọi ngay 114.",
		}, "114"),
		order(models.Category{
			Code: "DD", Group: models.GroupDoThi, UnitKind: models.UnitUBND,
			Name:        "Đất đai, tranh chấp, lấn chiếm đất công",
			NameEN:      "Land disputes and encroachment on public land",
			Description: "Lấn chiếm đất công, kênh rạch, hành lang bảo vệ bờ sông; tranh chấp ranh đất.",
		}),
		routine(models.Category{
			Code: "KHAC", Group: models.GroupKhac, UnitKind: models.UnitUBND,
			Name:        "Khác",
			NameEN:      "Other",
			Description: "Phản ánh không thuộc lĩnh vực nào ở trên; Văn phòng HĐND và UBND phường tiếp nhận và chuyển đơn vị phù hợp.",
		}),
	}
	// Informants on drugs, loan sharks and violence at home are at risk if identified: the ward
	// never sees who reported these, even when the resident allows contact; the IOC does.
	confidential := map[string]bool{"ANTT.05": true, "ANTT.07": true, "ANTT.12": true, "ASXH.11": true}
	for i := range cats {
		cats[i].ContactAllowed = !confidential[cats[i].Code]
	}
	return cats
}

// CityUnits returns the units that exist once per city: the IOC, which triages and takes
// escalations, and one unit for every city-level kind the catalog routes to. They are seeded
// beside the ward units that a boundary-set import creates, so every category can be routed on a
// fresh deployment.
//
// The names are those of An Giang organisations as far as they could be inferred (the power
// company, the electricity and water company, the provincial departments after the 2025 merger of
// departments); the street-lighting board's name is invented. Administrators rename them.
func CityUnits() []models.Unit {
	return []models.Unit{
		{
			ID: models.CityUnitID(models.UnitIOC), Kind: models.UnitIOC,
			Name:   "Trung tâm Giám sát, điều hành đô thị thông minh",
			NameEN: "Intelligent Operations Center",
		},
		{
			ID: models.CityUnitID(UnitChieuSang), Kind: UnitChieuSang,
			Name:   "Ban Quản lý dịch vụ công ích – Chiếu sáng công cộng",
			NameEN: "Public Utility Services Board – Street Lighting",
		},
		{
			ID: models.CityUnitID(UnitDienLuc), Kind: UnitDienLuc,
			Name:   "Công ty Điện lực An Giang",
			NameEN: "An Giang Power Company",
		},
		{
			ID: models.CityUnitID(UnitCapNuoc), Kind: UnitCapNuoc,
			Name:   "Công ty Cổ phần Điện nước An Giang",
			NameEN: "An Giang Electricity and Water Joint Stock Company",
		},
		{
			ID: models.CityUnitID(UnitVienThong), Kind: UnitVienThong,
			Name:   "Sở Khoa học và Công nghệ tỉnh An Giang (quản lý hạ tầng viễn thông)",
			NameEN: "An Giang Department of Science and Technology (telecom infrastructure)",
		},
		{
			ID: models.CityUnitID(UnitVanTai), Kind: UnitVanTai,
			Name:   "Sở Xây dựng tỉnh An Giang (quản lý vận tải hành khách công cộng)",
			NameEN: "An Giang Department of Construction (public passenger transport)",
		},
	}
}
