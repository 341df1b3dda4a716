//! Page links (cursors): the pieces every cursor is written with and read back from. A
//! cursor that the app did not write is refused as a bad link, never a panic.

use crate::error::AppError;

/// The answer to any page link (cursor) that is not one the app wrote.
pub fn bad_link() -> AppError {
    AppError::BadRequest("that page link is not valid".into())
}

/// A row id in a cursor: a positive whole number.
pub fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(bad_link)
}

/// Text in a cursor (a title, a tag name), as hex of its UTF-8 bytes.
pub fn encode_text(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The text `encode_text` wrote, if it is valid UTF-8 of at most `max_chars` characters.
pub fn decode_text(hex: &str, max_chars: usize) -> Option<String> {
    decode_hex(hex)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|text| !crate::text::exceeds_chars(text, max_chars))
}

/// Lower-case or upper-case hex to bytes; `None` for an odd length or a non-hex byte.
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = hex.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| {
            crate::work::step();
            Some(digit(pair[0])? << 4 | digit(pair[1])?)
        })
        .collect()
}

/// Strings that look like a cursor, with bytes that break one: what the property tests of
/// every cursor parser feed it.
#[cfg(test)]
pub fn near_cursor() -> impl proptest::strategy::Strategy<Value = String> {
    proptest::prop_oneof![
        "[ndopt]\\.[0-9a-fA-Fé.+-]{0,40}\\.[0-9-]{0,22}",
        "[ndopt](\\.[0-9]{0,20}){1,4}",
        ".{0,64}",
    ]
}
