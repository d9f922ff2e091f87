//! A campaign's own landmark photos (`[[photos]]`): read and checked, the postcard and card variants that show them in turn, their captions, and their resolution where they print.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::base::diag::{Diagnostic, Error, Result, Source, Warnings};
use crate::base::units::PT_PER_IN;
use crate::layout::{self, Item, Picture, Pictures};
use crate::model::campaign::{LoadedCampaign, PhotoUse};
use crate::model::design::{Body, Design, Element, Fit, ImageSpec};
use crate::model::fields::PARTICIPANT_FIELDS;
use crate::text::{Piece, Template};

use super::plan::Writer;

/// The resolution print shops ask for (docs/mail-rules.md 5, Resolution: "300 dpi at the
/// printed size"; PostPilot: a 1875 x 1275 px image makes a 6.25 x 4.25 in postcard at 300 dpi).
const PRINT_DPI: f32 = 300.0;

/// The label of the image element a photo replaces (`name = "photo"`).
const PHOTO_ELEMENT: &str = "image element `photo`";

/// The fields each piece fills itself (kit/plan.rs `Context::piece_fields`), which a caption
/// may use besides the campaign's and the participant's.
const PIECE_FIELDS: &[&str] = &["piece", "number", "prompt_1", "prompt_2"];

/// The built-in card, which gets its photo in code (in its drawing frame).
const BUILTIN_CARD: &str = "builtin:designs/card.toml";

/// A campaign photo, read and checked.
struct Photo {
    /// `photos[2]`, for messages.
    label: String,
    /// Its `src`, as written.
    src: String,
    /// The picture, read and verified.
    picture: Arc<Picture>,
    /// Its caption, parsed; the campaign's name when `None`.
    caption: Option<Template>,
    /// Where its `caption` is in the campaign file.
    caption_offset: usize,
    /// The point kept in view when it is cropped.
    focus: [f32; 2],
    /// The pieces it goes on.
    on: Vec<PhotoUse>,
    /// Where its `src` is in the campaign file.
    offset: usize,
    /// Where its `on` is in the campaign file (its table when `on` is not written).
    on_offset: usize,
}

/// The campaign's photos, read and checked, with the pictures read once.
pub(super) struct Photos {
    list: Vec<Photo>,
    pictures: Pictures,
}

/// Reads and checks every photo of the campaign: its file (inside the campaign's folder, or a
/// bundled picture, a JPEG or PNG letterkit can read), its focus, where it goes and its
/// caption. Every problem is reported, each at its key in the campaign file.
pub(super) fn read(campaign: &LoadedCampaign) -> Result<Photos> {
    let places = key_places(&campaign.source);
    let pictures = Pictures::default();
    let mut list = Vec::new();
    let mut errors = Vec::new();
    let base = campaign.base_dir.as_deref().unwrap_or(Path::new("."));
    for (i, photo) in campaign.campaign.photos.iter().enumerate() {
        let label = format!("photos[{}]", i + 1);
        let at = |key: &str| place(&places, i, key);
        let error = |key: &str, message: String| {
            Diagnostic::error(format!("{label}.{key}: {message}")).at_offset(&campaign.source, at(key))
        };
        let path = photo_path(base, &photo.src);
        let picture =
            if photo.src.trim().is_empty() {
                errors.push(
                    error("src", "no picture named".into())
                        .hint("give the photo's file, e.g. src = \"city-hall.jpg\""),
                );
                None
            } else if let Err(refused) = campaign.sandbox.confine_in(&path, base, "campaign") {
                errors.push(Diagnostic { hints: refused.hints, ..error("src", refused.message) });
                None
            } else if crate::input::assets::get(&path).is_none() && !path.is_file() {
                errors.push(error("src", format!("no file {}", path.display())).hint(
                    "put the photo in the campaign's folder and give its name (or its path from there)",
                ));
                None
            } else {
                match pictures.load(&path) {
                    Ok(picture) => Some(picture),
                    Err(d) => {
                        errors.push(Diagnostic { hints: d.hints, code: d.code, ..error("src", d.message) });
                        None
                    }
                }
            };
        let mut bad = false;
        let listed = places.get(i).and_then(|p| p.focus_len).unwrap_or(2);
        if listed != 2 {
            errors.push(error(
                "focus",
                format!("this takes a list of 2 values, like [0.5, 0.3]; it has {listed}"),
            ));
            bad = true;
        } else if let Some(focus) = photo.focus
            && focus.iter().any(|f| !(0.0..=1.0).contains(f))
        {
            errors.push(
                error("focus", format!("[{}, {}] is outside the photo", focus[0], focus[1]))
                    .hint("focus takes two fractions from 0 to 1: [0, 0] is the top left, [1, 1] the bottom right, [0.5, 0.5] the centre"),
            );
            bad = true;
        }
        if photo.on.is_empty() {
            errors.push(
                error("on", "the photo goes on no piece".into())
                    .hint("write on = [\"postcard\"], on = [\"card\"] or on = [\"postcard\", \"card\"], or leave `on` out for postcards"),
            );
            bad = true;
        }
        let caption = match &photo.caption {
            None => None,
            Some(text) => match Template::parse(text) {
                Ok(t) => Some(t),
                Err(e) => {
                    errors.push(error("caption", e));
                    bad = true;
                    None
                }
            },
        };
        if let (Some(picture), false) = (picture, bad) {
            list.push(Photo {
                label,
                src: photo.src.clone(),
                picture,
                caption,
                caption_offset: at("caption"),
                focus: photo.focus.unwrap_or([0.5, 0.5]),
                on: photo.on.clone(),
                offset: at("src"),
                on_offset: at("on"),
            });
        }
    }
    if errors.is_empty() { Ok(Photos { list, pictures }) } else { Err(Error(errors)) }
}

