//! PDF/A-2b for documents that are kept for decades (certificates, cards).
//!
//! printpdf draws the pages; this pass finishes its `lopdf` document as PDF/A-2b asks:
//! - an XMP metadata stream (uncompressed) naming `pdfaid:part 2`, `pdfaid:conformance B`, with the
//!   title, dates, tool and a document id, and a document information dictionary that agrees with it;
//! - an output intent (`GTS_PDFA1`) carrying an embedded sRGB ICC profile, since the pages paint in
//!   DeviceRGB (the profile is `assets/icc/sRGB.icc` from Debian's icc-profiles-free, zlib licence);
//! - a file identifier in the trailer, derived from the content (no randomness: the same inputs give
//!   the same bytes);
//! - every font embedded (printpdf embeds subset TrueType fonts; the shipped templates use only them).
//!
//! How far it goes: `qpdf --check` passes and the structure above is tested; no full validator
//! (veraPDF) runs here, so conformance is claimed only as far as those checks go.

use lopdf::{Dictionary, Object, Stream, StringFormat};

use crate::crypto;

/// The sRGB profile of the output intent.
const SRGB_ICC: &[u8] = include_bytes!("../../../../assets/icc/sRGB.icc");

/// What the metadata says.
pub(crate) struct Meta<'a> {
    pub title: &'a str,
    /// Creation time, UNIX seconds (UTC).
    pub created: i64,
    /// Carried in the information dictionary (certificates keep their QR statement there).
    pub identifier: &'a str,
}

const PRODUCER: &str = "Centrebook (printpdf, lopdf)";
const CREATOR: &str = "Centrebook";

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A PDF text string: UTF-16BE with its byte order mark, so any name survives.
fn text_string(s: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        bytes.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn uuid_from(digest: &[u8]) -> String {
    let h = crypto::hex(&digest[..16]);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn xmp(meta: &Meta<'_>, when: &str, document_id: &str) -> String {
    let title = xml_escape(meta.title);
    let mut packet = format!(
        r#"<?xpacket begin="{bom}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
   <xmp:MetadataDate>{when}</xmp:MetadataDate>
   <xmp:CreatorTool>{CREATOR}</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{PRODUCER}</pdf:Producer>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
   <xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>uuid:{document_id}</xmpMM:InstanceID>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"#,
        bom = '\u{feff}'
    );
    // No padding: the XMP specification suggests some so an editor can update the packet in place,
    // but a kept document is frozen (its hash is recorded), so nothing ever does; it saved 2 KB a file.
    packet.push_str("<?xpacket end=\"w\"?>");
    packet
}

/// zlib level 6: within about 1% of level 9's size on these files (fonts and page content) at a
/// fraction of its time (level 9 searches far longer for matches that barely shorten them).
const DEFLATE_LEVEL: u32 = 6;

fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z =
        flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len() / 2), flate2::Compression::new(DEFLATE_LEVEL));
    // Writing to memory cannot fail.
    z.write_all(data).expect("deflate to memory");
    z.finish().expect("deflate to memory")
}

/// The sRGB profile deflated once for the whole process: it is the same in every file.
fn deflated_icc() -> &'static [u8] {
    static ICC: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    ICC.get_or_init(|| deflate(SRGB_ICC))
}

/// The embedded TrueType programs (the streams with a `Length1`) without their `name` tables and
/// hinting ([`super::sfnt`]).
fn trim_fonts(doc: &mut lopdf::Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            if stream.dict.has(b"Length1") && stream.dict.get(b"Filter").is_err() {
                if let Some(font) = super::sfnt::trimmed(&stream.content) {
                    stream.dict.set("Length1", Object::Integer(font.len() as i64));
                    stream.set_content(font);
                }
            }
        }
    }
}

/// Deflates every stream that may be and is not yet filtered (the page content and the font
/// subsets; images arrive as JPEG and the metadata stays plain, as PDF/A asks), keeping the plain
/// bytes where deflating would not shorten them.
fn compress(doc: &mut lopdf::Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            if stream.allows_compression && stream.dict.get(b"Filter").is_err() {
                let packed = deflate(&stream.content);
                if packed.len() + 19 < stream.content.len() {
                    stream.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
                    stream.set_content(packed);
                }
            }
        }
    }
}

