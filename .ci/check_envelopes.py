#!/usr/bin/env python3
"""Checks that every envelope in a PDF is addressed where USPS machines can read it.

Usage: check_envelopes.py ENVELOPES.pdf

Each page is one envelope. On each page, the delivery address block is the line that contains
WASHINGTON and 20528 (the last line of the DHS address) and the lines right above it that belong
to the same block (up to 3), and, on a piece mailed from outside the United States, the line
UNITED STATES OF AMERICA right below it (Publication 28 A31). The checks, from DMM 202.2.1 and Publication 28, Appendix A1:

- OCR read area: every word of the block lies at least 1/2 in from the left and right edges,
  the bottom of the block at least 5/8 in above the bottom edge, and its top at most 2 3/4 in
  above the bottom edge;
- barcode clear zone: no word on the page overlaps the rectangle 4 3/4 in wide and 5/8 in high in
  the lower-right corner.

Edges are the page's trim box (its finished size). Word boxes come from `pdftotext -bbox`
(Poppler) and `pdfinfo -box`. Prints one line per page; exits 1 if any page fails.
Standard library only.
"""

import html
import re
import subprocess
import sys

PT = 72.0  # points per inch
SIDE = 0.5 * PT  # read area: from the left and right edges
BOTTOM = 0.625 * PT  # read area: lowest point above the bottom edge
TOP = 2.75 * PT  # read area: highest point above the bottom edge
ZONE_WIDTH = 4.75 * PT  # barcode clear zone, from the right edge
ZONE_HEIGHT = 0.625 * PT  # barcode clear zone, from the bottom edge
EPS = 0.01  # points; rounding in the word boxes
BLOCK_LINES_ABOVE = 3


def inches(points):
    return f"{points / PT:.3f} in"


def run(args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def trim_boxes(pdf):
    """Each page's trim box as (left, top, width, height) in pdftotext's coordinates:
    points from the top-left corner of the crop box, y down."""
    info = run(["pdfinfo", "-box", "-f", "1", "-l", "100000", pdf])
    boxes = {}
    for page, kind, x0, y0, x1, y1 in re.findall(
        r"^Page\s+(\d+)\s+(CropBox|TrimBox):\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", info, re.M
    ):
        boxes.setdefault(int(page), {})[kind] = tuple(float(v) for v in (x0, y0, x1, y1))
    result = {}
    for page, b in boxes.items():
        cx0, _, _, cy1 = b["CropBox"]
        tx0, ty0, tx1, ty1 = b.get("TrimBox", b["CropBox"])
        result[page] = (tx0 - cx0, cy1 - ty1, tx1 - tx0, ty1 - ty0)
    return result


def pages_of_words(pdf):
    """The words of each page: (x0, y0, x1, y1, text), y down from the top of the crop box."""
    out = run(["pdftotext", "-bbox", pdf, "-"])
    pages = []
    for body in re.findall(r"<page [^>]*>(.*?)</page>", out, re.S):
        words = []
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([^"]+)" yMin="([^"]+)" xMax="([^"]+)" yMax="([^"]+)">(.*?)</word>', body
        ):
            words.append((float(x0), float(y0), float(x1), float(y1), html.unescape(text)))
        pages.append(words)
    return pages


def lines_of(words):
    """Groups words into lines: same height on the page, no wide gap between them."""
    rows = []
    for w in sorted(words, key=lambda w: ((w[1] + w[3]) / 2, w[0])):
        mid, height = (w[1] + w[3]) / 2, w[3] - w[1]
        for row in rows:
            if abs(row["mid"] - mid) < 0.5 * min(row["height"], height):
                row["words"].append(w)
                break
        else:
            rows.append({"mid": mid, "height": height, "words": [w]})
    lines = []
    for row in rows:
        segment = []
        for w in sorted(row["words"], key=lambda w: w[0]):
            if segment and w[0] - segment[-1][2] > 1.5 * row["height"]:
                lines.append(segment)
                segment = []
            segment.append(w)
        lines.append(segment)
    return [
        {
            "words": seg,
            "x0": min(w[0] for w in seg),
            "y0": min(w[1] for w in seg),
            "x1": max(w[2] for w in seg),
            "y1": max(w[3] for w in seg),
            "text": " ".join(w[4] for w in seg),
        }
        for seg in lines
    ]


