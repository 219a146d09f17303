//! Sparse registries other than crates.io (private ones, most often): the name the project's
//! `.cargo/config.toml` gives each index `Cargo.lock` locks packages from, the `--secret` its
//! token comes in, and where the index's `config.json` says each archive is.
//!
//! Architecture invariant: pure. The frontend reads `.cargo/config.toml` and each index's
//! `config.json` (`frontend::registries`); this module checks them and builds the urls.
//!
//! Both files are untrusted: a registry name becomes a secret id, and `config.json`'s `dl`
//! template becomes every archive's url. The url is built by cargo's rules
//! (<https://doc.rust-lang.org/cargo/reference/registry-index.html#index-configuration>), then
//! parsed and checked by [`crate::llb::http`] like any other download; the archive it fetches
//! is pinned by the lockfile's sha256 whatever the template says.

use crate::lockfile::SparseIndex;
use crate::package_key::PackageKey;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The project's cargo configuration, where `[registries.NAME] index` names each registry;
/// cargo reads `config` when both exist (and warns).
pub const CARGO_CONFIG_FILES: [&str; 2] = [".cargo/config", ".cargo/config.toml"];

/// The most of an index's `config.json` the frontend reads: a real one is a few hundred bytes.
pub const MAX_INDEX_CONFIG_BYTES: usize = 64 * 1024;

/// The longest `dl` template taken: with a checked name (at most 64 bytes) in every marker, the
/// url stays within a few hundred KiB however many markers it has.
const MAX_DL_TEMPLATE_BYTES: usize = 2048;

/// cargo's markers in a `dl` template; a template with none of them gets
/// `/{crate}/{version}/download` appended.
const DL_MARKERS: [&str; 5] = [
    "{crate}",
    "{version}",
    "{prefix}",
    "{lowerprefix}",
    "{sha256-checksum}",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("{file}: cannot parse: {message}; cargo would refuse it too")]
    CargoConfig { file: String, message: String },
    #[error(
        "{file}: the registry name `{name}` is not one cargo-frontend can name a secret after: \
         use ASCII letters, digits, `-` and `_`, starting with a letter or `_`"
    )]
    BadName { file: String, name: String },
    #[error(
        "Cargo.lock: {packages} come from the registry `{index}`, which no `.cargo/config.toml` \
         in the build context names; add it (cargo needs it to resolve `registry = \"NAME\"`):\n\
         \n    [registries.NAME]\n    index = \"{index}\"\n"
    )]
    NotConfigured { index: String, packages: String },
    #[error(
        "the registry `{name}`: its {url} is not a sparse index's configuration ({reason}); \
         check the index url in `.cargo/config.toml`"
    )]
    IndexConfig {
        name: String,
        url: String,
        reason: String,
    },
    #[error(
        "the registry `{name}`: its config.json's download template gives `{url}` for \
         {package}, which cannot be fetched: {reason}"
    )]
    DownloadUrl {
        name: String,
        package: String,
        url: String,
        reason: String,
    },
}

/// The registries `.cargo/config.toml` names, by index as written: `[registries.NAME] index =
/// "URL"`, which cargo compares as text with the lockfile's source (a missing trailing `/`
/// cargo refuses, and so it matches no lockfile source here). Entries without an `index` (a
/// token or a credential provider only) name no registry. Names are checked when a locked
/// package needs them ([`name_of`]).
pub fn names_from_cargo_config(
    file: &str,
    bytes: &[u8],
) -> Result<BTreeMap<String, String>, RegistryError> {
    #[derive(Deserialize)]
    struct Config {
        #[serde(default)]
        registries: BTreeMap<String, Entry>,
    }
    #[derive(Deserialize)]
    struct Entry {
        index: Option<String>,
    }
    let parse_error = |message: String| RegistryError::CargoConfig {
        file: file.to_owned(),
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| parse_error("not UTF-8 text".to_owned()))?;
    let config: Config = toml::from_str(text).map_err(|e| parse_error(e.message().to_owned()))?;
    let mut names = BTreeMap::new();
    for (name, entry) in config.registries {
        if let Some(index) = entry.index {
            names.insert(index, name);
        }
    }
    Ok(names)
}

