#!/usr/bin/env bash
# The party-kit benchmark with letterkit: `run.sh N OUT.pdf`, run from shared/bench (as its
# run.sh does). Builds nothing: it runs the release binary (`cargo build --release` first).
# It prepares the participants list for N letters (row i is workload row i mod 2000, with
# `address1` for `street`, one letter each, and 4 * ceil(N / 4) postcards in all), then builds
# the kit as one PDF: letters, envelopes, postcard sheets.
set -euo pipefail
n="$1"
out="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="${BENCH_DIR:-$PWD}"
letterkit="$here/../../target/release/letterkit"
[ -x "$letterkit" ] || { echo "build letterkit first: cargo build --release" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/letterkit-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cp "$here"/campaign.toml "$here"/letter.toml "$here"/envelope.toml "$here"/postcard.toml "$work"/
# Copies, not links: a design may only read files inside its own folder.
cp -r "$bench/.cache/fonts" "$work/fonts"
cp "$bench/photo.jpg" "$work/photo.jpg"
awk -v n="$n" 'NR == 1 { print "name,address1,city,state,zip,letters,postcards"; next }
    { rows[NR - 2] = $0; count = NR - 1 }
    END {
        extra = 4 * int((n + 3) / 4) - n
        for (i = 0; i < n; i++) print rows[i % count] ",1," (i == 0 ? 1 + extra : 1)
    }' "$bench/participants.csv" > "$work/people.csv"

"$letterkit" build "$work/campaign.toml" --participants "$work/people.csv" -o "$work/kit" \
    --one-file --sheet letter --grid 2x2 --gutter 0in > "$work/summary.txt"
mv "$work/kit/kit.pdf" "$out"
