//! The commands behind the CLI: each takes plain arguments and returns what to print.

use std::path::{Path, PathBuf};

use crate::base::diag::{Diagnostic, Result, Warnings};
use crate::base::formats;
use crate::impose;
use crate::input::confine::Sandbox;
use crate::layout::{self, Page, Pictures};
use crate::model::design;
use crate::output::{Staged, check_not_input};
use crate::render::{self, PdfOptions};
use crate::text::fonts::FontBook;

/// Lays out a design with its own `[data]` (plus `extra` values) into pages; its pictures and
/// fonts may come from the folders `sandbox` allows.
pub fn layout_file(
    path: &Path,
    sandbox: &Sandbox,
    extra: &std::collections::BTreeMap<String, String>,
    warnings: &mut Warnings,
) -> Result<(design::Design, Vec<Page>)> {
    layout_with(path, sandbox, extra, warnings)
}

/// [`layout_file`] with any field values over the design's own `[data]` (`render` and
/// `preview` give a campaign's and a row's, or samples).
pub fn layout_with(
    path: &Path,
    sandbox: &Sandbox,
    extra: &dyn layout::Fields,
    warnings: &mut Warnings,
) -> Result<(design::Design, Vec<Page>)> {
    let mut design = design::load(path, sandbox)?;
    crate::model::fallback::prepare_design(
        &mut design,
        &|n| extra.get(n),
        &[],
        extra.fonts(),
        sandbox,
        warnings,
    )?;
    let pictures = Pictures::default();
    let pages = layout::layout_printed(&design, extra, &pictures, warnings)?;
    Ok((design, pages))
}

/// Checks a laid-out design's address sides by the Postal Service's rules (docs/mail-rules.md
/// 2), as `check` and `build` do: errors stop the command, warnings join `warnings`.
fn audit_address_sides(
    path: &Path,
    design: &design::Design,
    pages: &[Page],
    warnings: &mut Warnings,
) -> Result<()> {
    let text = crate::input::read_text(path).ok().map(|s| s.text);
    let found = crate::kit::audit_mail(design, pages, crate::kit::Mailed::AsDesigned, text.as_deref(), true);
    crate::kit::mail_errors(found, warnings)
}

/// `letterkit render DESIGN -o OUT.pdf`: writes the design as a PDF, as it is, N-up on sheets,
/// or with print-shop marks.
pub fn render(
    path: &Path,
    sandbox: &Sandbox,
    output: &Path,
    pdf_a: bool,
    print: &PrintRequest,
    fields: &crate::kit::DesignFields,
    warnings: &mut Warnings,
) -> Result<String> {
    check_not_input(output, &[path])?;
    let options = print_options(print)?;
    let (design, pages) = layout_with(path, sandbox, fields, warnings)?;
    audit_address_sides(path, &design, &pages, warnings)?;
    let (w, h) = (pages[0].width, pages[0].height);
    if let Some(flip) = options.duplex
        && pages.len() < 2
    {
        let piece = match design.fold {
            Some(design::Fold::Quarter) => "a quarter-fold card prints on one side of its sheet",
            _ => "a design of one page prints on one side",
        };
        return Err(Diagnostic::error(format!(
            "--duplex {}: {piece}, so there is no back to place for the flip",
            flip.name()
        ))
        .in_file(path)
        .hint("leave out --duplex and print one-sided")
        .into());
    }
    // A design's pages make one piece: a postcard's front and back, a half-fold card's two
    // sides, a letter's pages printed two-sided.
    let pieces = if options.sheet.is_some() || options.duplex.is_some() {
        vec![pages]
    } else {
        pages.into_iter().map(|p| vec![p]).collect()
    };
    let two_sided = pieces.first().is_some_and(|p| p.len() >= 2);
    let printed = impose::for_print(pieces, &options).map_err(|m| Diagnostic::error(m).in_file(path))?;
    let bytes = render::pdf(
        &printed.pages,
        &PdfOptions { title: design.title.clone(), pdf_a, language: String::new() },
    )?;
    let mut staged = Staged::default();
    staged.write(output, &bytes)?;
    staged.commit()?;
    let n = printed.pages.len();
    let mut summary = format!("wrote {} ({} page{})", output.display(), n, if n == 1 { "" } else { "s" });
    let flip = impose::single_page_flip(&options, w, h);
    match (&printed.plan, &options.sheet) {
        (Some(plan), Some(sheet)) => {
            summary.push_str(&format!("\nsheets: {}", impose::sheet_note(plan, two_sided, sheet.duplex)));
        }
        _ if options.duplex.is_some() && design.fold.is_none() => {
            summary.push_str(&format!("\npages: {}; each back is placed for it", impose::flip_note(flip)));
        }
        _ => {}
    }
    if let Some(fold) = design.fold {
        summary.push_str(&format!(
            "\nthis card: {}",
            impose::fold_instructions(fold, options.sheet.is_some(), flip)
        ));
    }
    if let Some(note) = fields.note() {
        summary.push_str(&format!("\nnote: {note}"));
    }
    Ok(summary)
}

