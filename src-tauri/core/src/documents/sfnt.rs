//! Trims the TrueType subsets printpdf embeds in kept PDFs, to what a PDF reader draws with:
//! - the `name` table goes (DejaVu's carries its whole licence text, about 15 KB, more than a
//!   subset's glyphs): a reader takes a font's names from the PDF's own font dictionaries, and PDF
//!   does not require it (ISO 32000-1, 9.9);
//! - the hinting goes: the `fpgm`, `prep` and `cvt ` programs and tables (`hdmx`, `LTSH`, `VDMX`) and
//!   each glyph's instructions. Hints snap outlines to a coarse pixel grid on screens; printers and
//!   today's PDF viewers draw the outlines unhinted. The outlines and metrics are kept byte for byte.

/// Tables only hinting uses.
const HINTING: [&[u8; 4]; 6] = [b"fpgm", b"prep", b"cvt ", b"hdmx", b"LTSH", b"VDMX"];

fn be16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The font program trimmed, or `None` when `font` is not a TrueType font this understands or has
/// nothing to trim (then it is embedded as printpdf made it).
pub(crate) fn trimmed(font: &[u8]) -> Option<Vec<u8>> {
    if be32(font, 0)? != 0x0001_0000 {
        return None;
    }
    let count = usize::from(be16(font, 4)?);
    let mut tables: Vec<([u8; 4], Vec<u8>)> = Vec::with_capacity(count);
    for i in 0..count {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = font.get(rec..rec + 4)?.try_into().ok()?;
        let (offset, len) = (be32(font, rec + 8)? as usize, be32(font, rec + 12)? as usize);
        let data = font.get(offset..offset.checked_add(len)?)?;
        if &tag != b"name" && !HINTING.contains(&&tag) {
            tables.push((tag, data.to_vec()));
        }
    }
    let table = |tag: &[u8; 4]| tables.iter().position(|(t, _)| t == tag);
    let (head, loca, glyf, maxp) = (table(b"head")?, table(b"loca")?, table(b"glyf")?, table(b"maxp")?);
    let long = be16(&tables[head].1, 50)? == 1;
    let glyphs = usize::from(be16(&tables[maxp].1, 4)?);
    let offset = |i: usize| -> Option<usize> {
        let l = &tables[loca].1;
        Some(if long { be32(l, 4 * i)? as usize } else { usize::from(be16(l, 2 * i)?) * 2 })
    };
    let mut new_glyf = Vec::with_capacity(tables[glyf].1.len());
    let mut new_loca = Vec::with_capacity(4 * (glyphs + 1));
    for i in 0..glyphs {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        let g = tables[glyf].1.get(offset(i)?..offset(i + 1)?)?;
        new_glyf.extend_from_slice(&unhinted(g)?);
        new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    tables[glyf].1 = new_glyf;
    tables[loca].1 = new_loca;
    // The new `loca` is the long form; `maxp` says no glyph has instructions any more.
    tables[head].1.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes());
    if let Some(m) = tables[maxp].1.get_mut(26..28) {
        m.copy_from_slice(&0u16.to_be_bytes());
    }
    let out = assemble(&tables);
    (out.len() < font.len()).then_some(out)
}

/// One glyph's description without its instructions.
fn unhinted(g: &[u8]) -> Option<Vec<u8>> {
    if g.is_empty() {
        return Some(Vec::new());
    }
    let contours = be16(g, 0)? as i16;
    if contours >= 0 {
        // Header (10), end points (2 each), instruction length, instructions, then flags and points.
        let at = 10 + 2 * contours as usize;
        let len = usize::from(be16(g, at)?);
        let mut out = g.get(..at)?.to_vec();
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(g.get(at + 2 + len..)?);
        return Some(out);
    }
    // A composite: components until one without MORE_COMPONENTS; WE_HAVE_INSTRUCTIONS (0x100) on
    // any of them means instructions follow the last.
    let mut out = g.to_vec();
    let mut at = 10;
    loop {
        let flags = be16(&out, at)?;
        out.get_mut(at..at + 2)?.copy_from_slice(&(flags & !0x0100).to_be_bytes());
        let args = if flags & 0x0001 != 0 { 4 } else { 2 };
        let scale = if flags & 0x0008 != 0 {
            2
        } else if flags & 0x0040 != 0 {
            4
        } else if flags & 0x0080 != 0 {
            8
        } else {
            0
        };
        at += 4 + args + scale;
        if flags & 0x0020 == 0 {
            break;
        }
    }
    out.truncate(at.min(out.len()));
    Some(out)
}