/// Where a photo's `src` points: the file in the campaign's folder, else a bundled picture of
/// that name (`landmark.jpg`), else the file (which is then missing).
fn photo_path(base: &Path, src: &str) -> PathBuf {
    let on_disk = base.join(src);
    if on_disk.exists() { on_disk } else { crate::input::assets::lookup(src).unwrap_or(on_disk) }
}

/// Where each `[[photos]]` table and its keys' values are in the campaign's text.
struct KeyPlaces {
    table: usize,
    keys: Vec<(String, usize)>,
    /// How many values its `focus` lists (serde reads the first two of a longer list).
    focus_len: Option<usize>,
}

fn key_places(source: &Source) -> Vec<KeyPlaces> {
    use toml::de::{DeTable, DeValue};
    let (table, _) = DeTable::parse_recoverable(&source.text);
    let Some((key, photos)) =
        table.get_ref().iter().find(|(k, _)| <str as AsRef<str>>::as_ref(k.get_ref()) == "photos")
    else {
        return Vec::new();
    };
    let DeValue::Array(items) = photos.get_ref() else { return Vec::new() };
    items
        .iter()
        .map(|item| {
            let (keys, focus_len) = match item.get_ref() {
                DeValue::Table(t) => (
                    t.iter()
                        .map(|(k, v)| (<str as AsRef<str>>::as_ref(k.get_ref()).to_string(), v.span().start))
                        .collect(),
                    t.iter().find(|(k, _)| <str as AsRef<str>>::as_ref(k.get_ref()) == "focus").and_then(
                        |(_, v)| match v.get_ref() {
                            DeValue::Array(a) => Some(a.len()),
                            _ => None,
                        },
                    ),
                ),
                _ => (Vec::new(), None),
            };
            // An array of tables' item spans its `[[photos]]` header; else the key names it.
            let table =
                if item.span().end > item.span().start { item.span().start } else { key.span().start };
            KeyPlaces { table, keys, focus_len }
        })
        .collect()
}

/// The offset of photo `index`'s `key` in the campaign's text: its value, else its table.
fn place(places: &[KeyPlaces], index: usize, key: &str) -> usize {
    places.get(index).map_or(0, |p| p.keys.iter().find(|(k, _)| k == key).map_or(p.table, |(_, o)| *o))
}

impl Photos {
    /// Whether a photo goes on `piece`.
    pub(super) fn any_on(&self, piece: PhotoUse) -> bool {
        self.list.iter().any(|p| p.on.contains(&piece))
    }

    /// The variants of the postcard or card design (`piece`), one per photo that goes on it in
    /// the campaign's order (empty when none does): the design's image element named `photo`
    /// shows the photo (the built-in card gets one in its drawing frame, whose hint to draw
    /// goes), and its `{caption}` is the photo's caption. `fresh` reads the design anew. Each
    /// photo under 300 dpi where it prints gets one warning.
    pub(super) fn variants(
        &self,
        campaign: &LoadedCampaign,
        writers: &[Writer],
        piece: PhotoUse,
        fresh: &dyn Fn() -> Result<Design>,
        warnings: &mut Warnings,
    ) -> Result<Vec<Design>> {
        let mut out = Vec::new();
        for photo in self.list.iter().filter(|p| p.on.contains(&piece)) {
            let mut design = fresh()?;
            show_photo(campaign, &mut design, photo, piece)?;
            if let Some(caption) = &photo.caption {
                check_caption(campaign, writers, &design, photo, caption)?;
                if let Some(warning) = unnamed_caption(campaign, writers, photo, caption, piece) {
                    warnings.push(warning);
                }
                for element in &mut design.elements {
                    if let Body::Text(spec) = &mut element.body {
                        spec.template = with_caption(&spec.template, caption);
                    }
                }
            }
            if let Some(warning) = self.resolution(campaign, &design, photo, piece) {
                warnings.push(warning);
            }
            out.push(design);
        }
        Ok(out)
    }