/// `letterkit preview DESIGN -o page.png`: renders one page of the design's PDF to PNG.
pub fn preview(
    path: &Path,
    sandbox: &Sandbox,
    output: &Path,
    page: usize,
    dpi: f32,
    fields: &crate::kit::DesignFields,
    warnings: &mut Warnings,
) -> Result<String> {
    check_not_input(output, &[path])?;
    if !(10.0..=1200.0).contains(&dpi) {
        return Err(Diagnostic::error(format!("--dpi {dpi} is out of range; use 10 to 1200")).into());
    }
    if page == 0 {
        return Err(Diagnostic::error("pages are numbered from 1").into());
    }
    let (design, pages) = layout_with(path, sandbox, fields, warnings)?;
    audit_address_sides(path, &design, &pages, warnings)?;
    let bytes = render::pdf(
        &pages,
        &PdfOptions { title: design.title.clone(), pdf_a: false, language: String::new() },
    )?;
    let png = render::png(&bytes, page - 1, dpi)?;
    let mut staged = Staged::default();
    staged.write(output, &png)?;
    staged.commit()?;
    let mut summary = format!("wrote {} (page {page} of {}, {dpi} dpi)", output.display(), pages.len());
    if let Some(note) = fields.note() {
        summary.push_str(&format!("\nnote: {note}"));
    }
    Ok(summary)
}

/// `letterkit layouts`: the built-in page formats.
pub fn layouts() -> String {
    let mut out = String::new();
    let mut kind = None;
    for f in formats::all() {
        if kind != Some(f.kind) {
            kind = Some(f.kind);
            out.push_str(&format!("{}{}:\n", if out.is_empty() { "" } else { "\n" }, f.kind.name()));
        }
        let [w, h] = f.size_in();
        let aliases =
            if f.aliases.is_empty() { String::new() } else { format!(" (also {})", f.aliases.join(", ")) };
        out.push_str(&format!("  {:<20} {:>6.3} x {:<6.3} in  {}{}\n", f.name, w, h, f.description, aliases));
    }
    let pictures: Vec<&str> = crate::input::assets::names().collect();
    out.push_str(&format!("\nbundled pictures (use them as an image's src): {}\n", pictures.join(", ")));
    out
}

/// `letterkit fonts`: the bundled font families.
pub fn fonts() -> String {
    let mut out = String::from("bundled families (use the first name in a design's `font`):\n");
    for line in FontBook::bundled().describe() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str("\nA design can add its own under [fonts], e.g. hand = \"fonts/MyHand.ttf\".\n");
    out.push_str(
        "Letters these lack come from a campaign's [fonts], --font-path DIR or the installed fonts.\n",
    );
    out
}

/// The default output name for a design: the design's name with another extension.
pub fn default_output(design: &Path, extension: &str) -> PathBuf {
    design.with_extension(extension)
}

