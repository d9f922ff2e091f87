//! Pages the kit composes in code: envelopes placed by USPS rules, the talking-points
//! handout and the sign-in / tally sheet.

use std::collections::HashMap;

use crate::base::formats::Format;
use crate::base::units::{Color, PT_PER_IN, Rect};
use crate::layout::{
    AddressFit, Block, BlockStyle, Item, Page, PathSeg, Shape, address_block, escape_markup, rect_path,
    text_block,
};
use crate::mail::placement;
use crate::model::design::Paint;
use crate::model::labels::Labels;
use crate::text::Align;
use crate::text::fonts::FontBook;

const IN: f32 = PT_PER_IN;
const GUIDE_GRAY: Color = Color::Rgb(150, 150, 150);

/// Where things landed on an envelope, for checks and tests.
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeGeometry {
    /// The delivery address block's ink extent.
    pub address: Rect,
    /// The return address block (or its writing lines).
    pub return_address: Rect,
    /// The stamp box.
    pub stamp: Rect,
}

/// What goes on an envelope.
pub struct EnvelopeContent<'a> {
    /// Return address lines; `None` leaves lines to write it by hand.
    pub return_lines: Option<&'a [String]>,
    /// Delivery address lines, already in the style to print.
    pub delivery_lines: &'a [String],
    /// A small piece number to match the envelope with its letter.
    pub piece: Option<&'a str>,
    /// The printed labels (the stamp box's, "From:") in the piece's language.
    pub labels: &'a Labels,
}

/// Lays out an envelope of `format` (landscape) by USPS rules: delivery address inside the OCR
/// read area and parallel to the long side, return address upper left above that area, stamp
/// box upper right, nothing in the barcode clear zone.
pub fn envelope(
    fonts: &FontBook,
    format: &Format,
    content: &EnvelopeContent,
) -> Result<(Page, EnvelopeGeometry), String> {
    // Where everything goes is mail's rule (mail/placement.rs); this sets the type.
    let zones = placement::envelope_zones(format.width, format.height, format.margin);
    let (w, h, edge, stamp) = (zones.width, zones.height, zones.edge, zones.stamp);
    let mut page = Page::new(w, h, 0.0);

    // Stamp box: a dashed guide, printed light.
    page.items
        .push(Item::Shape(Shape { path: dashed_rect(stamp, 4.0, 3.0), paint: stroke(GUIDE_GRAY, 0.5) }));
    let label = BlockStyle { align: Align::Center, color: GUIDE_GRAY, ..BlockStyle::new("sans", 6.0, 7.5) };
    let stamp_label = text_block(
        fonts,
        &escape_markup(content.labels.get("stamp")),
        &label,
        stamp.x,
        stamp.y + stamp.height / 2.0 - 10.0,
        stamp.width,
    )?;
    page.items.extend(stamp_label.items);

    // Return address, upper left, in a box above the OCR read area that holds five lines at
    // the floor size (docs/mail-rules.md 2.3, 2.6): shrunk to fit, then broken where an address
    // may be, and else an error for this envelope.
    let return_rect = match content.return_lines {
        Some(lines) => {
            let b = zones.return_box();
            let size = placement::RETURN_SIZE;
            let style = BlockStyle::new("sans", size, size * placement::RETURN_LEADING);
            let floor = placement::ADDRESS_SIDE_FLOOR;
            let fit =
                AddressFit { floor, leading: placement::RETURN_LEADING, height: b.height, keep_last: false };
            let (block, _) =
                address_block(fonts, lines, &style, b.x, b.y, b.width, &fit).map_err(|m| match m {
                    crate::layout::AddressMisfit::Set(message, _) => message,
                    m => format!(
                        "the return address does not fit above the OCR read area of {}: {}",
                        crate::base::diag::a(&format.name),
                        m.describe(b.width, floor, "")
                    ),
                })?;
            page.items.extend(block.items);
            block.rect
        }
        None => {
            // Lines to write the return address on.
            let from = text_block(
                fonts,
                &escape_markup(content.labels.get("from")),
                &BlockStyle { color: GUIDE_GRAY, ..BlockStyle::new("sans", 7.0, 8.0) },
                edge,
                edge,
                40.0,
            )?;
            page.items.extend(from.items);
            let (spacing, length) = zones.return_writing_lines();
            let mut path = Vec::new();
            for k in 1..=3 {
                let y = edge + k as f32 * spacing;
                path.push(PathSeg::Move(edge, y));
                path.push(PathSeg::Line(edge + length, y));
            }
            page.items.push(Item::Shape(Shape { path, paint: stroke(GUIDE_GRAY, 0.4) }));
            Rect::new(edge, edge, length, 3.0 * spacing)
        }
    };

    // Delivery address: capitals in a plain sans, 11 pt down to 8 pt (Pub 28 A1; docs/mail-rules.md
    // 2.4), one flush-left block placed in the OCR read area clear of the stamp box; a line too
    // long even at 8 pt is broken where an address may be, never the last line (2.6).
    let size = 11.0;
    let style = BlockStyle::new("sans", size, size * 1.25);
    let floor = placement::DELIVERY_FLOOR;
    let fit = AddressFit { floor, leading: 1.25, height: zones.ocr.height, keep_last: true };
    let (probe, size) = address_block(fonts, content.delivery_lines, &style, 0.0, 0.0, zones.ocr.width, &fit)
        .map_err(|m| match m {
            crate::layout::AddressMisfit::Set(message, _) => message,
            m => format!(
                "the delivery address does not fit the OCR read area of {}: {}",
                crate::base::diag::a(&format.name),
                m.describe(zones.ocr.width, floor, "")
            ),
        })?;
    let (bw, bh) = (probe.rect.width, probe.rect.height);
    let Some((x, top)) = zones.delivery_address(bw, bh, return_rect) else {
        return Err(format!(
            "the delivery address ({} lines at {size} pt) does not fit in the OCR read area of {} below the stamp and return address",
            probe.lines,
            crate::base::diag::a(&format.name)
        ));
    };
    let address = Rect::new(x, top, bw, bh);
    page.items.extend(probe.items.into_iter().map(|item| match item {
        Item::Text(mut run) => {
            run.x += x;
            run.y += top;
            Item::Text(run)
        }
        other => other,
    }));

    // Piece number: small, at the lower left; on envelopes too narrow for that, at the top.
    if let Some(piece) = content.piece {
        let style = BlockStyle { color: Color::Rgb(110, 110, 110), ..BlockStyle::new("sans", 6.5, 8.0) };
        let (x, top, width) = zones.piece_number();
        let mut block = text_block(fonts, &escape_markup(piece), &style, x, top, width)?;
        if !zones.piece_number_fits(block.rect.right()) || block.lines > 1 {
            let centred = BlockStyle { align: Align::Center, ..style };
            let (x, top, width) = zones.piece_number_at_top();
            block = text_block(fonts, &escape_markup(piece), &centred, x, top, width)?;
        }
        page.items.extend(block.items);
    }
    Ok((page, EnvelopeGeometry { address, return_address: return_rect, stamp }))
}