    /// The warning for a photo that prints under 300 dpi in `design`, if it does.
    fn resolution(
        &self,
        campaign: &LoadedCampaign,
        design: &Design,
        photo: &Photo,
        piece: PhotoUse,
    ) -> Option<Diagnostic> {
        let index = design.elements.iter().position(is_photo)?;
        // Laid out as the kit lays it out (cropped to the front, into the bleed); the layout's
        // own "blurry" warning is left out here and from the kit (`quiet_blurry`).
        let (pages, _) =
            layout::layout_pages(design, &campaign.fields(), &self.pictures, &mut Warnings::default());
        let (rect, visible) =
            pages.iter().flat_map(|p| p.made()).find(|(e, _)| *e == index).and_then(|(_, items)| {
                items.iter().find_map(|item| match item {
                    Item::Image(image) => Some((image.rect, image.clip.unwrap_or(image.rect))),
                    _ => None,
                })
            })?;
        let (w, h) = (photo.picture.width_px, photo.picture.height_px);
        let dpi = layout::print_dpi(w as f32, h as f32, rect);
        if dpi.round() >= PRINT_DPI {
            return None;
        }
        let inches = |pt: f32| {
            let s = format!("{:.2}", pt / PT_PER_IN);
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        };
        let needs = |pt: f32| (pt / PT_PER_IN * PRINT_DPI - 0.01).ceil() as u32;
        let on = match piece {
            PhotoUse::Postcard => "postcard front",
            PhotoUse::Card => "card cover",
        };
        Some(
            Diagnostic::warning(format!(
                "{} {} is {w} x {h} pixels: it prints at {dpi:.0} dpi on the {} x {} in {on}; print shops ask for 300 dpi, so it needs at least {} x {} pixels",
                photo.label,
                photo.src,
                inches(visible.width),
                inches(visible.height),
                needs(visible.width),
                needs(visible.height)
            ))
            .code("print.photo-resolution")
            .at_offset(&campaign.source, photo.offset)
            .hint("use the camera's full-size photo, not one made smaller for the web or a message"),
        )
    }
}

/// Whether an element is the image a photo replaces.
fn is_photo(e: &Element) -> bool {
    matches!(e.body, Body::Image(_)) && e.label == PHOTO_ELEMENT
}

/// Puts the photo into the design: in its image element named `photo`, or, on the built-in
/// card, in the drawing frame (under the frame's line; the hint to draw in it goes).
fn show_photo(campaign: &LoadedCampaign, design: &mut Design, photo: &Photo, piece: PhotoUse) -> Result<()> {
    let spec = ImageSpec { path: photo.picture.path.clone(), fit: Fit::Cover, focus: photo.focus };
    if let Some(element) = design.elements.iter_mut().find(|e| is_photo(e)) {
        if let Body::Image(own) = &mut element.body {
            *own = ImageSpec { fit: own.fit, ..spec };
        }
        return Ok(());
    }
    let frame = design.elements.iter().position(|e| e.label == "rect element `drawing frame`");
    if let (Some(frame), true) = (frame, design.path == Path::new(BUILTIN_CARD)) {
        let f = &design.elements[frame];
        let element = Element {
            page: f.page,
            label: PHOTO_ELEMENT.into(),
            line: f.line,
            rect: f.rect,
            bleed: false,
            when: None,
            unless: None,
            body: Body::Image(spec),
        };
        design.elements.insert(frame, element);
        design.elements.retain(|e| e.label != "text element `frame hint`");
        return Ok(());
    }
    let (key, what) = match piece {
        PhotoUse::Postcard => ("postcard", "postcard's front"),
        PhotoUse::Card => ("card", "card's cover"),
    };
    Err(Diagnostic::error(format!(
        "{}.on: the {key} design {} has no image element named `photo` to show the photo",
        photo.label,
        design.path.display()
    ))
    .at_offset(&campaign.source, photo.on_offset)
    .hint(format!(
        "add an image element with name = \"photo\" on the {what} to {}, or use the built-in {key} ({key} = \"{key}\")",
        design.path.display()
    ))
    .into())
}

