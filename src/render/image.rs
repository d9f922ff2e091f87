//! Pictures in the PDF: JPEG embedded as it is (DCTDecode, no recompression), PNG decoded and
//! embedded losslessly (FlateDecode) with its transparency as a soft mask; either keeps its own
//! colour profile.

use pdf_writer::{Chunk, Filter, Finish, Name, Ref};

use super::pdf::compress;
use crate::base::diag::{Diagnostic, Result};
use crate::input::picture::jpeg_header;
use crate::layout::{Picture, PictureFormat};

/// The objects that embed `picture` as image XObject `id` (and its soft mask, numbered by
/// `alloc`). PDF/A refuses CMYK pictures, as it does CMYK colours.
pub(super) fn image_objects(
    picture: &Picture,
    id: Ref,
    pdf_a: bool,
    alloc: &mut dyn FnMut() -> Ref,
) -> Result<Vec<(Ref, Chunk)>> {
    let name = picture.path.display();
    let fail = |why: String| Diagnostic::error(format!("image {name} cannot be embedded: {why}"));
    match picture.format {
        PictureFormat::Jpeg => {
            let frame = jpeg_header(&picture.data).map_err(fail)?;
            let device = match frame.components {
                1 => Name(b"DeviceGray"),
                3 => Name(b"DeviceRGB"),
                4 => Name(b"DeviceCMYK"),
                n => return Err(fail(format!("it has {n} colour channels")).into()),
            };
            // A photo's own colour profile (a phone's Display P3, a camera's Adobe RGB) goes
            // with it, so its colours print as shot (ISO 32000-1 8.6.5.5, ICCBased).
            let profile = frame.icc_profile.and_then(|p| usable_profile(p, frame.components));
            if frame.components == 4 && pdf_a && profile.is_none() {
                return Err(Diagnostic::error(format!(
                    "cannot write PDF/A-2b: image {name} is CMYK without a colour profile, which PDF/A does not allow; save it as RGB"
                ))
                .into());
            }
            let mut objects = Vec::new();
            let profile_id = profile_object(profile, frame.components, device, alloc, &mut objects);
            let mut chunk = Chunk::new();
            let mut image = chunk.image_xobject(id, &picture.data);
            image.width(frame.width as i32).height(frame.height as i32).bits_per_component(8);
            set_color_space(&mut image, profile_id, device);
            image.filter(Filter::DctDecode);
            if frame.components == 4 && frame.adobe {
                // Photoshop writes CMYK JPEGs inverted and marks them with an Adobe segment.
                image.decode([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
            }
            image.finish();
            objects.insert(0, (id, chunk));
            Ok(objects)
        }
        PictureFormat::Png => {
            let decoded = decode_png(&picture.data).map_err(fail)?;
            let mut objects = Vec::new();
            let mask = decoded.alpha.as_ref().map(|alpha| {
                let mask_id = alloc();
                let data = compress(alpha, 6);
                let mut chunk = Chunk::new();
                let mut image = chunk.image_xobject(mask_id, &data);
                image.width(decoded.width as i32).height(decoded.height as i32).bits_per_component(8);
                image.pair(Name(b"ColorSpace"), Name(b"DeviceGray"));
                image.filter(Filter::FlateDecode);
                image.finish();
                objects.push((mask_id, chunk));
                mask_id
            });
            let (components, device) =
                if decoded.gray { (1, Name(b"DeviceGray")) } else { (3, Name(b"DeviceRGB")) };
            let profile = decoded.profile.and_then(|p| usable_profile(p, components));
            let profile_id = profile_object(profile, components, device, alloc, &mut objects);
            let data = compress(&decoded.color, 6);
            let mut chunk = Chunk::new();
            {
                let mut image = chunk.image_xobject(id, &data);
                image.width(decoded.width as i32).height(decoded.height as i32).bits_per_component(8);
                set_color_space(&mut image, profile_id, device);
                if let Some(mask) = mask {
                    image.s_mask(mask);
                }
                image.filter(Filter::FlateDecode);
            }
            objects.insert(0, (id, chunk));
            Ok(objects)
        }
    }
}

/// `profile` when it is a whole ICC profile (its size field matches, ICC.1 7.2) for pictures of
/// `components` channels; a damaged or mismatched one is dropped and the device space used.
fn usable_profile(profile: Vec<u8>, components: u8) -> Option<Vec<u8>> {
    let space: &[u8; 4] = match components {
        1 => b"GRAY",
        3 => b"RGB ",
        _ => b"CMYK",
    };
    let size = profile.get(..4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let whole = profile.len() >= 128 && size == Some(profile.len()) && &profile[36..40] == b"acsp";
    (whole && &profile[16..20] == space).then_some(profile)
}

/// Writes a picture's own colour profile as an ICC stream object (ISO 32000-1 8.6.5.5), with
/// its device space as the alternate; returns its number.
fn profile_object(
    profile: Option<Vec<u8>>,
    components: u8,
    device: Name<'static>,
    alloc: &mut dyn FnMut() -> Ref,
    objects: &mut Vec<(Ref, Chunk)>,
) -> Option<Ref> {
    let profile = profile?;
    let id = alloc();
    let data = compress(&profile, 6);
    let mut chunk = Chunk::new();
    chunk.icc_profile(id, &data).n(i32::from(components)).alternate_name(device).filter(Filter::FlateDecode);
    objects.push((id, chunk));
    Some(id)
}

/// The image's colour space: its own profile, or the device space.
fn set_color_space(image: &mut pdf_writer::writers::ImageXObject, profile: Option<Ref>, device: Name) {
    match profile {
        Some(profile) => {
            image.insert(Name(b"ColorSpace")).array().item(Name(b"ICCBased")).item(profile);
        }
        None => {
            image.pair(Name(b"ColorSpace"), device);
        }
    }
}

/// A PNG as 8-bit samples: colour (grey or RGB) and, when any pixel is not opaque, alpha.
struct DecodedPng {
    width: u32,
    height: u32,
    gray: bool,
    /// Its `iCCP` colour profile, if it has one.
    profile: Option<Vec<u8>>,
    color: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

fn decode_png(data: &[u8]) -> std::result::Result<DecodedPng, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(data));
    // Palettes expanded, 16-bit samples reduced to 8: what DeviceGray/DeviceRGB take.
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.set_limits(png::Limits { bytes: 1 << 30 });
    let mut reader = decoder.read_info().map_err(|e| format!("its picture data is damaged ({e})"))?;
    let profile = reader.info().icc_profile.as_ref().map(|p| p.to_vec());
    let size = reader.output_buffer_size().ok_or("it is too large to decode")?;
    let mut buffer = vec![0; size];
    let info = reader.next_frame(&mut buffer).map_err(|e| format!("its picture data is damaged ({e})"))?;
    buffer.truncate(info.buffer_size());
    let (channels, gray, has_alpha) = match info.color_type {
        png::ColorType::Grayscale => (1, true, false),
        png::ColorType::GrayscaleAlpha => (2, true, true),
        png::ColorType::Rgb => (3, false, false),
        png::ColorType::Rgba => (4, false, true),
        png::ColorType::Indexed => return Err("its palette could not be expanded".into()),
    };
    let (width, height) = (info.width, info.height);
    // Rows may be padded; take each row's pixels.
    let row_bytes = width as usize * channels;
    let rows = buffer.chunks(info.line_size).map(|row| &row[..row_bytes]);
    if !has_alpha {
        let color = if info.line_size == row_bytes { buffer } else { rows.flatten().copied().collect() };
        return Ok(DecodedPng { width, height, gray, profile, color, alpha: None });
    }
    let color_channels = channels - 1;
    let mut color = Vec::with_capacity(width as usize * height as usize * color_channels);
    let mut alpha = Vec::with_capacity(width as usize * height as usize);
    for row in rows {
        for pixel in row.chunks_exact(channels) {
            color.extend_from_slice(&pixel[..color_channels]);
            alpha.push(pixel[color_channels]);
        }
    }
    let opaque = alpha.iter().all(|&a| a == 255);
    Ok(DecodedPng { width, height, gray, profile, color, alpha: (!opaque).then_some(alpha) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG's header up to its frame: SOI, an optional Adobe segment, SOF0.
    fn header(adobe: bool, precision: u8, components: u8) -> Vec<u8> {
        let mut data = vec![0xFF, 0xD8];
        if adobe {
            data.extend([0xFF, 0xEE, 0x00, 0x0E]);
            data.extend(b"Adobe");
            data.extend([0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x02]);
        }
        data.extend([0xFF, 0xC0, 0x00, 8 + 3 * components, precision, 0x00, 0x20, 0x00, 0x30, components]);
        for c in 0..components {
            data.extend([c + 1, 0x11, 0x00]);
        }
        // The start of scan, all components in it: zune-jpeg reads the headers up to here.
        data.extend([0xFF, 0xDA, 0x00, 6 + 2 * components, components]);
        for c in 0..components {
            data.extend([c + 1, 0x00]);
        }
        data.extend([0x00, 0x3F, 0x00]);
        data
    }

    /// The usable colour profile of a JPEG, as `image_objects` takes it.
    fn jpeg_icc_profile(data: &[u8], components: u8) -> Option<Vec<u8>> {
        jpeg_header(data).expect("header").icc_profile.and_then(|p| usable_profile(p, components))
    }

    /// A profile header of `size` bytes for colour space `space` (enough for the checks).
    fn profile(space: &[u8; 4], size: usize) -> Vec<u8> {
        let mut p = vec![0u8; size];
        p[..4].copy_from_slice(&(size as u32).to_be_bytes());
        p[16..20].copy_from_slice(space);
        p[36..40].copy_from_slice(b"acsp");
        p
    }

    /// `jpeg` with `profile` in APP2 segments of at most `per` bytes, written in `order`.
    fn with_profile(jpeg: &[u8], profile: &[u8], per: usize, order: &[usize]) -> Vec<u8> {
        let parts: Vec<&[u8]> = profile.chunks(per).collect();
        let mut out = jpeg[..2].to_vec();
        for &i in order {
            out.extend([0xFF, 0xE2]);
            out.extend(((2 + 14 + parts[i].len()) as u16).to_be_bytes());
            out.extend(b"ICC_PROFILE\0");
            out.extend([i as u8 + 1, parts.len() as u8]);
            out.extend(parts[i]);
        }
        out.extend(&jpeg[2..]);
        out
    }

    #[test]
    fn finds_a_jpegs_colour_profile_across_segments() {
        let jpeg = header(false, 8, 3);
        let rgb = profile(b"RGB ", 300);
        assert_eq!(jpeg_icc_profile(&with_profile(&jpeg, &rgb, 1000, &[0]), 3), Some(rgb.clone()));
        // Split in three and stored out of order: joined by sequence number.
        assert_eq!(jpeg_icc_profile(&with_profile(&jpeg, &rgb, 100, &[2, 0, 1]), 3), Some(rgb.clone()));
        // A missing part, a profile for other channels, or a wrong size: none is used.
        assert_eq!(jpeg_icc_profile(&with_profile(&jpeg, &rgb, 100, &[0, 2]), 3), None);
        assert_eq!(jpeg_icc_profile(&with_profile(&jpeg, &rgb, 1000, &[0]), 1), None);
        let mut short = rgb.clone();
        short[3] = 0;
        assert_eq!(jpeg_icc_profile(&with_profile(&jpeg, &short, 1000, &[0]), 3), None);
        assert_eq!(jpeg_icc_profile(&jpeg, 3), None);
    }

    #[test]
    fn reads_the_frame_and_the_adobe_mark() {
        let frame = jpeg_header(&header(true, 8, 4)).expect("frame");
        assert_eq!((frame.width, frame.height, frame.components), (48, 32, 4));
        assert!(frame.adobe, "an Adobe CMYK JPEG is drawn with an inverted Decode");
        let frame = jpeg_header(&header(false, 8, 4)).expect("frame");
        assert!(!frame.adobe, "a CMYK JPEG without an Adobe segment is not inverted");
        // 12 bits per channel: refused, saying why.
        let twelve = jpeg_header(&header(false, 12, 3)).unwrap_err();
        assert!(twelve.contains("8-bit"), "{twelve}");
    }

    #[test]
    fn refuses_a_12_bit_jpeg() {
        let picture = Picture {
            path: "deep.jpg".into(),
            data: std::sync::Arc::new(header(false, 12, 3)),
            format: PictureFormat::Jpeg,
            width_px: 48,
            height_px: 32,
            orientation: 1,
        };
        let mut next = 10;
        let error = image_objects(&picture, Ref::new(9), false, &mut || {
            next += 1;
            Ref::new(next)
        })
        .expect_err("a 12-bit JPEG is refused")
        .to_string();
        assert!(error.contains("image deep.jpg cannot be embedded") && error.contains("8-bit"), "{error}");
    }
}
