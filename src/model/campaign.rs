//! Campaigns: who the letters go to, what they say, and what each participant makes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::base::diag::{Diagnostic, Result, Source};
use crate::base::formats::{self, Format, Kind};
use crate::input::confine::Sandbox;
use crate::input::limits::{MAX_FONT_FAMILIES, MAX_HASHTAGS, MAX_PHOTOS, MAX_POINTS_PER_THEME, MAX_THEMES};
use crate::model::design::{self, FontFilesDef};
use crate::model::labels::{self, Labels};
use crate::text::fonts::SharedFamily;

/// The built-in campaign: the "Free people from ICE detention" action guide.
pub const DEFAULT_CAMPAIGN: &str = include_str!("../../campaigns/default.toml");
/// Where the built-in campaign says it comes from, in messages.
pub const DEFAULT_CAMPAIGN_PATH: &str = "builtin:campaigns/default.toml";

/// A campaign file as written.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// The campaign's name, e.g. "Free people from ICE detention".
    pub name: String,
    /// Who runs it (printed on the handout).
    pub organizer: Option<String>,
    /// Hashtags for the social-media photo, e.g. ["#LettersToMayorkas"].
    #[serde(default, deserialize_with = "at_most_hashtags")]
    #[schemars(length(max = 100))]
    pub hashtags: Vec<String>,
    /// Accounts to tag, e.g. ["@SecMayorkas"].
    #[serde(default, deserialize_with = "at_most_mentions")]
    #[schemars(length(max = 100))]
    pub mentions: Vec<String>,
    /// The date printed on typed letters, as it should read ("May 1, 2026"); empty leaves a line to write it.
    #[serde(default)]
    pub date: String,
    /// "us-letter" or "a4".
    #[serde(default = "default_paper")]
    pub paper: String,
    /// "auto" (#10 for US Letter, DL for A4) or an envelope format such as "envelope-10".
    #[serde(default = "default_envelope")]
    pub envelope: String,
    /// How the delivery address is printed: "usps" (capitals, no punctuation, as USPS prefers) or "as-written".
    #[serde(default)]
    pub address_style: AddressStyle,
    /// The letter: "handwritten" (a template to write on), "typed", or the path of a design file.
    #[serde(default = "default_letter")]
    pub letter: String,
    /// A design for the letters' envelopes (the path of a design file), instead of letterkit's own
    /// USPS placement. Its fields: {return_address}, {delivery_address}, {piece} and the participant's.
    pub envelope_design: Option<String>,
    /// The card: "card" (the built-in quarter-fold card) or the path of a card design.
    #[serde(default = "default_card")]
    pub card: String,
    /// The card's envelope: "auto" (the smallest standard envelope 1/8 in larger than the card) or an envelope format.
    #[serde(default = "default_envelope")]
    pub card_envelope: String,
    /// The postcard: "postcard" (the built-in 4 x 6 in landmark postcard) or the path of a postcard design (pages front and address).
    #[serde(default = "default_postcard")]
    pub postcard: String,
    /// The closing above the signature.
    #[serde(default = "default_sign_off")]
    pub sign_off: String,
    /// A postage total above this many dollars gets a note (the guide reimburses postage above $10).
    #[serde(default = "default_reimburse")]
    pub reimburse_above: f64,
    /// Where to report back how many pieces went out.
    pub report_back: Option<String>,
    /// The official the mail goes to.
    pub recipient: Recipient,
    /// What each participant makes unless their row says otherwise.
    #[serde(default)]
    pub defaults: Defaults,
    /// Talking points by theme; letters show some as prompts, the handout lists them all.
    #[serde(default, deserialize_with = "at_most_themes")]
    #[schemars(length(max = 100))]
    pub talking_points: Vec<Theme>,
    /// Paragraph variants for typed letters.
    pub typed: Option<Typed>,
    /// Font families for every page of the kit (letters, cards, postcards, envelopes, handout,
    /// tally sheet), as a design's `[fonts]`: a name and its file, or files by style, relative to
    /// the campaign. Every text falls back on them for characters the bundled fonts lack (say,
    /// names in Chinese or Arabic); one named `serif`, `sans` or `script` replaces that family.
    #[serde(default)]
    pub fonts: BTreeMap<String, FontFilesDef>,
    /// The language the kit is printed in, an IETF tag such as "en", "es" or "es-MX": every
    /// built-in label of letters, cards, postcards, envelopes, handout and tally sheet, and the
    /// PDFs' language. A participant's row may choose another (`language` column).
    #[serde(default = "default_language")]
    pub language: String,
    /// The campaign's own text in other languages, by IETF tag (`[translations.es]`): for rows
    /// whose `language` names it, and for the whole kit when `language` does. What a
    /// translation leaves out comes from the top level.
    #[serde(default)]
    pub translations: BTreeMap<String, Translation>,
    /// Photos of local landmarks for the built-in postcard's front (and the card's cover):
    /// postcards take them in turn.
    #[serde(default, deserialize_with = "at_most_photos")]
    #[schemars(length(max = 100))]
    pub photos: Vec<Photo>,
}