/// `letterkit envelopes`: addressed envelopes only, for people writing on their own paper or cards.
pub fn envelopes(
    campaign_path: Option<&Path>,
    sandbox: &Sandbox,
    size: &str,
    count: u32,
    participants_path: Option<&Path>,
    output: &Path,
    warnings: &mut Warnings,
) -> Result<String> {
    use crate::kit::pages;
    use crate::model::{campaign, participants};
    let loaded = campaign::load(campaign_path, sandbox)?;
    let format = formats::find(size, Some(formats::Kind::Envelope))?;
    let inputs: Vec<&Path> = [campaign_path, participants_path].into_iter().flatten().collect();
    check_not_input(output, &inputs)?;
    let people = match participants_path {
        Some(p) => participants::read(p, warnings)?,
        None => Vec::new(),
    };
    if participants_path.is_none() && !(1..=10_000).contains(&count) {
        return Err(
            Diagnostic::error(format!("--count {count} is out of range; make 1 to 10000 envelopes")).into()
        );
    }
    let delivery = loaded.delivery_lines();
    let fonts = crate::kit::envelope_fonts(&loaded, &people, warnings)?;
    let mut pages = Vec::new();
    // Each envelope's return address, and whether it is mailed from abroad.
    let returns: Vec<(Option<Vec<String>>, bool)> = if people.is_empty() {
        vec![(None, false); count as usize]
    } else {
        // One envelope per letter and card each person makes (postcards go bare).
        let d = &loaded.campaign.defaults;
        people
            .iter()
            .flat_map(|p| {
                let n = p.letters.unwrap_or(d.letters) + p.cards.unwrap_or(d.cards);
                std::iter::repeat_n((Some(p.return_address()), p.abroad()), n as usize)
            })
            .collect()
    };
    let from_abroad = crate::mail::countries::from_abroad(&delivery);
    for (i, (return_lines, abroad)) in returns.iter().enumerate() {
        let piece = format!("E-{:04}", i + 1);
        let content = pages::EnvelopeContent {
            return_lines: return_lines.as_deref(),
            delivery_lines: if *abroad { &from_abroad } else { &delivery },
            piece: Some(&piece),
            labels: &loaded.labels,
        };
        let (page, _) = pages::envelope(&fonts, format, &content)
            .map_err(|m| Diagnostic::error(format!("envelope {piece}: {m}")))?;
        pages.push(page);
    }
    let bytes = render::pdf(
        &pages,
        &PdfOptions {
            title: format!("{}: envelopes", loaded.campaign.name),
            pdf_a: false,
            language: loaded.labels.tag.clone(),
        },
    )?;
    let mut staged = Staged::default();
    staged.write(output, &bytes)?;
    staged.commit()?;
    Ok(format!(
        "wrote {} ({} {} envelope{} addressed to {})",
        output.display(),
        pages.len(),
        format.name,
        if pages.len() == 1 { "" } else { "s" },
        loaded.campaign.recipient.organization
    ))
}

/// The files of a starter campaign folder, by name: the campaign, a participants list with two
/// people, and the two letter designs it can use.
fn starter_files() -> Vec<(String, String)> {
    use crate::kit::BUILTIN_DESIGNS;
    use crate::model::campaign::DEFAULT_CAMPAIGN;
    let campaign = DEFAULT_CAMPAIGN
        .replacen("letter = \"handwritten\"", "letter = \"handwritten-letter.toml\"", 1)
        .replacen(" (letterkit init makes an editable copy)", "", 1);
    let mut files: Vec<(String, String)> = vec![
        ("campaign.toml".into(), campaign),
        (
            "participants.csv".into(),
            "name,address1,address2,city,state,zip,letters\nZoë O’Brien,12 Elm Street,Apt 3,Boston,MA,02134,1\nNguyễn Văn An,450 Oak Avenue,,Portland,ME,04101,2\n".into(),
        ),
    ];
    for (name, path, text) in BUILTIN_DESIGNS.iter().filter(|(n, ..)| matches!(*n, "handwritten" | "typed")) {
        let file = path.rsplit('/').next().unwrap_or(name).to_string();
        files.push((file, text.to_string()));
    }
    files
}

