//! Imposition: placing finished pages on printed sheets (folded cards' panels; N-up sheets).

use crate::base::units::Rect;
use crate::layout::{Group, Item, Page, PathSeg, Shape};
use crate::model::design::Fold;

/// What to tell the user about printing a folded card: a half-fold card on its own sheet
/// prints two-sided with `flip`; on N-up sheets the sheet's own note says which flip.
pub fn fold_instructions(fold: Fold, on_sheets: bool, flip: Duplex) -> String {
    match (fold, on_sheets) {
        (Fold::Quarter, _) => {
            "print one-sided; fold the top half back, then fold the left half over onto the right".into()
        }
        (Fold::Half, false) => format!("{}; fold in half along the middle", flip_note(flip)),
        (Fold::Half, true) => "cut along the crop marks, then fold each card in half along the middle".into(),
    }
}

/// "print two-sided, flip on long edge": the words of the print dialog.
pub fn flip_note(flip: Duplex) -> &'static str {
    match flip {
        Duplex::Long => "print two-sided, flip on long edge",
        Duplex::Short => "print two-sided, flip on short edge",
    }
}

// How a two-sided piece turns over (docs/mail-rules.md 4.3; the flips as printer makers define
// them, /work/shared/reference/mail-facts.md 4.3): every two-sided piece letterkit makes is
// meant to be turned over side to side, about its own vertical axis, like a book page: a
// postcard's address side, the page after a letter's front, and a half-fold card's inside,
// whose fold runs up and down the flat card so the inside reads upright only when the card
// turns about the fold. A printer turns the sheet over about an axis parallel to its long edge
// ("flip on long edge") or its short edge: on a portrait sheet that is the vertical or the
// horizontal axis, on a landscape sheet the other way round. When the sheet's axis is the
// piece's vertical axis, the back goes on upright; when it is the piece's horizontal axis (a
// turn top to bottom), the back is turned 180° in its place, since a turn top to bottom is a
// turn side to side followed by a half turn. So every piece honours either flip, and the
// printed sheets make the same pieces whichever flip the printer does.

/// Whether turning a `w` x `h` sheet over with `flip` turns it about its vertical axis (side to
/// side); otherwise it turns about its horizontal axis (top to bottom). A square sheet counts
/// as portrait.
pub fn flips_side_to_side(w: f32, h: f32, flip: Duplex) -> bool {
    let portrait = w <= h;
    portrait == (flip == Duplex::Long)
}

/// Whether a piece's back goes on the sheet turned 180° (see the rule above): the sheet turns
/// top to bottom relative to the piece. `piece_turned` when the piece sits on the sheet turned
/// 90°, its vertical axis along the sheet's horizontal one.
pub fn back_turned(sheet_w: f32, sheet_h: f32, flip: Duplex, piece_turned: bool) -> bool {
    flips_side_to_side(sheet_w, sheet_h, flip) == piece_turned
}

/// The flip under which a two-sided piece printed one to a page, its back upright, turns as
/// it should (side to side): the flip about a page's vertical axis.
pub fn upright_flip(w: f32, h: f32) -> Duplex {
    if w <= h { Duplex::Long } else { Duplex::Short }
}

/// The flip two-sided single pages print with: the one asked for, else the one their upright
/// backs need.
pub fn single_page_flip(options: &PrintOptions, w: f32, h: f32) -> Duplex {
    options.duplex.unwrap_or_else(|| upright_flip(w, h))
}

