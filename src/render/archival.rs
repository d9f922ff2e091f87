//! PDF/A-2b pieces: the sRGB output profile and the XMP metadata packet.

use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar day (UTC), the only precision letterkit's dates carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// The year, 1970 to 9999.
    pub year: u16,
    /// The month, 1 (January) to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
}

/// 9999-12-31T23:59:59Z in seconds since 1970: PDF dates (ISO 32000-2 §7.9.4) and XMP dates
/// (ISO 16684-1, the ISO 8601 subset) both spell the year with exactly four digits, so later
/// times are held at this one.
const LAST_FOUR_DIGIT_SECOND: u64 = 253_402_300_799;

impl Day {
    /// The day of `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when set, else today (UTC).
    ///
    /// A `SOURCE_DATE_EPOCH` that is not a non-negative whole number is ignored, as if unset.
    pub fn for_pdf_a() -> Day {
        let seconds = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|value| value.trim().parse::<u64>().ok())
            .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
        Day::from_unix_seconds(seconds)
    }

    /// The civil day containing `seconds` since 1970-01-01 UTC (Howard Hinnant's days-from-civil inverse).
    ///
    /// Times after 9999-12-31 give that day, the last one a four-digit year can spell.
    pub fn from_unix_seconds(seconds: u64) -> Day {
        // Hinnant, "chrono-Compatible Low-Level Date Algorithms", civil_from_days, here for
        // days >= 0 only, so every step stays in unsigned arithmetic.
        let days = seconds.min(LAST_FOUR_DIGIT_SECOND) / 86_400;
        // Count from 0000-03-01, 719468 days before 1970-01-01, so that the leap day ends each year.
        let z = days + 719_468;
        // 146097 days in each 400-year Gregorian era.
        let era = z / 146_097;
        let day_of_era = z % 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        // Months counted from March: 153 days in each five-month run of 31, 30, 31, 30, 31.
        let march_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * march_month + 2) / 5 + 1;
        let month = if march_month < 10 { march_month + 3 } else { march_month - 9 };
        let year = era * 400 + year_of_era + u64::from(month <= 2);
        // The clamp above keeps the year at most 9999, so these never truncate.
        Day { year: year as u16, month: month as u8, day: day as u8 }
    }

    /// `D:YYYYMMDD` for the document information dictionary.  (must equal the XMP date below)
    pub fn pdf_string(self) -> String {
        // ISO 32000-1 7.9.4: D:YYYYMMDDHHmmSSOHH'mm. Midnight UTC written out in full, so
        // validators compare it with the XMP date without guessing a time zone.
        format!("D:{:04}{:02}{:02}000000Z", self.year, self.month, self.day)
    }

    /// `YYYY-MM-DDT00:00:00Z` for XMP: the same instant as [`Day::pdf_string`].
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}T00:00:00Z", self.year, self.month, self.day)
    }
}

/// Length of an ICC profile header (ICC.1:2001-04, "Profile header").
const ICC_HEADER_LEN: usize = 128;

/// The profile connection space illuminant, CIE D50, as XYZ (ICC.1:2001-04, "Profile header",
/// bytes 68..80). Version 2 display profiles also give it as their media white point.
const D50: [f64; 3] = [0.9642, 1.0, 0.8249];

/// The sRGB red, green and blue primaries as CIE 1931 xy chromaticities (IEC 61966-2-1:1999,
/// the reference display's primaries, the same as ITU-R BT.709's).
const SRGB_PRIMARIES: [[f64; 2]; 3] = [[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]];

/// The sRGB white point, D65, as a CIE 1931 xy chromaticity (IEC 61966-2-1:1999).
const SRGB_WHITE: [f64; 2] = [0.3127, 0.3290];

/// The Bradford cone-response matrix of the linear Bradford transform, which the ICC recommends
/// for adapting a display's colorants from its own white point to the D50 of the PCS.
const BRADFORD: Matrix = [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]];

