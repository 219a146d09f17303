//! The I/O edge of sparse registries (`crate::registries` checks and builds; this fetches):
//! the name `.cargo/config.toml` gives each locked index, and each index's `config.json`,
//! fetched by the daemon with the registry's token as cargo would send it.
//!
//! cargo asks a registry for `config.json` without a token and sends one after a 401. A
//! frontend cannot see which secrets the client passed, and a failed fetch shows as an error
//! line in the build's progress, so the order is turned round: with the token first (the
//! private registry, the case this is for, then shows no failure), and without it only when
//! the client passed none. The downloads send the token when `config.json` says
//! `auth-required`, as cargo does.

use super::bridge::Bridge;
use super::error::FrontendError;
use crate::gateway::RefId;
use crate::llb::{self, Caps, Definition};
use crate::lockfile::{Registry, RegistryCrate, SparseIndex};
use crate::package_key::PackageKey;
use crate::registries::{self, IndexConfig, RegistryAccess};
use std::collections::BTreeMap;

/// The cap the daemon needs to send a token with a download (`http.authheadersecret`).
const HTTP_AUTH_CAP: &str = "source.http.auth";
/// The file the config fetch's output holds.
const CONFIG_FILE: &str = "config.json";

/// How each sparse registry `crates` are locked from is fetched. `cargo_config` is the
/// project's `.cargo/config.toml` (name and bytes), when the context has one.
pub async fn load(
    bridge: &mut impl Bridge,
    caps: &Caps,
    crates: &[RegistryCrate],
    cargo_config: Option<(&str, &[u8])>,
) -> Result<BTreeMap<SparseIndex, RegistryAccess>, FrontendError> {
    let mut packages: BTreeMap<&SparseIndex, Vec<&PackageKey>> = BTreeMap::new();
    for krate in crates {
        if let Registry::Sparse(index) = &krate.registry {
            packages.entry(index).or_default().push(&krate.key);
        }
    }
    if packages.is_empty() {
        return Ok(BTreeMap::new());
    }
    let (file, names) = match cargo_config {
        Some((file, bytes)) => (file, registries::names_from_cargo_config(file, bytes)?),
        None => (registries::CARGO_CONFIG_FILES[1], BTreeMap::new()),
    };
    let mut accesses = BTreeMap::new();
    for (index, keys) in packages {
        let name = registries::name_of(file, &names, index, &keys)?.to_owned();
        let access = registry_access(bridge, caps, index, name).await?;
        accesses.insert(index.clone(), access);
    }
    Ok(accesses)
}

/// Reads `index`'s `config.json` (with the token when the client passed it) and decides what
/// the downloads send.
async fn registry_access(
    bridge: &mut impl Bridge,
    caps: &Caps,
    index: &SparseIndex,
    name: String,
) -> Result<RegistryAccess, FrontendError> {
    let secret = registries::token_secret_id(&name);
    let url = index.config_url();
    let can_send_token = caps.supports(HTTP_AUTH_CAP);
    let with_token = match can_send_token {
        true => fetch_config(bridge, caps, &url, &name, Some(&secret)).await?,
        false => Fetch::NoSecret,
    };
    let (bytes, token_sent) = match with_token {
        Fetch::Fetched(bytes) => (bytes, true),
        Fetch::Refused(status) => {
            return Err(FrontendError::Usage(format!(
                "the registry `{name}` refused the token in the secret `{secret}` ({status} for \
                 {url}); pass a valid token with `--secret id={secret},env={secret}`"
            )));
        }
        Fetch::NoSecret => match fetch_config(bridge, caps, &url, &name, None).await? {
            Fetch::Fetched(bytes) => (bytes, false),
            Fetch::Refused(status) => {
                return Err(token_needed(&name, &url, &status, can_send_token));
            }
            // Only a fetch with a secret can lack it; told as a refusal all the same.
            Fetch::NoSecret => return Err(token_needed(&name, &url, "no token", can_send_token)),
        },
    };
    let config = IndexConfig::parse(&name, &url, &bytes)?;
    let token_secret = match (config.auth_required, token_sent) {
        (true, true) => Some(secret),
        (true, false) => {
            return Err(token_needed(&name, &url, "auth-required", can_send_token));
        }
        (false, _) => None,
    };
    Ok(RegistryAccess {
        name,
        config,
        token_secret,
    })
}

