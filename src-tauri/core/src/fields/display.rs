//! Phone and NI numbers as people read them, one way everywhere: the documents and the `centrebook`
//! command use these, and the window's `ui/src/lib/format.ts` mirrors them (both are tested against
//! `display_cases.json`). The stored values stay normalised (`+447700900123`, `AB123456C`).

/// UK area codes of six digits (the few "mixed" areas), shown as `015394 12345`.
const SIX_DIGIT_AREAS: [&str; 14] = [
    "013873", "015242", "015394", "015395", "015396", "016973", "016974", "016977", "017683", "017684", "017687",
    "019467", "019755", "019756",
];

/// `digits` cut into groups of `sizes`, the rest as a last group.
fn grouped(digits: &str, sizes: &[usize]) -> String {
    let mut out = Vec::new();
    let mut at = 0;
    for &n in sizes {
        let end = (at + n).min(digits.len());
        out.push(&digits[at..end]);
        at = end;
    }
    out.push(&digits[at..]);
    out.retain(|g| !g.is_empty());
    out.join(" ")
}

/// A stored phone number (`+447700900123`) in the UK's usual groups: `07700 900123`,
/// `020 7946 0000`, `0113 496 0000`, `01632 960123`, `0800 123 4567`. A number outside the UK keeps
/// its `+` form; anything that is not a stored number is returned unchanged.
pub fn phone(stored: &str) -> String {
    let Some(rest) = stored.strip_prefix("+44") else { return stored.to_owned() };
    if !(9..=10).contains(&rest.len()) || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return stored.to_owned();
    }
    let n = format!("0{rest}");
    let starts = |p: &str| n.starts_with(p);
    let six = SIX_DIGIT_AREAS.iter().any(|a| starts(a));
    let b = n.as_bytes();
    let sizes: &[usize] = if n.len() == 11 {
        if starts("02") || starts("070") || starts("05") {
            &[3, 4]
        } else if (starts("01") && (b[2] == b'1' || b[3] == b'1')) || matches!(b[1], b'3' | b'8' | b'9') {
            &[4, 3]
        } else if six {
            &[6]
        } else {
            &[5]
        }
    } else if starts("0800") || starts("0500") {
        &[4]
    } else if six {
        &[6]
    } else {
        &[5]
    };
    grouped(&n, sizes)
}

/// A stored NI number (`AB123456C`) as `AB 12 34 56 C`; anything else unchanged.
pub fn ni_number(stored: &str) -> String {
    let b = stored.as_bytes();
    let normal = b.len() == 9
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..8].iter().all(u8::is_ascii_digit)
        && matches!(b[8], b'A'..=b'D');
    if normal {
        grouped(stored, &[2, 2, 2, 2])
    } else {
        stored.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window's format.ts is tested against the same table.
    #[derive(serde::Deserialize)]
    struct Cases {
        phone: Vec<(String, String)>,
        ni_number: Vec<(String, String)>,
    }

    fn cases() -> Cases {
        serde_json::from_str(include_str!("display_cases.json")).unwrap()
    }

    #[test]
    fn phones_in_uk_groups() {
        for (stored, shown) in cases().phone {
            assert_eq!(phone(&stored), shown, "{stored}");
        }
    }

    #[test]
    fn ni_numbers_spaced() {
        for (stored, shown) in cases().ni_number {
            assert_eq!(ni_number(&stored), shown, "{stored}");
        }
    }

    #[test]
    fn every_typed_form_shows_the_same() {
        // What a person types is stored normalised, then shown in one way whatever they typed.
        for typed in ["07700 900123", "07700900123", "+44 7700 900123", "(07700) 900-123"] {
            assert_eq!(super::super::Phone::parse(typed).unwrap().display(), "07700 900123", "{typed}");
        }
        for typed in ["ab123456c", "AB 12 34 56 C"] {
            assert_eq!(super::super::NiNumber::parse(typed).unwrap().display(), "AB 12 34 56 C", "{typed}");
        }
    }
}