/// Entries in the tone curve table: at 1024 points, linear interpolation between them strays
/// from the exact curve by far less than one step of the 16-bit entries.
const TRC_POINTS: usize = 1024;

/// An ICC v2 display profile for sRGB IEC 61966-2.1 (D50 PCS), built from its published
/// primaries, white point and tone curve; embedded as the PDF/A output intent.
pub fn srgb_icc_profile() -> Vec<u8> {
    let [red, green, blue] = srgb_d50_colorants();
    let elements = [
        text_description("sRGB IEC61966-2.1"),
        text("No copyright, use it freely"),
        xyz(D50),
        xyz(red),
        xyz(green),
        xyz(blue),
        curve(&srgb_tone_curve()),
    ];
    // Tag signature and the element it points at; the three channels share one tone curve,
    // which ICC.1:2001-04 ("Tag table") allows.
    let tags: [(&[u8; 4], usize); 9] = [
        (b"desc", 0),
        (b"cprt", 1),
        (b"wtpt", 2),
        (b"rXYZ", 3),
        (b"gXYZ", 4),
        (b"bXYZ", 5),
        (b"rTRC", 6),
        (b"gTRC", 6),
        (b"bTRC", 6),
    ];

    // The tag table (a count, then signature, offset and size per tag) follows the header, and
    // each element starts on a 4-byte boundary, zero-padded (ICC.1:2001-04, "Tag table").
    let table_end = ICC_HEADER_LEN + 4 + 12 * tags.len();
    let mut data = Vec::new();
    let mut offsets = Vec::with_capacity(elements.len());
    for element in &elements {
        offsets.push(table_end + data.len());
        data.extend_from_slice(element);
        data.resize(data.len().next_multiple_of(4), 0);
    }
    let size = table_end + data.len();

    // The header, ICC.1:2001-04 "Profile header", byte by byte.
    let mut profile = Vec::with_capacity(size);
    put_u32(&mut profile, size); // 0..4: profile size
    profile.extend_from_slice(&[0; 4]); // 4..8: preferred CMM, none
    profile.extend_from_slice(&[2, 0x10, 0, 0]); // 8..12: version 2.1.0
    profile.extend_from_slice(b"mntr"); // 12..16: display device class
    profile.extend_from_slice(b"RGB "); // 16..20: data colour space
    profile.extend_from_slice(b"XYZ "); // 20..24: profile connection space
    // 24..36: creation date and time, fixed so that the bytes never change: 2026-01-01 00:00:00.
    for part in [2026u16, 1, 1, 0, 0, 0] {
        profile.extend_from_slice(&part.to_be_bytes());
    }
    profile.extend_from_slice(b"acsp"); // 36..40: profile file signature
    // 40..64: primary platform, flags, device manufacturer, model and attributes: none, all zero.
    profile.resize(64, 0);
    put_u32(&mut profile, 0); // 64..68: rendering intent, perceptual
    put_xyz(&mut profile, D50); // 68..80: PCS illuminant
    // 80..128: creator, then reserved bytes (the profile ID of later versions), all zero.
    profile.resize(ICC_HEADER_LEN, 0);

    put_u32(&mut profile, tags.len());
    for (signature, element) in tags {
        profile.extend_from_slice(signature);
        put_u32(&mut profile, offsets[element]);
        put_u32(&mut profile, elements[element].len());
    }
    profile.extend_from_slice(&data);
    profile
}

/// A 3×3 matrix, as its three rows.
type Matrix = [[f64; 3]; 3];

