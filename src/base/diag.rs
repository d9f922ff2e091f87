//! Diagnostics: errors and warnings that name the file, line and column they come from.

use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The job cannot go on; nothing is written.
    Error,
    /// The job goes on; the user should look at this.
    Warning,
}

/// One message for the user, with where it comes from and hints on how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What went wrong, lower case, no trailing period.
    pub message: String,
    /// The file the problem is in, if it comes from one.
    pub file: Option<PathBuf>,
    /// 1-based line and column in `file`, if known.
    pub position: Option<(usize, usize)>,
    /// Suggestions, printed as `hint:` lines.
    pub hints: Vec<String>,
    /// The stable code of the check that found this (`mail.read-area`), if it has one; every
    /// code is listed in [`crate::base::checks::CHECKS`].
    pub code: Option<&'static str>,
}

impl Diagnostic {
    /// An error with a message and no location.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            file: None,
            position: None,
            hints: Vec::new(),
            code: None,
        }
    }

    /// A warning with a message and no location.
    pub fn warning(message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(message) }
    }

    /// Names the file the problem is in.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Names the 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.position = Some((line, column));
        self
    }

    /// Names the place in a source file by byte offset.
    pub fn at_offset(self, source: &Source, offset: usize) -> Self {
        let (line, column) = source.line_column(offset);
        self.in_file(&source.path).at(line, column)
    }

    /// Names the check that found this, by its code in [`crate::base::checks::CHECKS`].
    pub fn code(mut self, code: &'static str) -> Self {
        debug_assert!(
            crate::base::checks::find(code).is_some(),
            "check code `{code}` is not in the registry"
        );
        self.code = Some(code);
        self
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: ")?;
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some((line, column)) = self.position {
                write!(f, ":{line}:{column}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)?;
        for hint in &self.hints {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

/// One or more errors that stopped a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub Vec<Diagnostic>);

impl Error {
    /// The diagnostics, in the order they were found.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.0
    }
}

impl From<Diagnostic> for Error {
    fn from(diagnostic: Diagnostic) -> Self {
        Error(vec![diagnostic])
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// The result of a job that can fail with diagnostics.
pub type Result<T> = std::result::Result<T, Error>;

/// Warnings collected while a job runs; they never stop it.
#[derive(Debug, Default, Clone)]
pub struct Warnings(pub Vec<Diagnostic>);

impl Warnings {
    /// Records a warning.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }
}

/// A text file read into memory, kept to turn byte offsets into lines and columns.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where the text came from, as the user named it.
    pub path: PathBuf,
    /// The whole text.
    pub text: String,
}

impl Source {
    /// Wraps bytes that claim to be UTF-8 text, naming the line of the first bad byte.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Source> {
        match String::from_utf8(bytes) {
            Ok(mut text) => {
                if text.starts_with('\u{feff}') {
                    text.replace_range(..3, "");
                }
                Ok(Source { path: path.to_path_buf(), text })
            }
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.as_bytes();
                let line = 1 + bytes[..valid].iter().filter(|&&b| b == b'\n').count();
                let line_start = bytes[..valid].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                let column = 1 + String::from_utf8_lossy(&bytes[line_start..valid]).chars().count();
                Err(Diagnostic::error("the file is not UTF-8 text")
                    .in_file(path)
                    .at(line, column)
                    .hint("save it as UTF-8 (in a spreadsheet: \"CSV UTF-8\"; in an editor: encoding UTF-8)")
                    .into())
            }
        }
    }

    /// A source held in memory (built-in files), named by `path`.
    pub fn builtin(path: &str, text: &str) -> Source {
        Source { path: PathBuf::from(path), text: text.to_string() }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = 1 + before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        (line, 1 + before[line_start..].chars().count())
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// An error for a failed file operation, naming the file.
pub fn io_error(path: &Path, what: &str, error: &std::io::Error) -> Error {
    Diagnostic::error(format!("{what} {}: {}", path.display(), plain_io_message(error))).into()
}

fn plain_io_message(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a folder, not a file".into(),
        _ => error.to_string(),
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Edit distance over characters where swapping two neighbours counts as one edit
/// (optimal string alignment), so `widht` is next to `width`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// `word` after the indefinite article it takes when read aloud: "an envelope-10", "an A2",
/// "an 8.5 x 11 in", "an 11 x 6 in", "a us-letter", "a 4 x 6 in", for messages that name a
/// format or a size.
pub fn a(word: &str) -> String {
    let lower = word.to_lowercase();
    let eleven_or_eighteen = (lower.starts_with("11") || lower.starts_with("18"))
        && !lower.chars().nth(2).is_some_and(|c| c.is_ascii_digit());
    let vowel_sound = lower.starts_with(['a', 'e', 'i', 'o', '8']) || eleven_or_eighteen;
    format!("{} {word}", if vowel_sound { "an" } else { "a" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_follow_the_sound() {
        assert_eq!(a("envelope-10"), "an envelope-10");
        assert_eq!(a("A2"), "an A2");
        assert_eq!(a("us-letter"), "a us-letter");
        assert_eq!(a("C6"), "a C6");
        assert_eq!(a("8.5 x 11 in"), "an 8.5 x 11 in");
        assert_eq!(a("11 x 6 in"), "an 11 x 6 in");
        assert_eq!(a("110 x 220 mm"), "a 110 x 220 mm");
        assert_eq!(a("4 x 6 in"), "a 4 x 6 in");
    }

    #[test]
    fn nearest_finds_typos() {
        assert_eq!(nearest("widht", ["width", "height", "x"]), Some("width"));
        assert_eq!(nearest("colour", ["color", "font"]), Some("color"));
        assert_eq!(nearest("zzzzzz", ["width", "height"]), None);
    }

    #[test]
    fn line_columns_count_characters() {
        let s = Source::builtin("t", "ab\nNguyễn x");
        assert_eq!(s.line_column(0), (1, 1));
        assert_eq!(s.line_column(3), (2, 1));
        let x = s.text.find('x').unwrap();
        assert_eq!(s.line_column(x), (2, 8));
    }

    #[test]
    fn non_utf8_names_line() {
        let err = Source::from_bytes(Path::new("p.csv"), b"a\nb\xff".to_vec()).unwrap_err();
        assert_eq!(err.0[0].position, Some((2, 2)));
    }
}