/// Checks that every placeholder of a caption has a value on every piece.
fn check_caption(
    campaign: &LoadedCampaign,
    writers: &[Writer],
    design: &Design,
    photo: &Photo,
    caption: &Template,
) -> Result<()> {
    let mut names: Vec<String> = campaign.fields().into_keys().collect();
    names.extend(PARTICIPANT_FIELDS.iter().chain(PIECE_FIELDS).map(|s| s.to_string()));
    names.extend(design.data.keys().cloned());
    for writer in writers {
        if let Some(p) = &writer.participant {
            names.extend(p.extra.keys().cloned());
        }
    }
    names.sort();
    names.dedup();
    for name in caption.fields() {
        if name == "caption" {
            return Err(Diagnostic::error(format!(
                "{}.caption: a caption cannot use `{{caption}}`, itself",
                photo.label
            ))
            .at_offset(&campaign.source, photo.caption_offset)
            .hint("write the caption's text, e.g. \"Greetings from {city}\"")
            .into());
        }
        if !names.iter().any(|n| n == name) {
            let d = Diagnostic::error(format!(
                "{}.caption: no value for the placeholder `{{{name}}}`",
                photo.label
            ))
            .at_offset(&campaign.source, photo.caption_offset);
            let d = match crate::base::diag::nearest(name, names.iter().map(String::as_str)) {
                Some(near) => d.hint(format!("did you mean `{{{near}}}`?")),
                None => d.hint(format!("the fields with values are: {}", names.join(", "))),
            };
            return Err(d.into());
        }
    }
    Ok(())
}

/// The warning for a caption with a participant's field (`{city}`) on unnamed writers'
/// pieces, which leave it empty ("Greetings from "), if there are such pieces.
fn unnamed_caption(
    campaign: &LoadedCampaign,
    writers: &[Writer],
    photo: &Photo,
    caption: &Template,
    piece: PhotoUse,
) -> Option<Diagnostic> {
    writers.iter().find(|w| w.participant.is_none())?;
    let name = caption.fields().into_iter().find(|n| PARTICIPANT_FIELDS.contains(n))?;
    let pieces = match piece {
        PhotoUse::Postcard => "postcards",
        PhotoUse::Card => "cards",
    };
    Some(
        Diagnostic::warning(format!(
            "{}.caption: unnamed kits (no participants list) leave `{{{name}}}` empty, so their {pieces} print the caption without it",
            photo.label
        ))
        .at_offset(&campaign.source, photo.caption_offset)
        .hint("build with --participants LIST, or write the caption out, e.g. \"Greetings from Springfield\""),
    )
}

/// `template` with its `{caption}` placeholders replaced by the caption's pieces (in the
/// placeholder's style, with the caption's own emphasis).
fn with_caption(template: &Template, caption: &Template) -> Template {
    let pieces = template
        .pieces
        .iter()
        .flat_map(|piece| match piece {
            Piece::Field { name, bold, italic } if name == "caption" => caption
                .pieces
                .iter()
                .map(|p| match p {
                    Piece::Text { text, bold: b, italic: i } => {
                        Piece::Text { text: text.clone(), bold: *b || *bold, italic: *i || *italic }
                    }
                    Piece::Field { name, bold: b, italic: i } => {
                        Piece::Field { name: name.clone(), bold: *b || *bold, italic: *i || *italic }
                    }
                })
                .collect(),
            other => vec![other.clone()],
        })
        .collect();
    Template { pieces }
}

/// Leaves out layout's "blurry" warnings about the campaign's photos in `variants`: each
/// photo's resolution warning already says it, once, at the photo's place in the campaign.
pub(super) fn quiet_blurry<'a>(variants: impl IntoIterator<Item = &'a Design>, warnings: &mut Warnings) {
    let paths: Vec<String> = variants
        .into_iter()
        .flat_map(|d| &d.elements)
        .filter(|e| is_photo(e))
        .filter_map(|e| match &e.body {
            Body::Image(spec) => Some(spec.path.display().to_string()),
            _ => None,
        })
        .collect();
    warnings
        .0
        .retain(|d| d.code != Some("print.blurry") || !paths.iter().any(|p| d.message.contains(p.as_str())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caption_stands_in_for_its_placeholder_in_the_placeholders_style() {
        let text = Template::parse("**{caption}** from {hashtag}").unwrap();
        let caption = Template::parse("Greetings from *{city}*").unwrap();
        let got = with_caption(&text, &caption);
        assert_eq!(got, Template::parse("**Greetings from *{city}*** from {hashtag}").unwrap());
    }

    #[test]
    fn photo_keys_are_found_in_arrays_of_tables_and_inline_tables() {
        let text = "name = \"x\"\n\n[[photos]]\nsrc = \"a.jpg\"\n\n[[photos]]\ncaption = \"Hi\"\n";
        let source = Source::builtin("c.toml", text);
        let places = key_places(&source);
        assert_eq!(source.line_column(place(&places, 0, "src")), (4, 7));
        assert_eq!(source.line_column(place(&places, 1, "caption")), (7, 11));
        // A key not written: the photo's table.
        assert_eq!(source.line_column(place(&places, 1, "src")).0, 6);
        let inline = Source::builtin(
            "c.toml",
            "photos = [{ src = \"a.jpg\" }, { src = \"b.jpg\", focus = [2, 0] }]\n",
        );
        let places = key_places(&inline);
        assert_eq!(inline.line_column(place(&places, 1, "focus")), (1, 55));
    }
}
