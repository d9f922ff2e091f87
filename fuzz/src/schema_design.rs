// Design files generated from the design format's JSON schema (docs/letterkit.schema.json),
// shared by `tests/properties.rs` and the `design_schema` fuzz target (both include this file).
//
// The schema gives the structure: the keys of the file, of a style and of an element, each
// key's type (string, boolean, number, array with its length, table), the choices of every
// enum, the pattern of a length and the examples of a colour. A key the format gains is
// generated without a change here. What the schema cannot say comes from small tables below:
// which values make sense for a key (a page name for `page`, a style name for `style`, a
// font size for `size`), and which element keys apply to which kinds.
//
// Every choice is read from a `Tape` of bytes: proptest's random bytes or the fuzzer's input.
// When the bytes run out every choice is 0, the plain one, so shorter and smaller bytes make
// plainer designs and proptest's shrinking (bytes towards 0, then fewer bytes) leads to a
// small failing design.
//
// About half the designs are "careful" (every value of the right type and in range), the rest
// have some mischief: values of the wrong type, unknown and misspelt keys, unknown choices,
// out-of-range lengths, references to pages, styles and fonts that do not exist, keys on an
// element kind they do not apply to, broken markup and placeholders.

/// Choices read from bytes.
pub struct Tape<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Tape<'a> {
    /// A tape over `bytes`.
    pub fn new(bytes: &'a [u8]) -> Tape<'a> {
        Tape { bytes, at: 0 }
    }

    fn next(&mut self) -> usize {
        let mut value = 0usize;
        for _ in 0..2 {
            value = value << 8 | usize::from(self.bytes.get(self.at).copied().unwrap_or(0));
            self.at += 1;
        }
        value
    }

    /// A number from 0 to `n - 1` (0 when the bytes are used up).
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 { 0 } else { self.next() % n }
    }

    /// True about once in `n` (never when the bytes are used up).
    pub fn one_in(&mut self, n: usize) -> bool {
        n >= 2 && self.below(n) == n - 1
    }

    /// One of `items` (the first when the bytes are used up).
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    /// An index into `weights`, each as likely as its weight.
    pub fn weighted(&mut self, weights: &[usize]) -> usize {
        let mut n = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if n < *w {
                return i;
            }
            n -= w;
        }
        0
    }

    /// A number between `lo` and `hi`.
    pub fn float(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.below(1001) as f32 / 1000.0
    }
}

/// The element keys that apply to some kinds only, and those kinds, as
/// `ElementDef::kind_specific_keys` in src/model/design.rs has them. Every other key of an
/// element in the schema applies to every kind. `tests/properties.rs` checks that every key
/// named here is in the schema.
pub const KIND_KEYS: &[(&str, &[&str])] = &[
    ("text", &["text", "address"]),
    ("style", &["text", "address"]),
    ("font", &["text", "address"]),
    ("size", &["text", "address"]),
    ("weight", &["text", "address"]),
    ("italic", &["text", "address"]),
    ("color", &["text", "address"]),
    ("align", &["text", "address"]),
    ("direction", &["text", "address"]),
    ("leading", &["text", "address"]),
    ("uppercase", &["text", "address"]),
    ("valign", &["text", "address"]),
    ("shrink_to", &["text", "address"]),
    ("overflow", &["text", "address"]),
    ("wrap", &["text", "address"]),
    ("src", &["image"]),
    ("fit", &["image"]),
    ("focus", &["image"]),
    ("fill", &["rect", "ellipse", "line"]),
    ("stroke", &["rect", "ellipse", "line", "lines"]),
    ("stroke_width", &["rect", "ellipse", "line", "lines"]),
    ("radius", &["rect"]),
    ("spacing", &["lines"]),
    ("x2", &["line"]),
    ("y2", &["line"]),
];

/// Keys an element of a kind needs (without them it is an error).
const NEEDED: &[(&str, &str)] = &[("text", "text"), ("image", "src"), ("line", "x2"), ("line", "y2")];

