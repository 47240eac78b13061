//! `spawn_app()` and the small vocabulary the tests are written in.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use reqwest::{Client, Response, StatusCode};
use tempfile::TempDir;
use wrenchdesk::server::{Config, Server};
use wrenchdesk::store::faults::Faults;

pub const ADMIN_INITIAL: &str = "first-start-secret";
pub const ADMIN_PASSWORD: &str = "admin-chosen-password";

pub struct TestApp {
    pub base: String,
    pub addr: SocketAddr,
    pub data: PathBuf,
    _dir: Option<TempDir>,
    server: Option<Server>,
}

/// A server on a random loopback port over a new, empty data directory. The first admin's
/// password is [`ADMIN_INITIAL`].
pub async fn spawn_app() -> TestApp {
    spawn_app_over(None).await
}

/// A server whose storage fails on command (see `wrenchdesk::store::faults`).
pub async fn spawn_faulty_app(faults: std::sync::Arc<Faults>) -> TestApp {
    spawn_app_over(Some(faults)).await
}

async fn spawn_app_over(faults: Option<std::sync::Arc<Faults>>) -> TestApp {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().join("data");
    let server = start_config(&data, false, faults).await;
    TestApp {
        base: format!("http://{}", server.addr),
        addr: server.addr,
        data,
        _dir: Some(dir),
        server: Some(server),
    }
}

async fn start(data: &std::path::Path) -> Server {
    start_with(data, false).await
}

async fn start_with(data: &std::path::Path, daily_backups: bool) -> Server {
    start_config(data, daily_backups, None).await
}

async fn start_config(
    data: &std::path::Path,
    daily_backups: bool,
    faults: Option<std::sync::Arc<Faults>>,
) -> Server {
    let config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.to_path_buf(),
        backups_dir: data.with_file_name("backups"),
        admin_password: Some(ADMIN_INITIAL.into()),
        daily_backups,
        slow_client: std::time::Duration::from_secs(2),
        faults,
    };
    Server::start(config).await.expect("server starts")
}

/// The real binary as a child process on a fresh data directory, for measuring the server's
/// own memory (tests share this process, so its figures include every other test). It is
/// killed when the guard is dropped.
pub async fn spawn_child_app() -> (TestApp, ChildServer) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().join("data");
    let (mut app, child) = spawn_child_on(&data).await;
    app._dir = Some(dir);
    (app, child)
}

/// The real binary as a child process on `data` (which outlives it).
pub async fn spawn_child_on(data: &std::path::Path) -> (TestApp, ChildServer) {
    let data = data.to_path_buf();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_wrenchdesk"))
        .args(["serve", "--addr", &addr.to_string(), "--daily-backups", "false"])
        .arg("--data")
        .arg(&data)
        .arg("--backups")
        .arg(data.with_file_name("backups"))
        .env("WRENCHDESK_ADMIN_PASSWORD", ADMIN_INITIAL)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the server binary");
    let guard = ChildServer(child);
    let base = format!("http://{addr}");
    for _ in 0..2400 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status().is_success()) {
            let app = TestApp { base, addr, data, _dir: None, server: None };
            return (app, guard);
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the server binary did not start");
}

/// A [`TestApp`] for a server started elsewhere (a child process) on `addr` over `data`.
pub fn attach(addr: SocketAddr, data: PathBuf) -> TestApp {
    TestApp { base: format!("http://{addr}"), addr, data, _dir: None, server: None }
}

pub struct ChildServer(std::process::Child);

impl ChildServer {
    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// SIGKILL: no shutdown, no flush, as in a power cut of the process.
    pub fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
///
/// Idle connections are dropped after 1 s: the test server closes a connection that has been
/// idle for 2 s, and a request sent on one it is closing at that moment gets no answer (seen
/// when a loaded machine pauses a test between two requests).
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap()
}

/// The same, connecting from another loopback address (another machine, as far as the server
/// can tell).
pub fn client_from(ip: &str) -> Client {
    let ip: IpAddr = ip.parse().unwrap();
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip)
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap()
}

