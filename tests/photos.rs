//! A campaign's own landmark photos (`[[photos]]`): postcards and cards take them in turn, each
//! embedded once; a sideways phone photo prints upright; captions fill in the writer's fields;
//! a photo too small for print is warned about once, at its line; every mistake is named at its
//! key in the campaign.

mod common;

use common::{PdfDoc, TempDir, letterkit, with_exif_orientation};

/// A JPEG of `width` x `height` pixels coloured by `paint(x, y)` (as stored).
fn jpeg(width: u16, height: u16, paint: impl Fn(u16, u16) -> [u8; 3]) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(usize::from(width) * usize::from(height) * 3);
    for y in 0..height {
        for x in 0..width {
            pixels.extend(paint(x, y));
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    out
}

/// A JPEG of one colour.
fn flat(width: u16, height: u16, rgb: [u8; 3]) -> Vec<u8> {
    jpeg(width, height, |_, _| rgb)
}

/// The built-in campaign's text with `defaults` replacing its `[defaults]` table, and `photos`
/// appended.
fn campaign(defaults: &str, photos: &str) -> String {
    let builtin = letterkit::model::campaign::DEFAULT_CAMPAIGN;
    let start = builtin.find("[defaults]").expect("defaults");
    let end = start + builtin[start..].find("\n\n").expect("end of defaults");
    format!("{}{defaults}{}\n{photos}", &builtin[..start], &builtin[end..])
}

/// The participants list of three writers in three cities, each making `postcards` postcards
/// and `cards` cards and no letter.
fn people(cards: u32, postcards: u32) -> String {
    format!(
        "name,address1,city,state,zip,letters,cards,postcards\n\
         Ada Lane,1 Main St,Springfield,IL,62701,0,{cards},{postcards}\n\
         Bo Chen,2 Oak St,Boston,MA,02134,0,{cards},{postcards}\n\
         Cy Diaz,3 Elm St,Portland,ME,04101,0,{cards},{postcards}\n"
    )
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Builds the kit of `campaign.toml` and `people.csv` in `dir` into `dir/kit`.
fn build(dir: &TempDir) -> std::process::Output {
    letterkit(dir.path(), &["build", "campaign.toml", "-p", "people.csv", "-o", "kit"])
}

fn read_pdf(dir: &TempDir, name: &str) -> PdfDoc {
    PdfDoc::parse(&std::fs::read(dir.path().join("kit").join(name)).expect("pdf"))
}

/// The 1-based line of the first line of `text` that starts with `start`.
fn line_of(text: &str, start: &str) -> usize {
    text.lines().position(|l| l.starts_with(start)).expect("the line is there") + 1
}

#[test]
fn postcards_take_the_photos_in_turn_each_embedded_once_with_its_caption() {
    let dir = TempDir::new("photos-turn");
    dir.write("city-hall.jpg", flat(1900, 1300, [200, 30, 30]));
    dir.write("park.jpg", flat(1920, 1300, [30, 30, 200]));
    let photos = "[[photos]]\nsrc = \"city-hall.jpg\"\ncaption = \"Greetings from {city}\"\n\n[[photos]]\nsrc = \"park.jpg\"\nfocus = [0.2, 0.5]\n";
    dir.write("campaign.toml", campaign("[defaults]\nletters = 0", photos));
    dir.write("people.csv", people(0, 2));
    let out = build(&dir);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "no warnings: {}", stderr(&out));
    let doc = read_pdf(&dir, "postcards.pdf");
    // Six postcards of two pages: fronts on pages 0, 2, ..., 10, taking the photos in turn.
    assert_eq!(doc.pages.len(), 12);
    assert_eq!(doc.image_objects_in_file, 2, "each photo embedded once: {:?}", doc.images);
    let drawn_on = |width: u32| -> Vec<usize> {
        let image = doc.images.iter().find(|i| i.width == width).expect("the photo is drawn");
        image.pages.iter().copied().collect()
    };
    assert_eq!(drawn_on(1900), [0, 4, 8]);
    assert_eq!(drawn_on(1920), [2, 6, 10]);
    // The first photo's caption fills in each writer's city; the second has the campaign's name.
    let front = |page: usize| doc.pages[page].texts().join("\n");
    assert!(front(0).contains("Greetings from Springfield"), "{}", front(0));
    assert!(front(2).contains("Free people from ICE detention"), "{}", front(2));
    assert!(front(4).contains("Greetings from Boston"), "{}", front(4));
    assert!(front(8).contains("Greetings from Portland"), "{}", front(8));
    assert!(!front(0).contains("Free people from ICE detention"), "{}", front(0));
}

#[test]
fn a_sideways_phone_photo_prints_upright() {
    // Stored sideways (1300 wide, 1950 tall) with EXIF orientation 6: the stored left half is
    // the top of the photo as taken. Red sky above, blue ground below.
    let stored = jpeg(1300, 1950, |x, _| if x < 650 { [220, 20, 20] } else { [20, 20, 220] });
    let dir = TempDir::new("photos-upright");
    dir.write("phone.jpg", with_exif_orientation(&stored, 6));
    dir.write("campaign.toml", campaign("[defaults]\nletters = 0", "[[photos]]\nsrc = \"phone.jpg\"\n"));
    dir.write("people.csv", people(0, 1));
    let out = build(&dir);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "no warnings: {}", stderr(&out));
    let bytes = std::fs::read(dir.path().join("kit/postcards.pdf")).unwrap();
    let png = letterkit::render::png(&bytes, 0, 24.0).expect("render the front");
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    let channels = info.line_size / info.width as usize;
    // Mean red minus blue over a band of rows (fractions of the page's height), away from the
    // edges; the caption band covers the bottom fifth.
    let band = |from: f32, to: f32| {
        let (mut sum, mut n) = (0.0, 0.0);
        for y in (from * info.height as f32) as usize..(to * info.height as f32) as usize {
            for x in (info.width / 10) as usize..(info.width * 9 / 10) as usize {
                let p = &buf[y * info.line_size + x * channels..];
                sum += f32::from(p[0]) - f32::from(p[2]);
                n += 1.0;
            }
        }
        sum / n
    };
    assert!(band(0.05, 0.35) > 100.0, "the top of the front is the photo's red top: {}", band(0.05, 0.35));
    assert!(band(0.55, 0.72) < -100.0, "below it the photo's blue ground: {}", band(0.55, 0.72));
}