/// The error for a registry that asks for a token the build cannot send.
fn token_needed(name: &str, url: &str, why: &str, can_send_token: bool) -> FrontendError {
    let secret = registries::token_secret_id(name);
    FrontendError::Usage(match can_send_token {
        true => format!(
            "the registry `{name}` asks for a token ({why} for {url}); pass it as cargo reads \
             it, with `--secret id={secret},env={secret}`"
        ),
        false => format!(
            "the registry `{name}` asks for a token ({why} for {url}), and this daemon cannot \
             send one with a download (cap `{HTTP_AUTH_CAP}`: BuildKit 0.21+, Docker 28.1+)"
        ),
    })
}

/// How one fetch of `config.json` ended.
enum Fetch {
    Fetched(Vec<u8>),
    /// The registry answered 401 or 403.
    Refused(String),
    /// The client passed no secret of that id.
    NoSecret,
}

async fn fetch_config(
    bridge: &mut impl Bridge,
    caps: &Caps,
    url: &str,
    name: &str,
    secret: Option<&str>,
) -> Result<Fetch, FrontendError> {
    let mut source = llb::http(url)?.with_filename(CONFIG_FILE)?;
    let vertex = match secret {
        Some(secret) => {
            source = source.with_auth_header_secret(secret)?;
            format!("[internal] load registry {name}'s config.json with the token {secret}")
        }
        None => format!("[internal] load registry {name}'s config.json"),
    };
    let definition = Definition::marshal(&source.with_name(vertex).output())?;
    caps.check(&definition)?;
    let reference: RefId = match bridge.solve(&definition).await {
        Ok(reference) => reference,
        Err(error) => {
            let message = error
                .failed_vertices()
                .map(|(_, message)| message.to_owned())
                .unwrap_or_else(|| error.to_string());
            return match refusal(&message) {
                Some(Refusal::NoSecret) if secret.is_some() => Ok(Fetch::NoSecret),
                Some(Refusal::Status(status)) => Ok(Fetch::Refused(status)),
                _ => Err(FrontendError::Usage(format!(
                    "cannot fetch the registry `{name}`'s {url}: {message}; check its index \
                     url in `.cargo/config.toml` and that the daemon can reach it"
                ))),
            };
        }
    };
    // One byte past the limit, so that `IndexConfig::parse` tells a file that is too large.
    let limit = registries::MAX_INDEX_CONFIG_BYTES + 1;
    Ok(Fetch::Fetched(
        bridge
            .read_file_head(&reference, CONFIG_FILE, limit)
            .await?,
    ))
}

enum Refusal {
    NoSecret,
    Status(String),
}

/// What BuildKit's http source says when it had no secret to send, or the server said no.
fn refusal(message: &str) -> Option<Refusal> {
    if message.contains("failed to retrieve HTTP auth secret") {
        return Some(Refusal::NoSecret);
    }
    ["401", "403"]
        .into_iter()
        .find(|status| message.contains(&format!("invalid response status {status}")))
        .map(|status| Refusal::Status(format!("HTTP {status}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildkits_words_for_a_missing_secret_and_a_refusal_are_told_apart() {
        let missing = "failed to retrieve HTTP auth secret CARGO_REGISTRIES_R_TOKEN: not found";
        assert!(matches!(refusal(missing), Some(Refusal::NoSecret)));
        let refused = "invalid response status 401";
        assert!(matches!(refusal(refused), Some(Refusal::Status(s)) if s == "HTTP 401"));
        assert!(refusal("dial tcp 127.0.0.1:1: connect: connection refused").is_none());
    }
}
