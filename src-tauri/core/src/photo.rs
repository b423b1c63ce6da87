//! Photographs: a candidate's passport-style photo and assessment evidence photos.
//!
//! A [`Photo`] is always a JPEG this module produced. Uploads (JPEG or PNG) are decoded under limits
//! that stop decompression bombs, turned upright from their EXIF orientation, cropped and scaled, and
//! re-encoded from the pixels alone, so no metadata (EXIF with GPS position, camera serial, comments)
//! survives. Portraits are cropped to the 35:45 passport ratio and kept under 100 KB, either centred
//! or from the part of the picture a person framed ([`Crop`]).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, Rgb, RgbImage};

use crate::{Error, Result};

/// The largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 15 * 1024 * 1024;
/// The largest stored portrait, in bytes.
pub const MAX_PORTRAIT_BYTES: usize = 100 * 1024;
/// The largest stored evidence photo, in bytes.
pub const MAX_EVIDENCE_BYTES: usize = 1024 * 1024;
/// The smallest portrait that still prints on a card (35 x 45 mm at about 100 dpi).
pub const MIN_PORTRAIT: (u32, u32) = (140, 180);
/// Portraits are scaled down to at most this size.
pub const MAX_PORTRAIT: (u32, u32) = (420, 540);
/// Evidence photos are scaled down to at most this many pixels on the long side.
pub const MAX_EVIDENCE_SIDE: u32 = 1600;

/// The widest or tallest upload decoded: bigger than any phone camera, far smaller than a bomb.
const MAX_SIDE: u32 = 16_000;
/// The most pixels decoded (a 100-megapixel image); a 48 MP phone photo is well inside.
const MAX_PIXELS: u64 = 100_000_000;
/// The most memory a decoder may take.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;
/// JPEG qualities tried in turn until the result fits.
const QUALITIES: [u8; 7] = [88, 80, 72, 64, 56, 48, 40];

const FIELD: &str = "photo";

/// The part of an upload a portrait is made from, in pixels of the upright picture (as a webview or
/// photo viewer shows it, EXIF orientation applied). The widest 35:45 window inside it, centred, is
/// what is kept, so a frame drawn a pixel off the ratio still gives a passport shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl std::str::FromStr for Crop {
    type Err = Error;

    /// `X,Y,WIDTH,HEIGHT` in pixels, as the command line takes it.
    fn from_str(s: &str) -> Result<Crop> {
        let bad = || Error::invalid("crop", "must be four whole numbers of pixels: X,Y,WIDTH,HEIGHT");
        let n: Vec<u32> = s.split(',').map(|p| p.trim().parse().map_err(|_| bad())).collect::<Result<_>>()?;
        match n[..] {
            [x, y, width, height] => Ok(Crop { x, y, width, height }),
            _ => Err(bad()),
        }
    }
}

/// A JPEG produced here: upright, without metadata, within its size limits.
#[derive(Clone, PartialEq, Eq)]
pub struct Photo {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Photo({}x{}, {} bytes)", self.width, self.height, self.bytes.len())
    }
}

