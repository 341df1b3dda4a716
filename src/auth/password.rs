//! Password hashing with argon2id at the OWASP parameters (m = 19456 KiB, t = 2, p = 1),
//! stored as PHC strings, and the strength check (zxcvbn).
//!
//! Both are CPU work that one request can ask for and many can ask for at once, so they run
//! on the blocking pool, at most `threads` at a time (by default one fewer than the cores:
//! the rest keep serving everything else), and at most `queue` more may wait. A password
//! check first takes a `Ticket`; when the queue is full it is refused at once with
//! `Unavailable` (503 with `Retry-After`), before anything is counted or stored.

use std::sync::{Arc, OnceLock};

use argon2::{
    password_hash::{
        rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
    },
    Algorithm, Argon2, Params, Version,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes, verifies and judges passwords, at most `threads` at a time.
#[derive(Clone)]
pub struct Passwords {
    threads: Arc<Semaphore>,
    /// `threads + queue` places: running or waiting.
    places: Arc<Semaphore>,
}

/// A place in the password queue: the right to ask for password work, held for the rest of
/// the request's password check.
pub struct Ticket(#[allow(dead_code)] OwnedSemaphorePermit);

impl Passwords {
    pub fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        Self {
            threads: Arc::new(Semaphore::new(threads)),
            places: Arc::new(Semaphore::new(threads + queue)),
        }
    }

    /// A place in the queue, or `Unavailable` at once when every place is taken.
    pub fn admit(&self) -> Result<Ticket, AppError> {
        self.places
            .clone()
            .try_acquire_owned()
            .map(Ticket)
            .map_err(|_| {
                tracing::warn!("password queue full: a password check was turned away");
                AppError::Unavailable
            })
    }

    pub async fn hash(&self, _ticket: &Ticket, password: String) -> Result<String, AppError> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|err| {
                    tracing::error!(error = %err, "argon2 hashing failed");
                    AppError::Internal
                })
        })
        .await
    }

    /// Checks `password` against `stored`. With no stored hash (unknown email) it verifies
    /// against a dummy hash and answers false, so both cases cost one argon2 verify.
    pub async fn verify(
        &self,
        _ticket: &Ticket,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, AppError> {
        self.run(move || {
            let known = stored.is_some();
            let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
            let parsed = PasswordHash::new(&stored).map_err(|err| {
                tracing::error!(error = %err, "a stored password hash does not parse");
                AppError::Internal
            })?;
            let matches = argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(known && matches)
        })
        .await
    }

    /// `check_strength` off the async threads, under the same bound as argon2.
    pub async fn check_strength(
        &self,
        _ticket: &Ticket,
        field: &'static str,
        password: String,
        email: String,
        name: Option<String>,
    ) -> Result<(), AppError> {
        self.run(move || check_strength(field, &password, &email, name.as_deref()))
            .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let _thread = self
            .threads
            .acquire()
            .await
            .map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(work).await.map_err(|err| {
            tracing::error!(error = %err, "password task failed");
            AppError::Internal
        })?
    }
}

/// A real hash of a random password, made once, for verifying unknown emails.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(uuid::Uuid::new_v4().to_string().as_bytes(), &salt)
            .expect("hashing a dummy password")
            .to_string()
    })
}

/// Refuses common and guessable passwords, including ones built from the person's own email
/// or name (zxcvbn score below 3 with those as user inputs), with zxcvbn's reason.
pub fn check_strength(
    field: &str,
    password: &str,
    email: &str,
    name: Option<&str>,
) -> Result<(), AppError> {
    let local = email.split('@').next().unwrap_or_default();
    let mut inputs = vec![email, local];
    if let Some(name) = name {
        inputs.push(name);
        inputs.extend(name.split_whitespace());
    }
    if too_close_to(password, &inputs) {
        return Err(AppError::validation(
            field,
            "This password is too close to your email or name. Try a few unrelated words.",
        ));
    }
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let mut message = String::from("This password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message = format!("This password is too easy to guess: {warning}");
            if !message.ends_with('.') {
                message.push('.');
            }
        }
        if let Some(suggestion) = feedback.suggestions().first() {
            message.push(' ');
            message.push_str(&suggestion.to_string());
        }
    } else {
        message.push_str(" Try a few unrelated words together.");
    }
    Err(AppError::validation(field, message))
}

