//! Bounded text checks shared by every parser of client input: each answers after a number
//! of steps bounded by its limit, never by the length of what was sent.

/// True when `raw` has more than `max` characters, found in at most `max + 1` steps (and
/// without counting at all when even four bytes a character would not fit).
pub fn exceeds_chars(raw: &str, max: usize) -> bool {
    raw.len() > max.saturating_mul(4) || raw.chars().nth(max).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_counted_in_characters_and_only_up_to_the_limit() {
        assert!(!exceeds_chars("ééé", 3));
        assert!(exceeds_chars("éééé", 3));
        assert!(exceeds_chars(&"a".repeat(1_000_000), 10));
    }
}
