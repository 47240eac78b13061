//! The command line: `serve` (the default), `init`, `demo`, `seed`, `check`, `backup`, `restore`,
//! `export` and `user`. Every option also reads `WRENCHDESK_<OPTION>`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::server::{Config, Server};
use crate::store::{self, Actor, Store, users};

#[derive(Parser, Debug)]
#[command(name = "wrenchdesk", version, about = "The back office of an independent auto repair shop.")]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the shop (the default).
    Serve(ServeArgs),
    /// Set up a data directory: create the database and the first administrator, printing
    /// the initial admin password once (the installer runs it before the service's first start).
    /// Data already set up is left as it is.
    Init {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Seed a realistic demo shop into a new data directory, then serve it.
    Demo {
        #[arg(long, env = "WRENCHDESK_ADDR", default_value = "0.0.0.0:8080")]
        addr: SocketAddr,
        #[arg(long, env = "WRENCHDESK_DATA", default_value = "./demo-data")]
        data: PathBuf,
    },
    /// Generate a deterministic dataset into a new data directory.
    Seed {
        /// `demo` (a few hundred records) or `ten-years` (the reference dataset).
        #[arg(long, value_parser = ["demo", "ten-years"])]
        profile: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Check the database: redb's integrity check and wrenchdesk's own invariants.
    Check {
        /// First rebuild the report totals from the records (with the server stopped).
        #[arg(long)]
        repair_reports: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Make a consistent, verified copy of the database (with the server stopped).
    Backup {
        /// Where to write it; default `<backups>/wrenchdesk-<date>-<time>.redb`.
        #[arg(long)]
        to: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Replace the database with a verified backup (with the server stopped); what it replaces
    /// is kept in the backups directory.
    Restore {
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Export every record as CSV files in one zip, with a README (with the server stopped;
    /// while it runs, Administration → Export downloads the same zip).
    Export {
        /// The zip to write.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage users from the shop's box (with the server stopped).
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Give a user a new random password, to be changed at the next sign-in.
    ResetPassword {
        name: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Args, Debug, Clone)]
struct DataArgs {
    /// Directory of the database.
    #[arg(long, env = "WRENCHDESK_DATA", default_value = "./data")]
    data: PathBuf,
    /// Directory of backups.
    #[arg(long, env = "WRENCHDESK_BACKUPS", default_value = "./backups")]
    backups: PathBuf,
}

#[derive(Args, Debug, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WRENCHDESK_ADDR", default_value = "0.0.0.0:8080")]
    addr: SocketAddr,
    /// Make the daily backup at the time set in the parameters.
    #[arg(long, env = "WRENCHDESK_DAILY_BACKUPS", default_value_t = true, action = clap::ArgAction::Set)]
    daily_backups: bool,
    #[command(flatten)]
    data: DataArgs,
}

pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// The command line with explicit arguments (the first is the program name); the benchmark
/// starts the server through it.
pub fn main_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    bound_allocator_arenas();
    let cli = Cli::parse_from(args);
    init_tracing();
    let result = match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(args),
        Command::Init { data } => init(data),
        Command::Check { repair_reports, data } => check(data, repair_reports),
        Command::Backup { to, data } => backup(to, data),
        Command::Restore { file, data } => restore(&file, data),
        Command::Export { to, data } => export(&to, data),
        Command::Seed { profile, data } => seed(&profile, &data.data).map(|_| ExitCode::SUCCESS),
        Command::Demo { addr, data } => demo(addr, data),
        Command::User(UserCommand::ResetPassword { name, data }) => reset_password(&name, data),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("wrenchdesk: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn serve(args: ServeArgs) -> Result<ExitCode, String> {
    let config = Config {
        addr: args.addr,
        data_dir: args.data.data.clone(),
        backups_dir: args.data.backups.clone(),
        admin_password: std::env::var("WRENCHDESK_ADMIN_PASSWORD").ok(),
        daily_backups: args.daily_backups,
        slow_client: crate::web::SLOW_CLIENT,
        faults: None,
    };
    runtime()?.block_on(async move {
        let server = Server::start(config).await.map_err(|e| e.to_string())?;
        if let Some(password) = &server.initial_admin_password {
            println!("initial admin password: {password}");
        }
        let data = std::fs::canonicalize(&args.data.data).unwrap_or(args.data.data.clone());
        println!("wrenchdesk listening on http://{}", server.addr);
        println!("phones and other computers in the shop: {}", server.lan_base_url);
        println!("data directory: {}", data.display());
        shutdown_signal().await;
        println!("shutting down…");
        server.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn seed(profile: &str, data: &std::path::Path) -> Result<(), String> {
    let profile = crate::seed::Profile::parse(profile).ok_or_else(|| format!("unknown profile {profile}"))?;
    let store = Store::open(data).map_err(|e| e.to_string())?;
    let mut last = std::time::Instant::now();
    let summary = crate::seed::run(&store, profile, &mut |line| {
        if last.elapsed().as_millis() >= 500 {
            eprintln!("seeding: {line}");
            last = std::time::Instant::now();
        }
    })
    .map_err(|e| e.to_string())?;
    println!(
        "seeded {} users, {} customers, {} vehicles, {} contacts, {} work orders with {} lines, {} parts from {} \
         suppliers with {} stock movements and {} stocktakes, {} payments ({} of them voids) and {} refunded \
         part lines, {} appointments in {:.1} s into {}",
        summary.users,
        summary.customers,
        summary.vehicles,
        summary.contacts,
        summary.orders,
        summary.lines,
        summary.parts,
        summary.suppliers,
        summary.stock_moves,
        summary.stocktakes,
        summary.payments,
        summary.voids,
        summary.refunds,
        summary.appointments,
        summary.seconds,
        data.display()
    );
    println!(
        "staff accounts (admin, manager, advisor, tech, cashier, parts, …) use the password: {}",
        crate::seed::STAFF_PASSWORD
    );
    Ok(())
}

fn demo(addr: SocketAddr, data: PathBuf) -> Result<ExitCode, String> {
    let fresh = !data.join(store::DB_FILE).exists();
    if fresh {
        seed("demo", &data)?;
    } else {
        println!("using the demo shop already in {}", data.display());
    }
    serve(ServeArgs {
        addr,
        daily_backups: true,
        data: DataArgs { data: data.clone(), backups: data.join("backups") },
    })
}

/// Opens the store of `data`; a migration's backup goes to its backups directory.
fn open(data: &DataArgs) -> Result<Store, store::StoreError> {
    Store::open_with(
        &data.data,
        store::StoreOptions { backups_dir: Some(data.backups.clone()), faults: None },
    )
}

fn backup(to: Option<PathBuf>, data: DataArgs) -> Result<ExitCode, String> {
    let store = match open(&data) {
        Ok(store) => store,
        // The server holds the file: it makes the backup, from its own read transaction.
        Err(store::StoreError::InUse(_)) => return backup_through_server(to, &data),
        Err(e) => return Err(e.to_string()),
    };
    let to = to.unwrap_or_else(|| {
        data.backups.join(format!("wrenchdesk-{}.redb", chrono::Utc::now().format("%Y%m%d-%H%M%S")))
    });
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let started = std::time::Instant::now();
    let info = store.backup_to(&to).map_err(|e| e.to_string())?;
    println!(
        "backup written and verified: {} ({:.1} MB, {} records, schema version {}) in {:.1} s ({})",
        info.path.display(),
        info.bytes as f64 / 1e6,
        info.records,
        info.schema_version,
        started.elapsed().as_secs_f64(),
        info.timing()
    );
    Ok(ExitCode::SUCCESS)
}

/// `wrenchdesk export --to FILE`: the zip is written to `FILE.partial` and renamed when whole,
/// with progress on standard error.
fn export(to: &std::path::Path, data: DataArgs) -> Result<ExitCode, String> {
    let store = match open(&data) {
        Ok(store) => store,
        Err(store::StoreError::InUse(_)) => {
            return Err(format!(
                "the server is running on {}: download the export from Administration → Export, or stop \
                 the server first",
                data.data.display()
            ));
        }
        Err(e) => return Err(e.to_string()),
    };
    let tz = store.read_now(store::settings::get).map_err(|e| e.to_string())?.tz();
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file =
        std::fs::File::create(&partial).map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let started = std::time::Instant::now();
    let mut last = std::time::Instant::now();
    let mut progress = |p: store::export::Progress<'_>| {
        if last.elapsed().as_millis() >= 500 || (p.total > 0 && p.done == p.total) {
            if p.total > 0 {
                eprintln!("exporting {}: {} of {} rows", p.file, p.done, p.total);
            } else {
                eprintln!("exporting {}: {} rows", p.file, p.done);
            }
            last = std::time::Instant::now();
        }
    };
    let written = store.read_now(|tx| {
        let out = std::io::BufWriter::with_capacity(1 << 20, &file);
        store::export::export_tx(tx, out, tz, &mut progress)
    });
    let summary = match written.and_then(|s| {
        file.sync_all().map_err(|e| store::StoreError::storage("syncing the export", e))?;
        Ok(s)
    }) {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.to_string());
        }
    };
    std::fs::rename(&partial, to)
        .map_err(|e| format!("cannot rename {} to {}: {e}", partial.display(), to.display()))?;
    let rows: u64 = summary.files.iter().map(|f| f.rows).sum();
    println!(
        "export written: {} ({:.1} MB, {} files, {} rows, {} photos) in {:.1} s",
        to.display(),
        summary.bytes as f64 / 1e6,
        summary.files.len(),
        rows,
        summary.photos,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Asks the running server for a backup over its control socket.
#[cfg(unix)]
fn backup_through_server(to: Option<PathBuf>, data: &DataArgs) -> Result<ExitCode, String> {
    use std::io::{BufRead, Write};
    let socket = data.data.join(crate::server::SOCKET_FILE);
    let started = std::time::Instant::now();
    let mut stream = std::os::unix::net::UnixStream::connect(&socket).map_err(|e| {
        format!(
            "the server is running on {} but does not answer on {}: {e}",
            data.data.display(),
            socket.display()
        )
    })?;
    let to = match to {
        Some(to) => std::path::absolute(&to).map_err(|e| e.to_string())?.display().to_string(),
        None => String::new(),
    };
    writeln!(stream, "backup {to}").map_err(|e| e.to_string())?;
    let mut answer = String::new();
    std::io::BufReader::new(stream).read_line(&mut answer).map_err(|e| e.to_string())?;
    let mut words = answer.trim().splitn(5, ' ');
    match words.next() {
        Some("ok") => {
            let (path, bytes, records, schema) = (words.next(), words.next(), words.next(), words.next());
            let mb = bytes.and_then(|b| b.parse::<f64>().ok()).unwrap_or(0.0) / 1e6;
            println!(
                "backup made by the running server and verified: {} ({mb:.1} MB, {} records, schema version {}) in {:.1} s",
                path.unwrap_or("?"),
                records.unwrap_or("?"),
                schema.unwrap_or("?"),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!(
            "the server could not make the backup: {}",
            answer.trim().trim_start_matches("error ")
        )),
    }
}

#[cfg(not(unix))]
fn backup_through_server(_: Option<PathBuf>, data: &DataArgs) -> Result<ExitCode, String> {
    Err(format!("the server is running on {}: stop it to make a backup", data.data.display()))
}

fn restore(file: &std::path::Path, data: DataArgs) -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    let (info, kept) = match open(&data) {
        Ok(live) => {
            let restored = live.restore(file, &data.backups).map_err(|e| e.to_string())?;
            println!(
                "the data was held for {:.1} s (putting it aside, swapping, reopening)",
                restored.paused.as_secs_f64()
            );
            (restored.from, restored.replaced.path)
        }
        Err(store::StoreError::InUse(_)) => {
            return Err(format!(
                "the server is running on {}: stop it first, or restore from Administration → Backups",
                data.data.display()
            ));
        }
        // The current data does not open: it is kept as it is, and the backup replaces it.
        Err(e) => {
            eprintln!("the current data does not open ({e}); replacing it");
            store::backup::restore_over_damaged(file, &data.data, &data.backups).map_err(|e| e.to_string())?
        }
    };
    println!("the data it replaces is kept in {}", kept.display());
    println!(
        "restored {} ({} records, schema version {}) into {} in {:.1} s; everyone signs in again",
        info.path.display(),
        info.records,
        info.schema_version,
        data.data.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn init(data: DataArgs) -> Result<ExitCode, String> {
    let store = match open(&data) {
        Ok(store) => store,
        Err(store::StoreError::InUse(_)) => {
            println!("the server is running on {}: already set up", data.data.display());
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => return Err(e.to_string()),
    };
    std::fs::create_dir_all(&data.backups)
        .map_err(|e| format!("cannot create {}: {e}", data.backups.display()))?;
    let users = store.read_now(users::list).map_err(|e| e.to_string())?;
    if !users.is_empty() {
        println!("the data in {} is already set up ({} users)", data.data.display(), users.len());
        return Ok(ExitCode::SUCCESS);
    }
    let given = std::env::var("WRENCHDESK_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
    let password = given.clone().unwrap_or_else(|| crate::password::random_password(16));
    let hash = crate::password::hash(&password);
    let created = store.write_now(|tx| users::create_first_admin_tx(tx, hash)).map_err(|e| e.to_string())?;
    if created && given.is_none() {
        println!("initial admin password: {password}");
    }
    println!(
        "set up {} (sign in as admin; the password must be changed at first sign-in)",
        data.data.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(args: DataArgs, repair_reports: bool) -> Result<ExitCode, String> {
    if repair_reports {
        let store = open(&args).map_err(|e| e.to_string())?;
        store.write_now(store::reports::repair_tx).map_err(|e| e.to_string())?;
        println!("report totals rebuilt from the records");
        store.write_now(|tx| store::care::reindex_tx(tx).map(|_| ())).map_err(|e| e.to_string())?;
        println!("due lists placed again in the shop's time zone");
    }
    let report = store::check::run(&args.data).map_err(|e| e.to_string())?;
    for line in &report.checked {
        println!("ok      {line}");
    }
    for problem in &report.problems {
        println!("PROBLEM {problem}");
    }
    if report.problems.is_empty() {
        println!("the database is consistent");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{} problem(s) found", report.problems.len());
        Ok(ExitCode::from(2))
    }
}

fn reset_password(name: &str, data: DataArgs) -> Result<ExitCode, String> {
    let name =
        crate::domain::Username::parse(name).map_err(|_| format!("{name:?} is not a valid username"))?;
    let store = open(&data).map_err(|e| e.to_string())?;
    let user = store
        .read_now(|tx| users::find_by_name(tx, &name))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user named {name}"))?;
    let password = crate::password::random_password(16);
    let hash = crate::password::hash(&password);
    let actor = Actor::system();
    store
        .write_now(|tx| {
            users::set_password_tx(tx, &actor, user.id, None, hash, true)?;
            store::sessions::end_all_for_user_tx(tx, user.id)?;
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    println!("new password for {name}: {password}");
    println!("(it must be changed at the next sign-in)");
    Ok(ExitCode::SUCCESS)
}

/// Caps glibc's allocator at two arenas. By default every thread that allocates under
/// contention gets an arena of its own (up to eight per core), and what a blocking-pool thread
/// freed after a report or a photo stays in its arena: on the ten-years data the benchmark's
/// page and write scenarios peaked at 351 MB with the default and 191 MB with two arenas.
/// Elsewhere than glibc this does nothing.
fn bound_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes a setting of the allocator; called before other threads
    // start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
