// The work of the `participants`, `picture` and `font` fuzz targets, shared with
// `tests/properties.rs` (which includes this file and runs it on good and damaged files), so
// the fuzz targets' code is compiled and run by `cargo test` too.

/// A participants list from arbitrary bytes through reading and `letterkit check`'s list
/// checks. Nothing may panic; every problem names the list and a line.
pub fn fuzz_participants(data: &[u8]) {
    let path = std::path::Path::new("people.csv");
    let source = match letterkit::base::diag::Source::from_bytes(path, data.to_vec()) {
        Ok(source) => source,
        Err(e) => {
            assert!(e.0.iter().all(|d| d.position.is_some()), "no line: {:?}", e.0);
            return;
        }
    };
    for d in letterkit::check::data::short_rows(&source) {
        assert!(d.file.as_deref() == Some(path) && d.position.is_some(), "{d:?}");
    }
    let mut warnings = letterkit::base::diag::Warnings::default();
    let people = match letterkit::model::participants::parse(&source, &mut warnings) {
        Ok(people) => people,
        Err(e) => {
            assert!(e.0.iter().all(|d| d.file.as_deref() == Some(path)), "no file: {:?}", e.0);
            return;
        }
    };
    let _ = letterkit::check::data::participants(&source, &people);
    let defaults = letterkit::model::campaign::Defaults { letters: 1, cards: 1, postcards: 1 };
    let _ = letterkit::check::data::piece_count(&people, &defaults);
    for person in &people {
        let _ = person.city_line();
        let _ = person.return_address();
    }
}

/// A fresh folder for one input (under the system's temporary folder), removed when dropped.
pub struct Scratch(std::path::PathBuf);

impl Scratch {
    /// A new empty folder named for `label`, this process and a counter.
    pub fn new(label: &str) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("letterkit-fuzz-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a scratch folder");
        Scratch(path)
    }

    /// Writes `bytes` to `name` in the folder; its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("a scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A design in `dir` through reading, layout and PDF; the PDF must read back with every page.
/// Errors are fine (the input is damaged); panics and unreadable PDFs are not. Whether it made
/// a PDF.
fn render_design_in(dir: &Scratch, design: &str) -> bool {
    let path = dir.write("design.toml", design.as_bytes());
    let source = letterkit::base::diag::Source { path, text: design.to_string() };
    let Ok(design) = letterkit::model::design::parse(&source, &Default::default()) else { return false };
    let pictures = letterkit::layout::Pictures::default();
    let mut warnings = letterkit::base::diag::Warnings::default();
    let none = std::collections::BTreeMap::new();
    let Ok(pages) = letterkit::layout::layout_printed(&design, &none, &pictures, &mut warnings) else {
        return false;
    };
    let options = letterkit::render::PdfOptions { title: design.title.clone(), pdf_a: false, language: String::new() };
    // An error here is not a crash; verify_font makes a trial subset with every glyph, so a
    // font the subsetter refuses is normally refused when read (fuzz/README.md).
    let Ok(bytes) = letterkit::render::pdf(&pages, &options) else { return false };
    assert_eq!(pdf_pages(&bytes), Ok(pages.len()), "the PDF reads back with every page");
    true
}

/// Arbitrary bytes as a picture: verified as a JPEG and as a PNG, then shown on a postcard
/// (each way it fits its box), laid out and embedded in a PDF. Whether it made a PDF.
pub fn fuzz_picture(data: &[u8]) -> bool {
    let _ = letterkit::input::picture::verify_picture(data, true);
    let _ = letterkit::input::picture::verify_picture(data, false);
    let _ = letterkit::input::picture::jpeg_header(data);
    let _ = letterkit::input::picture::png_size(data);
    let _ = letterkit::input::picture::decoded_bytes(data);
    let dir = Scratch::new("picture");
    dir.write("picture.jpg", data);
    let mut design = String::from("format = \"postcard-4x6\"\npages = [\"front\", \"back\"]\n");
    for (fit, page) in [("cover", "front"), ("contain", "back"), ("stretch", "back")] {
        design.push_str(&format!(
            "\n[[element]]\nkind = \"image\"\npage = \"{page}\"\nsrc = \"picture.jpg\"\nfit = \"{fit}\"\nwidth = \"50%\"\nheight = \"40%\"\nfocus = [0.2, 0.7]\n"
        ));
    }
    render_design_in(&dir, &design)
}

/// Text with many scripts, ligatures, marks and characters most fonts lack, to shape.
const FONT_SAMPLE: &str = "Dear Zoë Łukasiewicz, O’Brien — ﬁne office, Nguyễn \u{301}e 中文 🙂 مرحبا";

/// Text to lay out: characters the bundled fonts have (layout refuses any no font has), markup.
const LAYOUT_SAMPLE: &str = "Dear Zoë Łukasiewicz, O’Brien — *ﬁne* office, **Nguyễn** e\u{301}";

/// Arbitrary bytes as a font: verified, loaded as a family of its own, used to shape a string
/// (with fallback for characters it lacks), then laid out in a text box and subset into a PDF.
/// Whether it made a PDF. (The text is written as a JSON string, which is a TOML one too.)
pub fn fuzz_font(data: &[u8]) -> bool {
    if letterkit::input::font::verify_font(data).is_err() {
        return false;
    }
    let dir = Scratch::new("font");
    let path = dir.write("font.ttf", data);
    let mut book = letterkit::text::fonts::FontBook::bundled();
    let files = letterkit::text::fonts::FamilyFiles { regular: Some(path), ..Default::default() };
    if book.add_family("fuzz", &files).is_err() {
        return false;
    }
    for (bold, italic) in [(false, false), (true, true)] {
        let face = book.select("fuzz", bold, italic).expect("the family just added");
        let shaped = book.shape(face, FONT_SAMPLE);
        assert!(shaped.advance().is_finite(), "a shaped string has a finite width");
        for c in FONT_SAMPLE.chars() {
            let _ = book.face_for(face, c);
        }
    }
    let design = format!(
        "format = \"us-letter\"\n\n[fonts]\nfuzz = \"font.ttf\"\n\n[[element]]\nkind = \"text\"\nfont = \"fuzz\"\noverflow = \"continue\"\ntext = {}\n\n[[element]]\nkind = \"text\"\nfont = \"fuzz\"\nsize = \"30pt\"\nalign = \"justify\"\ny = \"50%\"\ntext = {}\n",
        serde_json::to_string(LAYOUT_SAMPLE).expect("a string"),
        serde_json::to_string(&LAYOUT_SAMPLE.repeat(3)).expect("a string"),
    );
    render_design_in(&dir, &design)
}