#[test]
fn a_photo_too_small_for_print_is_warned_about_once_at_its_line() {
    let dir = TempDir::new("photos-small");
    dir.write("city-hall.jpg", flat(600, 400, [90, 120, 90]));
    let text = campaign("[defaults]\nletters = 0\npostcards = 3", "[[photos]]\nsrc = \"city-hall.jpg\"\n");
    let line = line_of(&text, "src = \"city-hall.jpg\"");
    dir.write("campaign.toml", &text);
    let expected = format!(
        "warning: campaign.toml:{line}:7: photos[1] city-hall.jpg is 600 x 400 pixels: it prints at 94 dpi on the 6.25 x 4.25 in postcard front; print shops ask for 300 dpi, so it needs at least 1875 x 1275 pixels\n\
         hint: use the camera's full-size photo, not one made smaller for the web or a message\n"
    );
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "2", "-o", "kit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), expected, "one warning for six postcards, and no second one from layout");
    // `check` reports the same.
    let out = letterkit(dir.path(), &["check", "campaign.toml", "--count", "2"]);
    let report = stderr(&out);
    assert_eq!(report.matches("photos[1]").count(), 1, "{report}");
    assert!(report.contains(expected.lines().next().unwrap()), "{report}");
    assert!(!report.contains("blurry"), "{report}");
}