/// What to tell the user about a sheet layout.
pub fn sheet_note(plan: &SheetPlan, two_sided: bool, duplex: Duplex) -> String {
    let mut note =
        format!("{} x {} per sheet{}", plan.cols, plan.rows, if plan.rotated { ", turned" } else { "" });
    if two_sided {
        note.push_str("; ");
        note.push_str(flip_note(duplex));
    }
    if plan.to_the_edge() {
        note.push_str(
            "; the pieces run to the sheet's edge, where most home printers leave a white border: cut along the crop marks, or use a print shop",
        );
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fold::fold_card;

    /// A panel with a mark near its own top-left corner, to see where it ends up.
    fn marked(w: f32, h: f32) -> Page {
        let mut p = Page::new(w, h, 0.0);
        let paint =
            crate::model::design::Paint { fill: None, stroke: Some((crate::base::units::Color::BLACK, 1.0)) };
        p.items.push(Item::Shape(Shape {
            path: vec![PathSeg::Move(10.0, 10.0), PathSeg::Line(20.0, 10.0)],
            paint,
        }));
        p
    }

    fn apply(t: [f32; 6], (x, y): (f32, f32)) -> (f32, f32) {
        (t[0] * x + t[2] * y + t[4], t[1] * x + t[3] * y + t[5])
    }

    #[test]
    fn quarter_fold_turns_the_top_panels() {
        let panels: Vec<Page> = (0..4).map(|_| marked(306.0, 396.0)).collect();
        let sheets = fold_card(Fold::Quarter, &panels);
        assert_eq!(sheets.len(), 1);
        assert_eq!((sheets[0].width, sheets[0].height), (612.0, 792.0));
        let marks: Vec<(f32, f32)> = sheets[0]
            .items
            .iter()
            .map(|i| match i {
                Item::Group(g) => apply(g.transform, (10.0, 10.0)),
                _ => unreachable!(),
            })
            .collect();
        // Front (top left, turned): its top-left mark lands near the quarter's bottom-right.
        assert_eq!(marks[0], (296.0, 386.0));
        // Back (top right, turned).
        assert_eq!(marks[1], (602.0, 386.0));
        // Inside panels upright in the bottom half.
        assert_eq!(marks[2], (10.0, 406.0));
        assert_eq!(marks[3], (316.0, 406.0));
    }

    #[test]
    fn half_fold_has_outside_and_inside() {
        let panels: Vec<Page> = (0..4).map(|_| marked(306.0, 396.0)).collect();
        let sheets = fold_card(Fold::Half, &panels);
        assert_eq!(sheets.len(), 2);
        assert_eq!((sheets[0].width, sheets[0].height), (612.0, 396.0));
    }
}

/// Which way a two-sided sheet turns over in the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Duplex {
    /// Flip on the long edge: on a portrait sheet the columns mirror.
    Long,
    /// Flip on the short edge: on a portrait sheet the rows mirror.
    Short,
}

impl Duplex {
    /// Its name as `--duplex` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Duplex::Long => "long",
            Duplex::Short => "short",
        }
    }
}

/// A printer's measured misregistration, from `letterkit calibrate` (a TOML file).
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrinterProfile {
    /// Move everything right by this much (negative: left); what the calibration sheet shows as the front's x error, reversed.
    #[serde(default)]
    pub offset_x: crate::base::units::Length0,
    /// Move everything down by this much (negative: up).
    #[serde(default)]
    pub offset_y: crate::base::units::Length0,
    /// Scale the whole sheet about its centre, e.g. 0.99 for a printer that stretches by 1 %.
    #[serde(default = "one")]
    pub scale: f32,
    /// Extra shift of the back side to the right, for duplex printers whose backs land off the fronts.
    #[serde(default)]
    pub back_offset_x: crate::base::units::Length0,
    /// Extra shift of the back side down.
    #[serde(default)]
    pub back_offset_y: crate::base::units::Length0,
}

fn one() -> f32 {
    1.0
}

impl Default for PrinterProfile {
    /// No correction.
    fn default() -> Self {
        PrinterProfile {
            offset_x: Default::default(),
            offset_y: Default::default(),
            scale: 1.0,
            back_offset_x: Default::default(),
            back_offset_y: Default::default(),
        }
    }
}

/// How to put pieces on sheets.
#[derive(Debug, Clone)]
pub struct SheetOptions {
    /// Sheet width in points (portrait).
    pub width: f32,
    /// Sheet height in points.
    pub height: f32,
    /// Columns x rows, or `None` to fit as many as possible.
    pub grid: Option<(usize, usize)>,
    /// Space between pieces, in points; `None` for 1/4 in, or none when that fits fewer pieces.
    pub gutter: Option<f32>,
    /// Draw crop marks on the cut lines.
    pub marks: bool,
    /// How two-sided sheets turn over.
    pub duplex: Duplex,
    /// The printer's correction.
    pub profile: PrinterProfile,
}