/// The sRGB red, green and blue colorants as XYZ under D50: each primary scaled so that the
/// three add up to the D65 white point, then adapted to D50 with the linear Bradford transform.
fn srgb_d50_colorants() -> [[f64; 3]; 3] {
    let primaries = SRGB_PRIMARIES.map(xyz_from_xy);
    // Primaries as the columns of a matrix: solving it for the white point gives each one's share.
    let columns: Matrix = std::array::from_fn(|row| std::array::from_fn(|column| primaries[column][row]));
    let share = apply(&inverse(&columns), xyz_from_xy(SRGB_WHITE));
    let from_cones = inverse(&BRADFORD);
    let cone_white = apply(&BRADFORD, xyz_from_xy(SRGB_WHITE));
    let cone_d50 = apply(&BRADFORD, D50);
    std::array::from_fn(|i| {
        let cones = apply(&BRADFORD, primaries[i].map(|c| c * share[i]));
        apply(&from_cones, std::array::from_fn(|k| cones[k] * cone_d50[k] / cone_white[k]))
    })
}

/// XYZ with Y = 1 of the colour with chromaticity `[x, y]`.
fn xyz_from_xy([x, y]: [f64; 2]) -> [f64; 3] {
    [x / y, 1.0, (1.0 - x - y) / y]
}

/// `matrix` times the column vector `v`.
fn apply(matrix: &Matrix, v: [f64; 3]) -> [f64; 3] {
    matrix.map(|row| row[0] * v[0] + row[1] * v[1] + row[2] * v[2])
}

/// The inverse of `m`, as its adjugate over its determinant.
fn inverse(m: &Matrix) -> Matrix {
    let cofactor = |r: usize, c: usize| {
        let (r1, r2, c1, c2) = ((r + 1) % 3, (r + 2) % 3, (c + 1) % 3, (c + 2) % 3);
        m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]
    };
    let determinant = m[0][0] * cofactor(0, 0) + m[0][1] * cofactor(0, 1) + m[0][2] * cofactor(0, 2);
    std::array::from_fn(|r| std::array::from_fn(|c| cofactor(c, r) / determinant))
}

/// The sRGB decoding curve sampled at `TRC_POINTS` even steps from 0 to 1, as 16-bit values
/// (IEC 61966-2-1:1999, nonlinear sRGB to linear: v / 12.92 up to 0.04045, else
/// ((v + 0.055) / 1.055) ^ 2.4).
fn srgb_tone_curve() -> Vec<u16> {
    (0..TRC_POINTS)
        .map(|i| {
            let v = i as f64 / (TRC_POINTS - 1) as f64;
            let linear = if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) };
            (linear * 65535.0).round() as u16
        })
        .collect()
}

/// A textDescriptionType element (ICC.1:2001-04): the ASCII description, then the Unicode and
/// ScriptCode descriptions, which version 2 requires present even when empty.
fn text_description(ascii: &str) -> Vec<u8> {
    let mut element = b"desc\0\0\0\0".to_vec();
    put_u32(&mut element, ascii.len() + 1); // ASCII count, with its terminating NUL
    element.extend_from_slice(ascii.as_bytes());
    element.push(0);
    put_u32(&mut element, 0); // Unicode language code
    put_u32(&mut element, 0); // Unicode count: none
    element.extend_from_slice(&[0, 0]); // ScriptCode code
    element.push(0); // ScriptCode count: none
    element.extend_from_slice(&[0; 67]); // the ScriptCode description's fixed 67 bytes
    element
}

/// A textType element (ICC.1:2001-04): NUL-terminated ASCII.
fn text(ascii: &str) -> Vec<u8> {
    let mut element = b"text\0\0\0\0".to_vec();
    element.extend_from_slice(ascii.as_bytes());
    element.push(0);
    element
}

/// An XYZType element (ICC.1:2001-04) holding one XYZNumber.
fn xyz(value: [f64; 3]) -> Vec<u8> {
    let mut element = b"XYZ \0\0\0\0".to_vec();
    put_xyz(&mut element, value);
    element
}

/// A curveType element (ICC.1:2001-04): a count, then the table, evenly spaced over 0..=1.
fn curve(table: &[u16]) -> Vec<u8> {
    let mut element = b"curv\0\0\0\0".to_vec();
    put_u32(&mut element, table.len());
    for entry in table {
        element.extend_from_slice(&entry.to_be_bytes());
    }
    element
}

