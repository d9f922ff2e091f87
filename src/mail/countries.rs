//! Countries a writer outside the United States mails from: their names, postal code forms and the order of an address's last lines, from `layouts/countries.toml`.
//!
//! A letter mailed from abroad to the United States ends its delivery address with the
//! destination country, and its return address with the sender's country, in full and in
//! capitals, alone on the last line (USPS Publication 28, A31; docs/mail-rules.md 10).

use std::sync::OnceLock;

/// The last line of the delivery address on a piece mailed from abroad (Publication 28 A31:
/// "the bottom line of the address should show only the COUNTRY name, written in full").
pub const DESTINATION: &str = "UNITED STATES OF AMERICA";

/// What people write in the `country` column for the United States and its territories: such
/// a row is domestic.
const UNITED_STATES: &[&str] = &[
    "US",
    "USA",
    "U.S.",
    "U.S.A.",
    "United States",
    "United States of America",
    "America",
    "Estados Unidos",
    "Estados Unidos de America",
    "EE.UU.",
    "EEUU",
    "E.U.A.",
    "EUA",
    "Etats-Unis",
    // The territories: USPS addresses, with their two-letter codes in `state` (Pub 28 Appendix B).
    "Puerto Rico",
    "PR",
    "Guam",
    "GU",
    "US Virgin Islands",
    "U.S. Virgin Islands",
    "VI",
    "American Samoa",
    "AS",
    "Northern Mariana Islands",
    "MP",
];

/// One country of `layouts/countries.toml` (the file's comment describes each field).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code.
    pub code: String,
    /// ISO 3166-1 alpha-3 code.
    pub code3: String,
    /// English short name; printed in capitals as an address's last line.
    pub name: String,
    /// Other names people write for it.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Its postal codes' forms as masks (`9` a digit, `A` a letter, `#` either); empty when
    /// the country has none.
    pub postal: Vec<String>,
    /// The lines after the street lines, with `{city}`, `{CITY}`, `{region}` and `{postal}`.
    pub lines: Vec<String>,
    /// Region codes, each followed by the names people write for it.
    #[serde(default)]
    pub regions: Vec<Vec<String>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    country: Vec<Country>,
}

/// Every country of the built-in table, in its order.
pub fn all() -> &'static [Country] {
    static TABLE: OnceLock<Vec<Country>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let table: Table = toml::from_str(include_str!("../../layouts/countries.toml"))
            .expect("the countries table is checked by the tests");
        table.country
    })
}

/// Where a writer mails from, by the `country` column of their row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin<'a> {
    /// The United States: the column is empty or names it.
    Domestic,
    /// A country of the table.
    Known(&'static Country),
    /// A country letterkit does not know, as written (trimmed).
    Unknown(&'a str),
}

impl PartialEq for Country {
    fn eq(&self, other: &Country) -> bool {
        self.code == other.code
    }
}

impl Eq for Country {}

/// The origin the `country` column names: compared without minding case, accents, dots,
/// commas or extra spaces, with the ISO codes, the English names and the aliases.
pub fn origin(column: &str) -> Origin<'_> {
    let written = column.trim();
    if written.is_empty() {
        return Origin::Domestic;
    }
    let wanted = key(written);
    if UNITED_STATES.iter().any(|us| key(us) == wanted) {
        return Origin::Domestic;
    }
    let found = all()
        .iter()
        .find(|c| [&c.code, &c.code3, &c.name].into_iter().chain(&c.aliases).any(|name| key(name) == wanted));
    match found {
        Some(country) => Origin::Known(country),
        None => Origin::Unknown(written),
    }
}

/// Whether an address line names the United States (an address already ending in it needs
/// no [`DESTINATION`] line).
pub fn names_united_states(line: &str) -> bool {
    let line = key(line);
    UNITED_STATES.iter().any(|us| key(us) == line)
}

/// The delivery address of a piece mailed from abroad: the lines as the campaign prints them,
/// then [`DESTINATION`] (unless the last line already names the United States).
pub fn from_abroad(delivery: &[String]) -> Vec<String> {
    let mut lines = delivery.to_vec();
    if !lines.last().is_some_and(|l| names_united_states(l)) {
        lines.push(DESTINATION.to_string());
    }
    lines
}