/// The campaign's text in one language (`[translations.es]`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// The closing above the signature, e.g. "Atentamente,".
    pub sign_off: Option<String>,
    /// The salutation, e.g. "Estimado Secretario:".
    pub salutation: Option<String>,
    /// Where to report back how many pieces went out.
    pub report_back: Option<String>,
    /// Talking points by theme, in this language.
    #[serde(default, deserialize_with = "at_most_themes")]
    #[schemars(length(max = 100))]
    pub talking_points: Vec<Theme>,
    /// An unofficial translation, for the organisers to review before printing: `check` and
    /// `build` say so when a kit uses it.
    #[serde(default)]
    pub unofficial: bool,
}

/// A landmark photo for the fronts of postcards (and cards).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Photo {
    /// The picture (JPEG or PNG), relative to the campaign file.
    pub src: String,
    /// The caption on the front, e.g. "Greetings from Springfield" or "Greetings from {city}";
    /// the campaign's name when not given.
    pub caption: Option<String>,
    /// The point to keep in view when the photo is cropped to the front, from [0, 0] (top
    /// left) to [1, 1] (bottom right); the centre when not given.
    pub focus: Option<[f32; 2]>,
    /// Where the photo goes: ["postcard"] (the default), ["card"] or both.
    #[serde(default = "default_photo_on")]
    pub on: Vec<PhotoUse>,
}

/// A piece a photo can go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PhotoUse {
    /// The postcard's front.
    Postcard,
    /// The card's cover.
    Card,
}

/// How to print the delivery address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AddressStyle {
    /// Capitals without punctuation (USPS Pub 28).
    #[default]
    Usps,
    /// Exactly as written in the campaign.
    AsWritten,
}

/// The recipient: one table to change when the office changes hands.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// Name line, e.g. "The Honorable Alejandro Mayorkas".
    pub name: String,
    /// Title lines, e.g. ["Secretary"].
    #[serde(default)]
    pub title: Vec<String>,
    /// Organisation, e.g. "US Department of Homeland Security".
    pub organization: String,
    /// Street lines (may be empty) and the last line "City, ST ZIP".
    pub address: Vec<String>,
    /// The letter's salutation, e.g. "Dear Secretary Mayorkas,".
    pub salutation: String,
    /// A reminder printed in the build summary (e.g. that the office holder has changed).
    pub note: Option<String>,
}

impl Recipient {
    /// The address block lines, in Pub 28 order: recipient, title, organisation, street, last line.
    pub fn lines(&self) -> Vec<String> {
        std::iter::once(self.name.clone())
            .chain(self.title.iter().cloned())
            .chain(std::iter::once(self.organization.clone()))
            .chain(self.address.iter().cloned())
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

/// Default counts per participant.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Letters per participant.
    #[serde(default = "one")]
    pub letters: u32,
    /// Cards per participant.
    #[serde(default)]
    pub cards: u32,
    /// Postcards per participant.
    #[serde(default)]
    pub postcards: u32,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults { letters: 1, cards: 0, postcards: 0 }
    }
}

/// A theme and its talking points.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// The theme, e.g. "Families should be free and together".
    pub theme: String,
    /// The points.
    #[serde(deserialize_with = "at_most_points")]
    #[schemars(length(max = 100))]
    pub points: Vec<String>,
}