/// Appends `value` as a big-endian uInt32Number; the profile is far smaller than 4 GiB.
fn put_u32(bytes: &mut Vec<u8>, value: usize) {
    bytes.extend_from_slice(&(value as u32).to_be_bytes());
}

/// Appends an XYZNumber: three s15Fixed16Numbers, signed with 16 fraction bits (ICC.1:2001-04).
fn put_xyz(bytes: &mut Vec<u8>, value: [f64; 3]) {
    for component in value {
        bytes.extend_from_slice(&((component * 65536.0).round() as i32).to_be_bytes());
    }
}

/// What the XMP packet says.
pub struct XmpInfo<'a> {
    /// The document's title, `dc:title`.
    pub title: &'a str,
    /// The program that made the content, `xmp:CreatorTool`.
    pub creator_tool: &'a str,
    /// The program that wrote the PDF, `pdf:Producer`.
    pub producer: &'a str,
    /// The day of `xmp:CreateDate`, `xmp:ModifyDate` and `xmp:MetadataDate`.
    pub created: Day,
    /// The document's language as a BCP 47 tag such as `en-US`, `dc:language`.
    pub language: &'a str,
    /// `xmpMM:DocumentID`, the same for every version of the document.
    pub document_id: &'a str,
    /// `xmpMM:InstanceID`, different for each version of the document.
    pub instance_id: &'a str,
}

/// The XMP metadata packet (UTF-8, with `<?xpacket begin=... ?>` and `<?xpacket end="w"?>`),
/// declaring PDF/A-2b: pdfaid:part 2, pdfaid:conformance B; dc:title (rdf:Alt, xml:lang x-default),
/// dc:format application/pdf, dc:language (rdf:Bag), xmp:CreatorTool, xmp:CreateDate, xmp:ModifyDate,
/// xmp:MetadataDate (all the same day), pdf:Producer, xmpMM:DocumentID and xmpMM:InstanceID
/// (as `uuid:`-free plain strings given by the caller). All text XML-escaped (& < > " ').
pub fn xmp_packet(info: &XmpInfo) -> String {
    let title = escape(info.title);
    let creator_tool = escape(info.creator_tool);
    let producer = escape(info.producer);
    let language = escape(info.language);
    let document_id = escape(info.document_id);
    let instance_id = escape(info.instance_id);
    let date = info.created.iso();
    // ISO 19005-2 §6.6.2.1: the packet header carries neither `bytes` nor `encoding`; `begin` is
    // U+FEFF and `id` the fixed value of ISO 16684-1 (XMP). §6.6.4 identifies PDF/A-2b with
    // pdfaid:part 2 and pdfaid:conformance B, from the schema at http://www.aiim.org/pdfa/ns/id/.
    format!(
        r#"<?xpacket begin="{bom}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{language}</rdf:li></rdf:Bag></dc:language>
   <xmp:CreatorTool>{creator_tool}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <pdf:Producer>{producer}</pdf:Producer>
   <xmpMM:DocumentID>{document_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>{instance_id}</xmpMM:InstanceID>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        bom = '\u{FEFF}',
    )
}

/// `text` as XML character data: the five markup characters as entities, and the characters
/// XML 1.0 cannot carry at all (controls other than tab, line feed and carriage return, and
/// U+FFFE, U+FFFF; XML 1.0 §2.2 "Char") left out.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // A carriage return as such would be read back as a line feed (XML 1.0 §2.11).
            '\r' => escaped.push_str("&#xD;"),
            _ if !is_xml_char(c) => {}
            _ => escaped.push(c),
        }
    }
    escaped
}

/// `text` without the characters XML 1.0 cannot carry, which the XMP leaves out: the PDF/A
/// information dictionary holds the same text as the XMP (ISO 19005-2 6.6.2.3.1).
pub fn xml_chars(text: &str) -> String {
    text.chars().filter(|&c| is_xml_char(c)).collect()
}

