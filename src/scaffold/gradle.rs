//! A Gradle build file's string settings, read as Gradle's Kotlin and Groovy
//! DSLs allow them to be written (`namespace = "…"`, `namespace '…'`,
//! `namespace("…")`, `android.namespace = "…"`, several statements on one
//! line or after a `{`, comments), not line by line. Pure.

/// One token of a build file: what a setting is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A name, possibly dotted: `namespace`, `android.defaultConfig.applicationId`.
    Name(String),
    /// A string literal's text; `None` when it interpolates (`"$group.app"`),
    /// which only Gradle can evaluate.
    Text(Option<String>),
    /// Any other character that is not space: `=`, `(`, `{`, `;` …
    Mark(char),
}

/// The string literal that starts at `chars[at]` (a quote): its text and
/// the index after it. Triple-quoted strings (Kotlin raw strings, Groovy's)
/// end at the next three quotes.
fn literal(chars: &[char], at: usize) -> (Option<String>, usize) {
    let quote = chars[at];
    let triple = chars.get(at + 1) == Some(&quote) && chars.get(at + 2) == Some(&quote);
    let mut i = at + if triple { 3 } else { 1 };
    let mut text = String::new();
    let mut interpolated = false;
    while i < chars.len() {
        let c = chars[i];
        if triple {
            if chars[i..].starts_with(&[quote, quote, quote]) {
                return ((!interpolated).then_some(text), i + 3);
            }
        } else if c == quote {
            return ((!interpolated).then_some(text), i + 1);
        } else if c == '\\' {
            if let Some(next) = chars.get(i + 1) {
                text.push(*next);
            }
            i += 2;
            continue;
        } else if c == '\n' {
            break; // an unterminated one-line string: not a value
        }
        // Groovy's single-quoted strings do not interpolate; the others do.
        if c == '$' && quote == '"' {
            interpolated = true;
        }
        text.push(c);
        i += 1;
    }
    (None, i)
}

fn tokens(build: &str) -> Vec<Token> {
    let chars: Vec<char> = build.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if chars[i..].starts_with(&['/', '/']) {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if chars[i..].starts_with(&['/', '*']) {
            i += 2;
            while i < chars.len() && !chars[i..].starts_with(&['*', '/']) {
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let (text, next) = literal(&chars, i);
            out.push(Token::Text(text));
            i = next;
        } else if c.is_alphanumeric() || c == '_' || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(Token::Name(chars[start..i].iter().collect()));
        } else {
            out.push(Token::Mark(c));
            i += 1;
        }
    }
    out
}

/// The first string value given to `key` in the build file: `key = "…"`,
/// `key "…"`, `key '…'`, `key("…")`, or with a receiver (`android.key = …`).
/// A setting whose value Gradle would compute (a variable, an interpolated
/// string) gives nothing.
pub fn setting(build: &str, key: &str) -> Option<String> {
    let tokens = tokens(build);
    tokens.iter().enumerate().find_map(|(at, token)| {
        let Token::Name(name) = token else {
            return None;
        };
        if name.rsplit('.').next() != Some(key) {
            return None;
        }
        // Not a use of the setting (`x = namespace`, `a + namespace`): a
        // setting starts a statement.
        let starts = at == 0
            || matches!(
                tokens[at - 1],
                Token::Mark('{') | Token::Mark('}') | Token::Mark(';') | Token::Mark(')')
            )
            || matches!(tokens[at - 1], Token::Name(_) | Token::Text(_));
        if !starts {
            return None;
        }
        let value = match &tokens[at + 1..] {
            [Token::Mark('='), Token::Text(v), ..] => v,
            [Token::Mark('('), Token::Text(v), Token::Mark(')'), ..] => v,
            [Token::Text(v), ..] => v,
            _ => return None,
        };
        value.clone()
    })
}
