//! The one folding rule for people's names: what search and the duplicate check both compare.
//!
//! People type names without their punctuation or accents: "obrien" for O'Brien, "dsouza" for
//! D'Souza, D Souza or D-Souza, "smithjones" for Smith-Jones, "sian" for Siân. [`fold_name`] is the
//! single rule (lower case, accents folded, everything but letters and digits dropped); the store
//! registers it as the SQL function `fold_name` so the search index's triggers, the duplicate check's
//! index and the Rust code all fold with this one function.

use unicode_normalization::UnicodeNormalization;

/// A name folded for comparison: lower case, accents folded, apostrophes (' and ’), hyphens, spaces
/// and any other punctuation dropped. "D’Souza", "D Souza" and "d-souza" all fold to "dsouza".
pub fn fold_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.nfkd() {
        match c {
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'þ' | 'Þ' => out.push_str("th"),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            // Combining accents (decomposed above), apostrophes, hyphens, spaces, dots.
            _ => {}
        }
    }
    out
}

/// What the search index holds for a person's names: the names as written (each word findable, accents
/// folded by the index's tokenizer), then each name that has punctuation or spaces inside it once
/// more, folded into one word, so "obrien" finds O'Brien and "maryjane" finds Mary-Jane.
pub fn search_names(forename: &str, surname: &str) -> String {
    let mut out = format!("{forename} {surname}");
    for part in [forename, surname] {
        let words = part.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count();
        if words > 1 {
            out.push(' ');
            out.push_str(&fold_name(part));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apostrophes_hyphens_spaces_and_accents_fold_away() {
        for (typed, folded) in [
            ("O'Brien", "obrien"),
            ("O’Brien", "obrien"),
            ("D'Souza", "dsouza"),
            ("D Souza", "dsouza"),
            ("D-Souza", "dsouza"),
            ("Smith-Jones", "smithjones"),
            ("  Siân ", "sian"),
            ("Łukasz", "lukasz"),
            ("Søren", "soren"),
            ("Brontë", "bronte"),
            ("Mc Intyre", "mcintyre"),
        ] {
            assert_eq!(fold_name(typed), folded, "{typed}");
        }
    }

    #[test]
    fn the_index_adds_a_joined_word_only_for_names_with_punctuation_inside() {
        assert_eq!(search_names("Seán", "O'Brien"), "Seán O'Brien obrien");
        assert_eq!(search_names("Mary-Jane", "D Souza"), "Mary-Jane D Souza maryjane dsouza");
        assert_eq!(search_names("Siân", "Llewelyn"), "Siân Llewelyn", "ordinary names are indexed as before");
    }
}