pub fn location(response: &Response) -> String {
    response.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// The `content` of `<meta name="csrf-token">` or the `csrf` hidden field in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    for marker in ["name=\"csrf-token\" content=\"", "name=\"csrf\" value=\""] {
        if let Some(at) = html.find(marker) {
            let rest = &html[at + marker.len()..];
            return Some(rest[..rest.find('"')?].to_string());
        }
    }
    None
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, client: &Client, path: &str) -> (StatusCode, String) {
        let response = self.get(client, path).await;
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// The CSRF token a page gives this client.
    pub async fn csrf(&self, client: &Client, path: &str) -> String {
        let (_, html) = self.get_text(client, path).await;
        csrf_in(&html).unwrap_or_else(|| panic!("no CSRF token on {path}"))
    }

    /// Posts a form with the CSRF token of the page at `from`.
    pub async fn post_form(
        &self,
        client: &Client,
        from: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let token = self.csrf(client, from).await;
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        fields.push(("csrf", &token));
        client.post(self.url(path)).form(&fields).send().await.expect("POST")
    }

    pub async fn login(&self, client: &Client, username: &str, password: &str) -> Response {
        self.post_form(client, "/login", "/login", &[("username", username), ("password", password)]).await
    }

    pub async fn change_password(&self, client: &Client, current: &str, new: &str) -> Response {
        self.post_form(
            client,
            "/account/password",
            "/account/password",
            &[("current_password", current), ("new_password", new), ("confirm_password", new)],
        )
        .await
    }

    /// A client signed in as the admin, past the first-login password change. Call once per
    /// app; later admin clients come from [`TestApp::admin_again`].
    pub async fn admin(&self) -> Client {
        let client = client();
        let response = self.login(&client, "admin", ADMIN_INITIAL).await;
        assert_eq!(location(&response), "/account/password", "first sign-in asks for a new password");
        let response = self.change_password(&client, ADMIN_INITIAL, ADMIN_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "admin sets a password");
        client
    }

    /// Another admin session, after [`TestApp::admin`] set the password.
    pub async fn admin_again(&self) -> Client {
        let client = client();
        let response = self.login(&client, "admin", ADMIN_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        client
    }

    /// Creates a user through the admin page; returns a client signed in as that user (past
    /// the first-login change, with password `<username>-password`).
    pub async fn user_with_roles(&self, admin: &Client, username: &str, roles: &[&str]) -> Client {
        let initial = format!("{username}-initial");
        let mut fields =
            vec![("username", username), ("display_name", username), ("password", initial.as_str())];
        for role in roles {
            fields.push(("roles", role));
        }
        let response = self.post_form(admin, "/admin/users", "/admin/users", &fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "user {username} created");
        let client = client();
        let response = self.login(&client, username, &initial).await;
        assert_eq!(location(&response), "/account/password");
        let response = self.change_password(&client, &initial, &format!("{username}-password")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        client
    }

    /// The id of a user, from the admin's user list.
    pub async fn user_id(&self, admin: &Client, username: &str) -> u64 {
        let (_, page) = self.get_text(admin, "/admin/users").await;
        let link = format!(">{username}</a>");
        let end = page.find(&link).unwrap_or_else(|| panic!("{username} listed"));
        let start = page[..end].rfind("/admin/users/").unwrap() + "/admin/users/".len();
        page[start..end - 1].parse().unwrap()
    }

    /// Saves the shop settings: every field as a new shop has it, except `changes`.
    pub async fn save_settings(&self, admin: &Client, changes: &[(&'static str, &str)]) {
        let mut fields: Vec<(&str, &str)> = vec![
            ("shop_name", "wrenchdesk"),
            ("shop_address", ""),
            ("shop_phone", ""),
            ("default_lang", "zh"),
            ("time_zone", "Asia/Shanghai"),
            ("password_min_len", "10"),
            ("session_idle_minutes", "120"),
            ("session_absolute_hours", "12"),
            ("technician_session_hours", "12"),
            ("public_base_url", ""),
            ("customer_sources", "walk_in\nreferral\nonline\ninsurer\nfleet\nother"),
            ("customer_levels", "ordinary\nsilver\ngold\nvip"),
            ("labour_rate", "120"),
            ("order_number_format", "{date}-{seq}"),
            ("backup_time", "02:00"),
            ("backup_keep", "14"),
        ];
        fields.retain(|(name, _)| !changes.iter().any(|(changed, _)| changed == name));
        fields.extend_from_slice(changes);
        let response = self.post_form(admin, "/admin/settings", "/admin/settings", &fields).await;
        assert_eq!(location(&response), "/admin/settings?saved=1", "settings saved");
    }

    /// The running server's store (for fingerprints of the stored data).
    pub fn store(&self) -> &wrenchdesk::store::Store {
        &self.server.as_ref().expect("an in-process server").state.store
    }

    /// A hash of every business table (not sessions or the audit trail): equal before and
    /// after means nothing was stored.
    pub async fn fingerprint(&self) -> u64 {
        self.store().read(wrenchdesk::store::backup::fingerprint).await.unwrap()
    }

    /// Stops the server (if running) and starts it again on the same data.
    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        let server = start(&self.data).await;
        self.addr = server.addr;
        self.base = format!("http://{}", server.addr);
        self.server = Some(server);
    }

    /// Restarts the server with its daily backup switched on, as in the shop.
    pub async fn restart_with_daily_backups(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        let server = start_with(&self.data, true).await;
        self.addr = server.addr;
        self.base = format!("http://{}", server.addr);
        self.server = Some(server);
    }

    /// Stops the server; the data directory stays until the app is dropped.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }
}

/// Held by tests that decode pictures or measure the process's memory, so that one's
/// allocations do not show up in another's measurement (tests share one process).
pub static MEMORY_HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Posts a multipart form as a phone sends one: its CSRF token, `fields` and perhaps a photo.
pub async fn post_with_photo(
    app: &TestApp,
    c: &Client,
    path: &str,
    fields: &[(&str, &str)],
    photo: Option<reqwest::multipart::Part>,
) -> Response {
    let mut form = reqwest::multipart::Form::new().text("csrf", app.csrf(c, "/").await);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some(p) = photo {
        form = form.part("photo", p);
    }
    c.post(app.url(path)).multipart(form).send().await.expect("POST a form with a photo")
}
