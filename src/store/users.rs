//! Users: records, the unique-username index, and the account rules that need the database
//! (a taken name, the last active administrator).

use chrono::Utc;
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::tables::{USERS, USERS_BY_NAME};
use super::{StoreError, StoreResult, next_id_tx, sessions};
use crate::domain::{AdminCap, FieldErrors, Role, Roles, User, UserId, Username};
use crate::i18n::{Lang, Msg};

/// What is needed to create a user; the password is already hashed.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
    pub roles: Roles,
    pub must_change_password: bool,
}

pub fn count_tx(tx: &WriteTransaction) -> StoreResult<u64> {
    Ok(tx.open_table(USERS)?.len()?)
}

pub fn get(tx: &ReadTransaction, id: UserId) -> StoreResult<Option<User>> {
    Ok(tx.open_table(USERS)?.get(id.0)?.map(|v| v.value()))
}

pub fn get_tx(tx: &WriteTransaction, id: UserId) -> StoreResult<User> {
    tx.open_table(USERS)?.get(id.0)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

pub fn find_by_name(tx: &ReadTransaction, name: &Username) -> StoreResult<Option<User>> {
    let Some(id) = tx.open_table(USERS_BY_NAME)?.get(name.as_str())?.map(|v| v.value()) else {
        return Ok(None);
    };
    get(tx, UserId(id))
}

pub fn find_by_name_tx(tx: &WriteTransaction, name: &Username) -> StoreResult<Option<User>> {
    let Some(id) = tx.open_table(USERS_BY_NAME)?.get(name.as_str())?.map(|v| v.value()) else {
        return Ok(None);
    };
    Ok(Some(get_tx(tx, UserId(id))?))
}

/// Every user, by username.
pub fn list(tx: &ReadTransaction) -> StoreResult<Vec<User>> {
    let users = tx.open_table(USERS)?;
    let index = tx.open_table(USERS_BY_NAME)?;
    let mut out = Vec::new();
    for row in index.iter()? {
        let (_, id) = row?;
        if let Some(user) = users.get(id.value())? {
            out.push(user.value());
        }
    }
    Ok(out)
}

/// Creates the first administrator when the database has no users; `false` if it had some.
pub fn create_first_admin_tx(tx: &WriteTransaction, password_hash: String) -> StoreResult<bool> {
    if count_tx(tx)? > 0 {
        return Ok(false);
    }
    let new = NewUser {
        username: Username::parse("admin").expect("a valid name"),
        display_name: "Administrator".into(),
        password_hash,
        roles: Roles::of(&[Role::Admin]),
        must_change_password: true,
    };
    insert_tx(tx, &Actor::system(), new)?;
    Ok(true)
}

pub fn create_tx(tx: &WriteTransaction, _cap: &AdminCap, actor: &Actor, new: NewUser) -> StoreResult<User> {
    insert_tx(tx, actor, new)
}

fn insert_tx(tx: &WriteTransaction, actor: &Actor, new: NewUser) -> StoreResult<User> {
    super::sessions::mark_changed();
    let mut index = tx.open_table(USERS_BY_NAME)?;
    if index.get(new.username.as_str())?.is_some() {
        return Err(StoreError::Invalid(FieldErrors::one("username", Msg::UsernameTaken)));
    }
    let id = UserId(next_id_tx(tx, "user")?);
    let now = Utc::now();
    let user = User {
        id,
        username: new.username,
        display_name: new.display_name,
        password_hash: new.password_hash,
        roles: new.roles,
        active: true,
        must_change_password: new.must_change_password,
        lang: None,
        pin_hash: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    index.insert(user.username.as_str(), id.0)?;
    tx.open_table(USERS)?.insert(id.0, &user)?;
    let roles: Vec<&str> = user.roles.iter().map(Role::code).collect();
    append_tx(
        tx,
        actor,
        "user.create",
        &format!("user:{id}"),
        format!("{} ({}) roles {}", user.username, user.display_name, roles.join(",")),
    )?;
    Ok(user)
}

/// Loads a user for an edit made against `version`; a different stored version is stale.
fn load_for_edit(tx: &WriteTransaction, id: UserId, version: Option<u64>) -> StoreResult<User> {
    let user = get_tx(tx, id)?;
    if version.is_some_and(|v| v != user.version) {
        return Err(StoreError::Stale);
    }
    Ok(user)
}

fn save_tx(tx: &WriteTransaction, mut user: User) -> StoreResult<User> {
    super::sessions::mark_changed();
    user.version += 1;
    user.updated_at = Utc::now();
    tx.open_table(USERS)?.insert(user.id.0, &user)?;
    Ok(user)
}

/// Whether another active administrator than `except` exists.
fn other_active_admin_tx(tx: &WriteTransaction, except: UserId) -> StoreResult<bool> {
    for row in tx.open_table(USERS)?.iter()? {
        let (_, user) = row?;
        let user = user.value();
        if user.id != except && user.active && user.roles.has(Role::Admin) {
            return Ok(true);
        }
    }
    Ok(false)
}

pub fn set_roles_tx(
    tx: &WriteTransaction,
    _cap: &AdminCap,
    actor: &Actor,
    id: UserId,
    version: u64,
    roles: Roles,
    display_name: String,
) -> StoreResult<User> {
    let mut user = load_for_edit(tx, id, Some(version))?;
    let loses_admin = user.roles.has(Role::Admin) && !roles.has(Role::Admin);
    if loses_admin && user.active && !other_active_admin_tx(tx, id)? {
        return Err(StoreError::Refused(Msg::LastAdmin));
    }
    let before: Vec<&str> = user.roles.iter().map(Role::code).collect();
    let after: Vec<&str> = roles.iter().map(Role::code).collect();
    user.roles = roles;
    user.display_name = display_name;
    let user = save_tx(tx, user)?;
    append_tx(
        tx,
        actor,
        "user.roles",
        &format!("user:{id}"),
        format!("{}: {} → {}", user.username, before.join(","), after.join(",")),
    )?;
    Ok(user)
}

/// Replaces a password hash. `must_change` is set by an admin reset and cleared when users
/// choose their own password.
pub fn set_password_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: UserId,
    version: Option<u64>,
    password_hash: String,
    must_change: bool,
) -> StoreResult<User> {
    let mut user = load_for_edit(tx, id, version)?;
    user.password_hash = password_hash;
    user.must_change_password = must_change;
    let user = save_tx(tx, user)?;
    let action = if actor.user_id == Some(id) { "user.password_change" } else { "user.password_reset" };
    append_tx(tx, actor, action, &format!("user:{id}"), user.username.to_string())?;
    Ok(user)
}

/// An administrator sets a new password for a user, who must change it at the next sign-in;
/// the user's sessions end and their kiosk PIN is removed (a reset means the account's secrets
/// are in doubt; they set a new PIN after choosing their password).
pub fn reset_password_tx(
    tx: &WriteTransaction,
    _cap: &AdminCap,
    actor: &Actor,
    id: UserId,
    password_hash: String,
) -> StoreResult<User> {
    let mut user = set_password_tx(tx, actor, id, None, password_hash, true)?;
    if user.pin_hash.is_some() {
        user.pin_hash = None;
        user = save_tx(tx, user)?;
    }
    sessions::end_all_for_user_tx(tx, id)?;
    Ok(user)
}

/// Sets (`Some` argon2 hash) or removes (`None`) the user's own kiosk PIN, audited without it.
pub fn set_pin_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: UserId,
    pin_hash: Option<String>,
) -> StoreResult<User> {
    let mut user = get_tx(tx, id)?;
    let action = match (&user.pin_hash, &pin_hash) {
        (_, None) => "user.pin_remove",
        (None, Some(_)) => "user.pin_set",
        (Some(_), Some(_)) => "user.pin_change",
    };
    user.pin_hash = pin_hash;
    let user = save_tx(tx, user)?;
    append_tx(tx, actor, action, &format!("user:{id}"), user.username.to_string())?;
    Ok(user)
}