/// A name as compared: capitals, accents taken off, without a leading "THE", and without
/// spaces, dots and other punctuation ("EE. UU." is "EEUU").
fn key(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_uppercase) {
        match c {
            '.' => {}
            c if c.is_alphanumeric() => out.push_str(&unaccented(c)),
            _ => out.push(' '),
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let words = if words.first() == Some(&"THE") && words.len() > 1 { &words[1..] } else { &words[..] };
    words.concat()
}

/// A capital letter without its accent (the Latin letters of the names in the table and of
/// the ways people type them); other characters as they are.
fn unaccented(c: char) -> String {
    const FOLDS: &[(&str, &str)] = &[
        ("ÀÁÂÃÄÅĀĂĄ", "A"),
        ("ÇĆČ", "C"),
        ("ĎĐ", "D"),
        ("ÈÉÊËĒĖĘĚ", "E"),
        ("ÌÍÎÏĪĮ", "I"),
        ("Ł", "L"),
        ("ÑŃŇ", "N"),
        ("ÒÓÔÕÖØŌŐ", "O"),
        ("ŘŔ", "R"),
        ("ŚŠŞ", "S"),
        ("ŤŢ", "T"),
        ("ÙÚÛÜŪŮŰŲ", "U"),
        ("ÝŸ", "Y"),
        ("ŹŻŽ", "Z"),
        ("Æ", "AE"),
        ("ß", "SS"),
    ];
    FOLDS.iter().find(|(from, _)| from.contains(c)).map_or_else(|| c.to_string(), |(_, to)| to.to_string())
}

/// A postal code put in its country's form ([`Country::postal_code`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalCode {
    /// The code as it is printed.
    pub code: String,
    /// Whether a leading zero a spreadsheet dropped was put back.
    pub zero_added: bool,
}

impl Country {
    /// Its name in capitals, the last line of an address there.
    pub fn printed_name(&self) -> String {
        self.name.to_uppercase()
    }

    /// Its name in a sentence: "Canada", "the United Kingdom".
    pub fn in_sentence(&self) -> String {
        let the = ["United ", "Czech Republic", "Netherlands", "Dominican Republic"];
        if the.iter().any(|t| self.name.starts_with(t)) {
            format!("the {}", self.name)
        } else {
            self.name.clone()
        }
    }

    /// Whether addresses there have a postal code.
    pub fn uses_postal_codes(&self) -> bool {
        !self.postal.is_empty()
    }

    /// Whether its address lines print a region (the `state` column).
    pub fn uses_region(&self) -> bool {
        self.lines.iter().any(|l| l.contains("{region}"))
    }