/// What imposition did, for the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetPlan {
    /// Columns and rows per sheet.
    pub cols: usize,
    /// Rows per sheet.
    pub rows: usize,
    /// Whether pieces are turned 90° to fit more.
    pub rotated: bool,
    /// Margin between the grid and the sheet edge, left/right and top/bottom, in points.
    pub margin: (f32, f32),
    /// Space between pieces, in points.
    pub gutter: f32,
}

impl SheetPlan {
    /// Whether the pieces run to the sheet's edge (home printers leave a white border there).
    pub fn to_the_edge(&self) -> bool {
        self.margin.0 < 0.25 * 72.0 - 0.01 || self.margin.1 < 0.25 * 72.0 - 0.01
    }
}

/// Plans a grid of `w` x `h` pieces on the sheet: the most per sheet, turning them if that fits
/// more; with no gutter given, 1/4 in between pieces unless that fits fewer.
pub fn plan(w: f32, h: f32, options: &SheetOptions) -> Result<SheetPlan, String> {
    match options.gutter {
        Some(gutter) => plan_with_gutter(w, h, gutter, options),
        None => {
            let spaced = plan_with_gutter(w, h, 0.25 * 72.0, options);
            let tight = plan_with_gutter(w, h, 0.0, options)?;
            Ok(match spaced {
                Ok(p) if p.cols * p.rows >= tight.cols * tight.rows => p,
                _ => tight,
            })
        }
    }
}

fn plan_with_gutter(w: f32, h: f32, gutter: f32, options: &SheetOptions) -> Result<SheetPlan, String> {
    let fit = |pw: f32, ph: f32| {
        let cols = ((options.width + gutter + 0.01) / (pw + gutter)).floor() as usize;
        let rows = ((options.height + gutter + 0.01) / (ph + gutter)).floor() as usize;
        (cols, rows)
    };
    let size = |w: f32, h: f32| format!("{:.3} x {:.3} in", w / 72.0, h / 72.0);
    let (plan_w, plan_h, cols, rows, rotated) = match options.grid {
        Some((cols, rows)) => {
            let (c, r) = fit(w, h);
            if c >= cols && r >= rows {
                (w, h, cols, rows, false)
            } else {
                let (c, r) = fit(h, w);
                if c >= cols && r >= rows {
                    (h, w, cols, rows, true)
                } else {
                    return Err(format!(
                        "a {cols} x {rows} grid of {} pieces does not fit on a {} sheet",
                        size(w, h),
                        size(options.width, options.height)
                    ));
                }
            }
        }
        None => {
            let (c1, r1) = fit(w, h);
            let (c2, r2) = fit(h, w);
            if c1 * r1 >= c2 * r2 { (w, h, c1, r1, false) } else { (h, w, c2, r2, true) }
        }
    };
    if cols * rows == 0 {
        return Err(format!(
            "{} piece does not fit on {} sheet",
            crate::base::diag::a(&size(w, h)),
            crate::base::diag::a(&size(options.width, options.height))
        ));
    }
    let used_w = cols as f32 * plan_w + (cols - 1) as f32 * gutter;
    let used_h = rows as f32 * plan_h + (rows - 1) as f32 * gutter;
    Ok(SheetPlan {
        cols,
        rows,
        rotated,
        margin: ((options.width - used_w) / 2.0, (options.height - used_h) / 2.0),
        gutter,
    })
}