/// The names a design refers to, chosen first so that references mostly hit.
struct Names {
    pages: Vec<String>,
    styles: Vec<String>,
    fields: Vec<String>,
    fonts: Vec<String>,
    formats: Vec<String>,
}

/// Generates design files from the schema.
pub struct SchemaDesigns<'s> {
    root: &'s serde_json::Value,
}

type Json = serde_json::Value;

/// A TOML basic string (JSON's escapes are TOML's, but for DEL, which TOML wants escaped).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes").replace('\u{7f}', "\\u007F")
}

/// A TOML key, bare when it can be.
fn key(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        s.to_string()
    } else {
        quoted(s)
    }
}

impl<'s> SchemaDesigns<'s> {
    /// A generator for the schema `root` (with its `$defs`).
    pub fn new(root: &'s Json) -> SchemaDesigns<'s> {
        SchemaDesigns { root }
    }

    /// The node a `$ref` points at, or the node itself.
    fn follow(&self, node: &'s Json) -> &'s Json {
        match node.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
            Some(name) => &self.root["$defs"][name],
            None => node,
        }
    }

    /// The properties of a table node, in the schema's order.
    fn properties(&self, node: &'s Json) -> Vec<(&'s str, &'s Json)> {
        let node = self.follow(node);
        node.get("properties")
            .and_then(Json::as_object)
            .map(|p| p.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .unwrap_or_default()
    }

    /// The property `name` of the top-level table.
    fn top(&self, name: &str) -> &'s Json {
        &self.root["properties"][name]
    }

    /// One design file. `mischief` is how often (one in so many values, 0 for never) a value
    /// is made wrong.
    pub fn design(&self, tape: &mut Tape) -> String {
        let mischief = [0, 0, 0, 0, 30, 12][tape.below(6)];
        let names = self.names(tape, mischief);
        let mut out = String::new();

        // Page settings.
        let fold = names.pages.len() == 4 && names.pages[1] == "inside-left";
        match tape.weighted(&[8, 3, 1]) {
            0 => out.push_str(&format!("format = {}\n", quoted(&tape.pick(&names.formats)))),
            1 => {
                let size = self.value(self.top("size"), "page size", &names, tape, mischief);
                out.push_str(&format!("size = {size}\n"));
            }
            _ if mischief > 0 => {
                // Both, or neither.
                if tape.one_in(2) {
                    out.push_str("format = \"a6\"\nsize = [\"4in\", \"6in\"]\n");
                }
            }
            _ => out.push_str("format = \"us-letter\"\n"),
        }
        if !names.pages.is_empty() {
            let pages: Vec<String> = names.pages.iter().map(|p| quoted(p)).collect();
            out.push_str(&format!("pages = [{}]\n", pages.join(", ")));
        }
        if fold || (mischief > 0 && tape.one_in(mischief)) {
            out.push_str(&format!(
                "fold = {}\n",
                self.value(self.top("fold"), "fold", &names, tape, mischief)
            ));
        }
        for (name, node) in self.properties(self.root) {
            let handled = ["format", "size", "pages", "fold", "element", "styles", "data", "fonts"];
            if !handled.contains(&name) && tape.one_in(4) {
                out.push_str(&format!(
                    "{} = {}\n",
                    key(name),
                    self.value(node, name, &names, tape, mischief)
                ));
            }
        }
        out.push_str(&self.unknown_key(self.root, tape, mischief));

        // Placeholder values.
        if !names.fields.is_empty() {
            out.push_str("\n[data]\n");
            for field in &names.fields {
                let item = self.follow(self.top("data")).get("additionalProperties").unwrap_or(&Json::Null);
                out.push_str(&format!(
                    "{} = {}\n",
                    key(field),
                    self.value(item, field, &names, tape, mischief)
                ));
            }
        }

        // Styles, some extending others.
        let style = self.top("styles").get("additionalProperties").unwrap_or(&Json::Null);
        for (i, name) in names.styles.iter().enumerate() {
            out.push_str(&format!("\n[styles.{}]\n", key(name)));
            for (k, node) in self.properties(style) {
                if k == "extends" && mischief == 0 {
                    // A careful style extends one named before it, so there is no loop.
                    if i > 0 && tape.one_in(2) {
                        out.push_str(&format!("extends = {}\n", quoted(&tape.pick(&names.styles[..i]))));
                    }
                } else if tape.one_in(3) {
                    out.push_str(&format!("{} = {}\n", key(k), self.value(node, k, &names, tape, mischief)));
                }
            }
            out.push_str(&self.unknown_key(style, tape, mischief));
        }

        // Fonts the design adds.
        if !names.fonts.is_empty() {
            let files = self.top("fonts").get("additionalProperties").unwrap_or(&Json::Null);
            out.push_str("\n[fonts]\n");
            for name in &names.fonts {
                out.push_str(&format!(
                    "{} = {}\n",
                    key(name),
                    self.value(files, "fonts", &names, tape, mischief)
                ));
            }
        }

        // Elements.
        let element = self.top("element").get("items").unwrap_or(&Json::Null);
        for _ in 0..tape.below(9) {
            out.push_str("\n[[element]]\n");
            out.push_str(&self.element(element, &names, tape, mischief));
        }
        out
    }

    /// The names of pages, styles, placeholder fields, added fonts and formats.
    fn names(&self, tape: &mut Tape, mischief: usize) -> Names {
        let panels = ["front", "inside-left", "inside-right", "back"];
        let pages: Vec<&str> = match tape.weighted(&[6, 3, 2, 1]) {
            0 => vec!["front", "back"],
            1 => vec![],
            2 => panels.to_vec(),
            _ => vec!["a", "b", "c"],
        };
        let styles: Vec<&str> = ["body", "small", "heading"].into_iter().take(tape.below(4)).collect();
        let mut fields = vec!["delivery_address"];
        fields.extend([vec![], vec!["name"], vec!["name", "city"]][tape.below(3)].iter());
        if mischief > 0 && tape.one_in(4) {
            fields.remove(0);
        }
        let fonts: Vec<&str> = if mischief > 0 && tape.one_in(6) { vec!["custom"] } else { vec![] };
        let formats = letterkit::base::formats::all().iter().map(|f| f.name.to_string()).collect();
        let owned = |v: Vec<&str>| v.into_iter().map(String::from).collect();
        Names {
            pages: owned(pages),
            styles: owned(styles),
            fields: owned(fields),
            fonts: owned(fonts),
            formats,
        }
    }

    /// The keys of one element: its kind, the keys its kind needs, some that apply to it and,
    /// with mischief, some that do not.
    fn element(&self, node: &'s Json, names: &Names, tape: &mut Tape, mischief: usize) -> String {
        let properties = self.properties(node);
        let kind_node = properties.iter().find(|(k, _)| *k == "kind").map(|(_, n)| *n).unwrap_or(&Json::Null);
        let kinds = self.choices(kind_node);
        let kind = tape.pick(&kinds);
        let mut out = format!("kind = {}\n", self.value(kind_node, "kind", names, tape, mischief));
        // The value written may be a misspelt kind (mischief); the keys follow the kind chosen.
        let kind =
            out.split('"').nth(1).filter(|k| kinds.iter().any(|c| c == k)).unwrap_or(&kind).to_string();
        for (k, child) in properties {
            if k == "kind" {
                continue;
            }
            let applies =
                KIND_KEYS.iter().find(|(key, _)| *key == k).is_none_or(|(_, on)| on.contains(&kind.as_str()));
            let needed = NEEDED.contains(&(kind.as_str(), k));
            if k == "style" && names.styles.is_empty() && mischief == 0 {
                continue;
            }
            let include = match (needed, applies) {
                (true, _) => !(mischief > 0 && tape.one_in(mischief)),
                (false, true) => tape.one_in(4),
                (false, false) => mischief > 0 && tape.one_in(mischief * 4),
            };
            if include {
                out.push_str(&format!("{} = {}\n", key(k), self.value(child, k, names, tape, mischief)));
            }
        }
        out.push_str(&self.unknown_key(node, tape, mischief));
        out
    }

    /// Sometimes (with mischief) a key the table does not have: a known one misspelt, or another.
    fn unknown_key(&self, table: &'s Json, tape: &mut Tape, mischief: usize) -> String {
        if mischief == 0 || !tape.one_in(mischief) {
            return String::new();
        }
        let known: Vec<&str> = self.properties(table).into_iter().map(|(k, _)| k).collect();
        let name = match (tape.below(3), known.is_empty()) {
            (0, false) => {
                let k = tape.pick(&known);
                let cut = tape.below(k.len());
                format!("{}{}", &k[..cut], &k[(cut + 1).min(k.len())..])
            }
            (1, _) => tape.pick(&["colour", "font_size", "Text", "src_", "x "]).to_string(),
            _ => "extra".to_string(),
        };
        format!("{} = \"typo\"\n", key(&name))
    }

    /// The choices of an enum node (`oneOf` of `const` strings).
    fn choices(&self, node: &'s Json) -> Vec<String> {
        let node = self.follow(node);
        node.get("oneOf")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter().filter_map(|c| c.get("const").and_then(Json::as_str)).map(String::from).collect()
            })
            .unwrap_or_default()
    }

    /// A TOML value for `node`, the schema of the key `name`.
    fn value(&self, node: &'s Json, name: &str, names: &Names, tape: &mut Tape, mischief: usize) -> String {
        if mischief > 0 && tape.one_in(mischief * 2) {
            return wrong_type(self.follow(node), tape);
        }
        let node = self.follow(node);
        // `anyOf`: a value of one of the kinds, never null (TOML has none: the key is left out).
        if let Some(branches) = node.get("anyOf").and_then(Json::as_array) {
            let branches: Vec<&Json> =
                branches.iter().filter(|b| b.get("type").and_then(Json::as_str) != Some("null")).collect();
            let branch = branches[tape.below(branches.len())];
            return self.value(branch, name, names, tape, mischief);
        }
        let choices = self.choices(node);
        if !choices.is_empty() {
            let choice = tape.pick(&choices);
            if mischief > 0 && tape.one_in(mischief) {
                // A misspelt or upper-case choice.
                return quoted(&if tape.one_in(2) { choice.to_uppercase() } else { format!("{choice}s") });
            }
            return quoted(&choice);
        }
        let types: Vec<&str> = match node.get("type") {
            Some(Json::String(t)) => vec![t.as_str()],
            Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).filter(|t| *t != "null").collect(),
            _ => vec!["string"],
        };
        match types.first().copied().unwrap_or("string") {
            "boolean" => tape.pick(&["false", "true"]).to_string(),
            "number" | "integer" => {
                if mischief > 0 && tape.one_in(mischief) {
                    tape.pick(&["-0.5", "1.5", "1e9", "nan", "inf"]).to_string()
                } else {
                    format!("{:.2}", tape.float(0.0, 1.0))
                }
            }
            "array" => {
                let items = node.get("items").unwrap_or(&Json::Null);
                let min = node.get("minItems").and_then(Json::as_u64).unwrap_or(0) as usize;
                let max = node.get("maxItems").and_then(Json::as_u64).map_or(min + 4, |m| m as usize);
                let mut count = min + tape.below(max - min + 1);
                if mischief > 0 && tape.one_in(mischief) {
                    count = tape.pick(&[0, 1, 3]);
                }
                let values: Vec<String> =
                    (0..count).map(|_| self.value(items, name, names, tape, mischief)).collect();
                format!("[{}]", values.join(", "))
            }
            "object" => {
                let mut entries = Vec::new();
                for (k, child) in self.properties(node) {
                    let required = node
                        .get("required")
                        .and_then(Json::as_array)
                        .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(k)));
                    if required || tape.one_in(3) {
                        entries.push(format!("{} = {}", key(k), self.value(child, k, names, tape, mischief)));
                    }
                }
                format!("{{ {} }}", entries.join(", "))
            }
            _ if node.get("pattern").is_some() => length(node, name, tape, mischief),
            _ if node.get("examples").is_some() => colour(node, tape, mischief),
            _ => quoted(&string(name, names, tape, mischief)),
        }
    }
}

