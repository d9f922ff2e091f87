//! Imposition: placing finished pages on printed sheets (folded cards' panels; N-up sheets).

use crate::design::Fold;
use crate::layout::{Group, Item, Page};

/// Places `panel` on `sheet` with its trim box's top-left at (x, y), optionally turned 180°,
/// clipped to its trim box so bleed does not spill onto neighbours.
pub fn place(sheet: &mut Page, panel: &Page, x: f32, y: f32, rotate_180: bool) {
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
/// (mail-facts.md 4.1, matching printers' layouts).
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

/// What to tell the user about printing a folded card.
pub fn fold_instructions(fold: Fold) -> &'static str {
    match fold {
        Fold::Quarter => {
            "print one-sided; fold the top half back, then fold the left half over onto the right"
        }
        Fold::Half => "print two-sided, flip on short edge; fold in half along the middle",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{PathSeg, Shape};

    /// A panel with a mark near its own top-left corner, to see where it ends up.
    fn marked(w: f32, h: f32) -> Page {
        let mut p = Page::new(w, h, 0.0);
        let paint = crate::design::Paint { fill: None, stroke: Some((crate::units::Color::BLACK, 1.0)) };
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
