//! Personal access tokens: what a person creates in their account page so a program can use
//! the JSON API (`/api/v1`) as them. Shared with the browser: the token as the page lists it,
//! its scope, and the form's validation. The secret itself is made and hashed on the server
//! (`secret`), stored only as its SHA-256 (`db`), and shown once, in the answer that created it.

pub mod api;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod secret;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{error::AppError, text};

pub const TOKEN_NAME_MAX_CHARS: usize = 100;
/// Tokens one person may hold at once; revoking one makes room.
pub const MAX_TOKENS_PER_USER: i64 = 50;
/// The expiries the form offers, in days.
pub const EXPIRY_DAYS: [u32; 4] = [7, 30, 90, 365];

/// What a token lets a program do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Scope {
    /// Read tasks, tags and the account; export.
    Read,
    /// Everything the page can do with tasks and tags, import included.
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "Read only",
            Self::Write => "Read and write",
        }
    }

    /// `read` or `write`; anything else is refused.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        match raw.trim() {
            "read" => Ok(Self::Read),
            "write" => Ok(Self::Write),
            _ => Err(AppError::validation(
                "scope",
                "Choose read only or read and write.",
            )),
        }
    }
}

/// A token as its owner's account page lists it: never its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// To the minute: a busy token records its use at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The account page's list of tokens, oldest first, and the zone their dates are shown in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenList {
    pub tokens: Vec<TokenInfo>,
    pub zone: crate::zone::Zone,
}

/// A token just created, with its secret: the one time the secret leaves the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub token: TokenInfo,
    pub secret: String,
}

/// The create form as it is posted (with or without JavaScript).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// Days until it expires (one of `EXPIRY_DAYS`), or `never`.
    pub expires: String,
    /// The person's password: a session alone (a stolen cookie) cannot mint a token.
    pub current_password: String,
}

impl std::fmt::Debug for TokenForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenForm")
            .field("name", &self.name)
            .field("scope", &self.scope)
            .field("expires", &self.expires)
            .field("current_password", &"[redacted]")
            .finish()
    }
}

impl TokenForm {
    /// The fields a refused form keeps for the page to show again (never the password).
    pub fn fields(&self) -> [(&'static str, &str); 3] {
        [
            ("name", &self.name),
            ("scope", &self.scope),
            ("expires", &self.expires),
        ]
    }
}

/// A validated `TokenForm`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInput {
    pub name: String,
    pub scope: Scope,
    pub expires_in_days: Option<u32>,
}

impl TokenInput {
    pub fn parse(form: &TokenForm) -> Result<Self, AppError> {
        let name = form.name.trim();
        if name.is_empty() {
            return Err(AppError::validation(
                "name",
                "Name the token after what will use it, such as \"Phone\" or \"Backup script\".",
            ));
        }
        if text::exceeds_chars(name, TOKEN_NAME_MAX_CHARS) {
            return Err(AppError::validation(
                "name",
                format!("Keep the name to {TOKEN_NAME_MAX_CHARS} characters or fewer."),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::validation(
                "name",
                "The name cannot contain control characters.",
            ));
        }
        let name = name.to_owned();
        let scope = Scope::parse(&form.scope)?;
        let expires_in_days = match form.expires.trim() {
            "never" => None,
            days => Some(
                days.parse::<u32>()
                    .ok()
                    .filter(|d| EXPIRY_DAYS.contains(d))
                    .ok_or_else(|| {
                        AppError::validation("expires", "Choose when the token expires.")
                    })?,
            ),
        };
        Ok(Self {
            name,
            scope,
            expires_in_days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn form(name: &str, scope: &str, expires: &str) -> TokenForm {
        TokenForm {
            name: name.into(),
            scope: scope.into(),
            expires: expires.into(),
            current_password: String::new(),
        }
    }

    #[test]
    fn the_password_never_shows_in_debug_output_or_kept_fields() {
        let mut f = form("Phone", "write", "never");
        f.current_password = "correct horse battery".into();
        assert!(!format!("{f:?}").contains("horse"));
        assert!(!f.fields().iter().any(|(_, v)| v.contains("horse")));
    }

    #[test]
    fn a_good_form_parses() {
        let input = TokenInput::parse(&form("  Phone ", "write", "30")).unwrap();
        assert_eq!(input.name, "Phone");
        assert_eq!(input.scope, Scope::Write);
        assert_eq!(input.expires_in_days, Some(30));
        let input = TokenInput::parse(&form("Backup", "read", "never")).unwrap();
        assert_eq!(input.expires_in_days, None);
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |f: TokenForm| match TokenInput::parse(&f) {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(form("  ", "read", "30")), "name");
        assert_eq!(field(form(&"x".repeat(101), "read", "30")), "name");
        assert_eq!(field(form("a\u{7}b", "read", "30")), "name");
        assert_eq!(field(form("ok", "admin", "30")), "scope");
        assert_eq!(field(form("ok", "read", "31")), "expires");
        assert_eq!(field(form("ok", "read", "")), "expires");
    }

    proptest! {
        #[test]
        fn any_form_parses_or_names_a_field(name in ".{0,300}", scope in ".{0,10}", expires in ".{0,10}") {
            match TokenInput::parse(&form(&name, &scope, &expires)) {
                Ok(input) => prop_assert!(input.name.chars().count() <= TOKEN_NAME_MAX_CHARS),
                Err(AppError::Validation { field, .. }) => {
                    prop_assert!(["name", "scope", "expires"].contains(&field.as_str()))
                }
                Err(other) => prop_assert!(false, "{other:?}"),
            }
        }
    }
}