/// A value of another type than `node` has.
fn wrong_type(node: &Json, tape: &mut Tape) -> String {
    let is_string = node
        .get("type")
        .is_some_and(|t| t == "string" || t.as_array().is_some_and(|a| a.contains(&"string".into())))
        || node.get("anyOf").is_some()
        || node.get("oneOf").is_some();
    let mut others = vec!["12", "1.5", "true", "[\"a\", 1]", "{ a = 1 }", "1979-05-27"];
    if !is_string {
        others.push("\"text\"");
    }
    tape.pick(&others).to_string()
}

/// A length for the key `name`: a number and one of the units the schema's pattern allows
/// (its `(pt|in|...)` group), in a range that makes sense for the key.
fn length(node: &Json, name: &str, tape: &mut Tape, mischief: usize) -> String {
    if mischief > 0 && tape.one_in(mischief) {
        return quoted(tape.pick(&[
            "-1in", "0pt", "1e30in", "900in", "0%", "-50%", "2000pt", "12", "1furlong", "", "NaNpt", "1 in",
        ]));
    }
    let pattern = node.get("pattern").and_then(Json::as_str).unwrap_or("");
    let units: Vec<&str> = pattern
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(group, _)| group.split('|').collect())
        .unwrap_or_else(|| vec!["pt"]);
    // (unit, low, high) for the key; any other unit of the pattern now and then.
    let (unit, lo, hi): (&str, f32, f32) = match name {
        "x" | "y" => tape.pick(&[("%", 0.0, 45.0), ("in", 0.0, 1.5), ("mm", 0.0, 35.0)]),
        "width" | "height" => tape.pick(&[("%", 10.0, 100.0), ("in", 0.5, 4.0), ("cm", 1.0, 10.0)]),
        "x2" | "y2" => tape.pick(&[("%", 0.0, 100.0), ("in", 0.0, 4.0)]),
        "page size" => ("in", 3.0, 11.0),
        "size" => ("pt", 6.0, 30.0),
        "leading" => tape.pick(&[("pt", 8.0, 30.0), ("%", 100.0, 160.0)]),
        "shrink_to" => ("pt", 4.0, 8.0),
        "stroke_width" => ("pt", 0.1, 4.0),
        "radius" => tape.pick(&[("pt", 0.0, 20.0), ("%", 0.0, 50.0)]),
        "spacing" => ("pt", 8.0, 30.0),
        "bleed" => ("in", 0.0, 0.25),
        "margin" => tape.pick(&[("in", 0.1, 0.6), ("mm", 3.0, 15.0)]),
        "safe" => ("in", 0.0, 0.4),
        _ => ("in", 0.0, 5.0),
    };
    let unit = if units.contains(&unit) { unit } else { units[0] };
    let unit = if tape.one_in(10) { tape.pick(&units) } else { unit };
    quoted(&format!("{:.2}{unit}", tape.float(lo, hi)))
}