def address_block(lines):
    """The last line of the DHS address and the lines of its block above it, top first."""
    last_lines = [
        line
        for line in lines
        if "WASHINGTON" in line["text"].upper() and "20528" in line["text"]
    ]
    if not last_lines:
        return None
    last = max(last_lines, key=lambda line: line["y1"])
    above = sorted(
        (
            line
            for line in lines
            if line is not last
            and line["y1"] <= last["y0"] + 0.5 * (last["y1"] - last["y0"])
            and line["x0"] < last["x1"]
            and line["x1"] > last["x0"]
        ),
        key=lambda line: -line["y1"],
    )
    block = [last]
    for line in above:
        if len(block) > BLOCK_LINES_ABOVE:
            break
        nearest = block[-1]
        gap = nearest["y0"] - line["y1"]
        if gap > max(nearest["y1"] - nearest["y0"], line["y1"] - line["y0"]):
            break  # a blank line or more: not part of the block
        block.append(line)
    block.reverse()
    # Mailed from abroad: the destination country is the address's last line.
    below = [
        line
        for line in lines
        if line["text"].strip().upper() == "UNITED STATES OF AMERICA"
        and line["y0"] >= last["y1"] - 0.5 * (last["y1"] - last["y0"])
        and line["y0"] - last["y1"] <= last["y1"] - last["y0"]
        and abs(line["x0"] - last["x0"]) < 1.0
    ]
    return block + below[:1]


def check_page(number, words, trim):
    """Returns the problems found on one page (an empty list when it passes) and a summary."""
    left, top, width, height = trim
    bottom_edge = top + height
    problems = []
    block = address_block(lines_of(words))
    if block is None:
        return ["no line with WASHINGTON and 20528 (the last line of the DHS address)"], ""
    block_words = [w for line in block for w in line["words"]]
    x0 = min(w[0] for w in block_words) - left
    x1 = max(w[2] for w in block_words) - left
    y0 = min(w[1] for w in block_words)
    y1 = max(w[3] for w in block_words)
    if x0 < SIDE - EPS:
        problems.append(f"address starts {inches(x0)} from the left edge; the read area starts at 0.5 in")
    if x1 > width - SIDE + EPS:
        problems.append(
            f"address ends {inches(width - x1)} from the right edge; the read area ends 0.5 in from it"
        )
    if bottom_edge - y1 < BOTTOM - EPS:
        problems.append(
            f"bottom of the address is {inches(bottom_edge - y1)} above the bottom edge; "
            "it must be at least 0.625 in"
        )
    if bottom_edge - y0 > TOP + EPS:
        problems.append(
            f"top of the address is {inches(bottom_edge - y0)} above the bottom edge; "
            "it must be at most 2.75 in"
        )
    zone = (left + width - ZONE_WIDTH, bottom_edge - ZONE_HEIGHT, left + width, bottom_edge)
    for w in words:
        if w[2] > zone[0] + EPS and w[0] < zone[2] - EPS and w[3] > zone[1] + EPS and w[1] < zone[3] - EPS:
            problems.append(f"`{w[4]}` lies in the barcode clear zone (lower-right 4.75 x 0.625 in)")
    summary = (
        f"{len(block)}-line address, top {inches(bottom_edge - y0)} and bottom "
        f"{inches(bottom_edge - y1)} above the bottom edge, {inches(x0)} from the left and "
        f"{inches(width - x1)} from the right edge"
    )
    return problems, summary


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    pdf = sys.argv[1]
    trims = trim_boxes(pdf)
    pages = pages_of_words(pdf)
    if not pages:
        print(f"FAIL  {pdf}: no pages")
        sys.exit(1)
    failed = 0
    for number, words in enumerate(pages, 1):
        problems, summary = check_page(number, words, trims[number])
        if problems:
            failed += 1
            print(f"FAIL  {pdf} page {number}:")
            for p in problems:
                print(f"        {p}")
        else:
            print(f"ok    {pdf} page {number}: {summary}; barcode clear zone empty")
    print(f"{len(pages) - failed} of {len(pages)} envelopes addressed inside the USPS read area")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