/// Makes `dir` a campaign folder for `letterkit serve`: a new or missing folder gets the
/// starter files `init` writes; an existing one keeps its files and gets only what it lacks
/// (all the starter files without a campaign.toml, the starter participants.csv without one).
pub fn starter_folder(dir: &Path) -> Result<()> {
    let has_campaign = dir.join("campaign.toml").exists();
    let missing: Vec<(String, String)> = starter_files()
        .into_iter()
        .filter(|(file, _)| !dir.join(file).exists())
        .filter(|(file, _)| !has_campaign || file == "participants.csv")
        .collect();
    let mut staged = Staged::default();
    for (file, text) in &missing {
        staged.write(&dir.join(file), text.as_bytes())?;
    }
    staged.commit()?;
    Ok(())
}

/// `letterkit init DIR`: a starter campaign folder that builds as it is.
pub fn init(dir: &Path) -> Result<String> {
    let files = starter_files();
    let existing: Vec<&str> =
        files.iter().map(|(f, _)| f.as_str()).filter(|f| dir.join(f).exists()).collect();
    if !existing.is_empty() {
        return Err(Diagnostic::error(format!(
            "{} already has {}; not overwriting",
            dir.display(),
            existing.join(", ")
        ))
        .hint("choose a new folder name")
        .into());
    }
    let mut staged = Staged::default();
    for (file, text) in &files {
        staged.write(&dir.join(file), text.as_bytes())?;
    }
    staged.commit()?;
    let d = dir.display();
    Ok(format!(
        "wrote a starter campaign in {d}/: campaign.toml, participants.csv, handwritten-letter.toml, typed-letter.toml\n\
         Edit campaign.toml (check the [recipient]!) and participants.csv, then run:\n  letterkit build {d}/campaign.toml --participants {d}/participants.csv -o {d}/kit"
    ))
}

/// The side of the square share picture, in points; rendered at 144 dpi it is 1080 pixels.
const SHARE_SIDE: f32 = 540.0;

