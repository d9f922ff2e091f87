#!/usr/bin/env python3
"""Renders every TOML example in Markdown files with letterkit, so the docs cannot drift.

Usage: check_docs.py FILE.md [FILE.md ...] -- COMMAND...
       (COMMAND runs letterkit, e.g. target/release/letterkit)

Every ```toml block is a complete design and must render with no error and no warning, unless
the line before it says otherwise:
  <!-- check: skip -->          not a design (e.g. a .taplo.toml or a fragment): skipped;
  <!-- check: campaign -->      a campaign file: built with `build`, with no error and no warning;
                                a ```csv block marked <!-- check: participants --> that follows
                                it (before the next campaign) is its participants list;
  <!-- check: profile -->       a printer profile: a postcard is rendered with --sheet letter
                                --profile and this file.
Other blocks (```sh, ```text, ```csv without a marker) are not checked.
Pictures and font files that a design names are made up in a scratch folder: a PNG for `src`
(except the pictures bundled with letterkit, which it finds itself), a bundled font for
`.ttf`/`.otf` paths; a campaign's `[[photos]]` get a PNG large enough for a postcard's front
at 300 dpi. Prints one line per checked block and a count; exits 1 if any block fails.
Standard library only.
"""

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONT = os.path.join(ROOT, "fonts", "lato", "Lato-Regular.ttf")
# Pictures letterkit carries inside the program (src/input/assets.rs): designs name them without a file.
BUNDLED = {"landmark.jpg", "star-sticker.png", "assets/landmark.jpg", "assets/star-sticker.png"}
# A two-sided postcard to try printer profiles on.
PROFILE_POSTCARD = """format = "postcard-4x6"
pages = ["front", "back"]

[[element]]
kind = "text"
page = "front"
text = "Front"

[[element]]
kind = "text"
page = "back"
text = "Back"
"""


def blocks(path):
    """Yields (line number, marker, language, text) for each fenced block.

    The marker is the word after `check:` in a `<!-- check: WORD -->` line right before the
    block (blank lines between are allowed), or None.
    """
    lines = open(path, encoding="utf-8").read().split("\n")
    i, marker = 0, None
    while i < len(lines):
        line = lines[i].strip()
        found = re.fullmatch(r"<!--\s*check:\s*([a-z-]+)\s*-->", line)
        if found:
            marker = found.group(1)
        elif line.startswith("```") and len(line) > 3:
            language = line[3:].strip()
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            yield start, marker, language, "\n".join(lines[start:j]) + "\n"
            marker = None
            i = j
        elif line:
            marker = None
        i += 1


def png(path, width=1800, height=1200):
    """A gradient PNG, large enough to print a 6 x 4 in card at 300 dpi."""
    row_data = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes(((x * 255) // width, (y * 255) // height, 160))
        row_data.append(bytes(row))

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", header))
        f.write(chunk(b"IDAT", zlib.compress(b"".join(row_data), 6)))
        f.write(chunk(b"IEND", b""))


def make_files(design, folder, picture):
    """Creates the pictures and fonts the design refers to."""
    for name in re.findall(r'src\s*=\s*"([^"]+)"', design):
        if name in BUNDLED:
            continue
        target = os.path.join(folder, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(picture, target)
    for name in re.findall(r'"([^"]+\.(?:ttf|otf))"', design):
        target = os.path.join(folder, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(FONT, target)


def run(command, args):
    """Runs letterkit; returns (ok, output). ok means exit 0 and no warning."""
    done = subprocess.run(command + args, cwd=ROOT, capture_output=True, text=True)
    output = done.stdout + done.stderr
    return done.returncode == 0 and "warning:" not in output, output


def check_file(doc, command, scratch, picture, photo):
    """Checks the blocks of one Markdown file; returns (passed, failed). `picture` stands in for
    a design's pictures, `photo` for a campaign's photos."""
    passed = failed = 0
    items = list(blocks(doc))
    for n, (line, marker, language, text) in enumerate(items):
        where = f"{doc}:{line}"
        if language != "toml" or marker == "participants":
            continue
        if marker == "skip":
            print(f"skip  {where}: not a design")
            continue
        folder = tempfile.mkdtemp(prefix="example-", dir=scratch)
        if marker == "campaign":
            campaign = os.path.join(folder, "campaign.toml")
            with open(campaign, "w", encoding="utf-8") as f:
                f.write(text)
            make_files(text, folder, photo)
            args = ["build", campaign, "-o", os.path.join(folder, "kit")]
            for _, m, lang, csv in items[n + 1 :]:
                if m == "campaign":
                    break
                if m == "participants" and lang == "csv":
                    people = os.path.join(folder, "participants.csv")
                    with open(people, "w", encoding="utf-8") as f:
                        f.write(csv)
                    args += ["--participants", people]
                    break
            ok, output = run(command, args)
            ok = ok and os.path.exists(os.path.join(folder, "kit", "manifest.json"))
            what, verb = "builds a kit" + (" with its participants" if "--participants" in args else ""), "build"
        elif marker == "profile":
            profile = os.path.join(folder, "printer.toml")
            with open(profile, "w", encoding="utf-8") as f:
                f.write(text)
            design = os.path.join(folder, "postcard.toml")
            with open(design, "w", encoding="utf-8") as f:
                f.write(PROFILE_POSTCARD)
            pdf = os.path.join(folder, "postcard.pdf")
            ok, output = run(command, ["render", design, "--sheet", "letter", "--profile", profile, "-o", pdf])
            ok = ok and os.path.exists(pdf)
            what, verb = "works as a printer profile", "work"
        else:
            make_files(text, folder, picture)
            toml = os.path.join(folder, "design.toml")
            with open(toml, "w", encoding="utf-8") as f:
                f.write(text)
            pdf = os.path.join(folder, "design.pdf")
            ok, output = run(command, ["render", toml, "-o", pdf])
            ok = ok and os.path.exists(pdf)
            what, verb = "renders", "render"
        if ok:
            passed += 1
            print(f"ok    {where}: {what}")
        else:
            failed += 1
            print(f"FAIL  {where}: the example does not {verb} cleanly")
            for message in output.strip().splitlines():
                print(f"      {message}")
    return passed, failed


def main():
    if "--" not in sys.argv[2:] or sys.argv.index("--") < 2 or sys.argv.index("--") == len(sys.argv) - 1:
        sys.exit(__doc__)
    split = sys.argv.index("--")
    docs, command = sys.argv[1:split], sys.argv[split + 1 :]
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="letterkit-docs-") as scratch:
        picture = os.path.join(scratch, "picture.png")
        png(picture)
        # A postcard's front with its bleed, 6.25 x 4.25 in, at 300 dpi.
        photo = os.path.join(scratch, "photo.png")
        png(photo, 1875, 1275)
        for doc in docs:
            p, f = check_file(doc, command, scratch, picture, photo)
            print(f"{p} of {p + f} examples in {doc} work")
            passed, failed = passed + p, failed + f
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