#[test]
fn the_card_cover_shows_the_card_photos_in_turn_instead_of_the_frame_hint() {
    let dir = TempDir::new("photos-card");
    dir.write("mural.jpg", flat(1200, 1200, [200, 150, 30]));
    dir.write("river.png", common::png_rgb(1950, 1300));
    let photos = "[[photos]]\nsrc = \"mural.jpg\"\non = [\"card\"]\n\n[[photos]]\nsrc = \"river.png\"\non = [\"card\", \"postcard\"]\n";
    dir.write("campaign.toml", campaign("[defaults]\nletters = 0", photos));
    dir.write("people.csv", people(1, 1));
    let out = build(&dir);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "no warnings: {}", stderr(&out));
    let cards = read_pdf(&dir, "cards.pdf");
    assert_eq!(cards.pages.len(), 3);
    let drawn_on = |doc: &PdfDoc, width: u32| -> Vec<usize> {
        doc.images.iter().filter(|i| i.width == width).flat_map(|i| i.pages.iter().copied()).collect()
    };
    assert_eq!(drawn_on(&cards, 1200), [0, 2]);
    assert_eq!(drawn_on(&cards, 1950), [1]);
    for page in &cards.pages {
        let text = page.texts().join("\n");
        assert!(!text.contains("Draw, colour or add stickers"), "the hint goes with a photo: {text}");
    }
    // The second photo goes on the postcards too: the only one there.
    let postcards = read_pdf(&dir, "postcards.pdf");
    assert_eq!(drawn_on(&postcards, 1950), [0, 2, 4]);
    assert_eq!(postcards.image_objects_in_file, 1);
}

/// Builds the campaign with `photos` (and a small photo `ok.jpg` in its folder) and returns the
/// error output and the campaign's text.
fn refused(photos: &str, extra: &[(&str, &[u8])]) -> (String, String) {
    let dir = TempDir::new("photos-refused");
    dir.write("ok.jpg", flat(1900, 1300, [90, 90, 90]));
    for (name, bytes) in extra {
        dir.write(name, bytes);
    }
    let text = campaign("[defaults]\nletters = 0\npostcards = 1", photos);
    dir.write("campaign.toml", &text);
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "1", "-o", "kit"]);
    assert!(!out.status.success(), "refused: {}", stderr(&out));
    assert!(!dir.path().join("kit").exists(), "nothing written");
    (stderr(&out), text)
}

#[test]
fn every_mistake_in_a_photo_is_named_at_its_key() {
    let photos = "[[photos]]\nsrc = \"missing.jpg\"\n\n[[photos]]\nsrc = \"notes.jpg\"\n\n[[photos]]\nsrc = \"ok.jpg\"\nfocus = [1.5, 0.5]\n\n[[photos]]\nsrc = \"ok.jpg\"\non = []\n\n[[photos]]\nsrc = \"ok.jpg\"\ncaption = \"Greetings from {city\"\n\n[[photos]]\nsrc = \"../outside.jpg\"\n\n[[photos]]\nsrc = \"\"\n\n[[photos]]\nsrc = \"ok.jpg\"\nfocus = [0.1, 0.2, 0.3]\n";
    let (err, text) = refused(photos, &[("notes.jpg", b"just some text")]);
    let at = |start: &str, nth: usize| {
        text.lines().enumerate().filter(|(_, l)| l.starts_with(start)).nth(nth).expect("line").0 + 1
    };
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        lines,
        [
            format!("error: campaign.toml:{}:7: photos[1].src: no file missing.jpg", at("src = ", 0)),
            format!(
                "error: campaign.toml:{}:7: photos[2].src: image notes.jpg is not a JPEG or PNG image",
                at("src = ", 1)
            ),
            format!(
                "error: campaign.toml:{}:9: photos[3].focus: [1.5, 0.5] is outside the photo",
                at("focus = ", 0)
            ),
            format!("error: campaign.toml:{}:6: photos[4].on: the photo goes on no piece", at("on = ", 0)),
            format!(
                "error: campaign.toml:{}:11: photos[5].caption: the placeholder `{{city` is not closed with `}}`",
                at("caption = ", 0)
            ),
            lines[5].to_string(),
            format!("error: campaign.toml:{}:7: photos[7].src: no picture named", at("src = ", 6)),
            format!(
                "error: campaign.toml:{}:9: photos[8].focus: this takes a list of 2 values, like [0.5, 0.3]; it has 3",
                at("focus = ", 1)
            ),
        ]
    );
    assert!(
        lines[5].starts_with(&format!("error: campaign.toml:{}:7: photos[6].src: ", at("src = ", 5)))
            && lines[5].contains("is outside the campaign's folder"),
        "{}",
        lines[5]
    );
    for hint in [
        "hint: put the photo in the campaign's folder and give its name (or its path from there)",
        "hint: save the picture as .jpg or .png",
        "hint: focus takes two fractions from 0 to 1: [0, 0] is the top left, [1, 1] the bottom right, [0.5, 0.5] the centre",
        "hint: write on = [\"postcard\"], on = [\"card\"] or on = [\"postcard\", \"card\"], or leave `on` out for postcards",
        "hint: give the photo's file, e.g. src = \"city-hall.jpg\"",
    ] {
        assert!(err.contains(hint), "{hint}\n{err}");
    }
}

