//! Login sessions and when they end.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::role::Role;
use super::settings::Settings;
use super::user::{User, UserId};

/// A server-side session. The id (128 random bits) is the key in the store and the cookie
/// value; the CSRF token is separate so it can be put in pages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub user_id: UserId,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Ends the session regardless of activity (a shift for technicians).
    pub expires_at: DateTime<Utc>,
    /// Locked on a reception kiosk: every page shows the lock screen until a staff PIN unlocks
    /// it (see `web::kiosk`). Older records decode as unlocked.
    #[serde(default)]
    pub locked: bool,
    /// The page the kiosk was on when it locked (a local path), to come back to after the PIN.
    #[serde(default)]
    pub return_to: Option<String>,
}

/// The timeouts in force, from the shop's parameters.
#[derive(Clone, Copy, Debug)]
pub struct SessionRules {
    pub idle: Duration,
    pub absolute: Duration,
}

/// The timeouts for `user`'s sessions: the idle timeout for everyone; as the absolute one, a
/// shift for someone who is only a technician, the longer office limit for anyone else.
pub fn session_rules(settings: &Settings, user: &User) -> SessionRules {
    let technician_only = user.roles.iter().all(|r| r == Role::Technician);
    let hours =
        if technician_only { settings.technician_session_hours } else { settings.session_absolute_hours };
    SessionRules {
        idle: Duration::minutes(i64::from(settings.session_idle_minutes)),
        absolute: Duration::hours(i64::from(hours)),
    }
}

impl Session {
    /// A new, unlocked session of `user` signed in at `now`, with its CSRF token, ending at the
    /// latest after the rules' absolute timeout.
    pub fn new(user: UserId, csrf: String, now: DateTime<Utc>, rules: SessionRules) -> Session {
        Session {
            user_id: user,
            csrf,
            created_at: now,
            last_seen: now,
            expires_at: now + rules.absolute,
            locked: false,
            return_to: None,
        }
    }

    /// Live while neither timeout has passed; the absolute one is checked against both the
    /// expiry set at sign-in and the rules now in force (a shortened shift applies at once).
    pub fn is_live(&self, now: DateTime<Utc>, rules: SessionRules) -> bool {
        now < self.expires_at && now - self.created_at < rules.absolute && now - self.last_seen < rules.idle
    }

    /// Whether `last_seen` is old enough to be worth writing again; sparing a write per
    /// request costs at most this much idle-timeout precision.
    pub fn needs_touch(&self, now: DateTime<Utc>) -> bool {
        now - self.last_seen >= TOUCH_EVERY
    }

    /// Whether a kiosk's session has had no request for long enough that the server locks it
    /// itself, whatever the page's own timer did (a reload after the time, a page without
    /// script). `last_seen` is written at most once a [`TOUCH_EVERY`] and the kiosk page
    /// reports activity at most every [`KIOSK_HEARTBEAT`], so the server waits that much
    /// longer than the page: someone tapping on one page is never locked out by the server.
    /// `minutes` 0 means never.
    pub fn idle_past_kiosk_lock(&self, now: DateTime<Utc>, minutes: u32) -> bool {
        minutes > 0
            && now - self.last_seen >= Duration::minutes(i64::from(minutes)) + TOUCH_EVERY + KIOSK_HEARTBEAT
    }
}

/// How stale `last_seen` may be before a request writes it again.
pub const TOUCH_EVERY: Duration = Duration::seconds(60);

/// How often at most a kiosk page tells the server someone is using it (`static/app.js`).
pub const KIOSK_HEARTBEAT: Duration = Duration::seconds(30);

#[cfg(test)]
mod tests {
    use super::*;

    fn session(now: DateTime<Utc>) -> Session {
        Session {
            user_id: UserId(1),
            csrf: "x".into(),
            created_at: now,
            last_seen: now,
            expires_at: now + Duration::hours(12),
            locked: false,
            return_to: None,
        }
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let now = Utc::now();
        let rules = SessionRules { idle: Duration::minutes(30), absolute: Duration::hours(12) };
        let mut s = session(now);
        assert!(s.is_live(now + Duration::minutes(29), rules));
        assert!(!s.is_live(now + Duration::minutes(31), rules));
        s.last_seen = now + Duration::hours(11) + Duration::minutes(50);
        assert!(s.is_live(now + Duration::hours(11) + Duration::minutes(55), rules));
        assert!(!s.is_live(now + Duration::hours(12), rules));
    }

    #[test]
    fn the_server_locks_a_kiosk_only_after_the_page_would_have() {
        let now = Utc::now();
        let s = session(now);
        assert!(!s.idle_past_kiosk_lock(now + Duration::hours(5), 0), "0 is never");
        // Five minutes: the page locks at 5; the server from 5 + 1 + 0.5.
        assert!(!s.idle_past_kiosk_lock(now + Duration::minutes(6), 5));
        assert!(!s.idle_past_kiosk_lock(now + Duration::seconds(389), 5));
        assert!(s.idle_past_kiosk_lock(now + Duration::seconds(390), 5));
    }

    #[test]
    fn older_sessions_decode_unlocked() {
        #[derive(Serialize)]
        struct Old {
            user_id: UserId,
            csrf: String,
            created_at: DateTime<Utc>,
            last_seen: DateTime<Utc>,
            expires_at: DateTime<Utc>,
        }
        let now = Utc::now();
        let old =
            Old { user_id: UserId(3), csrf: "x".into(), created_at: now, last_seen: now, expires_at: now };
        let session: Session = rmp_serde::from_slice(&rmp_serde::to_vec_named(&old).unwrap()).unwrap();
        assert!(!session.locked && session.return_to.is_none());
    }
}
