//! Power cuts, not only kills (tests only).
//!
//! - [`disk`]: a simulated disk that journals every I/O call and rebuilds the disk as found
//!   after a power cut at any of them: everything unsynced lost, some of it kept, or the last
//!   page written torn.

pub(crate) mod disk;
