#!/usr/bin/env python3
"""Draws assets/landmark.jpg: a stylised harbour at dusk with a lighthouse, a suspension
bridge and a city-hall skyline. Everything is drawn procedurally (no photographs, no
downloads); a fixed random seed makes the output the same on every run.

    pip install pillow
    python3 assets/make_landmark.py            # writes assets/landmark.jpg
    python3 assets/make_landmark.py --star     # also writes assets/star-sticker.png

Released under CC0-1.0, like the pictures it makes.
"""

import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

W, H = 2100, 1400  # final size: 300 dpi over a 6.25 x 4.25 in bleed box, with room to crop
S = 2  # supersampling factor, for smooth edges
HORIZON = 0.70  # horizon height, fraction of the picture from the top


def lerp(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def gradient(stops, t):
    """Colour at t (0..1) along a list of (position, rgb) stops."""
    for (p0, c0), (p1, c1) in zip(stops, stops[1:]):
        if t <= p1:
            return lerp(c0, c1, (t - p0) / (p1 - p0) if p1 > p0 else 0)
    return stops[-1][1]


def sky(img, w, h, horizon):
    stops = [
        (0.00, (22, 32, 74)),
        (0.35, (58, 66, 132)),
        (0.62, (176, 98, 128)),
        (0.85, (247, 150, 94)),
        (1.00, (255, 205, 130)),
    ]
    d = ImageDraw.Draw(img)
    for y in range(horizon):
        d.line([(0, y), (w, y)], fill=gradient(stops, y / horizon))


def stars(img, w, horizon, rng):
    d = ImageDraw.Draw(img)
    for _ in range(140):
        x, y = rng.uniform(0, w), rng.uniform(0, horizon * 0.35)
        r = rng.choice([1, 1, 1.5, 2]) * S
        a = rng.randint(150, 255)
        d.ellipse([x - r, y - r, x + r, y + r], fill=(a, a, min(255, a + 10)))


def sun(img, cx, cy, r):
    glow = Image.new("RGBA", img.size, (0, 0, 0, 0))
    g = ImageDraw.Draw(glow)
    for k in range(12, 0, -1):
        rr = r * (1 + k * 0.35)
        g.ellipse([cx - rr, cy - rr, cx + rr, cy + rr], fill=(255, 214, 150, 14))
    glow = glow.filter(ImageFilter.GaussianBlur(r * 0.3))
    g = ImageDraw.Draw(glow)
    g.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 236, 190, 255))
    img.alpha_composite(glow)


def clouds(img, w, horizon, rng):
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    for _ in range(9):
        cx = rng.uniform(-0.1, 1.1) * w
        cy = rng.uniform(0.18, 0.55) * horizon
        length = rng.uniform(0.15, 0.35) * w
        thick = rng.uniform(0.012, 0.025) * horizon * 2
        colour = (255, rng.randint(170, 200), rng.randint(150, 180), 70)
        for i in range(7):
            ox = cx + (i - 3) * length / 7 + rng.uniform(-20, 20) * S
            oy = cy + rng.uniform(-thick, thick) * 0.4
            rx, ry = length / 5, thick
            d.ellipse([ox - rx, oy - ry, ox + rx, oy + ry], fill=colour)
    layer = layer.filter(ImageFilter.GaussianBlur(6 * S))
    img.alpha_composite(layer)