    /// Its postal code forms in words: `A9A 9A9 (9 is a digit, A a letter)`, several joined
    /// with "or".
    pub fn postal_forms(&self) -> String {
        let forms = match self.postal.as_slice() {
            [] => return "no postal code".to_string(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        };
        let all: String = self.postal.concat();
        let mut legend = Vec::new();
        if all.contains('9') {
            legend.push("9 is a digit");
        }
        if all.contains('A') {
            legend.push("A a letter");
        }
        if all.contains('#') {
            legend.push("# a letter or a digit");
        }
        format!("{forms} ({})", legend.join(", "))
    }

    /// `value` in one of the country's postal code forms, or `None` when it has none of them.
    /// Matched loosely: case, spaces and hyphens do not matter; a prefix the form starts with
    /// (`LV-`) may be left out; a code of digits one short of an all-digit form lost its
    /// leading zero in a spreadsheet (no such form starts otherwise than with its full count).
    pub fn postal_code(&self, value: &str) -> Option<PostalCode> {
        let given: String =
            value.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
        if given.is_empty() {
            return None;
        }
        for mask in &self.postal {
            let skeleton: Vec<char> = mask.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
            let prefix: String =
                skeleton.iter().take_while(|c| c.is_ascii_alphabetic() && **c != 'A').collect();
            let mut candidates = vec![(given.clone(), false)];
            if !prefix.is_empty() && !given.starts_with(&prefix) {
                candidates.push((format!("{prefix}{given}"), false));
            }
            if skeleton.iter().all(|&c| c == '9')
                && given.len() + 1 == skeleton.len()
                && given.bytes().all(|b| b.is_ascii_digit())
            {
                candidates.push((format!("0{given}"), true));
            }
            for (candidate, zero_added) in candidates {
                if fits(&candidate, &skeleton) {
                    let mut chars = candidate.chars();
                    let code = mask
                        .chars()
                        .map(|m| if matches!(m, ' ' | '-') { m } else { chars.next().expect("same length") })
                        .collect();
                    return Some(PostalCode { code, zero_added });
                }
            }
        }
        None
    }

    /// The region code for a region written out ("Ontario" → "ON"), or for its code in lower
    /// case; `None` when the country has no such region in the table.
    pub fn region_code(&self, value: &str) -> Option<&str> {
        let wanted = key(value);
        self.regions
            .iter()
            .find(|names| names.iter().any(|n| key(n) == wanted))
            .and_then(|names| names.first())
            .map(String::as_str)
    }

    /// The address lines after the street lines, in the country's order (without the
    /// country's own line).
    pub fn lines(&self, city: &str, region: &str, postal: &str) -> Vec<String> {
        fill_lines(&self.lines, city, region, postal)
    }
}

/// The address lines after the street lines of a country letterkit does not know: the town,
/// region and postal code on one line, as written, "Town, Region 12345".
pub fn unknown_country_lines(city: &str, region: &str, postal: &str) -> Vec<String> {
    fill_lines(&["{city}, {region} {postal}".to_string()], city, region, postal)
}

/// Whether `candidate` matches a mask's characters one for one.
fn fits(candidate: &str, skeleton: &[char]) -> bool {
    candidate.chars().count() == skeleton.len()
        && candidate.chars().zip(skeleton).all(|(c, &m)| match m {
            '9' => c.is_ascii_digit(),
            'A' => c.is_ascii_alphabetic(),
            '#' => c.is_ascii_alphanumeric(),
            m => c == m,
        })
}

/// Fills line templates: a part left empty goes with the text just before it; a line left
/// empty goes.
fn fill_lines(templates: &[String], city: &str, region: &str, postal: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for template in templates {
        let mut line = String::new();
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            let separator = &rest[..open];
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let value = match &rest[open + 1..close] {
                "city" => city.to_string(),
                "CITY" => city.to_uppercase(),
                "region" => region.to_string(),
                "postal" => postal.to_string(),
                _ => String::new(),
            };
            if !value.is_empty() {
                if !line.is_empty() {
                    line.push_str(separator);
                }
                line.push_str(&value);
            }
            rest = rest.get(close + 1..).unwrap_or("");
        }
        if !line.is_empty() {
            line.push_str(rest);
            lines.push(line);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country(name: &str) -> &'static Country {
        match origin(name) {
            Origin::Known(c) => c,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn the_table_is_whole() {
        let all = all();
        assert!(all.len() >= 30, "{} countries", all.len());
        let eu = [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
            "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
        ];
        for code in eu.iter().chain(&["CA", "MX", "GB", "BR", "AR", "CO", "GT"]) {
            assert!(all.iter().any(|c| c.code == *code), "{code} missing");
        }
        let mut seen = std::collections::BTreeMap::new();
        let mut dups = Vec::new();
        for c in all {
            assert_eq!((c.code.len(), c.code3.len()), (2, 3), "{}", c.name);
            assert!(!c.lines.is_empty(), "{}", c.name);
            for line in &c.lines {
                let names: Vec<&str> = line.split('{').skip(1).filter_map(|s| s.split('}').next()).collect();
                assert!(names.iter().all(|n| ["city", "CITY", "region", "postal"].contains(n)), "{line}");
            }
            assert_eq!(c.uses_postal_codes(), c.lines.iter().any(|l| l.contains("{postal}")), "{}", c.name);
            for name in [&c.code, &c.code3, &c.name].into_iter().chain(&c.aliases) {
                if let Some(other) = seen.insert(key(name), &c.code) {
                    dups.push(format!("`{name}` of {} is also {other}'s", c.code));
                }
                assert!(!names_united_states(name), "{name}");
            }
            for region in &c.regions {
                assert!(region.len() >= 2, "{}: {region:?}", c.name);
            }
        }
        assert!(dups.is_empty(), "names that say the same: {dups:?}");
    }

    #[test]
    fn names_are_found_however_written() {
        assert_eq!(country("México").code, "MX");
        assert_eq!(country("mexico").code, "MX");
        assert_eq!(country(" MX ").code, "MX");
        assert_eq!(country("U.K.").code, "GB");
        assert_eq!(country("Scotland").code, "GB");
        assert_eq!(country("great  britain").code, "GB");
        assert_eq!(country("Deutschland").code, "DE");
        assert_eq!(country("ESPAÑA").code, "ES");
        assert_eq!(country("the Netherlands").code, "NL");
        assert_eq!(country("CA").code, "CA");
        assert_eq!(country("Česko").code, "CZ");
        for us in ["", "US", "usa", "U.S.A.", "United States", "Estados Unidos", "EE. UU.", "Puerto Rico"] {
            assert_eq!(origin(us), Origin::Domestic, "{us}");
        }
        assert_eq!(origin("Narnia"), Origin::Unknown("Narnia"));
    }

    #[test]
    fn postal_codes_are_put_in_form() {
        let code = |c: &str, v: &str| country(c).postal_code(v).map(|p| (p.code, p.zero_added));
        let ok = |s: &str| Some((s.to_string(), false));
        assert_eq!(code("CA", "m5v2t6"), ok("M5V 2T6"));
        assert_eq!(code("CA", "M5V-2T6"), ok("M5V 2T6"));
        assert_eq!(code("CA", "M5V 2T"), None);
        assert_eq!(code("MX", "6600"), Some(("06600".to_string(), true)));
        assert_eq!(code("MX", "06600"), ok("06600"));
        assert_eq!(code("GB", "sw1a1aa"), ok("SW1A 1AA"));
        assert_eq!(code("GB", "M1 1AE"), ok("M1 1AE"));
        assert_eq!(code("GB", "EC1A 1BB"), ok("EC1A 1BB"));
        assert_eq!(code("GB", "12345"), None);
        assert_eq!(code("NL", "1234ab"), ok("1234 AB"));
        assert_eq!(code("PT", "1000001"), ok("1000-001"));
        assert_eq!(code("PL", "00 950"), ok("00-950"));
        assert_eq!(code("SE", "11455"), ok("114 55"));
        assert_eq!(code("LV", "1050"), ok("LV-1050"));
        assert_eq!(code("LV", "lv-1050"), ok("LV-1050"));
        assert_eq!(code("IE", "d02 x285"), ok("D02 X285"));
        assert_eq!(code("IE", "D6W 1234"), ok("D6W 1234"));
        assert_eq!(code("AR", "C1425DBA"), ok("C1425DBA"));
        assert_eq!(code("DE", "1067"), Some(("01067".to_string(), true)));
        assert_eq!(code("BO", "1234"), None);
        assert_eq!(
            country("GB").postal_forms(),
            "A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA or AA9A 9AA (9 is a digit, A a letter)"
        );
        assert_eq!(country("CA").postal_forms(), "A9A 9A9 (9 is a digit, A a letter)");
        assert_eq!(
            country("IE").postal_forms(),
            "A99 #### or A9A #### (9 is a digit, A a letter, # a letter or a digit)"
        );
    }

    #[test]
    fn lines_follow_the_country() {
        assert_eq!(country("CA").lines("Toronto", "ON", "M5V 2T6"), ["Toronto ON  M5V 2T6"]);
        assert_eq!(
            country("MX").lines("Ciudad de México", "CDMX", "06600"),
            ["06600 Ciudad de México, CDMX"]
        );
        assert_eq!(country("MX").lines("Oaxaca", "", "68000"), ["68000 Oaxaca"]);
        assert_eq!(country("GB").lines("London", "", "SW1A 1AA"), ["LONDON", "SW1A 1AA"]);
        assert_eq!(country("DE").lines("Berlin", "", "10115"), ["10115 Berlin"]);
        assert_eq!(country("ES").lines("Madrid", "", "28001"), ["28001 Madrid"]);
        assert_eq!(country("BR").lines("São Paulo", "SP", "01310-100"), ["São Paulo - SP", "01310-100"]);
        assert_eq!(unknown_country_lines("Vaduz", "", "9490"), ["Vaduz 9490"]);
        assert_eq!(unknown_country_lines("Lagos", "Lagos State", ""), ["Lagos, Lagos State"]);
        assert_eq!(country("CA").region_code("ontario"), Some("ON"));
        assert_eq!(country("CA").region_code("Québec"), Some("QC"));
        assert_eq!(country("CA").region_code("qc"), Some("QC"));
        assert!(!country("GB").uses_region() && country("CA").uses_region());
        assert_eq!(
            (country("GB").in_sentence(), country("MX").in_sentence()),
            ("the United Kingdom".into(), "Mexico".into())
        );
    }

    #[test]
    fn the_destination_is_added_once() {
        let lines = vec!["US DEPARTMENT OF HOMELAND SECURITY".to_string(), "WASHINGTON DC 20528".to_string()];
        let abroad = from_abroad(&lines);
        assert_eq!(abroad.last().map(String::as_str), Some("UNITED STATES OF AMERICA"));
        assert_eq!(from_abroad(&abroad), abroad);
        let usa = vec!["Washington, DC 20528".to_string(), "USA".to_string()];
        assert_eq!(from_abroad(&usa), usa);
    }
}
