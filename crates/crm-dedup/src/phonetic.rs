//! Phonetic codes used as blocking keys and as a comparison level: American Soundex.

/// American Soundex code of the ASCII letters of `s` (letter + 3 digits), or `None` when `s` has
/// no ASCII letter.
///
/// ```text
/// b f p v -> 1   c g j k q s x z -> 2   d t -> 3   l -> 4   m n -> 5   r -> 6
/// vowels, h, w, y are not coded; h and w do not separate equal codes; pad with 0 to 4 characters
/// ```
///
/// ```
/// use crm_dedup::phonetic::soundex;
/// assert_eq!(soundex("Robert").as_deref(), Some("R163"));
/// assert_eq!(soundex("Rupert").as_deref(), Some("R163"));
/// assert_eq!(soundex("Ashcraft").as_deref(), Some("A261"));
/// assert_eq!(soundex("Tymczak").as_deref(), Some("T522"));
/// assert_eq!(soundex("张三"), None);
/// ```
///
/// Reference: R. C. Russell and M. K. Odell, US patent 1,261,167 (1918); the US National Archives'
/// "Soundex indexing system".
pub fn soundex(s: &str) -> Option<String> {
    fn code(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'h',
            _ => b'0',
        }
    }
    let mut letters = s
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_lowercase());
    let first = letters.next()?;
    let mut out = String::with_capacity(4);
    out.push(first.to_ascii_uppercase() as char);
    let mut last = code(first);
    for c in letters {
        let d = code(c);
        if d == b'h' {
            continue;
        }
        if d != b'0' && d != last {
            out.push(d as char);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    while out.len() < 4 {
        out.push('0');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_examples() {
        assert_eq!(soundex("Pfister").as_deref(), Some("P236"));
        assert_eq!(soundex("Honeyman").as_deref(), Some("H555"));
        assert_eq!(soundex("Lee").as_deref(), Some("L000"));
        assert_eq!(soundex("").as_deref(), None);
    }
}
