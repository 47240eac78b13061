//! The reception kiosk's lock: after the shop's idle minutes (Administration → Settings,
//! `kiosk_lock_minutes`, 0 = never) the kiosk shows a lock screen that hides every customer's
//! data, and a staff PIN opens it again without a full sign-in, as whoever typed it.
//!
//! How it holds (the decisions, and why):
//! - **Which browser is the kiosk**: the `wd_kiosk` cookie an administrator sets on it
//!   (`admin::kiosk_device`), equal to the shop's random `kiosk_key`. Nothing in the address
//!   marks a kiosk: editing a URL would unmark it. A browser without the cookie never locks.
//! - **The lock is the session's, on the server** (`Session.locked`): [`gate`] answers every
//!   request of a locked session, before any area's route, with the lock screen (a 303 to
//!   `/kiosk/locked`, or `HX-Redirect` for htmx), except the lock screen itself, `/kiosk/unlock`,
//!   signing out, static files and `/healthz`. A reload, a typed address, an htmx or a script
//!   request: all get the lock screen, never the data, and nothing they send is stored.
//! - **Two clocks**: the page locks after the idle minutes without a touch, a key or a scroll
//!   (`static/app.js` posts `/kiosk/lock` with the page it was on); and the server locks a
//!   kiosk session whose last request is older than that (plus the page's heartbeat and the
//!   once-a-minute recording of activity, see [`crate::domain::Session::idle_past_kiosk_lock`]),
//!   when its next request arrives: a reload after the time, or a page without script, is
//!   locked too. While someone uses a page, it tells the server at most every 30 s
//!   (`GET /kiosk/alive`) so the server's clock never locks them out.
//! - **Unlocking**: the lock screen shows the staff who have a PIN as big buttons (display
//!   names only), then a keypad for the one tapped. Choosing the person first means one argon2
//!   check per try (matching one PIN against everyone's would cost one per user, and two
//!   users with the same PIN would be ambiguous) and makes the throttle per user: wrong PINs
//!   are slowed per user and per address by the login's machinery in an instance of its own
//!   (`AppState::pin_throttle`, 5 free tries per address, 10 per user). The unlock and every
//!   wrong PIN are audited. The same user's session goes on; another user's PIN replaces the
//!   session with a new one of theirs (a new id, as at sign-in). The kiosk then returns to
//!   the page it was on, kept in the session and followed only if it is a local path.
//! - **PINs** (`pin`): 4–8 digits, set, changed or removed by each user on their account page
//!   (the current password needed to set one), hashed with argon2id off the async threads like
//!   passwords, stored only as `User.pin_hash`; an administrator's password reset removes it.
//!   The export leaves it out like every hash; a backup holds only the hash.
//! - Nothing here writes to the browser's storage; pages are `no-store` and htmx keeps no
//!   history cache, so the lock screen is all a locked kiosk can show.
//!
//! Files: [`gate`] (the check in front of every route), `lock` (the lock screen, locking,
//! unlocking, the heartbeat), [`pin`] (the account page's PIN form).

mod gate;
mod lock;
pub mod pin;

use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

pub use gate::gate;

use super::ctx::Ctx;
use super::{AppState, BODY_LIMIT};

/// Wrong PINs: an address is slowed after 5, a user after 10 from all addresses.
pub fn throttle() -> super::Throttle {
    super::Throttle::with_limits(5, 10)
}

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<std::collections::HashMap<String, String>>()
        .or(warp::any().map(std::collections::HashMap::new))
        .unify();

    let locked = warp::path!("kiosk" / "locked").and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: std::collections::HashMap<String, String>| lock::locked_page(&state, &ctx, &q)
    ));
    let unlock = warp::path!("kiosk" / "unlock").and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| lock::unlock(&state, &ctx, &body)
    ));
    let lock_now = warp::path!("kiosk" / "lock").and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| lock::lock(&state, &ctx, &body)
    ));
    let alive = warp::path!("kiosk" / "alive")
        .and(warp::get())
        .and(ctx.clone())
        .then(|ctx: Ctx| async move { super::run(&ctx, lock::alive(&ctx)) });
    let set_pin = warp::path!("account" / "pin").and(warp::post()).and(ctx).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| pin::set_pin(&state, &ctx, &body)
    ));

    any_of!(locked, unlock, lock_now, alive, set_pin)
}
