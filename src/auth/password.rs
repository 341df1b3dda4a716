//! Password hashing with argon2id at the OWASP parameters (m = 19456 KiB, t = 2, p = 1),
//! stored as PHC strings, and the strength check (zxcvbn).
//!
//! Both are CPU work that one request can ask for and many can ask for at once, so they run
//! on threads of their own, away from the async workers: `threads` of them (by default one
//! fewer than the cores, so a core is always left to everything else), each at a lower OS
//! priority (Linux nice 10, with the shortest time slice, so a request that wakes takes the
//! core from a hash within a tenth of a millisecond) and each reusing one 19 MiB argon2
//! memory block instead of allocating and page-faulting a new one per hash. At most `queue`
//! more checks may wait: a password check first takes a `Ticket`, and when every place is
//! taken it is refused at once with `Unavailable` (503 with `Retry-After`), before anything
//! is counted or stored.

use std::{
    panic::AssertUnwindSafe,
    sync::{mpsc, Arc, Mutex, OnceLock},
};

use argon2::{
    password_hash::{
        rand_core::OsRng, Output, ParamsString, PasswordHash, PasswordHasher as _, Salt, SaltString,
    },
    Algorithm, Argon2, Block, Params, Version,
};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;

/// How much lower than the rest of the server password threads run (Linux `nice`).
const PASSWORD_THREAD_NICE: i32 = 10;

/// The time slice a password thread asks Linux for (nanoseconds; the shortest the kernel
/// allows, 6.12 on).
const PASSWORD_THREAD_SLICE_NS: u64 = 100_000;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A job for a password thread, given that thread's argon2 memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Hashes, verifies and judges passwords on `threads` threads of its own.
#[derive(Clone)]
pub struct Passwords {
    jobs: mpsc::Sender<Job>,
    /// `threads + queue` places: running or waiting.
    places: Arc<Semaphore>,
    /// `threads + queue`.
    capacity: usize,
}

/// A place in the password queue: the right to ask for password work. It is given back when
/// the request is done with it and every job it asked for has run (a request that gave up,
/// say at its time limit, still holds its place until its queued work is done).
pub struct Ticket(Arc<OwnedSemaphorePermit>);

impl Passwords {
    /// Starts the threads; they end when the last clone of this is dropped.
    pub fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, inbox) = mpsc::channel::<Job>();
        let inbox = Arc::new(Mutex::new(inbox));
        for i in 0..threads {
            let inbox = inbox.clone();
            std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || password_thread(&inbox))
                .expect("a password thread starts");
        }
        Self {
            jobs,
            places: Arc::new(Semaphore::new(threads + queue)),
            capacity: threads + queue,
        }
    }

    /// A place in the queue, or `Unavailable` at once when every place is taken.
    pub fn admit(&self) -> Result<Ticket, AppError> {
        self.places
            .clone()
            .try_acquire_owned()
            .map(|permit| Ticket(Arc::new(permit)))
            .map_err(|_| {
                metrics::counter!(crate::monitoring::PASSWORD_REFUSED).increment(1);
                tracing::warn!("password queue full: a password check was turned away");
                AppError::Unavailable
            })
    }

    /// Places taken: password checks running or waiting for a thread (the metrics' queue
    /// depth).
    pub fn in_progress(&self) -> usize {
        self.capacity - self.places.available_permits()
    }

    pub async fn hash(&self, ticket: &Ticket, password: String) -> Result<String, AppError> {
        self.run(ticket, move |blocks| {
            hash_with(blocks, password.as_bytes()).map_err(|err| {
                tracing::error!(error = %err, "argon2 hashing failed");
                AppError::Internal
            })
        })
        .await
    }

    /// Checks `password` against `stored`. With no stored hash (unknown email) it verifies
    /// against a dummy hash and answers false, so both cases cost one argon2 verify. A
    /// password longer than any that can be set never matches and costs no argon2 at all.
    pub async fn verify(
        &self,
        ticket: &Ticket,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, AppError> {
        if password.chars().count() > super::PASSWORD_MAX_CHARS {
            return Ok(false);
        }
        self.run(ticket, move |blocks| {
            let known = stored.is_some();
            let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
            let matches = verify_with(blocks, password.as_bytes(), &stored).map_err(|err| {
                tracing::error!(error = %err, "a stored password hash does not parse");
                AppError::Internal
            })?;
            Ok(known && matches)
        })
        .await
    }

    /// `check_strength` off the async threads, under the same bound as argon2.
    pub async fn check_strength(
        &self,
        ticket: &Ticket,
        field: &'static str,
        password: String,
        email: String,
        name: Option<String>,
    ) -> Result<(), AppError> {
        self.run(ticket, move |_| {
            check_strength(field, &password, &email, name.as_deref())
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        ticket: &Ticket,
        work: impl FnOnce(&mut Vec<Block>) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let (answer, answered) = oneshot::channel();
        let place = ticket.0.clone();
        let job: Job = Box::new(move |blocks| {
            let _ = answer.send(work(blocks));
            drop(place);
        });
        self.jobs.send(job).map_err(|_| {
            tracing::error!("the password threads are gone");
            AppError::Internal
        })?;
        answered.await.map_err(|_| {
            tracing::error!("a password job ended without an answer");
            AppError::Internal
        })?
    }
}

/// A password thread: lower priority, one argon2 memory block for its whole life, and a job
/// that panics costs that job, not the thread.
fn password_thread(inbox: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    let mut blocks: Vec<Block> = Vec::new();
    loop {
        let job = match inbox.lock() {
            Ok(inbox) => inbox.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut blocks))).is_err() {
            blocks = Vec::new();
        }
    }
}