/// A colour: one of the schema's examples, or another way of writing one.
fn colour(node: &Json, tape: &mut Tape, mischief: usize) -> String {
    if mischief > 0 && tape.one_in(mischief) {
        return quoted(tape.pick(&["#12", "purple", "cmyk(1,2,3)", "#gggggg", "cmyk(0, 0, 0, 200)"]));
    }
    let mut all: Vec<String> = node
        .get("examples")
        .and_then(Json::as_array)
        .map(|e| e.iter().filter_map(Json::as_str).map(String::from).collect())
        .unwrap_or_default();
    all.extend(["white", "#fcd34d", "#fff", "#14213d"].map(String::from));
    quoted(&tape.pick(&all))
}

/// A string value for the key `name`: a name the design has for references, text with
/// markup and placeholders for `text`, a word otherwise.
fn string(name: &str, names: &Names, tape: &mut Tape, mischief: usize) -> String {
    let wrong = mischief > 0 && tape.one_in(mischief);
    let or_default =
        |v: &[String], default: &str| if v.is_empty() { vec![default.to_string()] } else { v.to_vec() };
    match name {
        "text" | "title" => text(names, tape, mischief),
        "continuation_header" if wrong => tape.pick(&["{name", "{nope}", "page {page"]).to_string(),
        "continuation_header" => {
            tape.pick(&["page {page} of {pages}", "page {page}", "continued"]).to_string()
        }
        "delivery_address" => tape
            .pick(&["DHS\nWASHINGTON DC 20528", "1600 Pennsylvania Ave NW\nWashington DC 20500"])
            .to_string(),
        "page" if wrong => "nowhere".into(),
        "page" => tape.pick(&or_default(&names.pages, "page 1")),
        "style" | "extends" if wrong => "nostyle".into(),
        "style" | "extends" => tape.pick(&or_default(&names.styles, "body")),
        "font" if wrong => "nope".into(),
        "font" => {
            let mut families = vec!["serif".to_string(), "sans".into(), "script".into()];
            families.extend(names.fonts.iter().cloned());
            tape.pick(&families)
        }
        "src" if wrong => {
            tape.pick(&["missing.jpg", "../outside.jpg", "/etc/passwd", "fonts/lato/Lato-Regular.ttf"]).into()
        }
        "src" => tape.pick(&["landmark.jpg", "star-sticker.png"]).into(),
        "when" | "unless" => {
            let mut fields = names.fields.clone();
            fields.push("missing".into());
            tape.pick(&fields)
        }
        "format" if wrong => "nope".into(),
        "format" => tape.pick(&names.formats),
        "regular" | "italic" | "bold" | "bold_italic" | "fonts" => tape
            .pick(&[
                "fonts/lato/Lato-Regular.ttf",
                "fonts/kaushan-script/KaushanScript-Regular.otf",
                "assets/landmark.jpg",
                "missing.ttf",
            ])
            .into(),
        _ => tape.pick(&["Ada", "Grace Hopper", "Zoë", "", "名前"]).into(),
    }
}