/// Puts pieces on sheets, N-up. Each piece is one page (one-sided) or two (front and back).
///
/// Two-sided pieces give sheets in pairs: fronts, then backs placed for the duplex flip so that
/// each back lands behind its own front, on the last, partly filled sheet too. Bleed is carried
/// into the gutters and margins as far as there is room; crop marks sit on the cut lines.
pub fn n_up(pieces: &[&[Page]], options: &SheetOptions) -> Result<(Vec<Page>, SheetPlan), String> {
    let Some(first) = pieces.first().and_then(|p| p.first()) else {
        return Ok((Vec::new(), plan(1.0, 1.0, options)?));
    };
    let (w, h) = (first.trim.width, first.trim.height);
    if let Some(other) = pieces
        .iter()
        .flat_map(|p| p.iter())
        .find(|p| (p.trim.width - w).abs() > 0.01 || (p.trim.height - h).abs() > 0.01)
    {
        return Err(format!(
            "pieces of different sizes ({:.3} x {:.3} and {:.3} x {:.3} in) cannot share sheets",
            w / 72.0,
            h / 72.0,
            other.trim.width / 72.0,
            other.trim.height / 72.0
        ));
    }
    let sides = pieces.iter().map(|p| p.len()).max().unwrap_or(1);
    let plan = plan(w, h, options)?;
    let (cw, ch) = if plan.rotated { (h, w) } else { (w, h) };
    let per_sheet = plan.cols * plan.rows;
    let bleed = first.bleed.map_or(0.0, |b| first.trim.x - b.x);
    let mut sheets = Vec::new();
    for group in pieces.chunks(per_sheet) {
        for side in 0..sides {
            let mut sheet = Page::new(options.width, options.height, 0.0);
            let mut content = Vec::new();
            for (k, piece) in group.iter().enumerate() {
                let Some(page) = piece.get(side) else { continue };
                let (mut col, mut row) = (k % plan.cols, k / plan.cols);
                // The back lands behind its front: the sheet turns over side to side (columns
                // mirror) or top to bottom (rows mirror), and the back is turned 180° where
                // the piece needs it (the rule above `flips_side_to_side`).
                let mut half_turn = false;
                if side == 1 {
                    if flips_side_to_side(options.width, options.height, options.duplex) {
                        col = plan.cols - 1 - col;
                    } else {
                        row = plan.rows - 1 - row;
                    }
                    half_turn = back_turned(options.width, options.height, options.duplex, plan.rotated);
                }
                let x = plan.margin.0 + col as f32 * (cw + plan.gutter);
                let y = plan.margin.1 + row as f32 * (ch + plan.gutter);
                // Bleed reaches into the gutter (half of it) and the sheet margin, never further.
                let reach = |space: f32| bleed.min(space).max(0.0);
                let left = reach(if col == 0 { plan.margin.0 } else { plan.gutter / 2.0 });
                let right = reach(if col + 1 == plan.cols { plan.margin.0 } else { plan.gutter / 2.0 });
                let top = reach(if row == 0 { plan.margin.1 } else { plan.gutter / 2.0 });
                let bottom = reach(if row + 1 == plan.rows { plan.margin.1 } else { plan.gutter / 2.0 });
                let clip = Rect::new(x - left, y - top, cw + left + right, ch + top + bottom);
                content.push(place_in_cell(page, x, y, plan.rotated, half_turn, clip));
            }
            if options.marks {
                content.push(crop_marks(&plan, cw, ch, options));
            }
            let p = &options.profile;
            let (mut dx, mut dy) = (p.offset_x.pt(), p.offset_y.pt());
            if side == 1 {
                dx += p.back_offset_x.pt();
                dy += p.back_offset_y.pt();
            }
            let s = p.scale;
            let (cx, cy) = (options.width / 2.0, options.height / 2.0);
            sheet.items.push(Item::Group(Group {
                transform: [s, 0.0, 0.0, s, cx - s * cx + dx, cy - s * cy + dy],
                clip: None,
                items: content,
            }));
            sheets.push(sheet);
        }
    }
    Ok((sheets, plan))
}

/// A piece placed with its trim's top-left at (x, y), turned 90° clockwise when `rotated` and
/// a further 180° when `half_turn`, clipped (in sheet coordinates) to `clip`.
fn place_in_cell(page: &Page, x: f32, y: f32, rotated: bool, half_turn: bool, clip: Rect) -> Item {
    let t = page.trim;
    let transform = match (rotated, half_turn) {
        // 90° clockwise: piece (px, py) -> (x + h - (py - t.y), y + (px - t.x)).
        (true, false) => [0.0, 1.0, -1.0, 0.0, x + t.height + t.y, y - t.x],
        // 90° counter-clockwise: piece (px, py) -> (x + (py - t.y), y + w - (px - t.x)).
        (true, true) => [0.0, -1.0, 1.0, 0.0, x - t.y, y + t.width + t.x],
        // 180°: piece (px, py) -> (x + w - (px - t.x), y + h - (py - t.y)).
        (false, true) => [-1.0, 0.0, 0.0, -1.0, x + t.width + t.x, y + t.height + t.y],
        (false, false) => [1.0, 0.0, 0.0, 1.0, x - t.x, y - t.y],
    };
    let inner = Item::Group(Group { transform, clip: None, items: page.items.clone() });
    Item::Group(Group { transform: [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], clip: Some(clip), items: vec![inner] })
}