/// `struct sched_attr` of `sched_setattr(2)`, its first version (48 bytes).
#[cfg(target_os = "linux")]
#[repr(C)]
#[derive(Default)]
struct SchedAttr {
    size: u32,
    policy: u32,
    flags: u64,
    nice: i32,
    priority: u32,
    runtime: u64,
    deadline: u64,
    period: u64,
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // Scheduling belongs to one thread on Linux: this one (pid 0). At nice 10 a password
    // thread still gets its share of a busy machine (sign-ins go on under load), and with
    // the shortest slice (the `runtime` of a normal thread, Linux 6.12 on, ignored before)
    // it runs in steps of 0.1 ms, so a list request that wakes waits at most one step for a
    // core instead of the default 1.5 to 3 ms. Plain syscalls, no memory shared.
    let attr = SchedAttr {
        size: std::mem::size_of::<SchedAttr>() as u32,
        policy: libc::SCHED_OTHER as u32,
        nice: PASSWORD_THREAD_NICE,
        runtime: PASSWORD_THREAD_SLICE_NS,
        ..SchedAttr::default()
    };
    #[allow(unsafe_code)]
    let set = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0) };
    if set == 0 {
        return;
    }
    #[allow(unsafe_code)]
    let niced = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, PASSWORD_THREAD_NICE)
    };
    if niced != 0 {
        tracing::warn!("could not lower the priority of a password thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// argon2 into `out_len` bytes, in `blocks` (grown to the parameters' size once, then reused).
fn compute(
    argon: &Argon2<'_>,
    blocks: &mut Vec<Block>,
    password: &[u8],
    salt: Salt<'_>,
    out_len: usize,
) -> argon2::password_hash::Result<Output> {
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    let needed = argon.params().block_count();
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    Output::init_with(out_len, |out| {
        Ok(argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])?)
    })
}

/// A new PHC string for `password` at the OWASP parameters, with a fresh salt.
fn hash_with(blocks: &mut Vec<Block>, password: &[u8]) -> argon2::password_hash::Result<String> {
    let argon = argon2();
    let salt = SaltString::generate(&mut OsRng);
    let output = compute(
        &argon,
        blocks,
        password,
        salt.as_salt(),
        Params::DEFAULT_OUTPUT_LEN,
    )?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

/// Whether `password` matches the PHC string `stored`, at the parameters stored with it,
/// compared in constant time (`Output`'s equality).
fn verify_with(
    blocks: &mut Vec<Block>,
    password: &[u8],
    stored: &str,
) -> argon2::password_hash::Result<bool> {
    let parsed = PasswordHash::new(stored)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let argon = Argon2::new(algorithm, version, Params::try_from(&parsed)?);
    let computed = compute(&argon, blocks, password, salt, expected.len())?;
    Ok(computed == expected)
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

    #[tokio::test]
    async fn a_password_longer_than_the_maximum_never_verifies() {
        let passwords = Passwords::new(1, 0);
        let ticket = passwords.admit().unwrap();
        let long = "a".repeat(super::super::PASSWORD_MAX_CHARS + 1);
        let stored = hash_with(&mut Vec::new(), long.as_bytes()).unwrap();
        assert!(!passwords
            .verify(&ticket, long, Some(stored.clone()))
            .await
            .unwrap());
    }

    /// This thread's scheduling attributes, as `sched_getattr(2)` reports them.
    #[cfg(target_os = "linux")]
    fn own_sched_attr() -> SchedAttr {
        let mut attr = SchedAttr::default();
        #[allow(unsafe_code)]
        let got = unsafe {
            libc::syscall(
                libc::SYS_sched_getattr,
                0,
                &mut attr as *mut SchedAttr,
                std::mem::size_of::<SchedAttr>() as u32,
                0,
            )
        };
        assert_eq!(got, 0, "sched_getattr answers");
        attr
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn password_threads_run_lower_and_in_short_steps() {
        let before = own_sched_attr();
        let passwords = Passwords::new(1, 0);
        let ticket = passwords.admit().unwrap();
        let (policy, nice, slice) = passwords
            .run(&ticket, |_| {
                let attr = own_sched_attr();
                Ok((attr.policy, attr.nice, attr.runtime))
            })
            .await
            .unwrap();
        assert_eq!(policy, libc::SCHED_OTHER as u32);
        assert_eq!(nice, PASSWORD_THREAD_NICE);
        // A kernel before 6.12 has no slice of its own for a normal thread and reports 0.
        assert!(
            slice == PASSWORD_THREAD_SLICE_NS || slice == 0,
            "slice {slice} ns"
        );
        let after = own_sched_attr();
        assert_eq!(
            (after.nice, after.runtime),
            (before.nice, before.runtime),
            "the caller's thread is left alone"
        );
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
    fn hashes_made_with_reused_memory_agree_with_the_argon2_crate_both_ways() {
        use argon2::PasswordVerifier as _;
        let mut blocks = Vec::new();
        let ours = hash_with(&mut blocks, b"correct horse battery").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2()
            .verify_password(b"correct horse battery", &parsed)
            .is_ok());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2()
            .hash_password(b"tangerine orbit", &salt)
            .unwrap()
            .to_string();
        // The same memory, reused for another hash, gives the right answers again.
        assert!(verify_with(&mut blocks, b"tangerine orbit", &theirs).unwrap());
        assert!(!verify_with(&mut blocks, b"tangerine orbiT", &theirs).unwrap());
        assert!(verify_with(&mut blocks, b"correct horse battery", &ours).unwrap());
        assert_eq!(blocks.len(), 19_456, "one block buffer, kept");
        assert!(verify_with(&mut blocks, b"x", "not a phc string").is_err());
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
