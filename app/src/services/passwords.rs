//! Password hashing with argon2id at OWASP's recommended cost, off the async runtime.
//!
//! Hashes run on a few dedicated threads rather than Tokio's blocking pool, so at most that
//! many 19 MiB working blocks exist at once (the server returns each to the system when it is
//! freed: `server::memory`). The threads run at the lowest scheduling priority, so a flood of
//! sign-ins takes the CPU that message delivery leaves over, not the other way round, and
//! their queue is short: when it is full a caller is told to retry at once (429) instead of
//! waiting, so an attacker's concurrency buys neither memory nor a growing backlog.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc, Mutex, OnceLock,
};

use tokio::sync::{
    mpsc::{self, error::TrySendError},
    oneshot,
};

use argon2::{
    password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString},
    Algorithm, Argon2, Params, Version,
};
use rand::rngs::OsRng;

use super::error::{ServiceError, ServiceResult};

/// Hashes waiting per hashing thread; beyond this a caller is refused. About 200 ms of work:
/// an honest burst mostly fits, and a flood is answered at once instead of holding its
/// requests (and the sign-ins of everyone else) in a queue.
pub const QUEUE_PER_THREAD: usize = 8;
/// Seconds a caller refused by a full queue is told to wait.
const BUSY_RETRY_AFTER: u64 = 1;
/// The hashing threads' nice value: the lowest priority, so they get only the CPU that the
/// rest of the process (and its database) leaves over.
#[cfg(target_os = "linux")]
const HASHING_NICENESS: libc::c_int = 19;

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    argon: Arc<Argon2<'static>>,
    pool: HashingPool,
    /// argon2 verifications run, so tests can prove every login path costs the same.
    verifications: Arc<AtomicU64>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordHasher {
    /// argon2id, m = 19456 KiB, t = 2, p = 1 (OWASP's minimum for argon2id), on the
    /// process's hashing threads.
    pub fn new() -> Self {
        Self::on(HashingPool::shared().clone())
    }

    /// The same hasher on `pool`.
    pub fn on(pool: HashingPool) -> Self {
        let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
        Self {
            argon: Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)),
            pool,
            verifications: Arc::default(),
        }
    }

    /// A PHC-format hash of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> ServiceResult<String> {
        let argon = self.argon.clone();
        self.pool
            .run(move || {
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
        let matched = self
            .pool
            .run(move || {
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

/// Threads that run password hashes, fed by a bounded queue; cloning shares them.
#[derive(Clone)]
pub struct HashingPool {
    queue: mpsc::Sender<Work>,
}

impl HashingPool {
    /// The process's pool, started on first use: one thread per two cores (at least one, at
    /// most four), so password hashing can never take more than half the machine.
    pub fn shared() -> &'static HashingPool {
        static POOL: OnceLock<HashingPool> = OnceLock::new();
        POOL.get_or_init(|| {
            let threads =
                std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).clamp(1, 4));
            HashingPool::start(threads, threads * QUEUE_PER_THREAD)
        })
    }

    /// `threads` hashing threads with room for `queue` waiting hashes. The threads end when
    /// the last clone of the pool is dropped.
    pub fn start(threads: usize, queue: usize) -> HashingPool {
        let (sender, receiver) = mpsc::channel::<Work>(queue.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads.max(1) {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // The lock is held only while waiting, never while hashing.
                        let job = match receiver.lock() {
                            Ok(mut r) => r.blocking_recv(),
                            Err(_) => None,
                        };
                        match job {
                            Some(job) => job(),
                            None => break,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        HashingPool { queue: sender }
    }

    /// Runs `work` on a hashing thread and waits for its result; refused with
    /// [`ServiceError::RateLimited`] when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ServiceResult<T> {
        let (done, result) = oneshot::channel();
        let job: Work = Box::new(move || {
            let _ = done.send(work());
        });
        let unavailable = || ServiceError::Internal("the password hashing threads are gone".into());
        match self.queue.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                crate::infra::metrics::password_hash_refused();
                return Err(ServiceError::RateLimited {
                    retry_after: BUSY_RETRY_AFTER,
                });
            }
            Err(TrySendError::Closed(_)) => return Err(unavailable()),
        }
        result.await.map_err(|_| unavailable())
    }
}

/// Makes the calling thread yield the CPU to the process's other threads (Linux only: there a
/// thread has its own nice value).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority take no pointers; they only read the calling thread's
        // id and change its own scheduling priority.
        let failed = unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, HASHING_NICENESS) != 0
        };
        if failed {
            tracing::warn!(
                error = %std::io::Error::last_os_error(),
                "cannot lower the priority of a password hashing thread"
            );
        }
    }
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

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_instead_of_waiting() {
        let pool = HashingPool::start(1, 1);
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = oneshot::channel();
        // Occupies the only thread until released.
        let busy = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move || {
                    let _ = started_tx.send(());
                    let _ = held.recv();
                })
                .await
            }
        });
        started.await.expect("the thread took the first job");
        // Fills the queue's one place.
        let queued = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|| 7).await }
        });
        while pool.queue.capacity() > 0 {
            tokio::task::yield_now().await;
        }
        let refused = pool.run(|| 0).await.expect_err("the queue is full");
        assert!(
            matches!(refused, ServiceError::RateLimited { retry_after: 1 }),
            "{refused:?}"
        );
        release.send(()).expect("release the thread");
        busy.await.expect("join").expect("the first job ran");
        assert_eq!(queued.await.expect("join").expect("the queued job ran"), 7);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_at_a_lower_priority() {
        let pool = HashingPool::start(1, 1);
        let niceness = pool
            .run(|| {
                // SAFETY: reads the calling thread's own priority.
                unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
            })
            .await
            .expect("ran");
        assert_eq!(niceness, HASHING_NICENESS);
    }
}
