//! PDF/A-2b pieces: the sRGB output profile, the document's date and the XMP metadata packet.

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
    /// The day PDF/A files carry when the user gives none: 1970-01-01, the start of Unix time
    /// (what `SOURCE_DATE_EPOCH=0` gives), so that a design renders to the same bytes on any day.
    pub const FIXED: Day = Day { year: 1970, month: 1, day: 1 };

    /// The day of `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when it is set, else
    /// [`Day::FIXED`]. Never the clock.
    pub fn for_pdf_a() -> Day {
        Day::from_source_date_epoch(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())
    }

    /// The day of a `SOURCE_DATE_EPOCH` value; [`Day::FIXED`] when there is none, or when it is
    /// not a non-negative whole number (ignored, as if unset).
    pub fn from_source_date_epoch(value: Option<&str>) -> Day {
        value.and_then(|v| v.trim().parse::<u64>().ok()).map_or(Day::FIXED, Day::from_unix_seconds)
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

/// The sRGB output profile of PDF/A files: `icc/sRGB.icc`, Little CMS's sRGB IEC 61966-2-1 as
/// Debian's icc-profiles-free 2.0.1 ships it (an ICC version 2.3 display profile, Zlib licence;
/// source and licence in `icc/README.md`), built into the binary unchanged.
pub const SRGB_ICC_PROFILE: &[u8] = include_bytes!("../../icc/sRGB.icc");

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

    /// The profile connection space illuminant, D50, as ICC.1 spells it.
    const D50: [f64; 3] = [0.9642, 1.0, 0.8249];

    #[test]
    fn icc_header_fields() {
        let profile = SRGB_ICC_PROFILE;
        assert_eq!(u32_at(profile, 0), profile.len());
        // Version 2 (2.3): PDF/A-2b takes it, as it takes version 4.
        assert_eq!(profile[8], 2);
        assert_eq!(&profile[12..16], b"mntr");
        assert_eq!(&profile[16..20], b"RGB ");
        assert_eq!(&profile[20..24], b"XYZ ");
        assert_eq!(&profile[36..40], b"acsp");
        assert_eq!(u32_at(profile, 64), 0);
        // D50 exactly as ICC.1:2001-04 spells it: 0x0000F6D6, 0x00010000, 0x0000D32D.
        assert_eq!(&profile[68..80], &[0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D]);
    }

    #[test]
    fn icc_tags_in_bounds_and_aligned() {
        let profile = SRGB_ICC_PROFILE;
        let tags = tags(profile);
        let table_end = 132 + 12 * tags.len();
        for signature in [b"desc", b"cprt", b"wtpt", b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC"] {
            assert!(tags.iter().any(|(s, ..)| s == signature), "no {}", String::from_utf8_lossy(signature));
        }
        for (signature, offset, size) in &tags {
            let name = String::from_utf8_lossy(signature);
            assert_eq!(offset % 4, 0, "{name} offset");
            assert!(*offset >= table_end && offset + size <= profile.len(), "{name} out of bounds");
            // Each element starts with its type signature and four reserved zero bytes.
            assert_eq!(&profile[offset + 4..offset + 8], &[0; 4], "{name} reserved");
        }
        let desc = tag(profile, b"desc");
        assert_eq!(&desc[..4], b"desc");
        assert_eq!(&desc[12..17], b"sRGB\0");
    }

    #[test]
    fn icc_colorants_make_the_white_point() {
        let profile = SRGB_ICC_PROFILE;
        let read = |signature: &[u8; 4]| {
            let element = tag(profile, signature);
            assert_eq!(&element[..4], b"XYZ ");
            assert_eq!(element.len(), 20);
            [s15_fixed16_at(element, 8), s15_fixed16_at(element, 12), s15_fixed16_at(element, 16)]
        };
        // The Bradford-adapted sRGB colorants as they are usually published, to within the
        // rounding of the tables that publish them.
        let published = [
            (b"rXYZ", [0.4360, 0.2225, 0.0139]),
            (b"gXYZ", [0.3851, 0.7169, 0.0971]),
            (b"bXYZ", [0.1431, 0.0606, 0.7139]),
        ];
        let mut sum = [0.0; 3];
        for (signature, expected) in published {
            let got = read(signature);
            for k in 0..3 {
                assert!((got[k] - expected[k]).abs() < 0.0005, "{got:?} vs {expected:?}");
                sum[k] += got[k];
            }
        }
        // Full-strength red, green and blue together make the D50 white, to within rounding.
        for k in 0..3 {
            assert!((sum[k] - D50[k]).abs() <= 3.0 / 65536.0, "{sum:?}");
        }
    }

    #[test]
    fn icc_tone_curve() {
        let profile = SRGB_ICC_PROFILE;
        let table = curve_table(profile, b"rTRC");
        let points = table.len();
        assert!(points >= 256, "{points} points");
        assert_eq!((table[0], table[points - 1]), (0, 65535));
        assert!(table.windows(2).all(|pair| pair[0] < pair[1]), "not strictly increasing");
        // Mid-way entries are the sRGB decoding curve (IEC 61966-2-1) at that value.
        for i in [points / 4, points / 2, 3 * points / 4] {
            let v = i as f64 / (points - 1) as f64;
            let exact = ((v + 0.055) / 1.055f64).powf(2.4);
            assert!((f64::from(table[i]) / 65535.0 - exact).abs() < 2.0 / 65535.0, "entry {i}");
        }
        assert_eq!(curve_table(profile, b"gTRC"), table);
        assert_eq!(curve_table(profile, b"bTRC"), table);
    }

    #[test]
    fn pdf_a_day_is_fixed_unless_given() {
        assert_eq!(Day::from_source_date_epoch(None), Day::FIXED);
        assert_eq!(Day::FIXED, Day::from_unix_seconds(0));
        assert_eq!(Day::from_source_date_epoch(Some("1796083200")), Day { year: 2026, month: 12, day: 1 });
        assert_eq!(Day::from_source_date_epoch(Some(" 86400\n")), Day { year: 1970, month: 1, day: 2 });
        for ignored in ["", "-1", "yesterday", "1.5"] {
            assert_eq!(Day::from_source_date_epoch(Some(ignored)), Day::FIXED, "{ignored:?}");
        }
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
