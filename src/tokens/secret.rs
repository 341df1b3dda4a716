//! The token itself: `tlpat_` and 43 characters of base64url, 256 random bits from the
//! operating system. The prefix makes a leaked token recognisable (to secret scanners and to
//! people); only `hash` of it is ever stored, and a request's token is found by that hash.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "tlpat_";
const SECRET_BYTES: usize = 32;
/// Every token is exactly this long: 6 + 43.
pub const TOKEN_LEN: usize = PREFIX.len() + 43;

/// A new token and the hash it is stored under.
pub fn generate() -> Result<(String, [u8; 32]), getrandom::Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)?;
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&token);
    Ok((token, hash))
}

/// The SHA-256 of the whole token, prefix included.
pub fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether `raw` has a token's shape. Checked before anything else is done with what a
/// request sent, in at most `TOKEN_LEN` steps: anything else is refused without a lookup.
pub fn well_formed(raw: &str) -> bool {
    raw.len() == TOKEN_LEN
        && raw.starts_with(PREFIX)
        && raw[PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_well_formed_distinct_and_hash_to_what_is_stored() {
        let (a, hash_a) = generate().unwrap();
        let (b, _) = generate().unwrap();
        assert_ne!(a, b);
        assert!(well_formed(&a), "{a}");
        assert_eq!(a.len(), TOKEN_LEN);
        assert_eq!(hash(&a), hash_a);
        assert_ne!(hash(&b), hash_a);
    }

    #[test]
    fn anything_else_is_not_a_token() {
        let (token, _) = generate().unwrap();
        assert!(!well_formed(""));
        assert!(!well_formed(&token[1..]));
        assert!(!well_formed(&format!("{token}x")));
        assert!(!well_formed(&token.replacen("tlpat_", "ghp_xx", 1)));
        let mut bad = token.clone();
        bad.replace_range(10..11, "+");
        assert!(!well_formed(&bad));
        // Multi-byte characters of the right byte length are refused, not sliced mid-char.
        assert!(!well_formed(&format!("{PREFIX}{}", "é".repeat(21))));
        assert!(!well_formed(&"x".repeat(1_000_000)));
    }

    #[test]
    fn the_hash_is_sha256_of_the_token() {
        // SHA-256("abc"), FIPS 180-2.
        assert_eq!(
            hash("abc")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
