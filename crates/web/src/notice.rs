//! The one-time notice (一次性告知书) as a PDF, printable at the window and handed over.
//!
//! The text uses STSong-Light, one of the standard Chinese fonts every PDF reader carries
//! (Adobe-GB1 with the UniGB-UCS2-H encoding), so nothing is embedded and the file stays a
//! few kilobytes. Text is written as UCS-2 codes; a character outside the basic plane (very
//! rare in names) is shown as 〓, the mark Chinese typesetting uses for a missing glyph.

use jiayuan_domain::time::display;
use jiayuan_store::service::{Notice, Ticket};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 64.0;

/// UCS-2 big-endian bytes of `s` for the UniGB-UCS2-H encoding.
fn ucs2(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2);
    for c in s.chars() {
        let u = c as u32;
        let u = if u > 0xFFFF { 0x3013 } else { u };
        out.extend_from_slice(&(u as u16).to_be_bytes());
    }
    out
}

/// How wide `s` is in ems: CJK and full-width characters one, the rest a half.
fn ems(c: char) -> f32 {
    if (c as u32) < 0x2E80 {
        0.5
    } else {
        1.0
    }
}

/// Breaks `s` into lines no wider than `width` ems.
fn wrap(s: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    for c in s.chars() {
        if used + ems(c) > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
        }
        line.push(c);
        used += ems(c);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

struct Writer {
    content: Content,
    y: f32,
}

impl Writer {
    fn text(&mut self, x: f32, size: f32, s: &str) {
        self.content.begin_text();
        self.content.set_font(Name(b"F1"), size);
        self.content.next_line(x, self.y);
        self.content.show(Str(&ucs2(s)));
        self.content.end_text();
    }

    fn para(&mut self, size: f32, s: &str, indent: f32) {
        let width = (PAGE_W - 2.0 * MARGIN - indent) / size;
        for l in wrap(s, width) {
            self.text(MARGIN + indent, size, &l);
            self.y -= size * 1.7;
        }
    }
}

/// The notice of `n` on ticket `t` as PDF bytes.
pub fn notice_pdf(t: &Ticket, n: &Notice) -> Vec<u8> {
    let (catalog, pages, page, font, cid, descriptor, content_id) =
        (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5), Ref::new(6), Ref::new(7));
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
    p.parent(pages);
    p.contents(content_id);
    p.resources().fonts().pair(Name(b"F1"), font);
    p.finish();
    pdf.type0_font(font)
        .base_font(Name(b"STSong-Light"))
        .encoding_predefined(Name(b"UniGB-UCS2-H"))
        .descendant_font(cid);
    let mut c = pdf.cid_font(cid);
    c.subtype(CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"GB1"), supplement: 2 })
        .font_descriptor(descriptor)
        .default_width(1000.0);
    // Adobe-GB1 CIDs 1–95 are the proportional ASCII glyphs: half an em each.
    c.widths().consecutive(1, [500.0; 95]);
    c.finish();
    pdf.font_descriptor(descriptor)
        .name(Name(b"STSong-Light"))
        .flags(FontFlags::SYMBOLIC | FontFlags::SERIF)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);

    let mut w = Writer { content: Content::new(), y: PAGE_H - MARGIN - 20.0 };
    w.text(PAGE_W / 2.0 - 3.5 * 22.0, 22.0, "一次性告知书");
    w.y -= 40.0;
    w.para(11.0, &format!("编号：{}-{}", t.number, n.issued_at.format("%Y%m%d")), 0.0);
    w.y -= 6.0;
    w.para(14.0, &format!("{}：", t.applicant_name), 0.0);
    w.para(
        14.0,
        &format!(
            "您于{}申请办理的“{}”事项，经审查尚缺以下材料。现一次性告知如下，请补齐后交{}，补正期间不计入办结时限：",
            display(t.received_at),
            t.item_name,
            t.point_name
        ),
        28.0,
    );
    w.y -= 4.0;
    for (i, name) in n.missing.iter().enumerate() {
        let m = t.materials.iter().find(|m| &m.name == name);
        let how = m.map(|m| format!("（{}，{}份）", m.form.label_zh(), m.copies)).unwrap_or_default();
        w.para(14.0, &format!("{}. {name}{how}", i + 1), 28.0);
    }
    w.y -= 8.0;
    w.para(
        12.0,
        &format!(
            "本事项办结时限为{}个工作日，自材料齐全之日起继续计算。首问负责人：{}。如对本告知有异议，可向服务点负责人反映。",
            t.limit_workdays, t.receiver_name
        ),
        28.0,
    );
    w.y -= 24.0;
    w.para(12.0, &format!("告知人：{}", n.issued_by_name), 260.0);
    w.para(12.0, &format!("服务点：{}", t.point_name), 260.0);
    w.para(12.0, &format!("告知时间：{}", display(n.issued_at)), 260.0);
    w.y -= 24.0;
    w.para(12.0, "申请人签收：______________    日期：______________", 0.0);
    w.y -= 8.0;
    w.para(10.0, "本告知书一式两份，服务点与申请人各执一份。", 0.0);
    pdf.stream(content_id, &w.content.finish());
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_ucs2_and_wraps_by_width() {
        assert_eq!(ucs2("A告"), vec![0x00, 0x41, 0x54, 0x4A]);
        assert_eq!(ucs2("𠀀"), vec![0x30, 0x13], "outside the basic plane");
        assert_eq!(wrap("一二三四五", 2.0), vec!["一二", "三四", "五"]);
        assert_eq!(wrap("abcd一", 2.0), vec!["abcd", "一"]);
    }
}