impl Photo {
    /// A candidate's portrait from an uploaded JPEG or PNG: cropped to 35:45 (inside `crop` when one is
    /// given, else centred), scaled down to at most 420 x 540, re-encoded as a JPEG of at most 100 KB.
    pub fn from_upload(bytes: &[u8], crop: Option<Crop>) -> Result<Photo> {
        let mut img = decode_upload(bytes)?;
        if let Some(c) = crop {
            let (w, h) = (img.width(), img.height());
            let inside = c.width > 0
                && c.height > 0
                && u64::from(c.x) + u64::from(c.width) <= u64::from(w)
                && u64::from(c.y) + u64::from(c.height) <= u64::from(h);
            if !inside {
                return Err(Error::invalid(
                    "crop",
                    format!("reaches outside the picture, which is {w} x {h} pixels; frame a part inside it"),
                ));
            }
            img = img.crop_imm(c.x, c.y, c.width, c.height);
        }
        let (w, h) = (img.width(), img.height());
        // Widest 35:45 window that fits, centred.
        let (cw, ch) = if u64::from(w) * 45 > u64::from(h) * 35 {
            (((u64::from(h) * 35 + 22) / 45) as u32, h)
        } else {
            (w, ((u64::from(w) * 45 + 17) / 35) as u32)
        };
        let (cw, ch) = (cw.clamp(1, w), ch.clamp(1, h));
        if cw < MIN_PORTRAIT.0 || ch < MIN_PORTRAIT.1 {
            return Err(Error::invalid(
                FIELD,
                format!(
                    "is too small to print: after cropping to a passport shape it is {cw} x {ch} pixels; \
                     use a photo at least {} x {} pixels",
                    MIN_PORTRAIT.0, MIN_PORTRAIT.1
                ),
            ));
        }
        img = img.crop_imm((w - cw) / 2, (h - ch) / 2, cw, ch);
        if cw > MAX_PORTRAIT.0 || ch > MAX_PORTRAIT.1 {
            img = img.resize_exact(MAX_PORTRAIT.0, MAX_PORTRAIT.1, FilterType::CatmullRom);
        }
        encode_within(flatten(&img), MAX_PORTRAIT_BYTES, MIN_PORTRAIT)
    }

    /// An evidence photo from an uploaded JPEG or PNG: not cropped, scaled down to at most 1,600 pixels
    /// on the long side, re-encoded as a JPEG of at most 1 MB.
    pub fn evidence(bytes: &[u8]) -> Result<Photo> {
        let mut img = decode_upload(bytes)?;
        if img.width().max(img.height()) > MAX_EVIDENCE_SIDE {
            img = img.resize(MAX_EVIDENCE_SIDE, MAX_EVIDENCE_SIDE, FilterType::Triangle);
        }
        encode_within(flatten(&img), MAX_EVIDENCE_BYTES, (1, 1))
    }

    /// A photo read back from the store (it was produced here, so it is a JPEG).
    pub fn from_stored(bytes: Vec<u8>) -> Result<Photo> {
        let damaged = || Error::invalid(FIELD, "the stored photo is damaged; upload it again");
        if !bytes.starts_with(&[0xFF, 0xD8]) {
            return Err(damaged());
        }
        let mut reader = ImageReader::with_format(Cursor::new(&bytes), ImageFormat::Jpeg);
        reader.limits(limits());
        let (width, height) = reader.into_dimensions().map_err(|_| damaged())?;
        Ok(Photo { bytes, width, height })
    }

    /// A generated placeholder portrait: a head-and-shoulders silhouette on a soft background, its
    /// colours (background, skin, hair, clothing) and proportions varied by `seed`.
    pub fn placeholder(seed: u64) -> Photo {
        let img = draw_placeholder(seed);
        encode_within(img, MAX_PORTRAIT_BYTES, MIN_PORTRAIT).expect("a generated portrait always encodes")
    }

    /// The JPEG bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The JPEG bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_ALLOC);
    l
}

/// Decodes an upload under limits and turns it upright.
fn decode_upload(bytes: &[u8]) -> Result<DynamicImage> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(Error::invalid(
            FIELD,
            format!("the file is too large ({} MB); use one under 15 MB", bytes.len().div_ceil(1024 * 1024)),
        ));
    }
    let format = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ImageFormat::Jpeg
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ImageFormat::Png
    } else {
        return Err(Error::invalid(FIELD, "is not a JPEG or PNG image; save it as one of those and try again"));
    };
    let unreadable = || Error::invalid(FIELD, "could not be read: the image file is damaged or incomplete");
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let too_big = || Error::invalid(FIELD, "has too many pixels to handle safely; use a smaller image");
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => too_big(),
        _ => unreadable(),
    })?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS || decoder.total_bytes() > MAX_ALLOC {
        return Err(too_big());
    }
    // Orientation is a nicety: an unreadable EXIF block just leaves the image as stored.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_big(),
        _ => unreadable(),
    })?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// Drops any alpha channel by painting the image over white (a transparent PNG background becomes
