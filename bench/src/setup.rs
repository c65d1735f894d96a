//! Creates what a run needs through the public REST API: accounts (registration signs them
//! in), public rooms, and memberships.

use std::{
    fs,
    net::SocketAddr,
    path::Path,
    sync::atomic::{AtomicUsize, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use futures::future::try_join_all;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    api::{Account, Api},
    cli::Common,
    error::{BenchError, Result},
    net::SourceAddrs,
};

/// Registrations the server allows per client address and hour (`REGISTER_PER_IP` in
/// app/src/services/auth.rs). Moving on before the limit saves a rejected request per address;
/// a `429` is handled the same way if the server is stricter.
const REGISTRATIONS_PER_ADDR: usize = 20;

/// Names and credentials of one run, unique so that runs never collide in a database.
#[derive(Debug, Clone)]
pub struct RunNames {
    /// Short random tag, also used in message client ids.
    pub tag: String,
    password: String,
}

impl RunNames {
    /// Fresh names for a run.
    pub fn new() -> Self {
        let id = Uuid::new_v4().simple().to_string();
        Self {
            tag: format!("b{}", &id[..8]),
            // Unique per run, long, and never among the common passwords the server refuses.
            password: format!("bench-{id}"),
        }
    }

    /// The password every account registered under these names has.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// A seed for picking source addresses.
    pub fn seed(&self) -> u32 {
        u32::from_str_radix(&self.tag[1..], 16).unwrap_or(0)
    }

    fn username(&self, index: usize) -> String {
        format!("{}-{index}", self.tag)
    }
}

impl Default for RunNames {
    fn default() -> Self {
        Self::new()
    }
}

/// `count` accounts: from the saved file when one was given, otherwise newly registered.
pub async fn accounts(common: &Common, names: &RunNames, count: usize) -> Result<Vec<Account>> {
    match &common.accounts {
        Some(path) => seeded(common.server, path, count, common.setup_concurrency).await,
        None => register(common.server, names, count, common.setup_concurrency).await,
    }
}

/// Registers `count` accounts with `concurrency` requests in flight, spreading them over
/// source addresses so no address exceeds the server's registration limit.
pub async fn register(
    server: SocketAddr,
    names: &RunNames,
    count: usize,
    concurrency: usize,
) -> Result<Vec<Account>> {
    let addrs = SourceAddrs::new(server, names.seed());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let workers = (0..concurrency.min(count)).map(|_| async {
        let mut api = Api::new(server, addrs.next());
        let mut on_this_addr = 0;
        let mut made = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= count {
                return Ok::<_, BenchError>(made);
            }
            let username = names.username(index);
            loop {
                if on_this_addr == REGISTRATIONS_PER_ADDR {
                    api.rebind(addrs.next());
                    on_this_addr = 0;
                }
                match api.register(&username, &names.password).await {
                    Ok(account) => {
                        on_this_addr += 1;
                        made.push((index, account));
                        break;
                    }
                    // The limit is checked before anything is stored, so retrying the same
                    // username from a fresh address is safe.
                    Err(BenchError::RateLimited { .. }) if addrs.rotates() => {
                        on_this_addr = REGISTRATIONS_PER_ADDR;
                    }
                    Err(e) => return Err(e),
                }
            }
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            if finished.is_multiple_of(200) || finished == count {
                eprintln!("  registered {finished}/{count} accounts");
            }
        }
    });
    let mut accounts: Vec<Option<Account>> = vec![None; count];
    for (index, account) in try_join_all(workers).await?.into_iter().flatten() {
        accounts[index] = Some(account);
    }
    // Every index below `count` was taken by exactly one worker, and a worker that failed
    // failed the whole join, so every slot is filled.
    Ok(accounts.into_iter().flatten().collect())
}

/// Accounts saved by `bench seed`, so that a run can use them after the server restarted
/// (registration hashes passwords, and what that leaves in the allocator would otherwise
/// count as the run's memory).
#[derive(Debug, Serialize, Deserialize)]
pub struct AccountsFile {
    /// Server they were created on.
    pub server: SocketAddr,
    /// When the tokens were last issued, in seconds since the Unix epoch.
    pub issued_at: u64,
    /// The accounts.
    pub accounts: Vec<Account>,
}

/// Refresh saved tokens older than this; access tokens live 15 minutes.
const REFRESH_AFTER_SECS: u64 = 10 * 60;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl AccountsFile {
    /// Accounts just issued on `server`.
    pub fn new(server: SocketAddr, accounts: Vec<Account>) -> Self {
        Self {
            server,
            issued_at: unix_now(),
            accounts,
        }
    }

    /// Writes the file, replacing it atomically: refresh tokens are single use, so a torn
    /// file would strand every account in it.
    pub fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("tmp");
        let text = serde_json::to_vec_pretty(self)?;
        fs::write(&tmp, text).map_err(|e| BenchError::io(format!("write {}", tmp.display()), e))?;
        fs::rename(&tmp, path).map_err(|e| BenchError::io(format!("replace {}", path.display()), e))
    }

    /// Reads a file written by [`save`](Self::save).
    pub fn read(path: &Path) -> Result<Self> {
        let text =
            fs::read(path).map_err(|e| BenchError::io(format!("read {}", path.display()), e))?;
        Ok(serde_json::from_slice(&text)?)
    }
}