fn stroke(color: Color, width: f32) -> Paint {
    Paint { fill: None, stroke: Some((color, width)) }
}

/// A rectangle drawn as dashes (the PDF dash pattern is not needed for a light guide).
fn dashed_rect(r: Rect, dash: f32, gap: f32) -> Vec<PathSeg> {
    let mut path = Vec::new();
    let corners = [(r.x, r.y), (r.right(), r.y), (r.right(), r.bottom()), (r.x, r.bottom()), (r.x, r.y)];
    for pair in corners.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let length = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let mut t = 0.0;
        while t < length {
            let t1 = (t + dash).min(length);
            path.push(PathSeg::Move(x0 + (x1 - x0) * t / length, y0 + (y1 - y0) * t / length));
            path.push(PathSeg::Line(x0 + (x1 - x0) * t1 / length, y0 + (y1 - y0) * t1 / length));
            t += dash + gap;
        }
    }
    path
}

/// What the handout says.
pub struct HandoutContent<'a> {
    /// Campaign name.
    pub campaign: &'a str,
    /// Organiser, if any.
    pub organizer: Option<&'a str>,
    /// Themes and their points.
    pub themes: &'a [(String, Vec<String>)],
    /// Recipient address lines as written.
    pub recipient: &'a [String],
    /// Hashtags and mentions line.
    pub social: String,
    /// Report-back instructions.
    pub report_back: Option<&'a str>,
    /// The sign-in page's address: printed at the foot with a QR code of it.
    pub sign_in_url: Option<&'a str>,
    /// The printed labels in the handout's language.
    pub labels: &'a Labels,
}

/// The width of a QR code's modules on the handout, without its quiet zone.
const QR_WIDTH: f32 = 1.25 * IN;
/// The light border a QR code reader needs around the modules, in modules.
const QR_QUIET_ZONE: usize = 4;

/// The handout's sign-in corner, `width` wide at `x`, ending at `bottom`: the caption (the
/// label `handout_sign_in`), a QR code of `url` (each dark module a filled square, with a quiet
/// zone of [`QR_QUIET_ZONE`] modules) and `url` under it. Returns its items and its top.
fn sign_in_items(
    fonts: &FontBook,
    caption: &str,
    url: &str,
    x: f32,
    bottom: f32,
    width: f32,
) -> Result<(Vec<Item>, f32), String> {
    let code = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| format!("the sign-in address cannot be made into a QR code: {e}"))?;
    let n = code.width();
    let module = QR_WIDTH / n as f32;
    let quiet = QR_QUIET_ZONE as f32 * module;
    let caption_style = BlockStyle { bold: true, ..BlockStyle::new("sans", 12.0, 14.0) };
    let url_style = BlockStyle::new("sans", 9.0, 11.0);
    let url_markup = escape_markup(url);
    let caption_markup = escape_markup(caption);
    // Each block's height, set once at the top of the page, places the corner.
    let caption_height = text_block(fonts, &caption_markup, &caption_style, x, 0.0, width)?.rect.bottom();
    let url_height = text_block(fonts, &url_markup, &url_style, x, 0.0, width)?.rect.bottom();
    let top = bottom - caption_height - 2.0 * quiet - QR_WIDTH - url_height;
    let caption = text_block(fonts, &caption_markup, &caption_style, x, top, width)?;
    let code_top = caption.rect.bottom() + quiet;
    let mut path = Vec::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            let (col, row) = ((i % n) as f32, (i / n) as f32);
            path.extend(rect_path(Rect::new(x + col * module, code_top + row * module, module, module), 0.0));
        }
    }
    let address = text_block(fonts, &url_markup, &url_style, x, code_top + QR_WIDTH + quiet, width)?;
    let mut items = caption.items;
    items.push(Item::Shape(Shape { path, paint: Paint { fill: Some(Color::Rgb(0, 0, 0)), stroke: None } }));
    items.extend(address.items);
    Ok((items, top))
}

