//! Lengths with units, colours, and the small geometry types layout works in (points, y down).

use std::fmt;

use serde::{Deserialize, Deserializer};

/// Points per inch.
pub const PT_PER_IN: f32 = 72.0;
/// Points per millimetre.
pub const PT_PER_MM: f32 = 72.0 / 25.4;

/// A length as written in a design: absolute, or a percentage of the box it lies in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Length {
    /// An absolute length in points.
    Pt(f32),
    /// A percentage of the enclosing box's width (for x and widths) or height (for y and heights).
    Percent(f32),
}

impl Length {
    /// Zero points.
    pub const ZERO: Length = Length::Pt(0.0);

    /// Inches to a length.
    pub fn inches(value: f32) -> Length {
        Length::Pt(value * PT_PER_IN)
    }

    /// Resolves against the size of the enclosing box along the same axis.
    pub fn resolve(self, of: f32) -> f32 {
        match self {
            Length::Pt(pt) => pt,
            Length::Percent(p) => of * p / 100.0,
        }
    }

    /// The length in points when it must be absolute (font sizes, stroke widths).
    pub fn absolute(self) -> Option<f32> {
        match self {
            Length::Pt(pt) => Some(pt),
            Length::Percent(_) => None,
        }
    }

    /// Parses `12pt`, `1in`, `25.4mm`, `2.5cm` or `50%`.
    pub fn parse(text: &str) -> Result<Length, String> {
        let t = text.trim();
        let split =
            t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let value: f32 = number.parse().map_err(|_| {
            format!(
                "`{text}` is not a length; write a number and a unit, like `12pt`, `1in`, `25mm` or `50%`"
            )
        })?;
        if !value.is_finite() {
            return Err(format!("`{text}` is not a finite length"));
        }
        let pt = match unit.trim() {
            "pt" => value,
            "in" => value * PT_PER_IN,
            "mm" => value * PT_PER_MM,
            "cm" => value * 10.0 * PT_PER_MM,
            "%" => return Ok(Length::Percent(value)),
            "" => {
                return Err(format!(
                    "`{text}` has no unit; write `{text}pt`, `{text}in`, `{text}mm` or `{text}%`"
                ));
            }
            other
                if other.starts_with(['e', 'E'])
                    && other[1..].starts_with(|c: char| c.is_ascii_digit() || c == '-') =>
            {
                return Err(format!(
                    "`{text}`: write the number out in full, without an exponent, like `12pt`"
                ));
            }
            other => {
                return Err(format!("unknown unit `{other}` in `{text}`; use pt, in, mm, cm or %"));
            }
        };
        Ok(Length::Pt(pt))
    }
}

impl fmt::Display for Length {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Length::Pt(pt) => write!(f, "{pt}pt"),
            Length::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl<'de> Deserialize<'de> for Length {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LengthVisitor;
        impl serde::de::Visitor<'_> for LengthVisitor {
            type Value = Length;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a length with a unit, like \"12pt\", \"1in\", \"25mm\" or \"50%\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Length, E> {
                Length::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Length, E> {
                Err(E::custom(format!("a length needs a unit in quotes, like \"{v}pt\" or \"{v}in\"")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Length, E> {
                Err(E::custom(format!("a length needs a unit in quotes, like \"{v}pt\" or \"{v}in\"")))
            }
            fn visit_i128<E: serde::de::Error>(self, _: i128) -> Result<Length, E> {
                Err(E::custom("a length needs a unit in quotes, like \"12pt\" or \"1in\""))
            }
            fn visit_u128<E: serde::de::Error>(self, _: u128) -> Result<Length, E> {
                Err(E::custom("a length needs a unit in quotes, like \"12pt\" or \"1in\""))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Length, E> {
                Err(E::custom(format!("a length needs a unit in quotes, like \"{v}pt\" or \"{v}in\"")))
            }
        }
        deserializer.deserialize_any(LengthVisitor)
    }
}

impl schemars::JsonSchema for Length {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Length".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^\\s*[-+]?[0-9]*\\.?[0-9]+\\s*(pt|in|mm|cm|%)\\s*$",
            "description": "A length with a unit: pt, in, mm, cm, or % of the enclosing box.",
            "examples": ["12pt", "1in", "25mm", "50%"]
        })
    }
}

/// An absolute length that defaults to zero (printer profile offsets).
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Length0(Option<Length>);

impl Length0 {
    /// The length in points; percentages count as zero (the profile loader rejects them).
    pub fn pt(self) -> f32 {
        self.0.and_then(Length::absolute).unwrap_or(0.0)
    }

    /// Whether the length is absolute (or not given).
    pub fn is_absolute(self) -> bool {
        self.0.is_none_or(|l| l.absolute().is_some())
    }
}

impl schemars::JsonSchema for Length0 {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Length".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Length::json_schema(generator)
    }
}

/// A colour for text, strokes and fills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Color {
    /// sRGB, 0–255 per channel.
    Rgb(u8, u8, u8),
    /// Device CMYK, 0–255 per ink (passed through to the PDF as CMYK).
    Cmyk(u8, u8, u8, u8),
}

impl Color {
    /// Black.
    pub const BLACK: Color = Color::Rgb(0, 0, 0);

