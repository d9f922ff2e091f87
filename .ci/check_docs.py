#!/usr/bin/env python3
"""Renders every TOML example in a Markdown file with letterkit, so the docs cannot drift.

Usage: check_docs.py FILE.md -- COMMAND...   (COMMAND runs letterkit, e.g. target/release/letterkit)

Every ```toml block is a complete design and must render with no error and no warning. A block
right after a `<!-- check: skip -->` line is not a design (e.g. a .taplo.toml) and is skipped.
Pictures and font files that a design names are made up in a scratch folder: a PNG for `src`,
a bundled font for `.ttf`/`.otf` paths. Prints one line per block and a count; exits 1 if any block fails.
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


def blocks(path):
    """Yields (line number, skip, text) for each ```toml block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i, skip = 0, False
    while i < len(lines):
        line = lines[i].strip()
        if line == "<!-- check: skip -->":
            skip = True
        elif line == "```toml":
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            yield start, skip, "\n".join(lines[start:j]) + "\n"
            skip = False
            i = j
        elif line:
            skip = False
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
        target = os.path.join(folder, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(picture, target)
    for name in re.findall(r'"([^"]+\.(?:ttf|otf))"', design):
        target = os.path.join(folder, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(FONT, target)


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    doc, command = sys.argv[1], sys.argv[3:]
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="letterkit-docs-") as scratch:
        picture = os.path.join(scratch, "picture.png")
        png(picture)
        for n, (line, skip, design) in enumerate(blocks(doc), 1):
            where = f"{doc}:{line}"
            if skip:
                print(f"skip  {where}: not a design")
                continue
            folder = os.path.join(scratch, f"example-{n}")
            os.makedirs(folder)
            make_files(design, folder, picture)
            toml = os.path.join(folder, "design.toml")
            with open(toml, "w", encoding="utf-8") as f:
                f.write(design)
            pdf = os.path.join(folder, "design.pdf")
            run = subprocess.run(
                command + ["render", toml, "-o", pdf],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            output = run.stdout + run.stderr
            if run.returncode != 0 or "warning:" in output or not os.path.exists(pdf):
                failed += 1
                print(f"FAIL  {where}: the example does not render cleanly")
                for message in output.strip().splitlines():
                    print(f"      {message}")
            else:
                passed += 1
                print(f"ok    {where}: renders")
    print(f"{passed} of {passed + failed} examples in {doc} render")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