/// The one-page talking-points handout; the text shrinks to fit one page, or it is an error.
pub fn handout(fonts: &FontBook, paper: &Format, content: &HandoutContent) -> Result<Page, String> {
    let (w, h) = (paper.width.min(paper.height), paper.width.max(paper.height));
    let margin = 0.6 * IN;
    let width = w - 2.0 * margin;
    let mut body = String::new();
    for (theme, points) in content.themes {
        body.push_str(&format!("**{}**\n", escape_markup(theme)));
        for p in points {
            body.push_str(&format!("•  {}\n", escape_markup(p)));
        }
        body.push('\n');
    }
    let address = content.recipient.iter().map(|l| escape_markup(l)).collect::<Vec<_>>().join("\n");
    let labels = content.labels;
    let label = |key: &str| escape_markup(labels.get(key));
    let how = format!(
        "**{}**\n{}\n**{}**: {}\n{}\n{address}\n\n**{}**\n{}{}",
        label("handout_how_title"),
        label("handout_how"),
        label("handout_own_envelope"),
        label("handout_own_envelope_example"),
        label("handout_mail_to"),
        label("handout_share_title"),
        escape_markup(&labels.fill("handout_share", &[("social", &content.social)])),
        content.report_back.map_or(String::new(), |r| format!(
            "\n\n**{}**\n{}",
            label("handout_report_back_title"),
            escape_markup(r)
        ))
    );
    let sign_in = match content.sign_in_url {
        Some(url) => {
            Some(sign_in_items(fonts, labels.get("handout_sign_in"), url, margin, h - margin, width)?)
        }
        None => None,
    };
    // The talking points end above the sign-in corner, with room between.
    let limit = sign_in.as_ref().map_or(h - margin, |(_, top)| top - 12.0);
    let mut size = 10.5;
    loop {
        let mut page = Page::new(w, h, 0.0);
        let title_style = BlockStyle { bold: true, ..BlockStyle::new("sans", 18.0, 22.0) };
        let title = text_block(fonts, &escape_markup(content.campaign), &title_style, margin, margin, width)?;
        let mut y = title.rect.bottom() + 4.0;
        page.items.extend(title.items);
        let sub = format!(
            "{}{}",
            label("handout_subtitle"),
            content.organizer.map_or(String::new(), |o| format!(" · {}", escape_markup(o)))
        );
        let sub_block = text_block(
            fonts,
            &sub,
            &BlockStyle { color: Color::Rgb(90, 90, 90), ..BlockStyle::new("sans", 10.0, 12.0) },
            margin,
            y,
            width,
        )?;
        y = sub_block.rect.bottom() + 12.0;
        page.items.extend(sub_block.items);
        let note_block = text_block(
            fonts,
            &label("handout_note"),
            &BlockStyle::new("serif", size, size * 1.3),
            margin,
            y,
            width,
        )?;
        y = note_block.rect.bottom() + size;
        page.items.extend(note_block.items);
        let column_gap = 0.3 * IN;
        let column = (width - column_gap) * 0.62;
        let points =
            text_block(fonts, &body, &BlockStyle::new("serif", size, size * 1.25), margin, y, column)?;
        let side_x = margin + column + column_gap;
        let side = text_block(
            fonts,
            &how,
            &BlockStyle::new("sans", size - 1.0, (size - 1.0) * 1.3),
            side_x,
            y,
            width - column - column_gap,
        )?;
        let bottom = points.rect.bottom().max(side.rect.bottom());
        if bottom <= limit {
            page.items.extend(points.items);
            if let Some((items, _)) = sign_in {
                page.items.extend(items);
            }
            page.items.extend(side.items);
            let rule = Rect::new(side_x - column_gap / 2.0, y, 0.0, bottom - y);
            page.items.push(Item::Shape(Shape {
                path: vec![PathSeg::Move(rule.x, rule.y), PathSeg::Line(rule.x, rule.bottom())],
                paint: stroke(Color::Rgb(200, 200, 200), 0.5),
            }));
            return Ok(page);
        }
        if size <= 7.0 {
            return Err("the talking points do not fit on one handout page even at 7 pt; shorten them".into());
        }
        size -= 0.5;
    }
}

/// One row of the tally sheet.
pub struct TallyRow {
    /// Participant name (empty for a blank row).
    pub name: String,
    /// Planned letters, cards, postcards (None for a blank row).
    pub counts: Option<[u32; 3]>,
}