// The `length(max = 100)` above is what `check` reports from; these are what every command reads
// with. A test keeps the two numbers equal to the limits.
fn at_most_hashtags<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    at_most(d, MAX_HASHTAGS, "`hashtags`")
}
fn at_most_mentions<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    at_most(d, MAX_HASHTAGS, "`mentions`")
}
fn at_most_themes<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<Theme>, D::Error> {
    at_most(d, MAX_THEMES, "`talking_points`")
}
fn at_most_photos<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<Photo>, D::Error> {
    at_most(d, MAX_PHOTOS, "`photos`")
}
fn at_most_points<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    at_most(d, MAX_POINTS_PER_THEME, "`points`")
}

/// Reads a list of at most `max` items (`what` names it in the message): the items past `max`
/// are counted for the message but never made.
fn at_most<'de, D, T>(d: D, max: usize, what: &'static str) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Bounded<T> {
        max: usize,
        what: &'static str,
        item: std::marker::PhantomData<T>,
    }
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Bounded<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {} items", self.max)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Vec<T>, A::Error> {
            let mut items = Vec::new();
            while items.len() < self.max {
                match seq.next_element()? {
                    Some(item) => items.push(item),
                    None => return Ok(items),
                }
            }
            let mut count = items.len();
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                count += 1;
            }
            if count > self.max {
                return Err(serde::de::Error::custom(format!(
                    "{}: this list has {count} items; letterkit takes up to {}",
                    self.what, self.max
                )));
            }
            Ok(items)
        }
    }
    d.deserialize_seq(Bounded { max, what, item: std::marker::PhantomData })
}

/// Paragraph variants for typed letters: each letter takes one of each, so letters differ.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Typed {
    /// Opening paragraphs (with `{fields}` such as `{city}`), each with where it is in the file.
    #[schemars(with = "Vec<String>")]
    pub opening: Vec<toml::Spanned<String>>,
    /// Middle paragraphs.
    #[schemars(with = "Vec<String>")]
    pub middle: Vec<toml::Spanned<String>>,
    /// Closing paragraphs.
    #[schemars(with = "Vec<String>")]
    pub closing: Vec<toml::Spanned<String>>,
}

fn default_paper() -> String {
    "us-letter".into()
}
fn default_envelope() -> String {
    "auto".into()
}
fn default_letter() -> String {
    "handwritten".into()
}
fn default_card() -> String {
    "card".into()
}
fn default_postcard() -> String {
    "postcard".into()
}
fn default_sign_off() -> String {
    "Sincerely,".into()
}
fn default_language() -> String {
    "en".into()
}
fn default_photo_on() -> Vec<PhotoUse> {
    vec![PhotoUse::Postcard]
}
fn default_reimburse() -> f64 {
    10.0
}
fn one() -> u32 {
    1
}

/// A campaign read and checked, with where it came from.
pub struct LoadedCampaign {
    /// The campaign.
    pub campaign: Campaign,
    /// Its file (or the built-in name).
    pub path: PathBuf,
    /// The folder its relative paths resolve against (None for the built-in one).
    pub base_dir: Option<PathBuf>,
    /// The paper letters are printed on.
    pub paper: &'static Format,
    /// The envelope letters go in.
    pub envelope: &'static Format,
    /// Whether this is the built-in campaign.
    pub builtin: bool,
    /// The campaign's text, for pointing messages at a line.
    pub source: Source,
    /// Where the campaign's designs, and their pictures and fonts, may come from.
    pub sandbox: Sandbox,
    /// The families of the campaign's `[fonts]`, read, in order of their names.
    pub fonts: Vec<SharedFamily>,
    /// The printed labels in the campaign's `language`.
    pub labels: Labels,
}

/// Reads a campaign file, or the built-in one when `path` is `None`; the designs it names are
/// confined to its folder and the folders `sandbox` allows.
pub fn load(path: Option<&Path>, sandbox: &Sandbox) -> Result<LoadedCampaign> {
    match path {
        Some(p) => {
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            load_source(crate::input::read_text(p)?, Some(dir), sandbox)
        }
        None => load_source(Source::builtin(DEFAULT_CAMPAIGN_PATH, DEFAULT_CAMPAIGN), None, sandbox),
    }
}

/// Reads a campaign from its text, a draft perhaps not yet saved, as [`load`] reads the file
/// `dir/campaign.toml`: messages name that file, and its designs, pictures and fonts are found
/// from `dir`.
pub fn load_text(text: &str, dir: &Path, sandbox: &Sandbox) -> Result<LoadedCampaign> {
    let source = Source { path: dir.join("campaign.toml"), text: text.to_string() };
    load_source(source, Some(dir.to_path_buf()), sandbox)
}