/// An sfnt file of `tables` (in tag order, as they came): the directory, each table 4-byte aligned,
/// checksums and the `head` adjustment that makes the whole file sum to 0xB1B0AFBA.
fn assemble(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = tables.len() as u16;
    let pow = 1u16 << (15 - n.leading_zeros().min(15));
    let (range, selector) = (pow * 16, pow.trailing_zeros() as u16);
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, range, selector, n * 16 - range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    let mut body = Vec::new();
    for (tag, data) in tables {
        let mut data = data.clone();
        if tag == b"head" && data.len() >= 12 {
            // checkSumAdjustment is summed as zero, then set for the whole file below.
            data[8..12].fill(0);
            head_at = Some(offset);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(&data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(&data);
        body.resize(body.len().next_multiple_of(4), 0);
        offset += data.len().next_multiple_of(4);
    }
    out.extend_from_slice(&body);
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}

/// The TrueType table checksum: the sum of big-endian 32-bit words, the last padded with zeros.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(f: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let n = usize::from(u16::from_be_bytes([f[4], f[5]]));
        (0..n)
            .map(|i| {
                let rec = 12 + 16 * i;
                let word = |at: usize| u32::from_be_bytes(f[at..at + 4].try_into().unwrap()) as usize;
                let (off, len) = (word(rec + 8), word(rec + 12));
                (f[rec..rec + 4].to_vec(), f[off..off + len].to_vec())
            })
            .collect()
    }

    #[test]
    fn names_and_hints_go_and_outlines_and_metrics_stay() {
        let font = super::super::fonts::file("DejaVuSans.ttf").unwrap();
        let out = trimmed(font).unwrap();
        let (before, after) = (tables(font), tables(&out));
        let size = |ts: &[(Vec<u8>, Vec<u8>)], tag: &[u8]| ts.iter().find(|(t, _)| t == tag).unwrap().1.len();
        assert!(size(&after, b"glyf") < size(&before, b"glyf") * 9 / 10, "the glyphs' instructions are gone");
        for gone in [b"name", b"fpgm", b"prep", b"cvt "] {
            assert!(before.iter().any(|(t, _)| t == gone) && !after.iter().any(|(t, _)| t == gone));
        }
        for kept in [b"cmap", b"hmtx", b"hhea", b"post"] {
            let find = |ts: &[(Vec<u8>, Vec<u8>)]| ts.iter().find(|(t, _)| t == kept).unwrap().1.clone();
            assert_eq!(find(&before), find(&after), "{}", String::from_utf8_lossy(kept));
        }
        // The whole file sums to the magic number, as the head table's adjustment promises.
        assert_eq!(checksum(&out), 0xB1B0_AFBA);
        // Every glyph keeps its outline: a simple glyph's points and flags follow no instructions.
        let glyph = |f: &[u8], i: usize| {
            let ts = tables(f);
            let get = |tag: &[u8]| ts.iter().find(|(t, _)| t == tag).unwrap().1.clone();
            let (head, loca, glyf) = (get(b"head"), get(b"loca"), get(b"glyf"));
            let long = be16(&head, 50).unwrap() == 1;
            let at = |i: usize| {
                if long {
                    be32(&loca, 4 * i).unwrap() as usize
                } else {
                    usize::from(be16(&loca, 2 * i).unwrap()) * 2
                }
            };
            glyf[at(i)..at(i + 1)].to_vec()
        };
        // A hinted simple glyph (DejaVu hints them all): the same header, end points, flags and
        // points, with no instructions between them.
        let hinted = (1..200)
            .find(|&i| {
                let g = glyph(font, i);
                g.len() > 12 && (be16(&g, 0).unwrap() as i16) > 0 && {
                    let at = 10 + 2 * usize::from(be16(&g, 0).unwrap());
                    be16(&g, at).unwrap() > 0
                }
            })
            .expect("a hinted glyph");
        let (old, new) = (glyph(font, hinted), glyph(&out, hinted));
        let at = 10 + 2 * usize::from(be16(&old, 0).unwrap());
        assert_eq!(old[..at], new[..at]);
        assert_eq!(be16(&new, at), Some(0), "no instructions left");
        let len = usize::from(be16(&old, at).unwrap());
        let unpadded = |b: &[u8]| b[..b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1)].to_vec();
        assert_eq!(unpadded(&old[at + 2 + len..]), unpadded(&new[at + 2..]));
        assert_eq!(trimmed(&out), None, "nothing left to trim");
        assert_eq!(trimmed(b"not a font"), None);
    }
}