#[test]
fn a_caption_uses_only_fields_the_pieces_fill() {
    let (err, text) = refused("[[photos]]\nsrc = \"ok.jpg\"\ncaption = \"Greetings from {cty}\"\n", &[]);
    let line = line_of(&text, "caption = ");
    assert_eq!(
        err,
        format!(
            "error: campaign.toml:{line}:11: photos[1].caption: no value for the placeholder `{{cty}}`\nhint: did you mean `{{city}}`?\n"
        )
    );
    let (err, _) = refused("[[photos]]\nsrc = \"ok.jpg\"\ncaption = \"{caption}!\"\n", &[]);
    assert_eq!(
        err,
        format!(
            "error: campaign.toml:{line}:11: photos[1].caption: a caption cannot use `{{caption}}`, itself\nhint: write the caption's text, e.g. \"Greetings from {{city}}\"\n"
        )
    );
}

#[test]
fn a_postcard_design_of_the_campaigns_own_needs_an_image_named_photo() {
    let dir = TempDir::new("photos-own-design");
    dir.write("ok.jpg", flat(1900, 1300, [90, 90, 90]));
    dir.write(
        "plain.toml",
        "format = \"postcard-4x6\"\npages = [\"front\", \"address\"]\n\n[[element]]\nkind = \"text\"\npage = \"front\"\ntext = \"{caption}\"\n\n[[element]]\nkind = \"address\"\npage = \"address\"\nx = \"2.9in\"\nwidth = \"2.6in\"\n",
    );
    let text = campaign("[defaults]\nletters = 0\npostcards = 1", "[[photos]]\nsrc = \"ok.jpg\"\n").replacen(
        "postcard = \"postcard\"",
        "postcard = \"plain.toml\"",
        1,
    );
    dir.write("campaign.toml", &text);
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "1", "-o", "kit"]);
    assert!(!out.status.success());
    let table = line_of(&text, "[[photos]]");
    assert_eq!(
        stderr(&out),
        format!(
            "error: campaign.toml:{table}:1: photos[1].on: the postcard design {d} has no image element named `photo` to show the photo\n\
             hint: add an image element with name = \"photo\" on the postcard's front to {d}, or use the built-in postcard (postcard = \"postcard\")\n",
            d = "plain.toml"
        )
    );
    // With one, the photo takes its place, cropped as the design says.
    let with_photo = std::fs::read_to_string(dir.path().join("plain.toml")).unwrap().replacen(
        "[[element]]",
        "[[element]]\nkind = \"image\"\nname = \"photo\"\npage = \"front\"\nsrc = \"landmark.jpg\"\nfit = \"contain\"\n\n[[element]]",
        1,
    );
    dir.write("plain.toml", with_photo);
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "1", "-o", "kit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = read_pdf(&dir, "postcards.pdf");
    assert_eq!(doc.images.len(), 1);
    assert_eq!((doc.images[0].width, doc.images[0].height), (1900, 1300));
}

