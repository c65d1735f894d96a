//! Password hashing with argon2id at OWASP's recommended cost, off the async runtime.
//!
//! Hashes run on a few dedicated threads rather than Tokio's blocking pool: each hash
//! allocates 19 MiB, and glibc keeps freed memory in per-thread arenas, so a burst spread
//! over dozens of blocking threads left the server holding gigabytes. A fixed set of threads
//! reuses the same few blocks, and the bounded queue makes a burst wait instead of grow.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc, Mutex, OnceLock,
};

use tokio::sync::{mpsc, oneshot};

use argon2::{
    password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString},
    Algorithm, Argon2, Params, Version,
};
use rand::rngs::OsRng;

use super::error::{ServiceError, ServiceResult};

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    argon: Arc<Argon2<'static>>,
    /// argon2 verifications run, so tests can prove every login path costs the same.
    verifications: Arc<AtomicU64>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordHasher {
    /// argon2id, m = 19456 KiB, t = 2, p = 1 (OWASP's minimum for argon2id).
    pub fn new() -> Self {
        let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
        Self {
            argon: Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)),
            verifications: Arc::default(),
        }
    }

    /// A PHC-format hash of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> ServiceResult<String> {
        let argon = self.argon.clone();
        run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| ServiceError::Internal(format!("hashing failed: {e}")))
        })
        .await?
    }

    /// Whether `password` matches `hash`. With `hash = None` a dummy hash is checked, so an
    /// unknown account takes as long to reject as a wrong password.
    pub async fn verify(&self, password: String, hash: Option<String>) -> ServiceResult<bool> {
        let argon = self.argon.clone();
        let verifications = self.verifications.clone();
        let known = hash.is_some();
        let matched = run(move || {
            // The dummy is computed on first use, here on a hashing thread like every hash.
            let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
            PasswordHash::new(&hash)
                .map(|parsed| {
                    verifications.fetch_add(1, Ordering::Relaxed);
                    argon.verify_password(password.as_bytes(), &parsed).is_ok()
                })
                .unwrap_or(false)
        })
        .await?;
        Ok(known && matched)
    }

    /// How many argon2 verifications this hasher ran.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }
}

type Work = Box<dyn FnOnce() + Send>;

/// Hashes waiting for a thread; beyond this, callers wait to enqueue.
const QUEUE: usize = 256;

/// Runs `work` on the hashing threads and waits for its result.
async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ServiceResult<T> {
    let (done, result) = oneshot::channel();
    let job: Work = Box::new(move || {
        let _ = done.send(work());
    });
    let unavailable = || ServiceError::Internal("the password hashing threads are gone".into());
    pool().send(job).await.map_err(|_| unavailable())?;
    result.await.map_err(|_| unavailable())
}

/// The queue of the hashing threads, started on first use: one per core, at most four.
fn pool() -> &'static mpsc::Sender<Work> {
    static POOL: OnceLock<mpsc::Sender<Work>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Work>(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
        for i in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    // The lock is held only while waiting, never while hashing.
                    let job = match receiver.lock() {
                        Ok(mut r) => r.blocking_recv(),
                        Err(_) => None,
                    };
                    match job {
                        Some(job) => job(),
                        None => break,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        sender
    })
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
        let salt = SaltString::generate(&mut OsRng);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"parley dummy password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_per_salt() {
        let hasher = PasswordHasher::new();
        let a = hasher.hash("correct horse".into()).await.expect("hash");
        let b = hasher.hash("correct horse".into()).await.expect("hash");
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(hasher
            .verify("correct horse".into(), Some(a.clone()))
            .await
            .expect("verify"));
        assert!(!hasher
            .verify("wrong horse".into(), Some(a))
            .await
            .expect("verify"));
        assert!(!hasher
            .verify("anything".into(), None)
            .await
            .expect("verify"));
    }
}
