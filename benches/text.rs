//! Micro-benchmark of text setting, so regressions show up: line breaking with a warm shaping
//! cache (the common case: letters share their paragraphs), and shaping of words never seen
//! before. Run with `cargo bench --bench text`; prints the median of several rounds.

use std::hint::black_box;
use std::time::{Duration, Instant};

use letterkit::text::fonts::FontBook;
use letterkit::text::{Align, ParagraphStyle, StyledText, set_lines};

const PARAGRAPH: &str = "There are compassionate alternatives to detention that are efficient, \
effective, and humane. Case management programs that help people find legal representation, guide \
them through the court system, and connect them with other community resources are successful and \
cheaper by pennies on the dollar. Using these programs recognizes the humanity and dignity of people \
seeking safety, as well as their families. It ensures people don’t get funneled into long-term \
detention and can be safe and together while they go through the process of seeking safety.";

/// Runs `f` for `rounds` rounds of `iterations` calls; returns the median time per call.
fn median_per_call(rounds: usize, iterations: usize, mut f: impl FnMut(usize)) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|round| {
            let start = Instant::now();
            for i in 0..iterations {
                f(round * iterations + i);
            }
            start.elapsed() / iterations as u32
        })
        .collect();
    times.sort();
    times[rounds / 2]
}

fn main() {
    let book = FontBook::bundled();
    let style = ParagraphStyle {
        family: "serif".into(),
        bold: false,
        italic: false,
        size: 11.0,
        align: Align::Justify,
    };
    let spans = vec![StyledText { text: PARAGRAPH.into(), bold: false, italic: false }];
    // Warm the shaping cache once, as the second letter of a kit finds it.
    set_lines(&book, &spans, &style, 468.0).expect("sets");
    let warm = median_per_call(7, 2000, |_| {
        black_box(set_lines(&book, black_box(&spans), &style, 468.0).expect("sets"));
    });
    println!("set a 90-word justified paragraph, warm cache:  {:>8.1} µs", warm.as_secs_f64() * 1e6);

    let serif = book.select("serif", false, false).expect("bundled");
    let cold = median_per_call(7, 2000, |i| {
        black_box(book.shape(serif, &format!("Łukasiewicz{i} ")));
    });
    println!("shape a word never seen before:                 {:>8.1} µs", cold.as_secs_f64() * 1e6);

    let unique = median_per_call(5, 200, |i| {
        let text = PARAGRAPH.replace("detention", &format!("detention{i}"));
        let spans = vec![StyledText { text, bold: false, italic: false }];
        black_box(set_lines(&book, &spans, &style, 468.0).expect("sets"));
    });
    println!("set a paragraph with two unseen words:          {:>8.1} µs", unique.as_secs_f64() * 1e6);
}
