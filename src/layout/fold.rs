//! Folded cards: the four panels of a card laid on the flat sheets they print on.

use crate::layout::{Group, Item, Page};
use crate::model::design::Fold;

/// Places `panel` on `sheet` with its trim box's top-left at (x, y), optionally turned 180°,
/// clipped to its trim box so bleed does not spill onto neighbours.
fn place(sheet: &mut Page, panel: &Page, x: f32, y: f32, rotate_180: bool) {
    let t = panel.trim;
    let transform = if rotate_180 {
        // (px, py) -> (x + w - (px - t.x), y + h - (py - t.y))
        [-1.0, 0.0, 0.0, -1.0, x + t.width + t.x, y + t.height + t.y]
    } else {
        [1.0, 0.0, 0.0, 1.0, x - t.x, y - t.y]
    };
    sheet.items.push(Item::Group(Group { transform, clip: Some(t), items: panel.items.clone() }));
}

/// Lays the four panels of a folded card (front, inside-left, inside-right, back) on flat sheets.
///
/// Quarter fold, one portrait sheet printed on one side: fold the top half back, then the left
/// half over onto the right. Working through the folds: the top-left quarter becomes the front
/// cover and the top-right the back, both upside down on the flat sheet (rotated 180° here so
/// they read upright once folded); the bottom quarters are the inside spread, upright
/// (docs/mail-rules.md 4.1, matching printers' layouts).
///
/// Half fold, one landscape sheet printed on both sides: outside = back (left) and front
/// (right); inside = inside-left and inside-right. The fold is parallel to the sheet's short
/// edge, so duplex printing must flip on the short edge.
pub fn fold_card(fold: Fold, panels: &[Page]) -> Vec<Page> {
    let [front, inside_left, inside_right, back] = panels else {
        unreachable!("a card design has four panels; the design checks this")
    };
    let (w, h) = (front.trim.width, front.trim.height);
    match fold {
        Fold::Quarter => {
            let mut sheet = Page::new(2.0 * w, 2.0 * h, 0.0);
            place(&mut sheet, front, 0.0, 0.0, true);
            place(&mut sheet, back, w, 0.0, true);
            place(&mut sheet, inside_left, 0.0, h, false);
            place(&mut sheet, inside_right, w, h, false);
            vec![sheet]
        }
        Fold::Half => {
            let mut outside = Page::new(2.0 * w, h, 0.0);
            place(&mut outside, back, 0.0, 0.0, false);
            place(&mut outside, front, w, 0.0, false);
            let mut inside = Page::new(2.0 * w, h, 0.0);
            place(&mut inside, inside_left, 0.0, 0.0, false);
            place(&mut inside, inside_right, w, 0.0, false);
            vec![outside, inside]
        }
    }
}
