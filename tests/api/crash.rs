//! Crash safety: the real server as a child process under a write load, killed with SIGKILL
//! at a random moment, restarted; every write that got "saved" must be there, nothing
//! half-written may be, and `check` must pass. A few rounds here; many with
//! `WRENCHDESK_CRASH_ROUNDS=500 cargo test --release --test api crash -- --nocapture`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use wrenchdesk::store::Store;

use crate::helpers::*;

#[tokio::test]
async fn acknowledged_writes_survive_a_sigkill_and_the_database_stays_consistent() {
    let rounds: usize =
        std::env::var("WRENCHDESK_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let acknowledged: Arc<Mutex<HashSet<String>>> = Arc::default();
    let mut seed = wrenchdesk::seed::Rng::new(0xC0FFEE);
    let mut lost_total = 0;
    for round in 0..rounds {
        let (app, server) = spawn_child_on(&data).await;
        let admin = if round == 0 { app.admin().await } else { app.admin_again().await };
        let app = Arc::new(app);
        // Four writers create customers as fast as the server answers.
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (app, admin, acknowledged) = (app.clone(), admin.clone(), acknowledged.clone());
                tokio::spawn(async move {
                    let token = app.csrf(&admin, "/customers/new").await;
                    for i in 0.. {
                        let name = format!("客户{round}-{w}-{i}");
                        let phone = format!("139{:08}", (round * 1_000_000 + w * 100_000 + i) % 100_000_000);
                        let fields = [
                            ("kind", "person"),
                            ("name", name.as_str()),
                            ("phone", phone.as_str()),
                            ("confirm_phone", "1"),
                            ("csrf", token.as_str()),
                        ];
                        match admin.post(app.url("/customers")).form(&fields).send().await {
                            Ok(r) if r.status() == StatusCode::SEE_OTHER => {
                                acknowledged.lock().unwrap().insert(name);
                            }
                            // The server died mid-request: this write was never acknowledged.
                            _ => break,
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100 + seed.below(400) as u64)).await;
        server.kill();
        for w in writers {
            let _ = w.await;
        }

        // Reopened from the file alone: every acknowledged customer is there, whole.
        let store = Store::open(&data).expect("the database opens after a SIGKILL");
        let stored: HashSet<String> = store
            .read_now(|tx| {
                use redb::ReadableTable;
                let mut names = HashSet::new();
                for row in tx.open_table(wrenchdesk::store::tables::CUSTOMERS)?.iter()? {
                    names.insert(row?.1.value().details.name);
                }
                Ok(names)
            })
            .unwrap();
        drop(store);
        let expected = acknowledged.lock().unwrap().clone();
        let lost: Vec<_> = expected.difference(&stored).collect();
        lost_total += lost.len();
        assert!(lost.is_empty(), "round {round}: acknowledged but lost: {lost:?}");
        let report = wrenchdesk::store::check::run(&data).unwrap();
        assert!(report.problems.is_empty(), "round {round}: {:?}", report.problems);
        eprintln!(
            "crash round {round}: {} acknowledged so far, {} stored, 0 lost",
            expected.len(),
            stored.len()
        );
    }
    eprintln!("{rounds} crash rounds, {lost_total} acknowledged writes lost");
}