/// Reads and checks a campaign's text; `base_dir` is where its relative paths point (`None`
/// for the built-in campaign).
fn load_source(source: Source, base_dir: Option<PathBuf>, sandbox: &Sandbox) -> Result<LoadedCampaign> {
    let builtin = base_dir.is_none();
    let campaign: Campaign = design::from_toml(&source)?;
    let at_key = |key: &str| {
        let offset = source.text.find(&format!("\n{key}")).map_or(0, |o| o + 1);
        Diagnostic::error(String::new()).at_offset(&source, offset)
    };
    let paper = formats::find(&campaign.paper, Some(Kind::Paper)).map_err(|d| {
        let place = at_key("paper");
        Diagnostic {
            message: format!("paper: {}", d.message),
            file: place.file,
            position: place.position,
            ..d
        }
    })?;
    let folded = crate::mail::folded_in_thirds(paper);
    let envelope = if campaign.envelope == "auto" {
        crate::mail::envelope_for_letter(paper)
    } else {
        let e = formats::find(&campaign.envelope, Some(Kind::Envelope)).map_err(|d| {
            let place = at_key("envelope");
            Diagnostic {
                message: format!("envelope: {}", d.message),
                file: place.file,
                position: place.position,
                ..d
            }
        })?;
        if !crate::mail::holds(e, folded.0, folded.1) {
            let fits: Vec<&str> = crate::mail::envelopes()
                .filter(|e| crate::mail::holds(e, folded.0, folded.1))
                .map(|e| e.name.as_str())
                .collect();
            let place = at_key("envelope");
            return Err(Diagnostic {
                message: format!(
                    "envelope: {} letter folded in thirds does not fit {} envelope with 1/8 in to spare",
                    crate::base::diag::a(&paper.name),
                    crate::base::diag::a(&e.name)
                ),
                ..place
            }
            .hint(format!("envelopes that fit: {}", fits.join(", ")))
            .into());
        }
        e
    };
    if campaign.recipient.address.is_empty() {
        let place = at_key("[recipient]");
        return Err(Diagnostic {
            message: "recipient: `address` needs at least the last line, e.g. \"Washington, DC 20528\""
                .into(),
            ..place
        }
        .into());
    }
    let fonts = campaign_fonts(&campaign, base_dir.as_deref().unwrap_or(Path::new(".")), sandbox, &at_key)?;
    let labels = campaign_languages(&campaign, &source, base_dir.as_deref(), sandbox)?;
    Ok(LoadedCampaign {
        campaign,
        path: source.path.clone(),
        base_dir,
        paper,
        envelope,
        builtin,
        source,
        sandbox: sandbox.clone(),
        fonts,
        labels,
    })
}

/// Checks the campaign's `language` and the tags of its `[translations.X]`: each a language
/// tag with a table of printed labels (built in, or `lang/<tag>.toml` in `base_dir`). Returns
/// the labels of `language`; every problem is reported.
fn campaign_languages(
    campaign: &Campaign,
    source: &Source,
    base_dir: Option<&Path>,
    sandbox: &Sandbox,
) -> Result<Labels> {
    let mut errors = Vec::new();
    let mut check = |what: String, tag: &str, offset: usize| -> Option<Labels> {
        let place =
            |message: String| Diagnostic::error(message).at_offset(source, offset).code("lang.unknown");
        if let Err(message) = labels::check_tag(tag) {
            errors.push(place(format!("{what}: {message}")));
            return None;
        }
        match labels::find(tag, base_dir, sandbox) {
            Ok(Some(found)) => Some(found),
            Ok(None) => {
                let (message, hint) = labels::not_found(tag, base_dir);
                errors.push(place(format!("{what}: {message}")).hint(hint));
                None
            }
            Err(e) => {
                errors.extend(e.0);
                None
            }
        }
    };
    let key_offset = |key: &str| source.text.find(&format!("\n{key}")).map_or(0, |o| o + 1);
    let found = check("language".into(), &campaign.language, key_offset("language"));
    // A translation of the campaign's own language was checked with it.
    for tag in campaign.translations.keys().filter(|t| !t.eq_ignore_ascii_case(&campaign.language)) {
        // `[translations.es]`, or `translations.es.sign_off = ...` in some other table.
        let offset = source
            .text
            .find(&format!("[translations.{tag}]"))
            .or_else(|| source.text.find(&format!("translations.{tag}")))
            .unwrap_or_else(|| key_offset("[translations"));
        check(format!("translations.{tag}"), tag, offset);
    }
    match found {
        Some(labels) if errors.is_empty() => Ok(labels),
        _ => Err(crate::base::diag::Error(errors)),
    }
}

