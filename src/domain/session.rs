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
    /// Live while neither timeout has passed; the absolute one is checked against both the
    /// expiry set at sign-in and the rules now in force (a shortened shift applies at once).
    pub fn is_live(&self, now: DateTime<Utc>, rules: SessionRules) -> bool {
        now < self.expires_at && now - self.created_at < rules.absolute && now - self.last_seen < rules.idle
    }

    /// Whether `last_seen` is old enough to be worth writing again; sparing a write per
    /// request costs at most this much idle-timeout precision.
    pub fn needs_touch(&self, now: DateTime<Utc>) -> bool {
        now - self.last_seen >= Duration::seconds(60)
    }
}

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
}