/// A page turned 180° about its centre, trim and bleed boxes in place (they are centred).
fn half_turned(page: &Page) -> Page {
    let mut out = page.clone();
    out.made_by.clear();
    out.items = vec![Item::Group(Group {
        transform: [-1.0, 0.0, 0.0, -1.0, page.width, page.height],
        clip: None,
        items: page.items.clone(),
    })];
    out
}

/// Crop marks on every cut line: in the sheet margin when there is one, else 18 pt in from the
/// sheet edge; a cross where four pieces meet with no gutter between them.
fn crop_marks(plan: &SheetPlan, cw: f32, ch: f32, options: &SheetOptions) -> Item {
    const LENGTH: f32 = 18.0;
    const GAP: f32 = 3.0;
    let (mx, my) = plan.margin;
    let mut xs = Vec::new();
    for c in 0..plan.cols {
        let left = mx + c as f32 * (cw + plan.gutter);
        xs.push(left);
        xs.push(left + cw);
    }
    let mut ys = Vec::new();
    for r in 0..plan.rows {
        let top = my + r as f32 * (ch + plan.gutter);
        ys.push(top);
        ys.push(top + ch);
    }
    let dedup = |v: &mut Vec<f32>| {
        v.sort_by(f32::total_cmp);
        v.dedup_by(|a, b| (*a - *b).abs() < 0.01);
    };
    dedup(&mut xs);
    dedup(&mut ys);
    let mut path = Vec::new();
    let span = |margin: f32| {
        if margin >= GAP + 6.0 { ((margin - GAP - LENGTH).max(0.0), margin - GAP) } else { (0.0, LENGTH) }
    };
    let (top0, top1) = span(my);
    let (side0, side1) = span(mx);
    for &x in xs.iter().filter(|&&x| x > 0.5 && x < options.width - 0.5) {
        path.push(PathSeg::Move(x, top0));
        path.push(PathSeg::Line(x, top1));
        path.push(PathSeg::Move(x, options.height - top1));
        path.push(PathSeg::Line(x, options.height - top0));
    }
    for &y in ys.iter().filter(|&&y| y > 0.5 && y < options.height - 0.5) {
        path.push(PathSeg::Move(side0, y));
        path.push(PathSeg::Line(side1, y));
        path.push(PathSeg::Move(options.width - side1, y));
        path.push(PathSeg::Line(options.width - side0, y));
    }
    if plan.gutter < 0.01 {
        for c in 1..plan.cols {
            for r in 1..plan.rows {
                let (x, y) = (mx + c as f32 * cw, my + r as f32 * ch);
                path.push(PathSeg::Move(x - LENGTH / 2.0, y));
                path.push(PathSeg::Line(x + LENGTH / 2.0, y));
                path.push(PathSeg::Move(x, y - LENGTH / 2.0));
                path.push(PathSeg::Line(x, y + LENGTH / 2.0));
            }
        }
    }
    let paint =
        crate::model::design::Paint { fill: None, stroke: Some((crate::base::units::Color::BLACK, 0.5)) };
    Item::Shape(Shape { path, paint })
}

/// How a job's pieces go onto paper: as they are, N-up on sheets, or single-up for a print shop.
#[derive(Debug, Clone, Default)]
pub struct PrintOptions {
    /// Put pieces N-up on sheets of this paper.
    pub sheet: Option<SheetOptions>,
    /// Crop marks outside the bleed box on single-up pages (print-shop files).
    pub shop_marks: bool,
    /// The flip the user chose (`--duplex`); on single-up pages each back is placed for it.
    /// `None` leaves single-up pages upright, as print shops take them (sheets then flip on
    /// the long edge).
    pub duplex: Option<Duplex>,
}