/// The staff a locked kiosk offers to unlock it: active users with a PIN who may work (not
/// waiting for a password change), as (id, display name), by username.
pub fn with_pin(tx: &ReadTransaction) -> StoreResult<Vec<(UserId, String)>> {
    Ok(list(tx)?
        .into_iter()
        .filter(|u| u.active && u.pin_hash.is_some() && !u.must_change_password)
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Activates or deactivates a user; deactivating ends all of their sessions at once.
pub fn set_active_tx(
    tx: &WriteTransaction,
    _cap: &AdminCap,
    actor: &Actor,
    id: UserId,
    active: bool,
) -> StoreResult<User> {
    let mut user = get_tx(tx, id)?;
    if !active {
        if actor.user_id == Some(id) {
            return Err(StoreError::Refused(Msg::CannotDeactivateSelf));
        }
        if user.roles.has(Role::Admin) && !other_active_admin_tx(tx, id)? {
            return Err(StoreError::Refused(Msg::LastAdmin));
        }
        sessions::end_all_for_user_tx(tx, id)?;
    }
    user.active = active;
    let user = save_tx(tx, user)?;
    let action = if active { "user.reactivate" } else { "user.deactivate" };
    append_tx(tx, actor, action, &format!("user:{id}"), user.username.to_string())?;
    Ok(user)
}

pub fn set_lang_tx(tx: &WriteTransaction, id: UserId, lang: Lang) -> StoreResult<()> {
    let mut user = get_tx(tx, id)?;
    if user.lang != Some(lang) {
        user.lang = Some(lang);
        save_tx(tx, user)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::temp_store;

    fn new_user(name: &str, roles: &[Role]) -> NewUser {
        NewUser {
            username: Username::parse(name).unwrap(),
            display_name: name.to_uppercase(),
            password_hash: "x".into(),
            roles: Roles::of(roles),
            must_change_password: true,
        }
    }

    #[test]
    fn a_pin_is_set_listed_and_dropped_by_an_admin_reset() {
        let (store, _dir) = temp_store();
        let cap = Roles::of(&[Role::Admin]).admin_cap().unwrap();
        let admin = Actor::system();
        let user =
            store.write_now(|tx| create_tx(tx, &cap, &admin, new_user("wang", &[Role::Advisor]))).unwrap();
        store.write_now(|tx| set_password_tx(tx, &admin, user.id, None, "h".into(), false)).unwrap();
        assert!(store.read_now(with_pin).unwrap().is_empty());
        store.write_now(|tx| set_pin_tx(tx, &admin, user.id, Some("$argon2id$pin".into()))).unwrap();
        assert_eq!(store.read_now(with_pin).unwrap(), vec![(user.id, "WANG".to_string())]);
        store.write_now(|tx| reset_password_tx(tx, &cap, &admin, user.id, "h2".into())).unwrap();
        let after = store.read_now(|tx| get(tx, user.id)).unwrap().unwrap();
        assert_eq!(after.pin_hash, None);
        assert!(store.read_now(with_pin).unwrap().is_empty());
    }

    #[test]
    fn usernames_are_unique_and_indexed() {
        let (store, _dir) = temp_store();
        let cap = Roles::of(&[Role::Admin]).admin_cap().unwrap();
        let actor = Actor::system();
        store.write_now(|tx| create_tx(tx, &cap, &actor, new_user("wang", &[Role::Advisor]))).unwrap();
        let err =
            store.write_now(|tx| create_tx(tx, &cap, &actor, new_user("WANG", &[Role::Parts]))).unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid(e) if e.get("username").unwrap().msg == Msg::UsernameTaken)
        );
        let found =
            store.read_now(|tx| find_by_name(tx, &Username::parse("Wang").unwrap())).unwrap().unwrap();
        assert_eq!(found.display_name, "WANG");
    }

    #[test]
    fn the_last_active_admin_cannot_be_removed() {
        let (store, _dir) = temp_store();
        let cap = Roles::of(&[Role::Admin]).admin_cap().unwrap();
        let actor = Actor::system();
        store.write_now(|tx| create_first_admin_tx(tx, "h".into())).unwrap();
        let admin = store.read_now(list).unwrap().remove(0);
        let err = store
            .write_now(|tx| {
                set_roles_tx(
                    tx,
                    &cap,
                    &actor,
                    admin.id,
                    admin.version,
                    Roles::of(&[Role::Manager]),
                    "A".into(),
                )
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::Refused(Msg::LastAdmin)));
        let err = store.write_now(|tx| set_active_tx(tx, &cap, &actor, admin.id, false)).unwrap_err();
        assert!(matches!(err, StoreError::Refused(Msg::LastAdmin)));

        // With a second admin, the first may step down.
        store.write_now(|tx| create_tx(tx, &cap, &actor, new_user("boss", &[Role::Admin]))).unwrap();
        store
            .write_now(|tx| {
                set_roles_tx(
                    tx,
                    &cap,
                    &actor,
                    admin.id,
                    admin.version,
                    Roles::of(&[Role::Manager]),
                    "A".into(),
                )
            })
            .unwrap();
    }

    #[test]
    fn a_stale_edit_is_refused() {
        let (store, _dir) = temp_store();
        let cap = Roles::of(&[Role::Admin]).admin_cap().unwrap();
        let actor = Actor::system();
        let user =
            store.write_now(|tx| create_tx(tx, &cap, &actor, new_user("liu", &[Role::Cashier]))).unwrap();
        let roles = Roles::of(&[Role::Parts]);
        store
            .write_now(|tx| set_roles_tx(tx, &cap, &actor, user.id, user.version, roles, "Li".into()))
            .unwrap();
        let err = store
            .write_now(|tx| set_roles_tx(tx, &cap, &actor, user.id, user.version, roles, "Li".into()))
            .unwrap_err();
        assert!(matches!(err, StoreError::Stale));
    }

    #[test]
    fn the_first_admin_is_created_once() {
        let (store, _dir) = temp_store();
        assert!(store.write_now(|tx| create_first_admin_tx(tx, "h".into())).unwrap());
        assert!(!store.write_now(|tx| create_first_admin_tx(tx, "h".into())).unwrap());
        let users = store.read_now(list).unwrap();
        assert_eq!(users.len(), 1);
        assert!(users[0].must_change_password && users[0].roles.has(Role::Admin));
    }
}