def skyline(img, w, horizon, rng):
    """Distant towers and a domed city hall, in two hazy layers."""
    d = ImageDraw.Draw(img)
    far = (104, 78, 124)
    x = 0
    while x < w:
        bw = rng.uniform(0.018, 0.045) * w
        bh = rng.uniform(0.04, 0.16) * horizon
        d.rectangle([x, horizon - bh, x + bw, horizon], fill=far)
        x += bw + rng.uniform(0, 0.01) * w
    near = (62, 48, 92)
    win = (255, 214, 130)
    x = 0.02 * w
    while x < 0.56 * w:
        bw = rng.uniform(0.025, 0.05) * w
        bh = rng.uniform(0.06, 0.2) * horizon
        if 0.20 * w < x < 0.32 * w:  # leave room for the city hall
            x = 0.32 * w
            continue
        d.rectangle([x, horizon - bh, x + bw, horizon], fill=near)
        for wy in range(int(horizon - bh + 8 * S), int(horizon - 6 * S), 9 * S):
            for wx in range(int(x + 5 * S), int(x + bw - 5 * S), 8 * S):
                if rng.random() < 0.28:
                    d.rectangle([wx, wy, wx + 3 * S, wy + 4 * S], fill=win)
        x += bw + rng.uniform(0.002, 0.012) * w
    # City hall: colonnaded block, drum and dome with a lantern.
    cx = 0.26 * w
    base_w, base_h = 0.11 * w, 0.10 * horizon
    top = horizon - base_h
    d.rectangle([cx - base_w / 2, top, cx + base_w / 2, horizon], fill=near)
    d.polygon(
        [(cx - base_w * 0.28, top), (cx, top - 0.035 * horizon), (cx + base_w * 0.28, top)],
        fill=near,
    )
    for i in range(9):
        px = cx - base_w * 0.42 + i * base_w * 0.105
        d.rectangle([px, top + 0.02 * horizon, px + 3 * S, horizon - 0.01 * horizon], fill=win)
    drum_w, drum_h = 0.045 * w, 0.05 * horizon
    dtop = top - 0.03 * horizon - drum_h
    d.rectangle([cx - drum_w / 2, dtop, cx + drum_w / 2, top - 0.02 * horizon], fill=near)
    d.pieslice([cx - drum_w * 0.62, dtop - drum_w * 0.6, cx + drum_w * 0.62, dtop + drum_w * 0.6],
               180, 360, fill=near)
    d.rectangle([cx - 3 * S, dtop - drum_w * 0.6 - 0.03 * horizon, cx + 3 * S, dtop - drum_w * 0.55],
                fill=near)


def bridge(img, w, horizon):
    """A suspension bridge crossing from the left edge to the middle of the picture."""
    d = ImageDraw.Draw(img)
    col = (40, 30, 64)
    deck_y = horizon - 0.055 * horizon
    x0, x1 = -0.05 * w, 0.62 * w
    towers = [0.12 * w, 0.46 * w]
    tower_top = deck_y - 0.24 * horizon
    d.rectangle([x0, deck_y, x1, deck_y + 6 * S], fill=col)
    for tx in towers:
        for off in (-9 * S, 9 * S):
            d.rectangle([tx + off - 4 * S, tower_top, tx + off + 4 * S, horizon], fill=col)
        for k in range(3):
            yy = tower_top + 10 * S + k * 0.07 * horizon
            d.rectangle([tx - 13 * S, yy, tx + 13 * S, yy + 4 * S], fill=col)

    def cable(xa, ya, xb, yb, sag):
        pts = []
        for i in range(101):
            t = i / 100
            pts.append((xa + (xb - xa) * t, ya + (yb - ya) * t + sag * 4 * t * (1 - t)))
        d.line(pts, fill=col, width=3 * S)
        return pts

    main = cable(towers[0], tower_top, towers[1], tower_top, deck_y - tower_top - 12 * S)
    left = cable(x0, deck_y - 0.02 * horizon, towers[0], tower_top, 0.03 * horizon)
    right = cable(towers[1], tower_top, x1, deck_y, 0.03 * horizon)
    for pts in (main, left, right):
        for px, py in pts[::4]:
            if py < deck_y:
                d.line([(px, py), (px, deck_y)], fill=col, width=max(1, S))