/// True when the password is mostly one of the person's own words (as Django's
/// similarity validator does): it contains one, and little else.
fn too_close_to(password: &str, inputs: &[&str]) -> bool {
    const MIN_REST: usize = 10;
    let lower = password.to_lowercase();
    let total = lower.chars().count();
    inputs
        .iter()
        .map(|input| input.to_lowercase())
        .filter(|input| input.chars().count() >= 3)
        .any(|input| lower.contains(&input) && total - input.chars().count() < MIN_REST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_owasp_parameters_and_salted() {
        let passwords = Passwords::new(2, 0);
        let ticket = passwords.admit().unwrap();
        let a = passwords
            .hash(&ticket, "correct horse battery".into())
            .await
            .unwrap();
        let b = passwords
            .hash(&ticket, "correct horse battery".into())
            .await
            .unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
    }

    #[tokio::test]
    async fn verify_accepts_the_password_and_nothing_else() {
        let passwords = Passwords::new(2, 0);
        let ticket = passwords.admit().unwrap();
        let hash = passwords
            .hash(&ticket, "correct horse battery".into())
            .await
            .unwrap();
        assert!(passwords
            .verify(&ticket, "correct horse battery".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!passwords
            .verify(&ticket, "correct horse batter".into(), Some(hash))
            .await
            .unwrap());
        assert!(!passwords
            .verify(&ticket, "correct horse battery".into(), None)
            .await
            .unwrap());
    }

    #[test]
    fn past_the_queue_a_password_check_is_turned_away_at_once() {
        let passwords = Passwords::new(1, 2);
        let held: Vec<Ticket> = (0..3).map(|_| passwords.admit().unwrap()).collect();
        assert_eq!(passwords.admit().err(), Some(AppError::Unavailable));
        drop(held);
        assert!(
            passwords.admit().is_ok(),
            "places come back when checks end"
        );
    }

    #[tokio::test]
    async fn the_strength_check_runs_under_the_same_bound() {
        let passwords = Passwords::new(1, 0);
        let ticket = passwords.admit().unwrap();
        let err = passwords
            .check_strength(
                &ticket,
                "password",
                "password1234".into(),
                "ada@example.com".into(),
                None,
            )
            .await
            .unwrap_err();
        assert!(err.field_message("password").is_some());
    }

    #[test]
    fn common_passwords_are_refused_with_a_reason() {
        let err = check_strength("password", "password1234", "ada@example.com", None).unwrap_err();
        let message = err.field_message("password").unwrap();
        assert!(
            message.starts_with("This password is too easy to guess"),
            "{message}"
        );
    }

    #[test]
    fn passwords_built_from_the_email_or_name_are_refused() {
        assert!(check_strength(
            "password",
            "adalovelace2024!",
            "adalovelace@example.com",
            None
        )
        .is_err());
        let err = check_strength(
            "password",
            "AdaLovelace1815",
            "x@example.com",
            Some("Ada Lovelace"),
        )
        .unwrap_err();
        assert!(err
            .field_message("password")
            .unwrap()
            .contains("email or name"));
        // The same password is fine for someone whose name it is not.
        assert!(check_strength("password", "adalovelace2024!", "x@example.com", None).is_ok());
    }

    #[test]
    fn a_long_passphrase_is_accepted() {
        check_strength(
            "password",
            "tangerine orbit cello marsh",
            "ada@example.com",
            None,
        )
        .unwrap();
    }
}