/// Whether XML 1.0 can carry `c` (§2.2 "Char"): not a control other than tab, line feed and
/// carriage return, nor U+FFFE or U+FFFF.
fn is_xml_char(c: char) -> bool {
    !matches!(c, '\0'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(bytes: &[u8], at: usize) -> usize {
        u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
    }

    fn s15_fixed16_at(bytes: &[u8], at: usize) -> f64 {
        f64::from(i32::from_be_bytes(bytes[at..at + 4].try_into().unwrap())) / 65536.0
    }

    /// The tag table as signature, offset and size.
    fn tags(profile: &[u8]) -> Vec<([u8; 4], usize, usize)> {
        let count = u32_at(profile, 128);
        (0..count)
            .map(|i| {
                let at = 132 + 12 * i;
                (profile[at..at + 4].try_into().unwrap(), u32_at(profile, at + 4), u32_at(profile, at + 8))
            })
            .collect()
    }

    fn tag<'a>(profile: &'a [u8], signature: &[u8; 4]) -> &'a [u8] {
        let (_, offset, size) = tags(profile).into_iter().find(|(s, ..)| s == signature).unwrap();
        &profile[offset..offset + size]
    }

    fn curve_table(profile: &[u8], signature: &[u8; 4]) -> Vec<u16> {
        let element = tag(profile, signature);
        assert_eq!(&element[..4], b"curv");
        let count = u32_at(element, 8);
        assert_eq!(element.len(), 12 + 2 * count);
        element[12..].chunks(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect()
    }

    #[test]
    fn icc_header_fields() {
        let profile = srgb_icc_profile();
        assert_eq!(u32_at(&profile, 0), profile.len());
        assert_eq!(profile.len() % 4, 0);
        assert_eq!(&profile[4..8], &[0; 4]);
        assert_eq!(&profile[8..12], &[0x02, 0x10, 0, 0]);
        assert_eq!(&profile[12..16], b"mntr");
        assert_eq!(&profile[16..20], b"RGB ");
        assert_eq!(&profile[20..24], b"XYZ ");
        assert_eq!(&profile[24..36], &[0x07, 0xEA, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&profile[36..40], b"acsp");
        assert_eq!(u32_at(&profile, 64), 0);
        // D50 exactly as ICC.1:2001-04 spells it: 0x0000F6D6, 0x00010000, 0x0000D32D.
        assert_eq!(&profile[68..80], &[0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D]);
        assert!(profile[80..128].iter().all(|&b| b == 0));
    }

    #[test]
    fn icc_tags_in_bounds_and_aligned() {
        let profile = srgb_icc_profile();
        let tags = tags(&profile);
        let signatures: Vec<&[u8]> = tags.iter().map(|(s, ..)| &s[..]).collect();
        let expected: [&[u8]; 9] =
            [b"desc", b"cprt", b"wtpt", b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC"];
        assert_eq!(signatures, expected);
        let table_end = 132 + 12 * tags.len();
        for (signature, offset, size) in &tags {
            let name = String::from_utf8_lossy(signature);
            assert_eq!(offset % 4, 0, "{name} offset");
            assert_eq!(size % 4, 0, "{name} size");
            assert!(*offset >= table_end && offset + size <= profile.len(), "{name} out of bounds");
            // Each element starts with its type signature and four reserved zero bytes.
            assert_eq!(&profile[offset + 4..offset + 8], &[0; 4], "{name} reserved");
        }
        // The elements, shared ones counted once, fill the rest of the profile exactly.
        let mut spans: Vec<(usize, usize)> = tags.iter().map(|&(_, o, s)| (o, s)).collect();
        spans.sort();
        spans.dedup();
        let mut end = table_end;
        for (offset, size) in spans {
            assert_eq!(offset, end);
            end = (offset + size).next_multiple_of(4);
        }
        assert_eq!(end, profile.len());
    }

    #[test]
    fn icc_text_tags() {
        let profile = srgb_icc_profile();
        let desc = tag(&profile, b"desc");
        assert_eq!(&desc[..4], b"desc");
        let name = b"sRGB IEC61966-2.1\0";
        assert_eq!(u32_at(desc, 8), name.len());
        assert_eq!(&desc[12..12 + name.len()], name);
        // Unicode language and count, ScriptCode code and count, then 67 bytes: all zero.
        assert_eq!(desc.len(), 12 + name.len() + 4 + 4 + 2 + 1 + 67);
        assert!(desc[12 + name.len()..].iter().all(|&b| b == 0));
        let cprt = tag(&profile, b"cprt");
        assert_eq!(&cprt[..4], b"text");
        assert_eq!(&cprt[8..], b"No copyright, use it freely\0");
    }

    #[test]
    fn icc_white_and_colorants() {
        let profile = srgb_icc_profile();
        let read = |signature: &[u8; 4]| {
            let element = tag(&profile, signature);
            assert_eq!(&element[..4], b"XYZ ");
            assert_eq!(element.len(), 20);
            [s15_fixed16_at(element, 8), s15_fixed16_at(element, 12), s15_fixed16_at(element, 16)]
        };
        assert_eq!(tag(&profile, b"wtpt")[8..], profile[68..80]);
        // The Bradford-adapted colorants to four places, as Little CMS's built-in sRGB profile also
        // has them. Tables that give blue Z as 0.7141 adapted to a D50 with Z 0.8252, not ICC's 0.8249.
        let published = [
            (b"rXYZ", [0.4360, 0.2225, 0.0139]),
            (b"gXYZ", [0.3851, 0.7169, 0.0971]),
            (b"bXYZ", [0.1431, 0.0606, 0.7139]),
        ];
        let mut sum = [0.0; 3];
        for (signature, expected) in published {
            let got = read(signature);
            for k in 0..3 {
                assert!((got[k] - expected[k]).abs() < 0.0001, "{got:?} vs {expected:?}");
                sum[k] += got[k];
            }
        }
        // Full-strength red, green and blue together make the white point, to within rounding.
        for k in 0..3 {
            assert!((sum[k] - D50[k]).abs() <= 2.0 / 65536.0, "{sum:?}");
        }
    }

    #[test]
    fn icc_tone_curve() {
        let profile = srgb_icc_profile();
        let table = curve_table(&profile, b"rTRC");
        assert_eq!(table.len(), TRC_POINTS);
        assert_eq!(table[0], 0);
        assert_eq!(table[TRC_POINTS - 1], 65535);
        assert!(table.windows(2).all(|pair| pair[0] < pair[1]), "not strictly increasing");
        // The entry for 512/1023 (about mid-grey) is that value decoded (IEC 61966-2-1).
        let mid = f64::from(table[TRC_POINTS / 2]) / 65535.0;
        let v = 512.0 / 1023.0;
        assert!((mid - ((v + 0.055) / 1.055f64).powf(2.4)).abs() < 1.0 / 65535.0);
        assert_eq!(curve_table(&profile, b"gTRC"), table);
        assert_eq!(curve_table(&profile, b"bTRC"), table);
    }

    #[test]
    fn icc_deterministic() {
        assert_eq!(srgb_icc_profile(), srgb_icc_profile());
    }

    #[test]
    fn days_from_unix_seconds() {
        let day = |year, month, day| Day { year, month, day };
        assert_eq!(Day::from_unix_seconds(0), day(1970, 1, 1));
        assert_eq!(Day::from_unix_seconds(86_399), day(1970, 1, 1));
        assert_eq!(Day::from_unix_seconds(951_782_400), day(2000, 2, 29));
        assert_eq!(Day::from_unix_seconds(951_868_799), day(2000, 2, 29));
        assert_eq!(Day::from_unix_seconds(951_868_800), day(2000, 3, 1));
        assert_eq!(Day::from_unix_seconds(1_796_083_200), day(2026, 12, 1));
        // The last day of leap year 2024 is its 366th, and the next second is a new year.
        assert_eq!(Day::from_unix_seconds(1_735_689_599), day(2024, 12, 31));
        assert_eq!(Day::from_unix_seconds(1_735_689_600), day(2025, 1, 1));
        // 1900 and 2100 are not leap years; 2100-02-28 is followed by March 1st.
        assert_eq!(Day::from_unix_seconds(4_107_542_400 - 1), day(2100, 2, 28));
        assert_eq!(Day::from_unix_seconds(4_107_542_400), day(2100, 3, 1));
        assert_eq!(Day::from_unix_seconds(LAST_FOUR_DIGIT_SECOND), day(9999, 12, 31));
        assert_eq!(Day::from_unix_seconds(u64::MAX), day(9999, 12, 31));
    }

    #[test]
    fn day_strings() {
        let day = Day { year: 2026, month: 3, day: 7 };
        assert_eq!(day.pdf_string(), "D:20260307000000Z");
        assert_eq!(day.iso(), "2026-03-07T00:00:00Z");
        assert_eq!(day.pdf_string()[2..10], day.iso()[..10].replace('-', ""));
    }

    fn sample(title: &str) -> String {
        xmp_packet(&XmpInfo {
            title,
            creator_tool: "letterkit 0.1.0",
            producer: "letterkit 0.1.0",
            created: Day { year: 2026, month: 12, day: 1 },
            language: "en-US",
            document_id: "0123456789abcdef",
            instance_id: "fedcba9876543210",
        })
    }

    #[test]
    fn xmp_declares_pdf_a_2b() {
        let packet = sample("Letters");
        assert!(packet.starts_with("<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"));
        assert!(packet.ends_with("<?xpacket end=\"w\"?>"));
        for expected in [
            "pdfaid:part>2<",
            "pdfaid:conformance>B<",
            "<dc:format>application/pdf</dc:format>",
            "<rdf:Alt><rdf:li xml:lang=\"x-default\">Letters</rdf:li></rdf:Alt>",
            "<rdf:Bag><rdf:li>en-US</rdf:li></rdf:Bag>",
            "<xmp:CreatorTool>letterkit 0.1.0</xmp:CreatorTool>",
            "<xmp:CreateDate>2026-12-01T00:00:00Z</xmp:CreateDate>",
            "<xmp:ModifyDate>2026-12-01T00:00:00Z</xmp:ModifyDate>",
            "<xmp:MetadataDate>2026-12-01T00:00:00Z</xmp:MetadataDate>",
            "<pdf:Producer>letterkit 0.1.0</pdf:Producer>",
            "<xmpMM:DocumentID>0123456789abcdef</xmpMM:DocumentID>",
            "<xmpMM:InstanceID>fedcba9876543210</xmpMM:InstanceID>",
        ] {
            assert!(packet.contains(expected), "missing {expected}");
        }
        assert!(!packet.contains("uuid:"));
        assert!(!packet.contains("bytes=") && !packet.contains("encoding="));
    }

    #[test]
    fn xmp_escapes_text() {
        let packet = sample("Tom & \"Jerry\" <x>");
        assert!(packet.contains(">Tom &amp; &quot;Jerry&quot; &lt;x&gt;</rdf:li>"));
        assert!(sample("it's").contains(">it&apos;s</rdf:li>"));
        assert!(sample("a\u{0}b\u{1B}c\u{FFFF}d\te").contains(">abcd\te</rdf:li>"));
        assert!(sample("a\r\nb").contains(">a&#xD;\nb</rdf:li>"));
        assert_eq!(xml_chars("a\u{0}b\u{1B}c\u{FFFF}d\te\r\n"), "abcd\te\r\n");
        assert!(sample("Grüße, 手紙").contains(">Grüße, 手紙</rdf:li>"));
    }
}