/// Reads the families of a campaign's `[fonts]`: each file inside the campaign's folder (or
/// one `--allow-path` allows), whole, and one letterkit can embed; every problem is reported.
fn campaign_fonts(
    campaign: &Campaign,
    base_dir: &Path,
    sandbox: &Sandbox,
    at_key: &dyn Fn(&str) -> Diagnostic,
) -> Result<Vec<SharedFamily>> {
    let place = |d: Diagnostic| {
        let at = at_key("[fonts]");
        Diagnostic { file: at.file, position: at.position, ..d }
    };
    if campaign.fonts.len() > MAX_FONT_FAMILIES {
        return Err(place(
            Diagnostic::error(format!(
                "the campaign adds {} font families; letterkit takes up to {MAX_FONT_FAMILIES}",
                campaign.fonts.len()
            ))
            .code("limit.font-families"),
        )
        .into());
    }
    let mut families = Vec::new();
    let mut errors = Vec::new();
    for (name, def) in &campaign.fonts {
        let files = def.files(base_dir);
        let refused: Vec<Diagnostic> = [&files.regular, &files.italic, &files.bold, &files.bold_italic]
            .into_iter()
            .flatten()
            .filter_map(|p| sandbox.confine_in(p, base_dir, "campaign").err())
            .map(|d| place(Diagnostic { message: format!("font `{name}`: {}", d.message), ..d }))
            .collect();
        if !refused.is_empty() {
            errors.extend(refused);
            continue;
        }
        match SharedFamily::load(name, &files) {
            Ok(family) => families.push(family),
            Err(e) => errors.extend(
                e.0.into_iter()
                    .map(|d| place(Diagnostic { message: format!("font `{name}`: {}", d.message), ..d })),
            ),
        }
    }
    if errors.is_empty() { Ok(families) } else { Err(crate::base::diag::Error(errors)) }
}

impl LoadedCampaign {
    /// All talking points in order, each with its theme, in the campaign's language.
    pub fn points(&self) -> Vec<(&str, &str)> {
        self.points_in(&self.labels.tag)
    }

    /// The first hashtag, or an empty string.
    pub fn hashtag(&self) -> &str {
        self.campaign.hashtags.first().map_or("", String::as_str)
    }

    /// The delivery address lines as printed: USPS style (capitals, no punctuation) or as written.
    pub fn delivery_lines(&self) -> Vec<String> {
        let lines = self.campaign.recipient.lines();
        match self.campaign.address_style {
            AddressStyle::Usps => lines.iter().map(|l| crate::mail::usps_style(l)).collect(),
            AddressStyle::AsWritten => lines,
        }
    }

    /// The campaign's own text in `tag`: its `[translations]` entry for the tag, else for its
    /// primary language (`es` for `es-MX`); `None` when it has neither.
    pub fn translation(&self, tag: &str) -> Option<&Translation> {
        let t = &self.campaign.translations;
        t.get(tag).or_else(|| t.get(labels::primary(tag)))
    }

    /// The talking points by theme in `tag`: its translation's, else the top-level ones.
    pub fn themes_in(&self, tag: &str) -> &[Theme] {
        match self.translation(tag) {
            Some(t) if !t.talking_points.is_empty() => &t.talking_points,
            _ => &self.campaign.talking_points,
        }
    }

    /// [`LoadedCampaign::points`] in `tag`.
    pub fn points_in(&self, tag: &str) -> Vec<(&str, &str)> {
        self.themes_in(tag)
            .iter()
            .flat_map(|t| t.points.iter().map(move |p| (t.theme.as_str(), p.as_str())))
            .collect()
    }

    /// Where to report back, in `tag`.
    pub fn report_back_in(&self, tag: &str) -> Option<&str> {
        self.translation(tag).and_then(|t| t.report_back.as_deref()).or(self.campaign.report_back.as_deref())
    }