/// white, as on a printed card, rather than black).
fn flatten(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let mix = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    })
}

/// Encodes as JPEG, lowering the quality and then the size until it fits in `max_bytes`.
fn encode_within(mut img: RgbImage, max_bytes: usize, min: (u32, u32)) -> Result<Photo> {
    loop {
        for q in QUALITIES {
            let mut out = Vec::with_capacity(max_bytes / 2);
            JpegEncoder::new_with_quality(&mut out, q)
                .encode_image(&img)
                .map_err(|_| Error::invalid(FIELD, "could not be saved as a JPEG"))?;
            if out.len() <= max_bytes {
                return Ok(Photo { bytes: out, width: img.width(), height: img.height() });
            }
        }
        let (w, h) = (img.width() * 4 / 5, img.height() * 4 / 5);
        if w < min.0 || h < min.1 {
            return Err(Error::invalid(FIELD, "has too much fine detail to store within the size limit"));
        }
        img = image::imageops::resize(&img, w, h, FilterType::Triangle);
    }
}

/// A tiny, seedable generator (splitmix64) so the placeholder needs nothing else.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A float in `lo..hi`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next() >> 40) as f32 / (1u64 << 24) as f32)
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const BACKGROUNDS: [[u8; 3]; 6] =
    [[222, 232, 240], [236, 236, 230], [228, 236, 226], [240, 232, 222], [226, 228, 238], [234, 234, 236]];
const SKIN: [[u8; 3]; 8] = [
    [255, 224, 196],
    [241, 194, 160],
    [224, 172, 135],
    [198, 144, 104],
    [168, 116, 80],
    [141, 94, 62],
    [109, 70, 45],
    [84, 54, 36],
];
const HAIR: [[u8; 3]; 8] = [
    [20, 16, 14],
    [52, 36, 26],
    [88, 60, 38],
    [128, 92, 56],
    [176, 136, 84],
    [214, 180, 120],
    [150, 72, 40],
    [170, 170, 172],
];
const CLOTHES: [[u8; 3]; 8] = [
    [40, 52, 82],
    [60, 60, 64],
    [24, 24, 28],
    [92, 32, 40],
    [40, 82, 60],
    [230, 120, 30],
    [220, 200, 40],
    [110, 120, 140],
];

fn shade(c: [u8; 3], f: f32) -> Rgb<u8> {
    // Adding a half and truncating rounds without a call to libm's `roundf` for every pixel.
    Rgb(c.map(|v| (f32::from(v) * f + 0.5).clamp(0.0, 255.0) as u8))
}