/// Finishes a printpdf document as PDF/A-2b and serialises it.
pub(crate) fn finish(mut doc: lopdf::Document, meta: &Meta<'_>) -> Vec<u8> {
    doc.version = "1.7".into();
    let when = chrono::DateTime::from_timestamp(meta.created, 0).unwrap_or_default();
    let xmp_date = when.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let info_date = when.format("D:%Y%m%d%H%M%S+00'00'").to_string();
    let digest = crypto::sha256(&[meta.title.as_bytes(), meta.identifier.as_bytes(), &meta.created.to_le_bytes()]);
    let document_id = uuid_from(&digest);

    // printpdf's own XMP (no PDF/A identification, unescaped title) and any output intent go.
    if let Ok(catalog) = doc.catalog() {
        let old: Vec<lopdf::ObjectId> = [b"Metadata".as_slice()]
            .iter()
            .filter_map(|k| catalog.get(k).and_then(Object::as_reference).ok())
            .collect();
        for id in old {
            doc.objects.remove(&id);
        }
    }
    let metadata = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp(meta, &xmp_date, &document_id).into_bytes(),
    )
    .with_compression(false);
    let metadata_id = doc.add_object(metadata);
    let icc = Stream::new(
        Dictionary::from_iter(vec![("N", Object::Integer(3)), ("Filter", Object::Name(b"FlateDecode".to_vec()))]),
        deflated_icc().to_vec(),
    )
    .with_compression(false);
    let icc_id = doc.add_object(icc);
    let intent = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        ("OutputConditionIdentifier", Object::string_literal("sRGB IEC61966-2.1")),
        ("Info", Object::string_literal("sRGB IEC61966-2.1")),
        ("RegistryName", Object::string_literal("http://www.color.org")),
        ("DestOutputProfile", Object::Reference(icc_id)),
    ]);
    if let Ok(catalog) = doc.catalog_mut() {
        catalog.set("Metadata", Object::Reference(metadata_id));
        catalog.set("OutputIntents", Object::Array(vec![Object::Dictionary(intent)]));
    }

    // The information dictionary holds only what the XMP says too (PDF/A asks that they agree), and
    // the identifier (a key of our own, which PDF/A allows).
    let mut info = Dictionary::from_iter(vec![
        ("Title", text_string(meta.title)),
        ("Creator", text_string(CREATOR)),
        ("Producer", text_string(PRODUCER)),
        ("CreationDate", Object::string_literal(info_date.clone())),
        ("ModDate", Object::string_literal(info_date)),
    ]);
    if !meta.identifier.is_empty() {
        info.set("Identifier", Object::String(meta.identifier.as_bytes().to_vec(), StringFormat::Literal));
    }
    if let Ok(old) = doc.trailer.get(b"Info").and_then(Object::as_reference) {
        doc.objects.remove(&old);
    }
    let info_id = doc.add_object(info);
    doc.trailer.set("Info", Object::Reference(info_id));
    let file_id = Object::String(digest[..16].to_vec(), StringFormat::Hexadecimal);
    doc.trailer.set("ID", Object::Array(vec![file_id.clone(), file_id]));

    doc.prune_objects();
    trim_fonts(&mut doc);
    compress(&mut doc);
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    doc.save_to(&mut out).expect("a PDF serialises to memory");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_escaped_and_dates_agree() {
        let meta = Meta { title: "Card <A&B> \"x\"", created: 1_795_000_000, identifier: "CBQR1:abc:" };
        let x = xmp(&meta, "2026-11-18T10:26:40+00:00", "u");
        assert!(x.contains("Card &lt;A&amp;B&gt; &quot;x&quot;"));
        assert!(x.contains("<pdfaid:part>2</pdfaid:part>") && x.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
        assert!(x.ends_with("<?xpacket end=\"w\"?>"));
        assert_eq!(uuid_from(&[0xAB; 32]).len(), 36);
    }
}