/// The sign-in and tally sheet: one row per participant (or blank rows), columns to tick
/// what was written, sealed and shared, and totals for the report back. Several pages if
/// needed, each handed to `emit` as it is made; returns the number of pages. Its words are
/// `labels`'.
pub fn tally(
    fonts: &FontBook,
    paper: &Format,
    labels: &Labels,
    campaign: &str,
    rows: &[TallyRow],
    totals: [u32; 3],
    emit: &mut dyn FnMut(Page) -> Result<(), String>,
) -> Result<usize, String> {
    let (w, h) = (paper.width.min(paper.height), paper.width.max(paper.height));
    let margin = 0.6 * IN;
    let width = w - 2.0 * margin;
    let label = |key: &str| escape_markup(labels.get(key));
    let headers = [
        "#".to_string(),
        label("tally_name"),
        label("tally_letters"),
        label("tally_cards"),
        label("tally_postcards"),
        label("tally_sealed"),
        label("tally_shared"),
    ];
    let planned = |count: u32| escape_markup(&labels.fill("tally_planned", &[("count", &count.to_string())]));
    let cell = BlockStyle::new("sans", 9.0, 11.0);
    let fractions = tally_columns(fonts, &cell, rows.len(), width)?;
    let row_height = 0.34 * IN;
    let header_top = margin + 52.0;
    let rows_per_page =
        (((h - margin - 40.0) - (header_top + row_height)) / row_height).floor().max(1.0) as usize;
    let chunks: Vec<&[TallyRow]> =
        if rows.is_empty() { vec![&[]] } else { rows.chunks(rows_per_page).collect() };
    let mut xs = vec![margin];
    for f in fractions {
        xs.push(xs.last().copied().unwrap_or(margin) + f * width);
    }
    let mut cells = Cells::new(fonts, cell, xs, header_top, row_height);
    // The title is the same on every page, in the same place.
    let title = text_block(
        fonts,
        &escape_markup(&labels.fill("tally_title", &[("campaign", campaign)])),
        &BlockStyle { bold: true, ..BlockStyle::new("sans", 14.0, 17.0) },
        margin,
        margin,
        width,
    )?
    .items;
    for (page_no, chunk) in chunks.iter().enumerate() {
        let mut page = Page::new(w, h, 0.0);
        page.items.extend(title.iter().cloned());
        let sub = escape_markup(&labels.fill(
            "tally_page",
            &[("page", &(page_no + 1).to_string()), ("pages", &chunks.len().to_string())],
        ));
        let sub_block = text_block(
            fonts,
            &sub,
            &BlockStyle { color: Color::Rgb(90, 90, 90), ..BlockStyle::new("sans", 8.5, 10.5) },
            margin,
            margin + 22.0,
            width,
        )?;
        page.items.extend(sub_block.items);
        let mut grid = Vec::new();
        let n_rows = chunk.len().max(if rows.is_empty() { rows_per_page } else { 0 });
        let last_page = page_no + 1 == chunks.len();
        let table_rows = 1 + n_rows + usize::from(last_page);
        for r in 0..=table_rows {
            let y = header_top + r as f32 * row_height;
            grid.push(PathSeg::Move(margin, y));
            grid.push(PathSeg::Line(margin + width, y));
        }
        let bottom = header_top + table_rows as f32 * row_height;
        for &x in &cells.xs {
            grid.push(PathSeg::Move(x, header_top));
            grid.push(PathSeg::Line(x, bottom));
        }
        page.items.push(Item::Shape(Shape {
            path: rect_path(Rect::new(margin, header_top, width, row_height), 0.0),
            paint: Paint { fill: Some(Color::Rgb(236, 236, 232)), stroke: None },
        }));
        page.items.push(Item::Shape(Shape { path: grid, paint: stroke(Color::Rgb(120, 120, 120), 0.5) }));
        let items = &mut page.items;
        for (c, head) in headers.iter().enumerate() {
            cells.put(items, head, c, 0, true)?;
        }
        for (i, row) in chunk.iter().enumerate() {
            let number = page_no * rows_per_page + i + 1;
            cells.put_once(items, &number.to_string(), 0, i + 1)?;
            cells.put(items, &escape_markup(&row.name), 1, i + 1, false)?;
            if let Some([l, c, p]) = row.counts {
                for (k, v) in [l, c, p].into_iter().enumerate() {
                    cells.put(items, &planned(v), 2 + k, i + 1, false)?;
                }
            }
        }
        if last_page {
            let r = 1 + n_rows;
            cells.put(items, &label("tally_total"), 1, r, true)?;
            if !rows.is_empty() {
                for (k, v) in totals.into_iter().enumerate() {
                    cells.put(items, &planned(v), 2 + k, r, false)?;
                }
            }
        }
        emit(page)?;
    }
    Ok(chunks.len())
}

/// Most texts a tally column remembers: enough for every recurring count and common name, while
/// a list of 100,000 different names does not stay in memory.
const MAX_CACHED_CELLS: usize = 1024;

/// The smallest type a tally cell is set in, to fit a long text.
const MIN_CELL_SIZE: f32 = 6.0;

/// Room between a tally cell's rules and its text, left and right.
const CELL_PADDING: f32 = 4.0;