/// Text with markup, placeholders and characters from many scripts (a few no font has).
fn text(names: &Names, tape: &mut Tape, mischief: usize) -> String {
    let mut out = String::new();
    for _ in 0..tape.below(10) {
        let piece = match tape.weighted(&[12, 3, 3, 2, 2, 2, 3, 1]) {
            0 => tape
                .pick(&[
                    "Dear Secretary",
                    "we write",
                    " to ask ",
                    "for the release of",
                    "Lorem ipsum dolor sit amet, ",
                    "and",
                    ". ",
                ])
                .to_string(),
            1 => format!(" *{}* ", tape.pick(&["please", "now", "all of them"])),
            2 => format!(" **{}** ", tape.pick(&["free them", "today"])),
            3 if names.fields.is_empty() && mischief == 0 => "Friend".into(),
            3 if mischief == 0 => format!("{{{}}}", tape.pick(&names.fields)),
            3 => format!(
                "{{{}}}",
                tape.pick(&names.fields.iter().map(String::as_str).chain(["name"]).collect::<Vec<_>>())
            ),
            4 => "\n\n".into(),
            5 => "\n".into(),
            6 => tape.pick(&["Nguyễn", "Łukasz", "O’Brien", "Zoë", "Ærø", "ﬁ", " — "]).to_string(),
            _ if mischief > 0 => tape
                .pick(&[
                    "*",
                    "**",
                    "\\*",
                    "\\",
                    "{",
                    "}",
                    "{missing}",
                    "中文",
                    "🙂",
                    "مرحبا",
                    "\u{301}",
                    "\u{200b}",
                    "\t",
                    "\r",
                ])
                .to_string(),
            _ => "é".into(),
        };
        out.push_str(&piece);
    }
    out
}
