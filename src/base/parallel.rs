//! Work spread over every core, results kept in order: laying out a batch of pieces, encoding a
//! batch of pages.

/// Runs `f` on every item on all cores, keeping the order of the results; each thread makes
/// its own working state with `state`, and drops the items it was given.
pub fn parallel_map<T: Send, S, R: Send>(
    mut items: Vec<T>,
    state: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize, T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len()).max(1);
    let per = items.len().div_ceil(threads).max(1);
    let run = |c: usize, chunk: Vec<T>| {
        let mut s = state();
        chunk.into_iter().enumerate().map(|(i, item)| f(&mut s, c * per + i, item)).collect::<Vec<R>>()
    };
    if threads == 1 {
        return run(0, items);
    }
    let mut chunks = Vec::with_capacity(threads);
    while items.len() > per {
        let rest = items.split_off(per);
        chunks.push(std::mem::replace(&mut items, rest));
    }
    chunks.push(items);
    std::thread::scope(|scope| {
        let run = &run;
        let handles: Vec<_> =
            chunks.into_iter().enumerate().map(|(c, chunk)| scope.spawn(move || run(c, chunk))).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker thread panicked")).collect()
    })
}