#[test]
fn the_starter_campaigns_photo_example_builds_when_uncommented() {
    let dir = TempDir::new("photos-init");
    let out = letterkit(dir.path(), &["init", "party"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = dir.path().join("party/campaign.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("# [[photos]]").expect("the example is there");
    let uncommented: String =
        text[start..].lines().take_while(|l| l.starts_with("# ")).map(|l| format!("{}\n", &l[2..])).collect();
    assert!(uncommented.contains("src = \"landmark.jpg\""), "{uncommented}");
    let end = start + text[start..].find("\n\n").unwrap();
    let text = format!("{}{}{}", &text[..start], uncommented, &text[end + 1..]).replacen(
        "postcards = 0",
        "postcards = 1",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let out = letterkit(
        &dir.path().join("party"),
        &["build", "campaign.toml", "-p", "participants.csv", "-o", "kit"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "no warnings: {}", stderr(&out));
    let doc = PdfDoc::parse(&std::fs::read(dir.path().join("party/kit/postcards.pdf")).unwrap());
    assert!(doc.pages[0].texts().join("\n").contains("Greetings from Springfield"));
}

#[test]
fn the_focus_point_decides_what_a_crop_keeps() {
    // A photo twice as wide as tall loses a third of its width on the 6.25 x 4.25 in front.
    let dir = TempDir::new("photos-focus");
    dir.write("left.jpg", flat(2600, 1300, [40, 90, 40]));
    dir.write("right.jpg", flat(2610, 1300, [40, 90, 40]));
    let photos = "[[photos]]\nsrc = \"left.jpg\"\nfocus = [0, 0.5]\n\n[[photos]]\nsrc = \"right.jpg\"\nfocus = [1, 0.5]\n";
    dir.write("campaign.toml", campaign("[defaults]\nletters = 0", photos));
    dir.write("people.csv", people(0, 1));
    let out = build(&dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = read_pdf(&dir, "postcards.pdf");
    let (page_width, _) = doc.pages[0].size();
    let placed = |width: u32| doc.images.iter().find(|i| i.width == width).expect("drawn").placements[0].1;
    let left = placed(2600);
    assert!(left[0].abs() < 0.5 && left[2] > page_width + 100.0, "kept its left edge: {left:?}");
    let right = placed(2610);
    assert!((right[2] - page_width).abs() < 0.5 && right[0] < -100.0, "kept its right edge: {right:?}");
}

#[test]
fn a_small_photo_on_named_writers_pieces_is_still_warned_about_once() {
    let dir = TempDir::new("photos-small-named");
    dir.write("city-hall.jpg", flat(600, 400, [90, 120, 90]));
    dir.write("campaign.toml", campaign("[defaults]\nletters = 0", "[[photos]]\nsrc = \"city-hall.jpg\"\n"));
    dir.write("people.csv", people(0, 2));
    let out = build(&dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().filter(|l| l.starts_with("warning:")).count(), 1, "{err}");
    assert!(err.contains("photos[1] city-hall.jpg is 600 x 400 pixels"), "{err}");
}

#[test]
fn a_caption_with_a_writers_field_on_unnamed_kits_is_warned_about() {
    let dir = TempDir::new("photos-unnamed");
    dir.write("ok.jpg", flat(1900, 1300, [90, 90, 90]));
    let text = campaign(
        "[defaults]\nletters = 0\npostcards = 1",
        "[[photos]]\nsrc = \"ok.jpg\"\ncaption = \"Greetings from {city}\"\n",
    );
    let line = line_of(&text, "caption = ");
    dir.write("campaign.toml", &text);
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "2", "-o", "kit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: campaign.toml:{line}:11: photos[1].caption: unnamed kits (no participants list) leave `{{city}}` empty, so their postcards print the caption without it\n\
             hint: build with --participants LIST, or write the caption out, e.g. \"Greetings from Springfield\"\n"
        )
    );
}