def lighthouse(img, w, h, horizon):
    d = ImageDraw.Draw(img)
    rock = (34, 26, 48)
    cx = 0.79 * w
    base_y = horizon + 0.02 * h
    # Rocky point.
    d.polygon(
        [(0.60 * w, horizon + 0.03 * h), (0.68 * w, horizon - 0.03 * h), (0.74 * w, horizon - 0.045 * h),
         (0.86 * w, horizon - 0.05 * h), (0.95 * w, horizon - 0.02 * h), (1.02 * w, horizon - 0.03 * h),
         (1.02 * w, horizon + 0.06 * h)],
        fill=rock,
    )
    tower_h = 0.42 * h
    bottom_w, top_w = 0.075 * w, 0.045 * w
    ty = base_y - 0.05 * h - tower_h
    by = base_y - 0.045 * h
    # Beam of light, drawn first so the tower sits on top.
    beam = Image.new("RGBA", img.size, (0, 0, 0, 0))
    b = ImageDraw.Draw(beam)
    lamp_y = ty - 0.045 * h
    b.polygon([(cx, lamp_y - 6 * S), (-0.1 * w, lamp_y - 0.16 * h), (-0.1 * w, lamp_y + 0.05 * h),
               (cx, lamp_y + 6 * S)], fill=(255, 240, 190, 60))
    beam = beam.filter(ImageFilter.GaussianBlur(10 * S))
    img.alpha_composite(beam)
    d = ImageDraw.Draw(img)
    # Tower with red and white bands.
    bands = 6
    for i in range(bands):
        t0, t1 = i / bands, (i + 1) / bands
        y0, y1 = by - tower_h * t1, by - tower_h * t0
        w0 = bottom_w + (top_w - bottom_w) * t0
        w1 = bottom_w + (top_w - bottom_w) * t1
        colour = (196, 52, 48) if i % 2 == 0 else (246, 238, 226)
        d.polygon([(cx - w0 / 2, y1), (cx + w0 / 2, y1), (cx + w1 / 2, y0), (cx - w1 / 2, y0)], fill=colour)
    # Shade on the right side of the tower.
    shade = Image.new("RGBA", img.size, (0, 0, 0, 0))
    s = ImageDraw.Draw(shade)
    s.polygon([(cx + bottom_w * 0.1, by), (cx + bottom_w / 2, by), (cx + top_w / 2, ty), (cx + top_w * 0.1, ty)],
              fill=(30, 20, 60, 80))
    img.alpha_composite(shade)
    d = ImageDraw.Draw(img)
    # Gallery, lantern room and cap.
    d.rectangle([cx - top_w * 0.75, ty - 5 * S, cx + top_w * 0.75, ty + 3 * S], fill=(30, 28, 40))
    d.rectangle([cx - top_w * 0.36, ty - 0.06 * h, cx + top_w * 0.36, ty - 5 * S], fill=(255, 232, 150))
    for k in (-1, 0, 1):
        d.line([(cx + k * top_w * 0.18, ty - 0.06 * h), (cx + k * top_w * 0.18, ty - 5 * S)],
               fill=(30, 28, 40), width=2 * S)
    d.polygon([(cx - top_w * 0.5, ty - 0.06 * h), (cx + top_w * 0.5, ty - 0.06 * h), (cx, ty - 0.1 * h)],
              fill=(30, 28, 40))
    d.ellipse([cx - 4 * S, ty - 0.108 * h, cx + 4 * S, ty - 0.096 * h], fill=(30, 28, 40))
    # Keeper's house.
    hx = cx - 0.13 * w
    d.rectangle([hx, by - 0.06 * h, hx + 0.09 * w, by + 0.01 * h], fill=(238, 228, 214))
    d.polygon([(hx - 0.008 * w, by - 0.06 * h), (hx + 0.098 * w, by - 0.06 * h), (hx + 0.045 * w, by - 0.1 * h)],
              fill=(150, 46, 44))
    for k in range(2):
        wx = hx + 0.018 * w + k * 0.04 * w
        d.rectangle([wx, by - 0.04 * h, wx + 0.016 * w, by - 0.015 * h], fill=(255, 210, 120))


