//! `kiosk/install.sh` run as a new shop would run it, against a throwaway root directory
//! (`--root`): every file it writes, the unit checked by `systemd-analyze verify` where systemd
//! is present, the binary started the way the unit's `ExecStart` starts it, an upgrade in place
//! that keeps the settings and the data, and an uninstall that keeps them too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::*;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk/install.sh")
}

/// Runs the installer; its exit status and everything it printed.
fn install(root: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("bash")
        .arg(script())
        .arg("--root")
        .arg(root)
        .args(args)
        .env("RUST_LOG", "error")
        .env_remove("WRENCHDESK_ADMIN_PASSWORD")
        .output()
        .expect("run install.sh");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `KEY=value` lines, as systemd's `EnvironmentFile=` reads them (comments and blanks skipped).
fn env_file(path: &Path) -> BTreeMap<String, String> {
    read(path)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("not KEY=value: {l}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn unit_value(unit: &str, key: &str) -> String {
    let prefix = format!("{key}=");
    let mut found = unit.lines().filter_map(|l| l.strip_prefix(&prefix));
    let value = found.next().unwrap_or_else(|| panic!("the unit has no {key}=:\n{unit}"));
    value.to_string()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[tokio::test]
async fn the_installer_sets_up_the_box_upgrades_it_in_place_and_uninstalls_keeping_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let binary = env!("CARGO_BIN_EXE_wrenchdesk");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");

    // First install, with the reception screen showing the board on a TV.
    let (ok, text) = tokio::task::spawn_blocking({
        let (root, addr) = (root.clone(), addr.clone());
        move || {
            install(
                &root,
                &[
                    "--binary",
                    binary,
                    "--addr",
                    &addr,
                    "--kiosk",
                    "shopscreen",
                    "--board",
                    "--board-url",
                    "http://box.lan:8080/board?view=waiting",
                ],
            )
        }
    })
    .await
    .unwrap();
    assert!(ok, "{text}");
    let password: Vec<&str> =
        text.lines().filter_map(|l| l.strip_prefix("initial admin password: ")).collect();
    assert_eq!(password.len(), 1, "the first admin password is printed once:\n{text}");
    let password = password[0].trim().to_string();
    assert!(password.len() >= 12, "{password}");

    // Every file it wrote.
    let bin = root.join("usr/local/bin/wrenchdesk");
    assert_eq!(std::fs::read(&bin).unwrap(), std::fs::read(binary).unwrap(), "the binary is installed");
    let data = root.join("var/lib/wrenchdesk");
    let backups = data.join("backups");
    assert!(data.join(wrenchdesk::store::DB_FILE).is_file(), "the database is created");
    assert!(backups.is_dir());
    let env_path = root.join("etc/wrenchdesk/wrenchdesk.env");
    let env = env_file(&env_path);
    assert_eq!(env["WRENCHDESK_ADDR"], addr);
    assert_eq!(Path::new(&env["WRENCHDESK_DATA"]), data);
    assert_eq!(Path::new(&env["WRENCHDESK_BACKUPS"]), backups);
    assert_eq!(env["WRENCHDESK_DAILY_BACKUPS"], "true");
    assert!(env.keys().all(|k| k.starts_with("WRENCHDESK_") || k == "RUST_LOG"), "{env:?}");
    let unit_path = root.join("etc/systemd/system/wrenchdesk.service");
    let unit = read(&unit_path);
    for line in [
        "Restart=on-failure",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "User=wrenchdesk",
        "WantedBy=multi-user.target",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line}:\n{unit}");
    }
    assert_eq!(Path::new(&unit_value(&unit, "ReadWritePaths")), data, "the service may write its data only");
    assert_eq!(Path::new(&unit_value(&unit, "EnvironmentFile")), env_path);
    #[cfg(unix)]
    {
        assert_eq!(mode(&bin), 0o755);
        assert_eq!(mode(&env_path), 0o640, "the settings are not for everyone to read");
        assert_eq!(mode(&data), 0o750);
    }
    // The kiosk session: autologin on the first console, X running only the kiosk on the board.
    let autologin = read(&root.join("etc/systemd/system/getty@tty1.service.d/wrenchdesk-kiosk.conf"));
    assert!(autologin.contains("--autologin shopscreen"), "{autologin}");
    let home = root.join("home/shopscreen");
    let xinitrc = read(&home.join(".xinitrc"));
    assert!(xinitrc.contains("WRENCHDESK_URL=http://box.lan:8080/board?view=waiting"), "{xinitrc}");
    assert!(xinitrc.contains("WRENCHDESK_KIOSK_LOOP=1"), "{xinitrc}");
    let kiosk = root.join("usr/local/bin/wrenchdesk-kiosk");
    assert_eq!(read(&kiosk), read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk/start-kiosk.sh")));
    assert!(read(&home.join(".bash_profile")).contains("exec startx"));

    // systemd's own check of the unit, where systemd is installed.
    match Command::new("systemd-analyze").arg("verify").arg(&unit_path).output() {
        Err(_) => eprintln!("systemd-analyze is not installed: the unit's verification is skipped"),
        Ok(out) => {
            let said =
                format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            let about_ours: Vec<&str> = said.lines().filter(|l| l.contains("wrenchdesk.service")).collect();
            assert!(out.status.success() && about_ours.is_empty(), "systemd-analyze verify:\n{said}");
        }
    }

    // Started as the unit starts it: ExecStart with the environment file and nothing else.
    let serve = |unit: &str| {
        let exec = unit_value(unit, "ExecStart");
        let mut words = exec.split_whitespace();
        let mut command = Command::new(words.next().unwrap());
        command
            .args(words)
            .env_clear()
            .envs(env_file(Path::new(&unit_value(unit, "EnvironmentFile"))))
            .env("RUST_LOG", "error")
            .current_dir(unit_value(unit, "WorkingDirectory"))
            .stdout(std::process::Stdio::null());
        ChildGuard(command.spawn().expect("ExecStart runs"))
    };
    let server = serve(&unit);
    let app = attach(addr.parse().unwrap(), data.clone());
    wait_for_health(&app).await;
    let admin = client();
    let response = app.login(&admin, "admin", &password).await;
    assert_eq!(
        location(&response),
        "/account/password",
        "the printed password signs in, and must be changed"
    );
    app.change_password(&admin, &password, ADMIN_PASSWORD).await;
    drop(server);

    // The shop changes a setting; running the installer again upgrades in place and keeps it.
    let edited = read(&env_path).replace("WRENCHDESK_DAILY_BACKUPS=true", "WRENCHDESK_DAILY_BACKUPS=false");
    std::fs::write(&env_path, &edited).unwrap();
    let (ok, text) = tokio::task::spawn_blocking({
        let root = root.clone();
        move || install(&root, &["--binary", binary, "--addr", "0.0.0.0:9999"])
    })
    .await
    .unwrap();
    assert!(ok, "{text}");
    assert!(text.contains("replaced wrenchdesk"), "the upgrade says which version replaced which:\n{text}");
    assert!(!text.contains("initial admin password"), "no new admin on an upgrade:\n{text}");
    assert_eq!(read(&env_path), edited, "the settings are kept on upgrade");
    assert_eq!(read(&root.join("etc/systemd/system/wrenchdesk.service")), unit);
    let server = serve(&unit);
    wait_for_health(&app).await;
    let again = client();
    let response = app.login(&again, "admin", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER, "the data survived the upgrade");
    assert_ne!(location(&response), "/account/password", "the chosen password still works");
    assert_ne!(location(&response), "/login");
    drop(server);

    // Uninstall: the service, the binary and the kiosk session go; data and settings stay.
    let (ok, text) = install(&root, &["--uninstall"]);
    assert!(ok, "{text}");
    assert!(!unit_path.exists() && !bin.exists() && !kiosk.exists());
    assert!(!root.join("etc/systemd/system/getty@tty1.service.d/wrenchdesk-kiosk.conf").exists());
    assert!(data.join(wrenchdesk::store::DB_FILE).is_file() && env_path.is_file());
}

#[test]
fn the_installer_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = install(dir.path(), &["--board"]);
    assert!(!ok && text.contains("--board needs --kiosk USER"), "{text}");
    let (ok, text) =
        install(dir.path(), &["--kiosk", "Bad Name", "--binary", env!("CARGO_BIN_EXE_wrenchdesk")]);
    assert!(!ok && text.contains("not a valid user name"), "{text}");
    let (ok, text) = install(dir.path(), &["--binary", "/nonexistent/wrenchdesk"]);
    assert!(!ok && text.contains("is not an executable"), "{text}");
    assert!(!dir.path().join("etc/systemd/system/wrenchdesk.service").exists(), "a refusal writes nothing");
}

async fn wait_for_health(app: &TestApp) {
    for _ in 0..2400 {
        if reqwest::get(app.url("/healthz")).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the installed server did not answer /healthz");
}

/// The installed server, stopped (SIGTERM, as systemd stops it) when dropped.
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: sends a signal to our own child process.
        unsafe {
            libc::kill(self.0.id() as i32, libc::SIGTERM);
        }
        let _ = self.0.wait();
    }
}