/// Pages ready to print, and for each piece the pages (1-based) it is on.
pub struct Printed {
    /// The pages.
    pub pages: Vec<Page>,
    /// For each piece, its page numbers.
    pub piece_pages: Vec<Vec<usize>>,
    /// The grid, when pieces were put on sheets.
    pub plan: Option<SheetPlan>,
}

/// Arranges pieces (each one page, or front and back) for printing.
pub fn for_print(pieces: Vec<Vec<Page>>, options: &PrintOptions) -> Result<Printed, String> {
    if let Some(sheet) = &options.sheet {
        if let Some(long) = pieces.iter().find(|p| p.len() > 2) {
            return Err(format!(
                "a piece of {} pages cannot go on sheets; only one- or two-sided pieces (postcards, cards) can",
                long.len()
            ));
        }
        let refs: Vec<&[Page]> = pieces.iter().map(Vec::as_slice).collect();
        let (pages, plan) = n_up(&refs, sheet)?;
        let per_sheet = plan.cols * plan.rows;
        let sides = pieces.iter().map(Vec::len).max().unwrap_or(1);
        let piece_pages = (0..pieces.len())
            .map(|k| (0..sides).map(|s| (k / per_sheet) * sides + s + 1).collect())
            .collect();
        return Ok(Printed { pages, piece_pages, plan: Some(plan) });
    }
    let mut pages = Vec::new();
    let mut piece_pages = Vec::new();
    for piece in pieces {
        let first = pages.len() + 1;
        let count = piece.len();
        for (k, page) in piece.into_iter().enumerate() {
            // One piece to a page, printed two-sided: every second page is the back of the one
            // before, turned where the flip needs it (the rule above `flips_side_to_side`).
            let page = match options.duplex {
                Some(flip) if k % 2 == 1 && back_turned(page.width, page.height, flip, false) => {
                    half_turned(&page)
                }
                _ => page,
            };
            pages.push(if options.shop_marks { with_shop_marks(&page) } else { page });
        }
        piece_pages.push((first..first + count).collect());
    }
    Ok(Printed { pages, piece_pages, plan: None })
}

/// Room around the bleed box for crop marks on print-shop pages.
const MARK_ROOM: f32 = 0.375 * 72.0;

/// A single-up page with crop marks at the trim corners, outside the bleed box: the media box
/// grows by room for the marks; trim and bleed boxes keep their size.
pub fn with_shop_marks(page: &Page) -> Page {
    let mut out = Page::new(page.width + 2.0 * MARK_ROOM, page.height + 2.0 * MARK_ROOM, 0.0);
    out.trim = page.trim.moved(MARK_ROOM, MARK_ROOM);
    out.bleed = page.bleed.map(|b| b.moved(MARK_ROOM, MARK_ROOM));
    out.items.push(Item::Group(Group {
        transform: [1.0, 0.0, 0.0, 1.0, MARK_ROOM, MARK_ROOM],
        clip: None,
        items: page.items.clone(),
    }));
    let t = out.trim;
    let b = out.bleed.unwrap_or(t);
    let gap = 3.0;
    let mut path = Vec::new();
    for &x in &[t.x, t.right()] {
        path.push(PathSeg::Move(x, b.y - gap));
        path.push(PathSeg::Line(x, (b.y - gap - 18.0).max(0.0)));
        path.push(PathSeg::Move(x, b.bottom() + gap));
        path.push(PathSeg::Line(x, (b.bottom() + gap + 18.0).min(out.height)));
    }
    for &y in &[t.y, t.bottom()] {
        path.push(PathSeg::Move(b.x - gap, y));
        path.push(PathSeg::Line((b.x - gap - 18.0).max(0.0), y));
        path.push(PathSeg::Move(b.right() + gap, y));
        path.push(PathSeg::Line((b.right() + gap + 18.0).min(out.width), y));
    }
    let paint =
        crate::model::design::Paint { fill: None, stroke: Some((crate::base::units::Color::BLACK, 0.25)) };
    out.items.push(Item::Shape(Shape { path, paint }));
    out
}