def water(img, w, h, horizon, rng):
    stops = [(0.0, (236, 150, 110)), (0.25, (120, 82, 124)), (1.0, (20, 28, 64))]
    d = ImageDraw.Draw(img)
    for y in range(horizon, h):
        d.line([(0, y), (w, y)], fill=gradient(stops, (y - horizon) / (h - horizon)))
    # Sun's reflection and ripples.
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    g = ImageDraw.Draw(layer)
    for _ in range(420):
        y = rng.uniform(horizon + 4 * S, h)
        depth = (y - horizon) / (h - horizon)
        x = rng.gauss(0.38 * w, 0.05 * w + depth * 0.12 * w)
        length = rng.uniform(20, 90) * S * (0.4 + depth)
        g.line([(x - length / 2, y), (x + length / 2, y)], fill=(255, 214, 160, rng.randint(60, 150)),
               width=max(1, round(S * (1 + depth * 2))))
    for _ in range(500):
        y = rng.uniform(horizon + 4 * S, h)
        depth = (y - horizon) / (h - horizon)
        x = rng.uniform(0, w)
        length = rng.uniform(10, 50) * S * (0.4 + depth)
        g.line([(x - length / 2, y), (x + length / 2, y)], fill=(200, 180, 230, rng.randint(20, 60)),
               width=max(1, round(S * (0.5 + depth * 1.5))))
    img.alpha_composite(layer)


def boat(img, w, h, horizon):
    d = ImageDraw.Draw(img)
    x, y = 0.52 * w, horizon + 0.12 * h
    col = (26, 22, 44)
    d.polygon([(x - 0.05 * w, y), (x + 0.05 * w, y), (x + 0.035 * w, y + 0.02 * h), (x - 0.035 * w, y + 0.02 * h)],
              fill=col)
    d.line([(x, y), (x, y - 0.14 * h)], fill=col, width=3 * S)
    d.polygon([(x + 3 * S, y - 0.135 * h), (x + 3 * S, y - 0.01 * h), (x + 0.055 * w, y - 0.01 * h)],
              fill=(244, 226, 206))
    d.polygon([(x - 3 * S, y - 0.11 * h), (x - 3 * S, y - 0.01 * h), (x - 0.035 * w, y - 0.01 * h)],
              fill=(226, 206, 196))


def landmark():
    rng = random.Random(20260501)
    w, h = W * S, H * S
    horizon = round(h * HORIZON)
    img = Image.new("RGBA", (w, h))
    sky(img, w, h, horizon)
    stars(img, w, horizon, rng)
    sun(img, 0.38 * w, horizon - 0.13 * h, 0.045 * h)
    clouds(img, w, horizon, rng)
    skyline(img, w, horizon, rng)
    bridge(img, w, horizon)
    water(img, w, h, horizon, rng)
    lighthouse(img, w, h, horizon)
    boat(img, w, h, horizon)
    return img.convert("RGB").resize((W, H), Image.LANCZOS)


def star_sticker(size=600):
    """A round sticker with a five-pointed star, on a transparent background."""
    s = size * S
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    c = s / 2
    d.ellipse([s * 0.02, s * 0.02, s * 0.98, s * 0.98], fill=(255, 255, 255, 255))
    d.ellipse([s * 0.06, s * 0.06, s * 0.94, s * 0.94], fill=(255, 212, 0, 255))
    pts = []
    for i in range(10):
        r = s * (0.36 if i % 2 == 0 else 0.15)
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((c + r * math.cos(a), c + 0.02 * s + r * math.sin(a)))
    d.polygon(pts, fill=(20, 20, 20, 255))
    return img.resize((size, size), Image.LANCZOS)


def main():
    here = Path(__file__).resolve().parent
    landmark().save(here / "landmark.jpg", "JPEG", quality=82, optimize=True, progressive=False)
    if "--star" in sys.argv:
        star_sticker().save(here / "star-sticker.png", optimize=True)


if __name__ == "__main__":
    main()