/// `letterkit share DESIGN_OR_CAMPAIGN -o post.png`: a square picture for social posts: the
/// postcard front or card cover with the campaign hashtag, rendered from a PDF page.
pub fn share(input: &Path, sandbox: &Sandbox, output: &Path, warnings: &mut Warnings) -> Result<String> {
    use crate::layout::{BlockStyle, Item, escape_markup, text_block};
    use crate::model::campaign;
    check_not_input(output, &[input])?;
    let source = crate::input::read_text(input)?;
    crate::input::toml_size(&source)?;
    let is_campaign = toml::from_str::<toml::Table>(&source.text).is_ok_and(|t| t.contains_key("recipient"));
    let pictures = Pictures::default();
    // The fields an unnamed writer's piece gets in the kit: the campaign's (the built-in one's
    // for a design on its own), the piece number and prompts, empty writer fields.
    let (mut design, mut loaded) = if is_campaign {
        let loaded = campaign::load(Some(input), sandbox)?;
        (crate::kit::campaign_design(&loaded, "postcard", &loaded.campaign.postcard, None)?, loaded)
    } else {
        (design::parse(&source, sandbox)?, campaign::load(None, sandbox)?)
    };
    let data = crate::kit::unnamed_piece(&loaded, &design)?;
    let hashtag =
        if is_campaign { data.get("hashtag") } else { design.data.get("hashtag").or(data.get("hashtag")) }
            .cloned()
            .unwrap_or_default();
    // The picture shows the front only, so only the front's elements are laid out: fields the
    // back uses ({return_address}, {prompt_1}...) need no value.
    design.elements.retain(|e| e.page == 0);
    // A design on its own takes no campaign's fonts: only its own and the fallbacks.
    let fonts = if is_campaign { std::mem::take(&mut loaded.fonts) } else { Vec::new() };
    crate::model::fallback::prepare_design(
        &mut design,
        &|n| data.get(n).cloned(),
        &[&hashtag],
        &fonts,
        sandbox,
        warnings,
    )?;
    let panels = layout::layout_design(&design, &data, &pictures, warnings)?;
    let front = &panels[0];
    let mut page = Page::new(SHARE_SIDE, SHARE_SIDE, 0.0);
    let background = crate::model::design::Paint {
        fill: Some(crate::base::units::Color::Rgb(244, 241, 234)),
        stroke: None,
    };
    let square = crate::base::units::Rect::new(0.0, 0.0, SHARE_SIDE, SHARE_SIDE);
    page.items
        .push(Item::Shape(crate::layout::Shape { path: layout::rect_path(square, 0.0), paint: background }));
    let (box_w, box_h) = (SHARE_SIDE - 80.0, SHARE_SIDE - 150.0);
    let scale = (box_w / front.trim.width).min(box_h / front.trim.height);
    let (w, h) = (front.trim.width * scale, front.trim.height * scale);
    let (x, y) = ((SHARE_SIDE - w) / 2.0, 40.0 + (box_h - h) / 2.0);
    let shadow = crate::model::design::Paint {
        fill: Some(crate::base::units::Color::Rgb(214, 209, 198)),
        stroke: None,
    };
    page.items.push(Item::Shape(crate::layout::Shape {
        path: layout::rect_path(crate::base::units::Rect::new(x + 5.0, y + 5.0, w, h), 0.0),
        paint: shadow,
    }));
    // The paper: a design draws on white card, and what it leaves unpainted is that white, not
    // the backdrop behind the picture.
    let paper = crate::model::design::Paint {
        fill: Some(crate::base::units::Color::Rgb(255, 255, 255)),
        stroke: None,
    };
    page.items.push(Item::Shape(crate::layout::Shape {
        path: layout::rect_path(crate::base::units::Rect::new(x, y, w, h), 0.0),
        paint: paper,
    }));
    page.items.push(Item::Group(crate::layout::Group {
        transform: [scale, 0.0, 0.0, scale, x - front.trim.x * scale, y - front.trim.y * scale],
        clip: Some(front.trim),
        items: front.items.clone(),
    }));
    if !hashtag.is_empty() {
        let style = BlockStyle {
            bold: true,
            align: crate::text::Align::Center,
            color: crate::base::units::Color::Rgb(20, 33, 61),
            ..BlockStyle::new("sans", 30.0, 36.0)
        };
        let block = text_block(
            &design.fonts,
            &escape_markup(&hashtag),
            &style,
            20.0,
            SHARE_SIDE - 85.0,
            SHARE_SIDE - 40.0,
        )
        .map_err(Diagnostic::error)?;
        page.items.extend(block.items);
    }
    let bytes = render::pdf(
        [&page],
        &PdfOptions {
            title: format!("{}: share picture", design.title),
            pdf_a: false,
            language: String::new(),
        },
    )?;
    let png = render::png(&bytes, 0, 144.0)?;
    let mut staged = Staged::default();
    staged.write(output, &png)?;
    staged.commit()?;
    Ok(format!(
        "wrote {} (1080 x 1080 px): post it with {}",
        output.display(),
        if hashtag.is_empty() { "your hashtag" } else { &hashtag }
    ))
}

/// How the user asked pieces to be printed (the CLI's sheet and print-shop options).
#[derive(Debug, Clone, Default)]
pub struct PrintRequest {
    /// `--sheet letter|a4`: N-up on this paper.
    pub sheet: Option<String>,
    /// `--grid 2x2`.
    pub grid: Option<String>,
    /// `--gutter 0.25in`.
    pub gutter: Option<String>,
    /// `--duplex long|short`.
    pub duplex: Option<impose::Duplex>,
    /// `--no-marks`.
    pub no_marks: bool,
    /// `--profile printer.toml`.
    pub profile: Option<PathBuf>,
    /// `--print-shop --marks`: crop marks outside the bleed on single-up pages.
    pub shop_marks: bool,
}

