//! What can go wrong in the store: [`StoreError`], and the [`Detail`] a storage or internal
//! failure carries (what was being done, and the error underneath as its `source`).

use std::path::PathBuf;

use crate::domain::FieldErrors;
use crate::i18n::Msg;

/// Any error, boxed, as the source of a [`Detail`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a failure was doing, and the error underneath when there is one (returned by
/// `source()`, so a caller can still ask an I/O error its kind). It displays as the context,
/// then `: ` and the underlying error, the same sentence the logs always showed.
#[derive(Debug)]
pub struct Detail {
    context: String,
    source: Option<BoxError>,
}

impl Detail {
    /// A failure with no error underneath.
    pub fn new(context: impl Into<String>) -> Detail {
        Detail { context: context.into(), source: None }
    }

    /// `context` (what was being done) failed because of `source`.
    pub fn caused(context: impl Into<String>, source: impl Into<BoxError>) -> Detail {
        Detail { context: context.into(), source: Some(source.into()) }
    }

    /// The error itself says it all.
    pub fn from_source(source: impl Into<BoxError>) -> Detail {
        Detail::caused(String::new(), source)
    }
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.context, &self.source) {
            (context, None) => f.write_str(context),
            (context, Some(source)) if context.is_empty() => write!(f, "{source}"),
            (context, Some(source)) => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for Detail {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<String> for Detail {
    fn from(context: String) -> Detail {
        Detail::new(context)
    }
}

impl From<&str> for Detail {
    fn from(context: &str) -> Detail {
        Detail::new(context)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rule refused the input; the form shows these beside its fields.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// A rule refused the action as a whole.
    #[error("refused: {0:?}")]
    Refused(Msg),
    /// The record changed since the user loaded it.
    #[error("stale edit")]
    Stale,
    #[error("not found")]
    NotFound,
    /// The database could not be read or written; nothing was committed.
    #[error("storage: {0}")]
    Storage(#[source] Detail),
    /// A file offered as a backup is damaged, foreign, or of a newer program; nothing changed.
    #[error("{0}")]
    NotABackup(String),
    /// The change was committed but the sync that makes it durable failed: it may or may not
    /// be on disk.
    #[error("storage, unconfirmed: {0}")]
    Unconfirmed(#[source] Detail),
    #[error(
        "the database has schema version {found}, newer than this program understands \
         ({supported}); run the newer wrenchdesk that wrote it, or restore a backup"
    )]
    NewerSchema { found: u64, supported: u64 },
    #[error("the data directory {0} is in use by another wrenchdesk process")]
    InUse(PathBuf),
    /// A bug or a failed background task, not the user's doing.
    #[error("internal: {0}")]
    Internal(#[source] Detail),
}

macro_rules! storage_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Storage(Detail::from_source(e))
            }
        }
    )*};
}
storage_errors!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Storage failed while doing `context`, because of `source`.
    pub fn storage(context: impl Into<String>, source: impl Into<BoxError>) -> StoreError {
        StoreError::Storage(Detail::caused(context, source))
    }

    /// An internal failure (a task that died, a generator that broke a rule) because of `source`.
    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> StoreError {
        StoreError::Internal(Detail::caused(context, source))
    }
}
