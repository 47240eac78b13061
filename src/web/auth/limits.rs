//! What keeps signing in from being abused: password hashing off the async threads, at most one
//! per core at a time ([`Hasher`]), and failed sign-ins slowed down per client address and per
//! account ([`Throttle`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::password;
use crate::web::error::{AppError, AppResult};

/// Password hashing off the async threads, a bounded number at a time.
pub struct Hasher {
    permits: Semaphore,
}

impl Hasher {
    pub fn new() -> Hasher {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Hasher { permits: Semaphore::new(cores) }
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        let _permit = self.permits.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || password::hash(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    pub async fn verify(&self, password: String, phc: String) -> AppResult<bool> {
        let _permit = self.permits.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(move || password::verify(&password, &phc))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

/// Failed sign-ins, kept in memory (a restart forgets them, which only helps the patient).
///
/// A client address is slowed down after [`ADDR_FREE`] failures on any accounts; an account
/// after [`ACCOUNT_FREE`] failures from all addresses together, which catches guessing spread
/// over many machines. Each further failure doubles the wait, up to [`MAX_WAIT`]. A correct
/// password clears only the failures of the address it came from.
///
/// The same machinery limits the customers' approvals per link ([`Throttle::with_limits`]: the
/// "account" is the link's token), in an instance of its own so the two never mix.
pub struct Throttle {
    state: Mutex<ThrottleState>,
    addr_free: u32,
    account_free: u32,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::with_limits(ADDR_FREE, ACCOUNT_FREE)
    }
}

#[derive(Default)]
struct ThrottleState {
    by_addr: HashMap<IpAddr, Failures>,
    by_account: HashMap<String, HashMap<IpAddr, Failures>>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

const ADDR_FREE: u32 = 5;
const ACCOUNT_FREE: u32 = 20;
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const MEMORY: Duration = Duration::from_secs(60 * 60);

fn wait_for(count: u32, free: u32, last: Instant, now: Instant) -> Option<Duration> {
    if count < free {
        return None;
    }
    let wait = Duration::from_secs(1u64 << (count - free).min(20)).min(MAX_WAIT);
    let until = last + wait;
    (until > now).then(|| until - now)
}

impl Throttle {
    /// A throttle that slows an address after `addr_free` tries and an account after
    /// `account_free` tries from all addresses.
    pub fn with_limits(addr_free: u32, account_free: u32) -> Throttle {
        Throttle { state: Mutex::default(), addr_free, account_free }
    }

    /// How long this address must wait before trying this account again, if at all.
    pub fn check(&self, account: &str, addr: IpAddr) -> Option<Duration> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.wait(account, addr, Instant::now(), self.addr_free, self.account_free)
    }

    pub fn failed(&self, account: &str, addr: IpAddr) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).fail(account, addr, Instant::now());
    }

    /// Starts a sign-in: refused with the wait if the address or the account is slowed down,
    /// otherwise counted as a failure at once, in the same step. Checking first and counting
    /// after the (slow) password check let a burst of tries sent together all pass; a correct
    /// password takes the count back ([`Throttle::succeeded`]).
    pub fn begin(&self, account: &str, addr: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(wait) = state.wait(account, addr, now, self.addr_free, self.account_free) {
            return Err(wait);
        }
        state.fail(account, addr, now);
        Ok(())
    }

    pub fn succeeded(&self, account: &str, addr: IpAddr) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.by_addr.remove(&addr);
        if let Some(per_addr) = state.by_account.get_mut(account) {
            per_addr.remove(&addr);
        }
    }
}

impl ThrottleState {
    fn wait(
        &self,
        account: &str,
        addr: IpAddr,
        now: Instant,
        addr_free: u32,
        account_free: u32,
    ) -> Option<Duration> {
        let by_addr = self.by_addr.get(&addr).and_then(|f| wait_for(f.count, addr_free, f.last, now));
        let by_account = self.by_account.get(account).and_then(|per_addr| {
            let count = per_addr.values().map(|f| f.count).sum();
            let last = per_addr.values().map(|f| f.last).max()?;
            wait_for(count, account_free, last, now)
        });
        by_addr.max(by_account)
    }

    fn fail(&mut self, account: &str, addr: IpAddr, now: Instant) {
        if self.by_addr.len() > 50_000 {
            self.forget_old(now);
        }
        let bump = |f: &mut Failures| {
            f.count += 1;
            f.last = now;
        };
        bump(self.by_addr.entry(addr).or_insert(Failures { count: 0, last: now }));
        bump(
            self.by_account
                .entry(account.to_string())
                .or_default()
                .entry(addr)
                .or_insert(Failures { count: 0, last: now }),
        );
    }

    fn forget_old(&mut self, now: Instant) {
        self.by_addr.retain(|_, f| now - f.last < MEMORY);
        for per_addr in self.by_account.values_mut() {
            per_addr.retain(|_, f| now - f.last < MEMORY);
        }
        self.by_account.retain(|_, per_addr| !per_addr.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_slowed_after_five_failures_and_success_clears_only_its_own() {
        let throttle = Throttle::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..4 {
            throttle.failed("wang", b);
        }
        assert!(throttle.check("wang", b).is_none());
        throttle.failed("wang", b);
        assert!(throttle.check("wang", b).is_some());
        // Another address is not slowed by b's failures on this account (yet).
        assert!(throttle.check("wang", a).is_none());
        throttle.succeeded("wang", a);
        assert!(throttle.check("wang", b).is_some(), "a's success does not free b");
        throttle.succeeded("wang", b);
        assert!(throttle.check("wang", b).is_none());
    }

    #[test]
    fn an_account_is_slowed_after_many_failures_from_many_addresses() {
        let throttle = Throttle::default();
        for i in 0..ACCOUNT_FREE {
            let addr: IpAddr = format!("10.0.1.{i}").parse().unwrap();
            throttle.failed("boss", addr);
        }
        let fresh: IpAddr = "10.0.2.1".parse().unwrap();
        assert!(throttle.check("boss", fresh).is_some());
        assert!(throttle.check("someone-else", fresh).is_none());
    }

    #[test]
    fn tries_started_together_are_counted_before_any_password_is_checked() {
        let throttle = Throttle::default();
        let addr: IpAddr = "10.0.3.1".parse().unwrap();
        // Six tries arrive before the first password check has finished: the sixth waits.
        let started: Vec<bool> = (0..6).map(|_| throttle.begin("wang", addr).is_ok()).collect();
        assert_eq!(started, [true, true, true, true, true, false]);
        // The right password takes the count back.
        throttle.succeeded("wang", addr);
        assert!(throttle.begin("wang", addr).is_ok());
    }

    #[test]
    fn a_throttle_of_its_own_has_its_own_limits() {
        let throttle = Throttle::with_limits(30, 3);
        let addr: IpAddr = "10.0.4.1".parse().unwrap();
        let tries: Vec<bool> = (0..4).map(|_| throttle.begin("link-a", addr).is_ok()).collect();
        assert_eq!(tries, [true, true, true, false], "the fourth try on one link waits");
        assert!(throttle.begin("link-b", addr).is_ok(), "another link from the same address does not");
    }

    #[test]
    fn waits_double_and_are_capped() {
        let now = Instant::now();
        assert_eq!(wait_for(4, 5, now, now), None);
        assert_eq!(wait_for(5, 5, now, now), Some(Duration::from_secs(1)));
        assert_eq!(wait_for(8, 5, now, now), Some(Duration::from_secs(8)));
        assert_eq!(wait_for(40, 5, now, now), Some(MAX_WAIT));
    }
}