    /// The values that change with the language `labels` are in: every `label.KEY`, the
    /// salutation and the sign-off (the translation's, else the top-level ones).
    pub fn language_fields(&self, labels: &Labels) -> BTreeMap<String, String> {
        let c = &self.campaign;
        let t = self.translation(&labels.tag);
        let mut f: BTreeMap<String, String> = labels.fields().collect();
        let salutation = t.and_then(|t| t.salutation.as_ref()).unwrap_or(&c.recipient.salutation);
        let sign_off = t.and_then(|t| t.sign_off.as_ref()).unwrap_or(&c.sign_off);
        f.insert("salutation".into(), salutation.clone());
        f.insert("sign_off".into(), sign_off.clone());
        f
    }

    /// The tags among `tags` whose translation is marked unofficial, each once, in order.
    pub fn unofficial<'t>(&self, tags: impl IntoIterator<Item = &'t str>) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for tag in tags {
            if self.translation(tag).is_some_and(|t| t.unofficial) && !found.iter().any(|f| f == tag) {
                found.push(tag.to_string());
            }
        }
        found
    }

    /// The warning for a kit printed in the unofficial translations `tags`, if any.
    pub fn unofficial_warning(&self, tags: &[String]) -> Option<Diagnostic> {
        if tags.is_empty() {
            return None;
        }
        let list: Vec<String> = tags.iter().map(|t| format!("`{t}`")).collect();
        let first = &tags[0];
        let offset = self
            .source
            .text
            .find(&format!("[translations.{first}]"))
            .or_else(|| self.source.text.find(&format!("[translations.{}]", labels::primary(first))))
            .unwrap_or(0);
        Some(
            Diagnostic::warning(format!(
                "the kit prints the unofficial translation {}: review its talking points, salutation and sign-off before printing",
                list.join(", ")
            ))
            .at_offset(&self.source, offset)
            .hint("once reviewed, set `unofficial = false` in its [translations] table")
            .code("lang.unofficial"),
        )
    }

    /// Values every letter's design can use: recipient, salutation, campaign fields, and the
    /// printed labels (`label.KEY`) in the campaign's language.
    pub fn fields(&self) -> BTreeMap<String, String> {
        let c = &self.campaign;
        let mut f = BTreeMap::new();
        f.insert("campaign".into(), c.name.clone());
        // The postcard front's caption: a campaign photo's own, else the campaign's name.
        f.insert("caption".into(), c.name.clone());
        f.insert("recipient".into(), c.recipient.lines().join("\n"));
        f.insert("recipient_name".into(), c.recipient.name.clone());
        f.insert("delivery_address".into(), self.delivery_lines().join("\n"));
        f.insert("hashtag".into(), self.hashtag().to_string());
        f.insert("hashtags".into(), c.hashtags.join(" "));
        f.insert("mentions".into(), c.mentions.join(" "));
        f.insert("date".into(), c.date.clone());
        f.extend(self.language_fields(&self.labels));
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_gives_the_same_list_limits_as_reading() {
        let schema = serde_json::to_value(schemars::schema_for!(Campaign)).unwrap();
        let max = |pointer: &str| schema.pointer(pointer).and_then(serde_json::Value::as_u64);
        assert_eq!(max("/properties/hashtags/maxItems"), Some(MAX_HASHTAGS as u64));
        assert_eq!(max("/properties/mentions/maxItems"), Some(MAX_HASHTAGS as u64));
        assert_eq!(max("/properties/talking_points/maxItems"), Some(MAX_THEMES as u64));
        assert_eq!(max("/$defs/Theme/properties/points/maxItems"), Some(MAX_POINTS_PER_THEME as u64));
    }

    #[test]
    fn long_lists_are_refused_with_their_length() {
        let tags: Vec<String> = (0..=MAX_HASHTAGS).map(|i| format!("\"#t{i}\"")).collect();
        let text = DEFAULT_CAMPAIGN.replacen(
            "hashtags = [\"#LettersToMayorkas\"]",
            &format!("hashtags = [{}]", tags.join(",")),
            1,
        );
        let source = Source::builtin("c.toml", &text);
        let e = design::from_toml::<Campaign>(&source).unwrap_err();
        assert!(e.0[0].message.contains(&format!("this list has {} items", MAX_HASHTAGS + 1)), "{:?}", e.0);
    }
}