/// Draws the placeholder portrait with plain pixel maths.
fn draw_placeholder(seed: u64) -> RgbImage {
    let (w, h) = (350u32, 450u32);
    let mut r = Mix(seed ^ 0x5EED_CE47_8E00_0C55);
    let bg = r.pick(&BACKGROUNDS);
    let skin = r.pick(&SKIN);
    let hair = r.pick(&HAIR);
    let clothes = r.pick(&CLOTHES);
    let shirt = r.pick(&[[245u8, 245, 245], [200, 220, 240], skin]);
    let (wf, hf) = (w as f32, h as f32);
    let cx = wf * r.range(0.48, 0.52);
    let head_cy = hf * r.range(0.38, 0.42);
    let head_rx = wf * r.range(0.16, 0.19);
    let head_ry = head_rx * r.range(1.22, 1.36);
    // Hair: a cap over the top of the head, longer at the sides for some.
    let hair_len = r.range(-0.2, 0.9); // how far down the sides, in head radii (negative: very short)
    let hair_puff = r.range(1.03, 1.16);
    let bald = matches!(r.next() % 12, 0); // one in twelve (`is_multiple_of` needs Rust 1.87)
    let neck_w = head_rx * r.range(0.55, 0.68);
    let shoulder_top = head_cy + head_ry * r.range(1.18, 1.3);
    let shoulder_rx = wf * r.range(0.47, 0.54);
    let shoulder_ry = (hf - shoulder_top) * r.range(1.05, 1.2);
    let collar_depth = hf * r.range(0.05, 0.10);
    RgbImage::from_fn(w, h, |x, y| {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        let (dx, dy) = (px - cx, py - head_cy);
        let head = (dx / head_rx).powi(2) + (dy / head_ry).powi(2);
        let hair_d = (dx / (head_rx * hair_puff)).powi(2) + ((dy + head_ry * 0.06) / (head_ry * hair_puff)).powi(2);
        // Shoulders: the top of a wide ellipse whose centre sits below the frame.
        let sy = py - (shoulder_top + shoulder_ry);
        let shoulders = (dx / shoulder_rx).powi(2) + (sy / shoulder_ry).powi(2);
        // A V collar opening below the neck.
        let collar = py >= shoulder_top - 2.0 && dx.abs() < neck_w * (1.0 - (py - shoulder_top) / collar_depth);
        let light = 1.0 - 0.12 * (dx / wf + dy / hf);
        if !bald && hair_d <= 1.0 && (dy < -head_ry * 0.45 || (head > 1.0 && dy < head_ry * hair_len)) {
            shade(hair, light * (1.0 - 0.1 * hair_d))
        } else if head <= 1.0 {
            shade(skin, light * (1.02 - 0.1 * head))
        } else if shoulders <= 1.0 {
            if collar {
                shade(shirt, 0.95)
            } else {
                shade(clothes, light * (1.0 - 0.15 * shoulders))
            }
        } else if dx.abs() <= neck_w && py > head_cy && py < shoulder_top + collar_depth {
            shade(skin, 0.86)
        } else {
            // A soft vertical gradient, lighter at the top.
            shade(bg, 1.03 - 0.08 * py / hf)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::png::PngEncoder;
    use image::{ImageEncoder, Rgba, RgbaImage};

    fn png_rgba(w: u32, h: u32) -> Vec<u8> {
        let img = RgbaImage::from_fn(w, h, |x, y| {
            Rgba([(x % 256) as u8, (y % 256) as u8, 90, if x < w / 2 { 0 } else { 255 }])
        });
        let mut out = Vec::new();
        PngEncoder::new(&mut out).write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgba8).unwrap();
        out
    }

    /// A JPEG with an EXIF APP1 segment (orientation 6: rotate 90 degrees clockwise) spliced in after SOI.
    fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128]));
        let mut plain = Vec::new();
        JpegEncoder::new_with_quality(&mut plain, 90).encode_image(&img).unwrap();
        // TIFF header (little endian), one IFD entry: Orientation (0x0112), SHORT, 1, value 6; plus
        // an ImageDescription-like marker string in the payload to look for afterwards.
        let mut tiff = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
        tiff.extend_from_slice(b"GPS-SECRET-MARKER 51.5N 0.1W\0");
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(&tiff);
        let len = (payload.len() + 2) as u16;
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&plain[2..]);
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn ratio_ok(p: &Photo) {
        // 35:45 within a pixel.
        let want_h = f64::from(p.width()) * 45.0 / 35.0;
        assert!((f64::from(p.height()) - want_h).abs() <= 1.0, "{p:?} is not 35:45");
    }

    #[test]
    fn png_with_alpha_is_cropped_flattened_and_reencoded() {
        let p = Photo::from_upload(&png_rgba(800, 600), None).unwrap();
        assert!(p.as_bytes().starts_with(&[0xFF, 0xD8]));
        ratio_ok(&p);
        assert_eq!((p.width(), p.height()), MAX_PORTRAIT);
        assert!(p.as_bytes().len() <= MAX_PORTRAIT_BYTES);
        let back = image::load_from_memory(p.as_bytes()).unwrap().to_rgb8();
        // The left half was transparent: it is white now, not black.
        let px = back.get_pixel(5, 270).0;
        assert!(px.iter().all(|&c| c > 235), "transparent area became {px:?}");
        let again = Photo::from_stored(p.as_bytes().to_vec()).unwrap();
        assert_eq!(again, p);
    }

    #[test]
    fn exif_is_stripped_and_orientation_applied() {
        let input = jpeg_with_exif(300, 200);
        assert!(contains(&input, b"Exif") && contains(&input, b"GPS-SECRET-MARKER"));
        let p = Photo::from_upload(&input, None).unwrap();
        assert!(!contains(p.as_bytes(), b"Exif"), "the EXIF block survived");
        assert!(!contains(p.as_bytes(), b"GPS-SECRET-MARKER"));
        assert!(!p.as_bytes().windows(2).any(|w| w == [0xFF, 0xE1]), "an APP1 marker survived");
        // Rotated upright it is 200 wide and 300 tall: the 35:45 crop is 200 x 257.
        assert_eq!(p.width(), 200);
        ratio_ok(&p);
        let ev = Photo::evidence(&input).unwrap();
        assert_eq!((ev.width(), ev.height()), (200, 300), "evidence is turned upright, not cropped");
        assert!(!contains(ev.as_bytes(), b"Exif"));
    }

    #[test]
    fn a_framed_part_becomes_the_portrait_and_a_frame_outside_is_refused() {
        // Red on the left half, blue on the right: a frame on the right gives an all-blue portrait.
        let img = RgbImage::from_fn(1000, 600, |x, _| if x < 500 { Rgb([220, 20, 20]) } else { Rgb([20, 20, 220]) });
        let mut png = Vec::new();
        PngEncoder::new(&mut png).write_image(img.as_raw(), 1000, 600, image::ExtendedColorType::Rgb8).unwrap();
        let framed: Crop = "600, 100, 350, 451".parse().unwrap();
        let p = Photo::from_upload(&png, Some(framed)).unwrap();
        ratio_ok(&p);
        let back = image::load_from_memory(p.as_bytes()).unwrap().to_rgb8();
        for (x, y) in [(0, 0), (p.width() - 1, p.height() - 1), (p.width() / 2, p.height() / 2)] {
            let [r, _, b] = back.get_pixel(x, y).0;
            assert!(b > 150 && r < 80, "pixel {x},{y} is not from the framed blue part");
        }
        let centred = image::load_from_memory(Photo::from_upload(&png, None).unwrap().as_bytes()).unwrap().to_rgb8();
        assert!(centred.get_pixel(2, 2).0[0] > 150, "without a frame the centre (half red) is kept");

        let outside = Crop { x: 700, y: 0, width: 350, height: 450 };
        let err = Photo::from_upload(&png, Some(outside)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "crop: reaches outside the picture, which is 1000 x 600 pixels; frame a part inside it"
        );
        let tiny = Crop { x: 0, y: 0, width: 70, height: 90 };
        assert!(Photo::from_upload(&png, Some(tiny)).unwrap_err().to_string().contains("too small to print"));
        for bad in ["1,2,3", "a,b,c,d", "1,2,3,4,5", "-1,0,10,10"] {
            assert!(bad.parse::<Crop>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn tall_and_exact_shapes_keep_the_passport_ratio() {
        for (w, h) in [(180, 600), (350, 450), (1001, 999), (141, 181)] {
            let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 200) as u8, (y % 200) as u8, 40]));
            let mut png = Vec::new();
            PngEncoder::new(&mut png).write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8).unwrap();
            let p = Photo::from_upload(&png, None).unwrap();
            ratio_ok(&p);
            assert!(p.width() <= MAX_PORTRAIT.0 && p.height() <= MAX_PORTRAIT.1);
        }
    }

    #[test]
    fn noisy_photos_are_squeezed_under_the_size_limit() {
        let mut r = Mix(7);
        let img = RgbImage::from_fn(1400, 1800, |_, _| {
            let v = r.next();
            Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
        });
        let mut png = Vec::new();
        PngEncoder::new(&mut png).write_image(img.as_raw(), 1400, 1800, image::ExtendedColorType::Rgb8).unwrap();
        let p = Photo::from_upload(&png, None).unwrap();
        assert!(p.as_bytes().len() <= MAX_PORTRAIT_BYTES, "{} bytes", p.as_bytes().len());
        ratio_ok(&p);
        let ev = Photo::evidence(&png).unwrap();
        assert!(ev.as_bytes().len() <= MAX_EVIDENCE_BYTES, "{} bytes", ev.as_bytes().len());
        assert!(ev.width().max(ev.height()) <= MAX_EVIDENCE_SIDE);
    }

    #[test]
    fn evidence_is_scaled_to_1600_on_the_long_side_and_not_cropped() {
        let img = RgbImage::from_fn(3200, 2400, |x, y| Rgb([(x / 13) as u8, (y / 10) as u8, 60]));
        let mut jpg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpg, 80).encode_image(&img).unwrap();
        let ev = Photo::evidence(&jpg).unwrap();
        assert_eq!((ev.width(), ev.height()), (1600, 1200));
        assert!(ev.as_bytes().len() <= MAX_EVIDENCE_BYTES);
        let small = Photo::evidence(&png_rgba(90, 60)).unwrap();
        assert_eq!((small.width(), small.height()), (90, 60), "small evidence is kept as it is");
    }

    #[test]
    fn garbage_oversized_and_tiny_images_are_refused() {
        let err = Photo::from_upload(b"GIF89a not really", None).unwrap_err();
        assert_eq!(err.to_string(), "photo: is not a JPEG or PNG image; save it as one of those and try again");
        let err = Photo::from_upload(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2, 3], None).unwrap_err();
        assert!(err.to_string().contains("damaged or incomplete"), "{err}");
        let mut big = vec![0u8; MAX_UPLOAD_BYTES + 1];
        big[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
        assert!(Photo::from_upload(&big, None).unwrap_err().to_string().contains("too large"));
        let err = Photo::from_upload(&png_rgba(200, 150), None).unwrap_err();
        assert!(err.to_string().contains("too small to print"), "{err}");
        assert!(matches!(err, Error::Invalid { field: "photo", .. }));
        assert!(Photo::from_stored(b"not a jpeg".to_vec()).is_err());
    }

    #[test]
    fn a_png_claiming_huge_dimensions_is_refused_before_decoding() {
        // A valid PNG header (IHDR) for 60000 x 60000 pixels with no data: a decompression bomb's shape.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        let err = Photo::from_upload(&png, None).unwrap_err();
        assert!(err.to_string().contains("too many pixels"), "{err}");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn placeholders_decode_and_differ_by_seed() {
        let a = Photo::placeholder(1);
        let b = Photo::placeholder(2);
        assert_eq!(a, Photo::placeholder(1), "the same seed draws the same portrait");
        assert_ne!(a.as_bytes(), b.as_bytes());
        ratio_ok(&a);
        assert!(a.as_bytes().len() <= MAX_PORTRAIT_BYTES);
        let img = image::load_from_memory(a.as_bytes()).unwrap().to_rgb8();
        // A portrait, not noise: the top corners are the flat background, the centre of the head is
        // a face-coloured patch unlike it, and the bottom centre is clothing.
        let (w, h) = (img.width(), img.height());
        let corner = img.get_pixel(3, 3).0;
        let other_corner = img.get_pixel(w - 4, 3).0;
        assert!(corner.iter().zip(other_corner).all(|(a, b)| a.abs_diff(b) < 12), "flat background");
        let face = img.get_pixel(w / 2, h * 42 / 100).0;
        let diff: u32 = face.iter().zip(corner).map(|(a, b)| u32::from(a.abs_diff(b))).sum();
        assert!(diff > 30, "face {face:?} vs background {corner:?}");
        let chest = img.get_pixel(w / 8, h - 3).0;
        let diff: u32 = chest.iter().zip(corner).map(|(a, b)| u32::from(a.abs_diff(b))).sum();
        assert!(diff > 30, "clothing {chest:?} vs background {corner:?}");
        // Distinct seeds give distinct looks across a handful.
        let looks: std::collections::HashSet<Vec<u8>> =
            (0..8).map(|s| Photo::placeholder(s).as_bytes().to_vec()).collect();
        assert_eq!(looks.len(), 8);
    }
}
