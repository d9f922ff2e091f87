//! Page items know the element that made them: every element's items on its page, a text's
//! continuation pages (header included) as its own, and elements that fail left out while
//! the rest are still laid out, so `check` can name each element from one layout.

mod common;

use std::collections::BTreeMap;

use common::TempDir;
use letterkit::layout::{Page, Pictures, layout_pages};

const LETTER: &str = r##"
format = "us-letter"
pages = ["one", "two"]
continuation_header = "page {page} of {pages}"

[[element]]
kind = "rect"
name = "box"
fill = "#cccccc"

[[element]]
kind = "text"
name = "long"
overflow = "continue"
height = "1in"
text = """
one

two

three

four

five

six

seven

eight

nine

ten"""

[[element]]
kind = "text"
name = "too long"
page = "two"
height = "0.2in"
text = "one\n\ntwo\n\nthree"

[[element]]
kind = "text"
name = "hidden"
when = "nobody"
text = "never"

[[element]]
kind = "text"
name = "after"
page = "two"
text = "hello"
"##;

fn laid() -> (Vec<Page>, usize) {
    let dir = TempDir::new("provenance");
    let path = dir.write("letter.toml", LETTER);
    let design = letterkit::model::design::load(&path, &Default::default()).expect("design");
    let data: BTreeMap<String, String> = BTreeMap::new();
    let (pages, errors) = layout_pages(&design, &data, &Pictures::default(), &mut Default::default());
    (pages, errors.len())
}

/// Which elements made items on each page, in order.
fn makers(pages: &[Page]) -> Vec<Vec<usize>> {
    pages.iter().map(|p| p.made().map(|(element, _)| element).collect()).collect()
}

#[test]
fn items_name_the_element_that_made_them() {
    let (pages, errors) = laid();
    assert_eq!(errors, 1, "the text too long for its box is an error");
    assert!(pages.len() > 2, "the long text continues onto further pages");
    let who = makers(&pages);
    assert_eq!(who[0], [0, 1], "the box, then the first page of the long text");
    let page_two = who.len() - 1;
    assert_eq!(who[page_two], [4], "the failed text and the hidden one made nothing");
    for continuation in &who[1..page_two] {
        assert_eq!(continuation, &[1], "a continuation page is the long text's");
    }
    for page in &pages {
        let covered: usize = page.made().map(|(_, items)| items.len()).sum();
        assert_eq!(covered, page.items.len(), "every item of a design page has its element");
    }
}