    /// Parses `#rgb`, `#rrggbb`, `cmyk(c, m, y, k)` in percent, or a few names.
    pub fn parse(text: &str) -> Result<Color, String> {
        let t = text.trim();
        let named = match t.to_ascii_lowercase().as_str() {
            "black" => Some(Color::Rgb(0, 0, 0)),
            "white" => Some(Color::Rgb(255, 255, 255)),
            "gray" | "grey" => Some(Color::Rgb(128, 128, 128)),
            "lightgray" | "lightgrey" => Some(Color::Rgb(211, 211, 211)),
            "red" => Some(Color::Rgb(204, 0, 0)),
            "blue" => Some(Color::Rgb(0, 64, 160)),
            "yellow" => Some(Color::Rgb(255, 221, 0)),
            _ => None,
        };
        if let Some(c) = named {
            return Ok(c);
        }
        let bad = || {
            format!(
                "`{text}` is not a colour; write \"#1a1a1a\", \"cmyk(0, 0, 0, 100)\" (percent) or a name like \"black\""
            )
        };
        if let Some(hex) = t.strip_prefix('#') {
            let digits: Vec<u8> = hex
                .chars()
                .map(|c| c.to_digit(16).map(|d| d as u8))
                .collect::<Option<_>>()
                .ok_or_else(bad)?;
            return match digits.as_slice() {
                [r, g, b] => Ok(Color::Rgb(r * 17, g * 17, b * 17)),
                [r1, r2, g1, g2, b1, b2] => Ok(Color::Rgb(r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2)),
                _ => Err(bad()),
            };
        }
        if let Some(inner) = t.strip_prefix("cmyk(").and_then(|r| r.strip_suffix(')')) {
            let parts: Vec<f32> = inner
                .split(',')
                .map(|p| p.trim().trim_end_matches('%').parse::<f32>())
                .collect::<Result<_, _>>()
                .map_err(|_| bad())?;
            if parts.len() != 4 || parts.iter().any(|p| !(0.0..=100.0).contains(p)) {
                return Err(format!("`{text}`: cmyk() takes four percentages from 0 to 100"));
            }
            let ink = |p: f32| (p * 2.55).round() as u8;
            return Ok(Color::Cmyk(ink(parts[0]), ink(parts[1]), ink(parts[2]), ink(parts[3])));
        }
        Err(bad())
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Color::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Color {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Color".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A colour: \"#rrggbb\", \"#rgb\", \"cmyk(c, m, y, k)\" in percent, or black, white, gray, lightgray, red, blue, yellow.",
            "examples": ["#1a1a1a", "cmyk(0, 0, 0, 100)", "black"]
        })
    }
}

/// A rectangle in points, origin top-left, y growing downwards.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl Rect {
    /// A rectangle from its top-left corner and size.
    pub const fn new(x: f32, y: f32, width: f32, height: f32) -> Rect {
        Rect { x, y, width, height }
    }

    /// Right edge.
    pub fn right(&self) -> f32 {
        self.x + self.width
    }

    /// Bottom edge.
    pub fn bottom(&self) -> f32 {
        self.y + self.height
    }

    /// The same rectangle moved by (dx, dy).
    pub fn moved(&self, dx: f32, dy: f32) -> Rect {
        Rect::new(self.x + dx, self.y + dy, self.width, self.height)
    }

    /// Grows the rectangle by `by` on every side.
    pub fn outset(&self, by: f32) -> Rect {
        Rect::new(self.x - by, self.y - by, self.width + 2.0 * by, self.height + 2.0 * by)
    }

    /// Whether `other` lies entirely inside this rectangle (with a small tolerance for rounding).
    pub fn contains(&self, other: &Rect) -> bool {
        const EPS: f32 = 0.01;
        other.x >= self.x - EPS
            && other.y >= self.y - EPS
            && other.right() <= self.right() + EPS
            && other.bottom() <= self.bottom() + EPS
    }

    /// Whether the two rectangles overlap in an area larger than zero.
    pub fn intersects(&self, other: &Rect) -> bool {
        other.x < self.right() && other.right() > self.x && other.y < self.bottom() && other.bottom() > self.y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_parse_with_units() {
        assert_eq!(Length::parse("1in"), Ok(Length::Pt(72.0)));
        assert_eq!(Length::parse("12pt"), Ok(Length::Pt(12.0)));
        assert_eq!(Length::parse("50%"), Ok(Length::Percent(50.0)));
        assert!((Length::parse("25.4mm").unwrap().resolve(0.0) - 72.0).abs() < 1e-4);
        assert!(Length::parse("12").unwrap_err().contains("no unit"));
        assert!(Length::parse("3 furlongs").is_err());
    }

    #[test]
    fn colours_parse() {
        assert_eq!(Color::parse("#fff"), Ok(Color::Rgb(255, 255, 255)));
        assert_eq!(Color::parse("#1a2B3c"), Ok(Color::Rgb(0x1a, 0x2b, 0x3c)));
        assert_eq!(Color::parse("cmyk(0, 0, 0, 100)"), Ok(Color::Cmyk(0, 0, 0, 255)));
        assert!(Color::parse("cmyk(0,0,0)").is_err());
        assert!(Color::parse("#12").is_err());
    }
}