/// The tally table's columns as shares of its width. The "#" column holds three digits; a
/// longer list widens it to fit its longest row number, which would otherwise be broken
/// across two lines, and takes the room from the names.
fn tally_columns(fonts: &FontBook, cell: &BlockStyle, rows: usize, width: f32) -> Result<[f32; 7], String> {
    let mut fractions = [0.05, 0.37, 0.1, 0.1, 0.11, 0.14, 0.13];
    let digits = rows.max(1).to_string().len();
    let mut widest = 0.0f32;
    for digit in '0'..='9' {
        let block = text_block(fonts, &digit.to_string().repeat(digits), cell, 0.0, 0.0, width)?;
        widest = widest.max(block.rect.width);
    }
    let numbers = (widest + 2.0 * CELL_PADDING) / width;
    if numbers > fractions[0] {
        fractions[1] -= numbers - fractions[0];
        fractions[0] = numbers;
    }
    Ok(fractions)
}

/// The tally sheet's table cells. A text that recurs in a column (a header, a count, a common
/// name) is laid out once and its runs moved down to each row that shows it.
struct Cells<'a> {
    fonts: &'a FontBook,
    /// The column edges, left to right.
    xs: Vec<f32>,
    header_top: f32,
    row_height: f32,
    /// Regular and bold cell text.
    styles: [BlockStyle; 2],
    /// Texts met so far, by column and weight (`2 * column + bold`): one line laid out with
    /// its top at 0, or `None` for a text that wraps.
    laid: Vec<HashMap<String, Option<Vec<Item>>>>,
}

