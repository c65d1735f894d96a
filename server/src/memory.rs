//! How the process's allocator hands memory back to the system.

/// Allocations at least this large get their own mapping, returned to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 4 << 20;

/// Makes large allocations (an argon2 hash's 19 MiB working memory above all) go back to the
/// system when they are freed.
///
/// glibc raises its mmap threshold to the size of every large block that is freed, so from the
/// second password hash on the 19 MiB blocks come from the malloc arenas instead. Interleaved
/// with other threads' small allocations there they cannot be trimmed, and a failed fit opens
/// another arena: a burst of 20 sign-ins left the server holding 330 MiB (docs/benchmarks.md).
/// A fixed threshold turns the dynamic one off, so each such block is mapped and unmapped on
/// its own, for a page-fault cost that is small beside the hash.
pub fn return_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator tuning; called once at startup.
        let applied = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
        if applied != 1 {
            eprintln!("parley: could not set the allocator's mmap threshold; large blocks may be retained");
        }
    }
}
