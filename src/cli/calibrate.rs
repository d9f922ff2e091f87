//! The printer calibration sheet: rulers, a centre cross and a grid on both sides of one sheet,
//! to measure a printer's offsets for a printer profile (`--profile`).

use crate::base::units::{Color, PT_PER_IN};
use crate::layout::{BlockStyle, Item, Page, PathSeg, Shape, text_block};
use crate::model::design::Paint;
use crate::text::Align;
use crate::text::fonts::FontBook;

const IN: f32 = PT_PER_IN;

fn stroke(width: f32, color: Color) -> Paint {
    Paint { fill: None, stroke: Some((color, width)) }
}

/// Rulers from each edge inward along the centre lines: a tick every 1/16 in, longer ones every
/// 1/4 in, numbered every 1/2 in, so the first printed tick shows how close the printer prints
/// to each edge.
fn rulers(fonts: &FontBook, w: f32, h: f32, items: &mut Vec<Item>) -> Result<(), String> {
    let mut path = Vec::new();
    let label = BlockStyle { align: Align::Center, ..BlockStyle::new("sans", 6.0, 7.0) };
    for k in 0..=32 {
        let d = k as f32 * IN / 16.0;
        let len = if k % 8 == 0 {
            14.0
        } else if k % 4 == 0 {
            9.0
        } else {
            5.0
        };
        // Left and right edges, along the horizontal centre line.
        for x in [d, w - d] {
            path.push(PathSeg::Move(x, h / 2.0 - len));
            path.push(PathSeg::Line(x, h / 2.0));
        }
        // Top and bottom edges, along the vertical centre line.
        for y in [d, h - d] {
            path.push(PathSeg::Move(w / 2.0 - len, y));
            path.push(PathSeg::Line(w / 2.0, y));
        }
        if k % 8 == 0 && k > 0 {
            let text = format!("{}", k / 16);
            let text = if k % 16 == 0 { text } else { format!("{}½", k / 16) };
            for x in [d, w - d] {
                items.extend(text_block(fonts, &text, &label, x - 10.0, h / 2.0 + 2.0, 20.0)?.items);
            }
            for y in [d, h - d] {
                items.extend(text_block(fonts, &text, &label, w / 2.0 + 2.0, y - 3.0, 20.0)?.items);
            }
        }
    }
    items.push(Item::Shape(Shape { path, paint: stroke(0.4, Color::BLACK) }));
    Ok(())
}

/// A light half-inch grid, and a cross at the exact centre of the sheet.
fn grid_and_cross(w: f32, h: f32, items: &mut Vec<Item>, back: bool) {
    let mut grid = Vec::new();
    let mut x = IN;
    while x < w - IN * 0.99 {
        grid.push(PathSeg::Move(x, IN));
        grid.push(PathSeg::Line(x, h - IN));
        x += IN / 2.0;
    }
    let mut y = IN;
    while y < h - IN * 0.99 {
        grid.push(PathSeg::Move(IN, y));
        grid.push(PathSeg::Line(w - IN, y));
        y += IN / 2.0;
    }
    items.push(Item::Shape(Shape { path: grid, paint: stroke(0.3, Color::Rgb(190, 190, 190)) }));
    let (cx, cy) = (w / 2.0, h / 2.0);
    let arm = if back { 0.75 * IN } else { 0.5 * IN };
    let color = if back { Color::Rgb(200, 0, 0) } else { Color::BLACK };
    let cross = vec![
        PathSeg::Move(cx - arm, cy),
        PathSeg::Line(cx + arm, cy),
        PathSeg::Move(cx, cy - arm),
        PathSeg::Line(cx, cy + arm),
    ];
    items.push(Item::Shape(Shape { path: cross, paint: stroke(0.5, color) }));
}

/// The two pages of the calibration sheet for paper `w` x `h` points (portrait).
pub fn sheet(fonts: &FontBook, w: f32, h: f32) -> Result<Vec<Page>, String> {
    let mut pages = Vec::new();
    for back in [false, true] {
        let mut page = Page::new(w, h, 0.0);
        grid_and_cross(w, h, &mut page.items, back);
        rulers(fonts, w, h, &mut page.items)?;
        let title = if back {
            "BACK: print this page on the back of the same sheet"
        } else {
            "FRONT ↑ this side up, top edge first"
        };
        let bold = BlockStyle { bold: true, align: Align::Center, ..BlockStyle::new("sans", 13.0, 16.0) };
        page.items.extend(text_block(fonts, title, &bold, IN, 1.15 * IN, w - 2.0 * IN)?.items);
        let instructions = if back {
            "Hold the sheet up to a light. The **red** cross of this side should sit on the black cross of the front.\n\
             If the red cross is right of the black one by some distance, set `back_offset_x` to minus that distance; \
             if it is below, set `back_offset_y` to minus that distance (in inches, e.g. \"-0.04in\")."
        } else {
            "1. Measure from the sheet's **left edge** to the cross's vertical line. It should be half the sheet's width. \
             Set `offset_x` to (half the width − what you measured), e.g. \"0.03in\".\n\
             2. Measure from the **top edge** to the cross's horizontal line; set `offset_y` the same way with half the height.\n\
             3. The rulers start at each edge: the first tick you can see shows how near that edge your printer prints.\n\
             4. Put the numbers in a file, e.g. printer.toml, and use it with --sheet ... --profile printer.toml."
        };
        let body = BlockStyle { align: Align::Left, ..BlockStyle::new("sans", 9.0, 12.0) };
        let block = text_block(
            fonts,
            &instructions.replace('`', ""),
            &body,
            1.25 * IN,
            h / 2.0 + 0.9 * IN,
            w - 2.5 * IN,
        )?;
        page.items.extend(block.items);
        // An arrow pointing up, beside the title.
        let arrow = vec![
            PathSeg::Move(w / 2.0, 1.6 * IN),
            PathSeg::Line(w / 2.0, 2.6 * IN),
            PathSeg::Move(w / 2.0 - 8.0, 1.6 * IN + 10.0),
            PathSeg::Line(w / 2.0, 1.6 * IN),
            PathSeg::Line(w / 2.0 + 8.0, 1.6 * IN + 10.0),
        ];
        page.items.push(Item::Shape(Shape { path: arrow, paint: stroke(1.2, Color::BLACK) }));
        pages.push(page);
    }
    Ok(pages)
}

/// What to tell the user after writing the sheet.
pub const HOW_TO: &str = "Print both pages on one sheet (two-sided, the way you will print your cards), then follow the \
instructions on it and write a profile like this:\n\n  # printer.toml\n  offset_x = \"0.03in\"       # move everything right (negative: left)\n  offset_y = \"-0.02in\"      # move everything down (negative: up)\n  scale = 1.0               # e.g. 0.99 if the printer stretches the page by 1 %\n  back_offset_x = \"0in\"     # extra shift of the back side\n  back_offset_y = \"0in\"\n\nthen use it: letterkit build --sheet letter --profile printer.toml";