/// The registry `names` (from `file`) give `index`, or the error naming its `packages` and the
/// fix; a name that cannot be a secret id is refused.
pub fn name_of<'a>(
    file: &str,
    names: &'a BTreeMap<String, String>,
    index: &SparseIndex,
    packages: &[&PackageKey],
) -> Result<&'a str, RegistryError> {
    let name = names.get(&index.source()).map(String::as_str);
    if let Some(name) = name
        && name_problem(name)
    {
        return Err(RegistryError::BadName {
            file: file.to_owned(),
            name: shown(name),
        });
    }
    name.ok_or_else(|| RegistryError::NotConfigured {
        index: index.source(),
        packages: packages
            .iter()
            .map(|key| format!("`{key}`"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Whether cargo-frontend refuses `name` as a registry's: it becomes a secret id, so ASCII only.
fn name_problem(name: &str) -> bool {
    !(name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.len() <= 64)
}

/// The `--secret` id the registry's token comes in: cargo's own environment variable for it,
/// `CARGO_REGISTRIES_<NAME>_TOKEN`, so a CI job passes what it already has with
/// `--secret id=CARGO_REGISTRIES_<NAME>_TOKEN,env=CARGO_REGISTRIES_<NAME>_TOKEN`.
pub fn token_secret_id(name: &str) -> String {
    format!(
        "CARGO_REGISTRIES_{}_TOKEN",
        name.to_ascii_uppercase().replace('-', "_")
    )
}

/// What an index's `config.json` says about downloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexConfig {
    /// The download url template.
    dl: String,
    /// Whether every request, downloads too, needs the token.
    pub auth_required: bool,
}

impl IndexConfig {
    /// Reads the `config.json` of registry `name`, fetched from `url`.
    pub fn parse(name: &str, url: &str, bytes: &[u8]) -> Result<IndexConfig, RegistryError> {
        #[derive(Deserialize)]
        struct Raw {
            dl: String,
            #[serde(default, rename = "auth-required")]
            auth_required: bool,
        }
        let error = |reason: String| RegistryError::IndexConfig {
            name: name.to_owned(),
            url: url.to_owned(),
            reason,
        };
        if bytes.len() > MAX_INDEX_CONFIG_BYTES {
            return Err(error(format!("more than {MAX_INDEX_CONFIG_BYTES} bytes")));
        }
        let raw: Raw = serde_json::from_slice(bytes)
            .map_err(|e| error(format!("not JSON with a `dl` string: {e}")))?;
        if raw.dl.len() > MAX_DL_TEMPLATE_BYTES {
            return Err(error(format!(
                "its `dl` template is longer than {MAX_DL_TEMPLATE_BYTES} bytes"
            )));
        }
        Ok(IndexConfig {
            dl: raw.dl,
            auth_required: raw.auth_required,
        })
    }

    /// Where registry `name` serves the archive of `key`, whose sha256 is `sha256`, by cargo's
    /// template rules; checked as a download url.
    pub fn download_url(
        &self,
        name: &str,
        key: &PackageKey,
        sha256: &str,
    ) -> Result<String, RegistryError> {
        let crate_name = key.name();
        let url = if DL_MARKERS.iter().any(|marker| self.dl.contains(marker)) {
            let prefix = index_prefix(crate_name);
            self.dl
                .replace("{crate}", crate_name)
                .replace("{version}", key.version())
                .replace("{lowerprefix}", &prefix.to_lowercase())
                .replace("{prefix}", &prefix)
                .replace("{sha256-checksum}", sha256)
        } else {
            // As cargo appends it: to the template as written, a trailing `/` and all.
            format!("{}/{crate_name}/{}/download", self.dl, key.version())
        };
        let error = |url: &str, reason: String| RegistryError::DownloadUrl {
            name: name.to_owned(),
            package: format!("`{key}`"),
            url: shown(url),
            reason,
        };
        // The canonical form is what the daemon fetches; `llb::http` refuses any other.
        let canonical = url::Url::parse(&url)
            .map_err(|e| error(&url, e.to_string()))?
            .to_string();
        crate::llb::http(&canonical).map_err(|e| error(&url, e.to_string()))?;
        Ok(canonical)
    }
}

/// The index directory of a crate name, as cargo lays an index out: `1`, `2`, `3/a`, `ab/cd`.
fn index_prefix(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "1".to_owned(),
        2 => "2".to_owned(),
        3 => format!("3/{}", chars[0]),
        _ => format!(
            "{}/{}",
            chars[..2].iter().collect::<String>(),
            chars[2..4].iter().collect::<String>()
        ),
    }
}

/// `text` with control characters escaped, for an error message.
fn shown(text: &str) -> String {
    text.escape_debug().to_string()
}

/// What the frontend fetches one registry's archives with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryAccess {
    /// The name `.cargo/config.toml` gives it.
    pub name: String,
    pub config: IndexConfig,
    /// The `--secret` id of the token every download sends, when the registry asks for one.
    pub token_secret: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c";

    fn index(url: &str) -> SparseIndex {
        SparseIndex::parse(url).unwrap()
    }

    #[test]
    fn cargo_config_names_each_registry_by_its_index() {
        let config = br#"
[registries.my-registry]
index = "sparse+https://registry.example/index/"
[registries.git-one]
index = "https://github.com/example/index"
[registries.token-only]
token = "not read"
[source.crates-io]
replace-with = "vendored"
"#;
        let names = names_from_cargo_config(".cargo/config.toml", config).unwrap();
        assert_eq!(
            names,
            BTreeMap::from([
                (
                    "sparse+https://registry.example/index/".to_owned(),
                    "my-registry".to_owned()
                ),
                (
                    "https://github.com/example/index".to_owned(),
                    "git-one".to_owned()
                ),
            ])
        );
        let key = PackageKey::new("foo", "1.0.0");
        let file = ".cargo/config.toml";
        let found = name_of(
            file,
            &names,
            &index("https://registry.example/index/"),
            &[&key],
        );
        assert_eq!(found, Ok("my-registry"));
        // cargo compares the text: an index written without its `/` matches nothing.
        let unslashed = b"[registries.r]\nindex = \"sparse+https://r.example/i\"\n";
        let names = names_from_cargo_config(file, unslashed).unwrap();
        assert!(name_of(file, &names, &index("https://r.example/i/"), &[&key]).is_err());
    }

    #[test]
    fn a_registry_the_config_does_not_name_is_told_with_the_table_to_add() {
        let names = BTreeMap::new();
        let key = PackageKey::new("foo", "1.0.0");
        let err = name_of(
            "c",
            &names,
            &index("https://registry.example/index/"),
            &[&key],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`foo v1.0.0`"), "{err}");
        assert!(
            err.contains(
                "[registries.NAME]\n    index = \"sparse+https://registry.example/index/\""
            ),
            "{err}"
        );
    }

    #[test]
    fn a_registry_name_that_cannot_be_a_secret_id_is_refused_when_used() {
        let key = PackageKey::new("foo", "1.0.0");
        for name in ["\"bad name\"", "\"ünï\"", "\"-x\""] {
            let config = format!("[registries.{name}]\nindex = \"sparse+https://r.example/\"\n");
            let names = names_from_cargo_config("c", config.as_bytes()).unwrap();
            let err = name_of("c", &names, &index("https://r.example/"), &[&key]).unwrap_err();
            assert!(
                matches!(err, RegistryError::BadName { .. }),
                "{name}: {err}"
            );
            let unused = name_of("c", &names, &index("https://other.example/"), &[&key]);
            assert!(matches!(unused, Err(RegistryError::NotConfigured { .. })));
        }
        let config = b"[registries._internal]\nindex = \"sparse+https://r.example/\"\n";
        let names = names_from_cargo_config("c", config).unwrap();
        assert_eq!(
            name_of("c", &names, &index("https://r.example/"), &[&key]),
            Ok("_internal")
        );
        assert!(matches!(
            names_from_cargo_config("c", b"[registries\n"),
            Err(RegistryError::CargoConfig { .. })
        ));
    }

    #[test]
    fn the_token_secret_is_cargos_environment_variable() {
        assert_eq!(
            token_secret_id("my-registry"),
            "CARGO_REGISTRIES_MY_REGISTRY_TOKEN"
        );
    }

    fn config(json: &str) -> IndexConfig {
        IndexConfig::parse("r", "https://r.example/config.json", json.as_bytes()).unwrap()
    }

    #[test]
    fn download_urls_follow_cargos_template_rules() {
        let key = |name| PackageKey::new(name, "1.2.3");
        let dl = config(
            r#"{"dl": "https://dl.example/{prefix}/{lowerprefix}/{crate}-{version}?sum={sha256-checksum}", "auth-required": true}"#,
        );
        assert!(dl.auth_required);
        assert_eq!(
            dl.download_url("r", &key("Serde"), SHA).unwrap(),
            format!("https://dl.example/Se/rd/se/rd/Serde-1.2.3?sum={SHA}")
        );
        for (name, prefix) in [("a", "1"), ("ab", "2"), ("abc", "3/a")] {
            assert_eq!(
                dl.download_url("r", &key(name), SHA).unwrap(),
                format!("https://dl.example/{prefix}/{prefix}/{name}-1.2.3?sum={SHA}")
            );
        }
        let plain = config(r#"{"dl": "https://dl.example/api/v1/crates"}"#);
        assert!(!plain.auth_required);
        assert_eq!(
            plain.download_url("r", &key("foo"), SHA).unwrap(),
            "https://dl.example/api/v1/crates/foo/1.2.3/download"
        );
        let slash = config(r#"{"dl": "https://dl.example/api/v1/crates/"}"#);
        assert_eq!(
            slash.download_url("r", &key("foo"), SHA).unwrap(),
            "https://dl.example/api/v1/crates//foo/1.2.3/download",
            "appended to the template as written, as cargo does"
        );
    }

    #[test]
    fn a_template_that_makes_no_safe_url_is_refused() {
        let key = PackageKey::new("foo", "1.0.0");
        for dl in [
            "file:///etc/{crate}",
            "https://user:pass@dl.example/{crate}",
            "https://dl.example/{crate}#x",
            "not a url {crate}",
        ] {
            let json = serde_json::json!({ "dl": dl }).to_string();
            let err = config(&json).download_url("r", &key, SHA).unwrap_err();
            assert!(
                matches!(err, RegistryError::DownloadUrl { .. }),
                "{dl}: {err}"
            );
        }
    }

    #[test]
    fn a_config_json_that_is_not_one_is_told() {
        let url = "https://r.example/config.json";
        let long = serde_json::json!({ "dl": "{crate}".repeat(MAX_DL_TEMPLATE_BYTES) }).to_string();
        for bytes in [
            &b"<html>"[..],
            br#"{"api": "x"}"#,
            &[b' '; MAX_INDEX_CONFIG_BYTES + 1],
            long.as_bytes(),
        ] {
            let err = IndexConfig::parse("r", url, bytes).unwrap_err().to_string();
            assert!(
                err.contains("the registry `r`") && err.contains(url),
                "{err}"
            );
        }
    }
}
