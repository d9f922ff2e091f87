//! Pictures bundled in the binary (from `assets/`), for the built-in designs and any design
//! that names them.

/// The bundled pictures, by file name.
const BUNDLED: &[(&str, &[u8])] = &[
    ("landmark.jpg", include_bytes!("../../assets/landmark.jpg")),
    ("star-sticker.png", include_bytes!("../../assets/star-sticker.png")),
];

/// The prefix of the paths bundled pictures go by in messages and caches.
pub const PREFIX: &str = "builtin:assets/";

/// A bundled picture's bytes by its path (`builtin:assets/NAME`).
pub fn get(path: &std::path::Path) -> Option<&'static [u8]> {
    let name = path.to_str()?.strip_prefix(PREFIX)?;
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, bytes)| *bytes)
}

/// The bundled path for `src` (`landmark.jpg` or `assets/landmark.jpg`), if there is such a picture.
pub fn lookup(src: &str) -> Option<std::path::PathBuf> {
    let name = src.strip_prefix("assets/").unwrap_or(src);
    BUNDLED.iter().any(|(n, _)| *n == name).then(|| std::path::PathBuf::from(format!("{PREFIX}{name}")))
}

/// The names of the bundled pictures.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _)| *n)
}
