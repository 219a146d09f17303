//! Real ssh parts for the tests: an `ssh-agent` holding a fresh key, and an `sshd` on a free
//! loopback port that accepts only that key (for a private git repository over `--ssh`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An `ssh-agent` on a socket in `dir`, holding one new key with `comment`; killed when
/// dropped.
pub struct Agent {
    pub socket: PathBuf,
    /// The key's public half (`id_ed25519.pub`), for an `authorized_keys`.
    pub public_key: PathBuf,
    process: Child,
}

impl Agent {
    pub fn start(dir: &Path, comment: &str) -> Self {
        let key = dir.join("id_ed25519");
        let status = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
            .arg(&key)
            .status()
            .expect("ssh-keygen runs (openssh-client)");
        assert!(status.success(), "ssh-keygen failed");
        let socket = dir.join("agent.sock");
        let process = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .spawn()
            .expect("ssh-agent runs (openssh-client)");
        for _ in 0..100 {
            if socket.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let status = Command::new("ssh-add")
            .arg("-q")
            .arg(&key)
            .env("SSH_AUTH_SOCK", &socket)
            .status()
            .expect("ssh-add runs");
        assert!(status.success(), "ssh-add failed");
        Agent {
            socket,
            public_key: dir.join("id_ed25519.pub"),
            process,
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// An `sshd` on a free loopback port that lets the user running the tests in with the key
/// `authorized` only (no passwords), logging every login; killed when dropped. Debian's
/// openssh-server, which `make setup` installs without starting its service.
pub struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    process: Child,
}

impl Sshd {
    pub fn start(authorized: &Path) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("cargo-frontend-sshd-")
            .tempdir()
            .expect("temp dir");
        let host_key = dir.path().join("host_ed25519");
        let status = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&host_key)
            .status()
            .expect("ssh-keygen runs");
        assert!(status.success(), "ssh-keygen failed");
        std::fs::copy(authorized, dir.path().join("authorized_keys")).expect("copy the key");
        // sshd's privilege separation directory, which the service would make.
        std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("a free loopback port")
                .port();
            let config = dir.path().join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nAuthorizedKeysFile {keys}\n\
                     PidFile {pid}\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nLogLevel VERBOSE\n",
                    host = host_key.display(),
                    keys = dir.path().join("authorized_keys").display(),
                    pid = dir.path().join("sshd.pid").display(),
                ),
            )
            .expect("write sshd_config");
            let log = dir.path().join("sshd.log");
            let mut process = Command::new("/usr/sbin/sshd")
                .arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("create the sshd log"))
                .spawn()
                .expect("sshd runs (openssh-server: make setup installs it)");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                if text.contains("Server listening on 127.0.0.1") {
                    return Sshd { dir, port, process };
                }
                if process.try_wait().expect("wait for sshd").is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = process.kill();
            let _ = process.wait();
        }
        panic!(
            "sshd did not start on any of 5 free ports: {}",
            std::fs::read_to_string(dir.path().join("sshd.log")).unwrap_or_default()
        );
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its host key as a `known_hosts` line (`[127.0.0.1]:PORT ssh-ed25519 KEY`), as
    /// `ssh-keyscan -p PORT 127.0.0.1` prints it.
    pub fn known_hosts_line(&self) -> String {
        let public = std::fs::read_to_string(self.dir.path().join("host_ed25519.pub"))
            .expect("read the host's public key");
        let mut fields = public.split_whitespace();
        let (kind, key) = (
            fields.next().expect("a key type"),
            fields.next().expect("a key"),
        );
        format!("[127.0.0.1]:{} {kind} {key}", self.port)
    }

    /// Everything sshd has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// How many logins with a key it has let in.
    pub fn accepted_logins(&self) -> usize {
        self.log().matches("Accepted publickey for ").count()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