impl<'a> Cells<'a> {
    fn new(
        fonts: &'a FontBook,
        regular: BlockStyle,
        xs: Vec<f32>,
        header_top: f32,
        row_height: f32,
    ) -> Cells<'a> {
        let bold = BlockStyle { bold: true, ..regular.clone() };
        let laid = vec![HashMap::new(); 2 * xs.len()];
        Cells { fonts, xs, header_top, row_height, styles: [regular, bold], laid }
    }

    /// Lays out `text` in column `col` with its top at `top`.
    fn block(&self, text: &str, col: usize, top: f32, bold: bool) -> Result<Block, String> {
        let (x, width) = (self.xs[col] + CELL_PADDING, self.xs[col + 1] - self.xs[col] - 2.0 * CELL_PADDING);
        let style = &self.styles[usize::from(bold)];
        let mut block = text_block(self.fonts, text, style, x, top, width)?;
        // A text too wide for its cell (a long name, a large total, a two-word header) is set
        // smaller until it takes one line; at the smallest size it may take two, which still
        // fit between the rules.
        let mut size = style.size;
        while block.lines > 1 && size > MIN_CELL_SIZE {
            size = (size - 0.5).max(MIN_CELL_SIZE);
            let smaller = BlockStyle { size, leading: size * 1.15, ..style.clone() };
            block = text_block(self.fonts, text, &smaller, x, top, width)?;
        }
        if block.lines > 2 {
            return Err(format!(
                "\"{text}\" does not fit its cell on the sheet, even in {MIN_CELL_SIZE} pt type; shorten it"
            ));
        }
        Ok(block)
    }

    fn top(&self, row: usize) -> f32 {
        self.header_top + row as f32 * self.row_height + 7.0
    }

    /// Puts a text that shows once (a row number) in a cell.
    fn put_once(&self, items: &mut Vec<Item>, text: &str, col: usize, row: usize) -> Result<(), String> {
        items.extend(self.block(text, col, self.top(row), false)?.items);
        Ok(())
    }

    /// Puts a text that may recur in its column in a cell. A one-line block set with its top at
    /// 0 has its baseline at exactly the ascent, so adding the row's top gives the coordinates
    /// setting it there would; a text that wraps is set in place each time.
    fn put(
        &mut self,
        items: &mut Vec<Item>,
        text: &str,
        col: usize,
        row: usize,
        bold: bool,
    ) -> Result<(), String> {
        let top = self.top(row);
        let slot = 2 * col + usize::from(bold);
        if !self.laid[slot].contains_key(text) {
            if self.laid[slot].len() >= MAX_CACHED_CELLS {
                // A column of ever-new texts (names): set in place, not remembered.
                items.extend(self.block(text, col, top, bold)?.items);
                return Ok(());
            }
            let block = self.block(text, col, 0.0, bold)?;
            let one_line = (block.lines <= 1).then_some(block.items);
            self.laid[slot].insert(text.to_string(), one_line);
        }
        match &self.laid[slot][text] {
            Some(laid) => items.extend(laid.iter().map(|item| {
                let mut item = item.clone();
                if let Item::Text(run) = &mut item {
                    run.y += top;
                }
                item
            })),
            None => items.extend(self.block(text, col, top, bold)?.items),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Item;
    use crate::mail;

    /// Everything an item can put ink on, as rectangles, one per item.
    fn ink(items: &[Item]) -> Vec<Rect> {
        items.iter().filter_map(|item| crate::layout::ink_bounds(std::slice::from_ref(item))).collect()
    }

    /// A text run's place, glyphs and text, exactly.
    fn runs(items: &[Item]) -> Vec<(u32, u32, Vec<crate::text::GlyphPos>, String)> {
        items
            .iter()
            .filter_map(|item| match item {
                Item::Text(t) => Some((t.x.to_bits(), t.y.to_bits(), t.glyphs.clone(), t.text.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn reused_tally_cells_land_where_fresh_ones_do() {
        let fonts = FontBook::bundled();
        let cell = BlockStyle::new("sans", 9.0, 11.0);
        let mut cells = Cells::new(&fonts, cell, vec![43.2, 69.48, 264.0, 316.8], 95.2, 24.48);
        let long = "Maximiliana Alexandrina Wilhelmina Konstantinopoulou-Papadopoulou";
        assert!(cells.block(long, 1, 0.0, false).unwrap().lines > 1, "the long name wraps");
        for row in [1, 2, 17, 24, 25] {
            for (text, col, bold) in
                [("Ana Lima", 1, false), (long, 1, false), ("1 planned", 2, false), ("Total", 1, true)]
            {
                let mut reused = Vec::new();
                cells.put(&mut reused, text, col, row, bold).unwrap();
                let fresh = cells.block(text, col, cells.top(row), bold).unwrap().items;
                assert!(!reused.is_empty());
                assert!(runs(&reused) == runs(&fresh), "{text:?} in row {row}");
            }
        }
    }

    #[test]
    fn row_numbers_are_never_broken_across_lines() {
        let fonts = FontBook::bundled();
        let cell = BlockStyle::new("sans", 9.0, 11.0);
        for paper in ["us-letter", "a4"] {
            let paper = crate::base::formats::find(paper, Some(crate::base::formats::Kind::Paper)).unwrap();
            let width = paper.width.min(paper.height) - 1.2 * IN;
            for rows in [0, 9, 999, 1000, 9999, 10_000, 100_000, 999_999] {
                let fractions = tally_columns(&fonts, &cell, rows, width).unwrap();
                assert!((fractions.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{rows} rows: {fractions:?}");
                if rows < 1000 {
                    assert_eq!(fractions[0], 0.05, "three digits fit the usual column");
                }
                let text_width = fractions[0] * width - 2.0 * CELL_PADDING;
                let widest = rows.max(1).to_string().replace(|_| true, "8");
                let block = text_block(&fonts, &widest, &cell, 0.0, 0.0, text_width).unwrap();
                assert_eq!(block.lines, 1, "{widest} in a {text_width} pt column on {}", paper.name);
            }
        }
        // A whole sheet: every row number is one run, whole, in the "#" column.
        let rows: Vec<TallyRow> =
            (0..1000).map(|_| TallyRow { name: "Ana Lima".into(), counts: Some([1, 0, 1]) }).collect();
        let paper = crate::base::formats::find("us-letter", Some(crate::base::formats::Kind::Paper)).unwrap();
        let mut pages = Vec::new();
        tally(&fonts, paper, Labels::english(), "Test", &rows, [1000, 0, 1000], &mut |page| {
            pages.push(page);
            Ok(())
        })
        .unwrap();
        let numbers: Vec<String> = pages
            .iter()
            .flat_map(|p| &p.items)
            .filter_map(|i| match i {
                Item::Text(t) if t.x == 0.6 * IN + CELL_PADDING && t.text != "#" => Some(t.text.clone()),
                _ => None,
            })
            .collect();
        let expected: Vec<String> = (1..=1000).map(|n| n.to_string()).collect();
        assert_eq!(numbers, expected);
    }

    #[test]
    fn every_envelope_keeps_the_usps_zones() {
        let fonts = FontBook::bundled();
        let delivery: Vec<String> = [
            "The Honorable Alejandro Mayorkas",
            "Secretary",
            "US Department of Homeland Security",
            "Washington, DC 20528",
        ]
        .iter()
        .map(|l| mail::usps_style(l))
        .collect();
        let returns = vec![
            "Zoë O’Brien-Nguyễn".to_string(),
            "12 Łukasiewicz Lane".into(),
            "Apt 3".into(),
            "Boston, MA 02134".into(),
        ];
        for format in mail::envelopes() {
            for return_lines in [Some(returns.as_slice()), None] {
                let content = EnvelopeContent {
                    return_lines,
                    delivery_lines: &delivery,
                    piece: Some("L-0001"),
                    labels: Labels::english(),
                };
                let (page, geometry) =
                    envelope(&fonts, format, &content).unwrap_or_else(|e| panic!("{}: {e}", format.name));
                let (w, h) = (page.width, page.height);
                assert!(w > h, "{} is landscape", format.name);
                let ocr = mail::ocr_read_area(w, h);
                assert!(
                    ocr.contains(&geometry.address),
                    "{}: address {:?} outside OCR area {:?}",
                    format.name,
                    geometry.address,
                    ocr
                );
                assert!(
                    geometry.return_address.bottom() <= ocr.y,
                    "{}: return address reaches into the OCR area",
                    format.name
                );
                let clear = mail::barcode_clear_zone(w, h);
                for r in ink(&page.items) {
                    assert!(!r.intersects(&clear), "{}: {r:?} is in the barcode clear zone", format.name);
                    assert!(
                        !r.intersects(&geometry.address) || geometry.address.contains(&r),
                        "{}: {r:?} overlaps the address",
                        format.name
                    );
                }
                let text: Vec<&str> = page
                    .items
                    .iter()
                    .filter_map(|i| if let Item::Text(t) = i { Some(t.text.as_str()) } else { None })
                    .collect();
                assert!(text.contains(&"WASHINGTON DC 20528"), "{}: {text:?}", format.name);
                if return_lines.is_some() {
                    assert!(text.contains(&"Boston, MA 02134"));
                    assert!(text.contains(&"Zoë O’Brien-Nguyễn"));
                }
            }
        }
    }

    /// The text lines of items, top to bottom: the runs on one baseline joined, with their
    /// baseline and left edge.
    fn text_lines(items: &[Item]) -> Vec<(f32, f32, String)> {
        let mut runs: Vec<(f32, f32, String)> = items
            .iter()
            .filter_map(|i| if let Item::Text(t) = i { Some((t.y, t.x, t.text.clone())) } else { None })
            .collect();
        runs.sort_by(|a, b| (a.0, a.1).partial_cmp(&(b.0, b.1)).unwrap());
        let mut lines: Vec<(f32, f32, String)> = Vec::new();
        for (y, x, text) in runs {
            match lines.last_mut() {
                Some(l) if (l.0 - y).abs() < 0.01 => l.2.push_str(&text),
                _ => lines.push((y, x, text)),
            }
        }
        lines
    }

    /// A long return address: a name of 53 characters, a street of 58 with the apartment after
    /// a comma, a second street line and a city line of 60 and more.
    fn long_return() -> Vec<String> {
        [
            "María de los Ángeles Fernández-Villaverde y Rodríguez",
            "12345 North Martin Luther King Jr Boulevard, Apartment 12B",
            "Building 7 of the Riverside Gardens Cooperative, Rear Entrance",
            "Rancho Santa Margarita de los Caballeros del Norte, CA 92688-1234",
        ]
        .map(String::from)
        .to_vec()
    }

    /// A five-line recipient, as docs/format.md recommends for a senator, in USPS style.
    fn senator() -> Vec<String> {
        [
            "The Honorable Catherine Cortez Masto",
            "United States Senator",
            "US Immigration and Customs Enforcement Oversight Office",
            "520 Dirksen Senate Office Building",
            "Washington, DC 20510-2803",
        ]
        .iter()
        .map(|l| mail::usps_style(l))
        .collect()
    }

    #[test]
    fn every_envelope_holds_a_long_return_address_and_a_five_line_recipient() {
        let fonts = FontBook::bundled();
        let (returns, delivery) = (long_return(), senator());
        for format in mail::envelopes() {
            let content = EnvelopeContent {
                return_lines: Some(&returns),
                delivery_lines: &delivery,
                piece: Some("L-0001"),
                labels: Labels::english(),
            };
            let (page, g) =
                envelope(&fonts, format, &content).unwrap_or_else(|e| panic!("{}: {e}", format.name));
            let z = placement::envelope_zones(format.width, format.height, format.margin);
            assert!(
                g.return_address.bottom() <= z.return_bottom(),
                "{}: {:?}",
                format.name,
                g.return_address
            );
            assert!(z.return_box().contains(&g.return_address), "{}", format.name);
            assert!(z.ocr.contains(&g.address), "{}: {:?} outside {:?}", format.name, g.address, z.ocr);
            let lines = text_lines(&page.items);
            let inside = |r: Rect, y: f32| y > r.y && y <= r.bottom() + 0.01;
            // The return address reads back whole, flush left, at 7 pt or more; lines broken
            // only where an address may be.
            let back: Vec<&(f32, f32, String)> =
                lines.iter().filter(|l| inside(g.return_address, l.0) && l.1 < z.stamp.x).collect();
            assert!(back.iter().all(|l| (l.1 - z.edge).abs() < 0.01), "{}: {back:?}", format.name);
            let joined: Vec<&str> = back.iter().map(|l| l.2.as_str()).collect();
            assert_eq!(joined.join(" "), returns.join(" "), "{}", format.name);
            assert!(back.len() <= placement::MAX_ADDRESS_LINES);
            for item in &page.items {
                if let Item::Text(t) = item
                    && inside(g.return_address, t.y)
                    && t.x < z.stamp.x
                {
                    assert!(t.size >= placement::ADDRESS_SIDE_FLOOR, "{}: {}", format.name, t.size);
                }
            }
            // The delivery address: five lines, none broken, at 8 pt or more.
            let address: Vec<String> =
                lines.iter().filter(|l| inside(g.address, l.0)).map(|l| l.2.clone()).collect();
            assert_eq!(address, delivery, "{}", format.name);
        }
    }

    #[test]
    fn every_return_box_holds_five_long_lines_at_the_floor() {
        // By construction: five lines of 60 and more characters fit every envelope's return
        // box at the floor size, so any return address of up to five lines that fits the box's
        // width lies above the read area.
        let fonts = FontBook::bundled();
        let mut five = long_return();
        five.insert(2, "Cooperativa de Vivienda Nuestra Señora de Guadalupe, Unit 7".into());
        let floor = placement::ADDRESS_SIDE_FLOOR;
        for format in mail::envelopes() {
            let z = placement::envelope_zones(format.width, format.height, format.margin);
            let b = z.return_box();
            let style = BlockStyle::new("sans", floor, floor * placement::RETURN_LEADING);
            let fit =
                AddressFit { floor, leading: placement::RETURN_LEADING, height: b.height, keep_last: false };
            let (block, size) = address_block(&fonts, &five, &style, b.x, b.y, b.width, &fit)
                .unwrap_or_else(|m| panic!("{}: {m:?}", format.name));
            assert_eq!((block.lines, size), (5, floor), "{}", format.name);
            assert!(block.rect.bottom() <= z.return_bottom(), "{}", format.name);
        }
    }

    #[test]
    fn a_long_return_line_breaks_after_its_comma_on_a_small_envelope() {
        // On the envelope with the least room above the read area, a street of 137 characters
        // is broken after its comma (and before "Suite" if need be); the block stays above the
        // read area and reads back whole.
        let fonts = FontBook::bundled();
        let head = "12345 North Martin Luther King Jr Boulevard Extension,";
        let tail = "Building Four of the Riverside Gardens Cooperative Housing Association Suite 1200";
        let returns = vec!["Ana Lima".to_string(), format!("{head} {tail}"), "Boston, MA 02134".into()];
        let format = crate::base::formats::find("envelope-6-3/4", None).unwrap();
        let delivery = senator();
        let content = EnvelopeContent {
            return_lines: Some(&returns),
            delivery_lines: &delivery,
            piece: None,
            labels: Labels::english(),
        };
        let (page, g) = envelope(&fonts, format, &content).unwrap();
        let z = placement::envelope_zones(format.width, format.height, format.margin);
        let back: Vec<String> = text_lines(&page.items)
            .into_iter()
            .filter(|l| l.0 <= g.return_address.bottom() + 0.01 && l.1 < z.stamp.x)
            .map(|l| l.2)
            .collect();
        let n = back.len();
        assert!((4..=5).contains(&n), "{back:?}");
        assert_eq!(
            (back[0].as_str(), back[1].as_str(), back[n - 1].as_str()),
            ("Ana Lima", head, "Boston, MA 02134")
        );
        assert_eq!(back[2..n - 1].join(" "), tail);
        if n == 5 {
            assert!(back[3].starts_with("Suite"), "{back:?}");
        }
        assert!(g.return_address.bottom() <= z.return_bottom());
    }

    #[test]
    fn a_return_address_too_long_even_at_the_floor_is_an_error() {
        let fonts = FontBook::bundled();
        let long = "Pneumonoultramicroscopicsilicovolcanoconiosis ".repeat(3);
        let returns = vec!["Ana Lima".to_string(), long.trim().to_string(), "Boston, MA 02134".into()];
        let delivery = senator();
        let format = crate::base::formats::find("envelope-a2", None).unwrap();
        let content = EnvelopeContent {
            return_lines: Some(&returns),
            delivery_lines: &delivery,
            piece: None,
            labels: Labels::english(),
        };
        let Err(e) = envelope(&fonts, format, &content) else { panic!("fits") };
        assert_eq!(
            e,
            format!(
                "the return address does not fit above the OCR read area of an envelope-a2: the address line \"{}\" is too long for the 4.12 in wide box even at 7pt, and has no place to break it (after a comma, or before Apt, Suite, Unit or #)",
                long.trim()
            )
        );
        // Six lines, each fine alone, are more than an address may have once broken.
        let many: Vec<String> =
            (0..5).map(|i| format!("Line {i}")).chain([long.replace("s P", "s, P")]).collect();
        let content = EnvelopeContent {
            return_lines: Some(&many),
            delivery_lines: &delivery,
            piece: None,
            labels: Labels::english(),
        };
        let Err(e) = envelope(&fonts, format, &content) else { panic!("fits") };
        assert!(
            e.contains(
                "would need 8 lines with its long lines broken, even at 7pt; an address has at most 5 lines"
            ),
            "{e}"
        );
    }

    #[test]
    fn tally_text_stays_between_the_rules() {
        // A long name, a large total and the two-word header are set smaller to fit their
        // cells; no text crosses a rule.
        let fonts = FontBook::bundled();
        let paper = crate::base::formats::find("us-letter", Some(crate::base::formats::Kind::Paper)).unwrap();
        let mut rows: Vec<TallyRow> =
            (0..30).map(|_| TallyRow { name: "Ana Lima".into(), counts: Some([1, 0, 1]) }).collect();
        rows[3].name = "Maximiliana Alexandrina Wilhelmina Konstantinopoulou-Papadopoulou".into();
        rows[4].counts = Some([120, 0, 1500]);
        let mut pages = Vec::new();
        tally(&fonts, paper, Labels::english(), "Test", &rows, [20000, 0, 20000], &mut |page| {
            pages.push(page);
            Ok(())
        })
        .unwrap();
        for page in &pages {
            let rules: Vec<f32> = page
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Shape(s) if s.paint.stroke.is_some() => Some(&s.path),
                    _ => None,
                })
                .flatten()
                .filter_map(|seg| match *seg {
                    PathSeg::Move(x, y) if x == 0.6 * IN => Some(y),
                    _ => None,
                })
                .collect();
            assert!(rules.len() > 2);
            for item in &page.items {
                if let Item::Text(run) = item {
                    let b = run.bounds();
                    for &y in &rules {
                        assert!(
                            !(b.y + 0.25 < y && y < b.y + b.height - 0.25),
                            "\"{}\" ({:.1}..{:.1}) crosses the rule at {y:.1}",
                            run.text,
                            b.y,
                            b.y + b.height
                        );
                    }
                }
            }
        }
    }
}