/// Turns the CLI's print options into imposition settings; bad values are errors naming the option.
pub fn print_options(request: &PrintRequest) -> Result<impose::PrintOptions> {
    let Some(sheet) = &request.sheet else {
        if request.grid.is_some() || request.gutter.is_some() || request.profile.is_some() || request.no_marks
        {
            return Err(Diagnostic::error(
                "--grid, --gutter, --no-marks and --profile go with --sheet letter or --sheet a4",
            )
            .into());
        }
        return Ok(impose::PrintOptions {
            sheet: None,
            shop_marks: request.shop_marks,
            duplex: request.duplex,
        });
    };
    let paper = formats::find(sheet, Some(formats::Kind::Paper))
        .map_err(|d| Diagnostic { message: format!("--sheet: {}", d.message), ..d })?;
    let grid = match &request.grid {
        None => None,
        Some(g) => {
            let parsed = g
                .split_once(['x', 'X'])
                .and_then(|(c, r)| Some((c.trim().parse().ok()?, r.trim().parse().ok()?)));
            match parsed {
                Some((c, r)) if c > 0 && r > 0 && c * r <= 100 => Some((c, r)),
                _ => {
                    return Err(
                        Diagnostic::error(format!("--grid {g}: write columns x rows, like 2x2")).into()
                    );
                }
            }
        }
    };
    let gutter = match &request.gutter {
        None => None,
        Some(g) => match (if g.trim() == "0" {
            Ok(crate::base::units::Length::ZERO)
        } else {
            crate::base::units::Length::parse(g)
        })
        .ok()
        .and_then(crate::base::units::Length::absolute)
        {
            Some(pt) if (0.0..=144.0).contains(&pt) => Some(pt),
            _ => {
                return Err(Diagnostic::error(format!(
                    "--gutter {g}: give a length from 0 to 2in, like 0.25in"
                ))
                .into());
            }
        },
    };
    let profile = match &request.profile {
        None => impose::PrinterProfile::default(),
        Some(path) => {
            let source = crate::input::read_text(path)?;
            let profile: impose::PrinterProfile = design::from_toml(&source)?;
            let offsets = [profile.offset_x, profile.offset_y, profile.back_offset_x, profile.back_offset_y];
            if offsets.iter().any(|o| !o.is_absolute()) {
                return Err(Diagnostic::error(
                    "printer profile offsets take lengths like \"0.03in\" or \"-1mm\", not percentages",
                )
                .in_file(path)
                .into());
            }
            if !(0.5..=1.5).contains(&profile.scale) {
                return Err(Diagnostic::error(format!(
                    "scale {} is out of range; use 0.5 to 1.5",
                    profile.scale
                ))
                .in_file(path)
                .into());
            }
            profile
        }
    };
    Ok(impose::PrintOptions {
        sheet: Some(impose::SheetOptions {
            width: paper.width.min(paper.height),
            height: paper.width.max(paper.height),
            grid,
            gutter,
            marks: !request.no_marks,
            duplex: request.duplex.unwrap_or(impose::Duplex::Long),
            profile,
        }),
        shop_marks: request.shop_marks,
        duplex: request.duplex,
    })
}

/// `letterkit calibrate`: a two-sided test sheet to measure a printer's offsets.
pub fn calibrate(paper: &str, output: &Path) -> Result<String> {
    let format = formats::find(paper, Some(formats::Kind::Paper))?;
    let (w, h) = (format.width.min(format.height), format.width.max(format.height));
    let pages = crate::cli::calibrate::sheet(&FontBook::bundled(), w, h).map_err(Diagnostic::error)?;
    let bytes = render::pdf(
        &pages,
        &PdfOptions { title: "letterkit printer calibration".into(), pdf_a: false, language: String::new() },
    )?;
    let mut staged = Staged::default();
    staged.write(output, &bytes)?;
    staged.commit()?;
    // The paper as the user named it (`letter`, `a4`), the way --sheet is documented.
    let how_to =
        crate::cli::calibrate::HOW_TO.replace("--sheet letter", &format!("--sheet {}", paper.to_lowercase()));
    Ok(format!("wrote {} (2 pages, {})\n{how_to}", output.display(), format.description))
}