/// The first `count` accounts of a seeded file, with tokens refreshed (and the file
/// rewritten) when they are close to expiring.
pub async fn seeded(
    server: SocketAddr,
    path: &Path,
    count: usize,
    concurrency: usize,
) -> Result<Vec<Account>> {
    let mut file = AccountsFile::read(path)?;
    if file.server != server {
        return Err(BenchError::Usage(format!(
            "{} holds accounts of {}, not {server}",
            path.display(),
            file.server
        )));
    }
    if file.accounts.len() < count {
        return Err(BenchError::Usage(format!(
            "{} holds {} accounts; this run needs {count}",
            path.display(),
            file.accounts.len()
        )));
    }
    if unix_now().saturating_sub(file.issued_at) > REFRESH_AFTER_SECS {
        eprintln!("  refreshing {} saved tokens", file.accounts.len());
        file.accounts = refresh_all(server, &file.accounts, concurrency).await?;
        file.issued_at = unix_now();
        file.save(path)?;
    }
    file.accounts.truncate(count);
    Ok(file.accounts)
}

async fn refresh_all(
    server: SocketAddr,
    accounts: &[Account],
    concurrency: usize,
) -> Result<Vec<Account>> {
    let next = AtomicUsize::new(0);
    let workers = (0..concurrency.min(accounts.len())).map(|_| async {
        let mut api = Api::new(server, None);
        let mut made = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(account) = accounts.get(i) else {
                return Ok::<_, BenchError>(made);
            };
            made.push((i, api.refresh(account).await?));
        }
    });
    let mut fresh: Vec<Option<Account>> = vec![None; accounts.len()];
    for (i, account) in try_join_all(workers).await?.into_iter().flatten() {
        fresh[i] = Some(account);
    }
    Ok(fresh.into_iter().flatten().collect())
}

/// Creates `rooms` public rooms, room `r` owned by `owners[r]`; returns their ids.
pub async fn create_rooms(
    server: SocketAddr,
    names: &RunNames,
    owners: &[&Account],
    concurrency: usize,
) -> Result<Vec<Uuid>> {
    let next = AtomicUsize::new(0);
    let workers = (0..concurrency.min(owners.len())).map(|_| async {
        let mut api = Api::new(server, None);
        let mut made = Vec::new();
        loop {
            let r = next.fetch_add(1, Ordering::Relaxed);
            let Some(owner) = owners.get(r) else {
                return Ok::<_, BenchError>(made);
            };
            let name = format!("{} room {r}", names.tag);
            made.push((r, api.create_room(&owner.access_token, &name).await?));
        }
    });
    let mut ids = vec![Uuid::nil(); owners.len()];
    for (r, id) in try_join_all(workers).await?.into_iter().flatten() {
        ids[r] = id;
    }
    Ok(ids)
}

/// Makes each `(account, room)` pair a membership.
pub async fn join_rooms(
    server: SocketAddr,
    joins: &[(&Account, Uuid)],
    concurrency: usize,
) -> Result<()> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let workers = (0..concurrency.min(joins.len())).map(|_| async {
        let mut api = Api::new(server, None);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((account, room)) = joins.get(i) else {
                return Ok::<_, BenchError>(());
            };
            api.join(&account.access_token, *room).await?;
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            if finished.is_multiple_of(500) || finished == joins.len() {
                eprintln!("  joined {finished}/{}", joins.len());
            }
        }
    });
    try_join_all(workers).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_files_round_trip() {
        let path = std::env::temp_dir().join(format!("bench-accounts-{}.json", Uuid::new_v4()));
        let account = Account {
            username: "u".to_owned(),
            access_token: "a".to_owned(),
            refresh_token: "r".to_owned(),
        };
        let file = AccountsFile::new("127.0.0.1:3200".parse().unwrap(), vec![account]);
        file.save(&path).expect("saved");
        let read = AccountsFile::read(&path).expect("read back");
        let _ = fs::remove_file(&path);
        assert_eq!(read.server, file.server);
        assert_eq!(read.issued_at, file.issued_at);
        assert_eq!(read.accounts[0].refresh_token, "r");
    }

    #[test]
    fn run_names_are_valid_usernames_and_distinct() {
        let a = RunNames::new();
        let b = RunNames::new();
        assert_ne!(a.tag, b.tag);
        let name = a.username(99_999);
        assert!(name.len() <= 32, "{name}");
        assert!(name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')));
    }
}
