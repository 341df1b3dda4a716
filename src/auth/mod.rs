//! Accounts: sign up, sign in, sign out, profile, password, deletion.
//!
//! This file is shared with the browser: the `User` DTO and the validating newtypes, so the
//! same rules are applied as a person types and, authoritatively, on the server.

pub mod api;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{error::AppError, zone::Zone};

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const NAME_MAX_CHARS: usize = 100;
/// The longest email field read at all: 254 characters of up to four bytes, and some spaces.
const EMAIL_MAX_INPUT_BYTES: usize = 4 * EMAIL_MAX_CHARS + 64;

/// The signed-in person, as pages see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: Option<String>,
    /// Every "today" and every time shown to them is in this zone.
    #[serde(default)]
    pub time_zone: Zone,
}

impl User {
    /// The name if they gave one, else their email.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.email)
    }
}

/// A trimmed, lowercased email address of a plausible shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let invalid = |message: &str| Err(AppError::validation("email", message));
        // Bounded before any work: no address this long can fit, whatever its spaces.
        if raw.len() > EMAIL_MAX_INPUT_BYTES {
            return invalid("That email address is too long (at most 254 characters).");
        }
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return invalid("Enter your email address.");
        }
        if email.chars().count() > EMAIL_MAX_CHARS {
            return invalid("That email address is too long (at most 254 characters).");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return invalid("Enter an email address like name@example.com.");
        };
        let shape_ok = !local.is_empty()
            && local.chars().count() <= 64
            && !local.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !shape_ok {
            return invalid("Enter an email address like name@example.com.");
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`, one of the "user inputs" a password must not be built from.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

/// An optional display name: trimmed, blank means none, at most 100 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(Option<String>);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let name = raw.trim();
        if name.is_empty() {
            return Ok(Self(None));
        }
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(AppError::validation(
                "name",
                "Keep your name to 100 characters or fewer.",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::validation(
                "name",
                "Your name cannot contain control characters.",
            ));
        }
        Ok(Self(Some(name.to_owned())))
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// The length rule for a new password, in characters (Unicode scalar values), never
/// truncated. Whether it is guessable is judged on the server (`password::check_strength`).
pub fn check_password_length(field: &str, password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(AppError::validation(
            field,
            format!("Use at least {PASSWORD_MIN_CHARS} characters (this one has {chars})."),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(AppError::validation(
            field,
            format!("Use at most {PASSWORD_MAX_CHARS} characters (this one has {chars})."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn email_shapes_are_checked() {
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@.example.com",
            "ada@example..com",
            "ada lovelace@example.com",
            "ada@exa mple.com",
            "ada@example.com.",
            "a@b@example.com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert!(err.field_message("email").is_some(), "{bad:?} gave {err:?}");
        }
        for good in ["a@b.co", "first.last+tag@sub.example.org", "ü@bücher.de"] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn emails_are_at_most_254_characters() {
        let ok = format!("{}@{}.com", "a".repeat(64), "b".repeat(185));
        assert_eq!(ok.chars().count(), 254);
        assert!(Email::parse(&ok).is_ok());
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(186));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn the_local_part_is_what_comes_before_the_at() {
        assert_eq!(
            Email::parse("ada.l@example.com").unwrap().local_part(),
            "ada.l"
        );
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert!(check_password_length("password", &"a".repeat(11)).is_err());
        assert!(check_password_length("password", &"a".repeat(12)).is_ok());
        assert!(check_password_length("password", &"a".repeat(128)).is_ok());
        assert!(check_password_length("password", &"a".repeat(129)).is_err());
        // 12 emoji are 48 bytes but 12 characters.
        assert!(check_password_length("password", &"🔒".repeat(12)).is_ok());
        assert!(check_password_length("password", &"🔒".repeat(11)).is_err());
        let err = check_password_length("new_password", "short").unwrap_err();
        assert!(err
            .field_message("new_password")
            .unwrap()
            .contains("at least 12"));
    }

    #[test]
    fn display_names_are_optional_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  ").unwrap().as_deref(), None);
        assert_eq!(DisplayName::parse(" Ada ").unwrap().as_deref(), Some("Ada"));
        assert!(DisplayName::parse(&"n".repeat(100)).is_ok());
        assert!(DisplayName::parse(&"n".repeat(101)).is_err());
        assert!(DisplayName::parse("a\u{7}b").is_err());
    }

    #[test]
    fn display_name_falls_back_to_email() {
        let mut u = User {
            id: Uuid::nil(),
            email: "a@b.co".into(),
            name: None,
            time_zone: Zone::default(),
        };
        assert_eq!(u.display_name(), "a@b.co");
        u.name = Some("Ada".into());
        assert_eq!(u.display_name(), "Ada");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn emails_parse_or_give_an_email_error(raw in "[a-zA-Z0-9@. \\u{130}\\u{3a3}é+-]{0,300}|.{0,64}") {
                match Email::parse(&raw) {
                    Ok(email) => {
                        prop_assert!(email.as_str().chars().count() <= EMAIL_MAX_CHARS);
                        prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email.clone());
                    }
                    Err(e) => prop_assert!(e.field_message("email").is_some()),
                }
            }

            #[test]
            fn names_parse_or_give_a_name_error(raw in ".{0,120}") {
                match DisplayName::parse(&raw) {
                    Ok(name) => prop_assert!(name.as_deref().is_none_or(|n| n.chars().count() <= NAME_MAX_CHARS)),
                    Err(e) => prop_assert!(e.field_message("name").is_some()),
                }
            }

            #[test]
            fn password_lengths_are_checked_without_panic(raw in ".{0,140}") {
                let n = raw.chars().count();
                prop_assert_eq!(
                    check_password_length("password", &raw).is_ok(),
                    (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&n)
                );
            }

        }
    }
}
