#!/usr/bin/env python3
"""Generates bench/monorepo: a service monorepo for the benchmark (bench/run.sh).

    python3 bench/gen-monorepo.py            # rewrite bench/monorepo/ (keeps its Cargo.lock)
    python3 bench/gen-monorepo.py --lock     # also regenerate Cargo.lock and the S5 fixture

The shape is a typical Rust backend monorepo: shared libraries (a core model, errors, config,
telemetry, storage, an HTTP kit), domain libraries whose entity types are macro-generated with
serde derives and JSON round trips (a few seconds each in release), and axum services on tokio,
tower-http, serde_json and tracing. The output is deterministic; bench/monorepo/ is committed.

With --lock, Cargo.lock is made with `cargo generate-lockfile` (needs crates.io), then one leaf
dependency (LEAF) is pinned one release back with `cargo update --precise`, and the lock with the
newest LEAF is kept as bench/fixtures/monorepo/Cargo.lock.s5: scenario S5 is a bump of LEAF.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "monorepo")
FIXTURES = os.path.join(HERE, "fixtures", "monorepo")

# Sizes: tuned so the benchmarked service's cold `cargo build --release` on 2 cores takes a few
# minutes (see bench/README.md).
ENTITIES_PER_DOMAIN = 18
# Entity types of each domain a service serves over HTTP (axum handlers are instantiated per type).
ROUTED_PER_DOMAIN = 4
# Protobuf event messages (prost derives, as prost-build would generate them).
EVENT_MESSAGES = 24
FIELDS_PER_ENTITY = 10
# The leaf dependency scenario S5 bumps, and the version the committed Cargo.lock pins it to.
LEAF = "itoa"
LEAF_OLD = "1.0.14"

CRATES_IO = {
    "anyhow": '"1"',
    "axum": '{ version = "0.8", features = ["macros"] }',
    "base64": '"0.22"',
    "bytes": '"1"',
    "chrono": '{ version = "0.4", default-features = false, features = ["std", "clock", "serde"] }',
    "clap": '{ version = "4", features = ["derive", "env"] }',
    "dashmap": '"6"',
    "futures": '"0.3"',
    "hex": '"0.4"',
    "http": '"1"',
    "humantime": '"2"',
    "hyper": '{ version = "1", features = ["http1", "server"] }',
    "parking_lot": '"0.12"',
    "prost": '"0.14"',
    "rand": '"0.9"',
    "regex": '"1"',
    "reqwest": '{ version = "0.12", default-features = false, features = ["json", "rustls-tls"] }',
    "serde": '{ version = "1", features = ["derive"] }',
    "serde_json": '"1"',
    "sha2": '"0.10"',
    "thiserror": '"2"',
    "tokio": '{ version = "1", features = ["rt-multi-thread", "macros", "net", "time", "sync", "signal"] }',
    "toml": '"0.8"',
    "tower": '{ version = "0.5", features = ["util", "timeout", "limit"] }',
    "tower-http": '{ version = "0.6", features = ["trace", "cors", "request-id", "timeout", "compression-gzip"] }',
    "tracing": '"0.1"',
    "tracing-subscriber": '{ version = "0.3", features = ["env-filter", "json"] }',
    "url": '{ version = "2", features = ["serde"] }',
    "uuid": '{ version = "1", features = ["v4", "serde"] }',
}

# Local libraries: name -> (crates.io deps, local deps, kind).
LIBS = {
    "core-model": (["serde", "serde_json", "uuid", "chrono", "thiserror"], [], "core"),
    "errors": (["thiserror", "serde", "http"], ["core-model"], "errors"),
    "config": (["serde", "toml", "humantime", "url"], ["errors"], "config"),
    "telemetry": (["tracing", "tracing-subscriber"], ["config"], "telemetry"),
    "storage": (["dashmap", "parking_lot", "serde", "serde_json", "uuid"], ["core-model", "errors"], "storage"),
    "auth": (["sha2", "hex", "base64", "rand", "serde", "serde_json", "chrono"], ["core-model", "errors"], "auth"),
    "events": (["prost", "bytes", "chrono"], ["core-model"], "events"),
    "service-client": (["reqwest", "serde", "serde_json", "url", "tracing"], ["core-model", "errors"], "client"),
    "http-kit": (["axum", "tower", "tower-http", "serde", "serde_json", "tracing", "uuid"],
                 ["core-model", "errors", "storage"], "http-kit"),
    "domain-users": (["serde", "serde_json", "uuid", "chrono", "regex"], ["core-model", "errors"], "domain"),
    "domain-catalog": (["serde", "serde_json", "uuid", "chrono"], ["core-model", "errors"], "domain"),
    "domain-pricing": (["serde", "serde_json", "uuid", "chrono"], ["core-model", "errors", "domain-catalog"], "domain"),
    "domain-inventory": (["serde", "serde_json", "uuid", "chrono"], ["core-model", "errors", "domain-catalog"], "domain"),
    "domain-orders": (["serde", "serde_json", "uuid", "chrono"], ["core-model", "errors", "domain-users"], "domain"),
    "domain-billing": (["serde", "serde_json", "uuid", "chrono"], ["core-model", "errors", "domain-users"], "domain"),
    "domain-shipping": (["serde", "serde_json", "uuid", "chrono"], ["core-model", "errors", "domain-orders"], "domain"),
}

COMMON_SERVICE_DEPS = ["anyhow", "axum", "clap", "serde", "serde_json", "tokio", "tower", "tracing"]
COMMON_SERVICE_LIBS = ["core-model", "errors", "config", "telemetry", "storage", "http-kit"]
# Services: name -> (extra crates.io deps, domain libraries it serves, other local libs).
SERVICES = {
    "orders-api": (["futures", "bytes"],
                   ["domain-orders", "domain-inventory", "domain-users", "domain-catalog", "domain-pricing"],
                   ["auth", "service-client", "events"]),
    "billing-api": (["futures"], ["domain-billing", "domain-users", "domain-pricing"], ["auth", "events"]),
    "inventory-api": ([], ["domain-inventory", "domain-catalog"], []),
    "catalog-api": ([], ["domain-catalog", "domain-pricing"], []),
    "users-api": (["hyper"], ["domain-users"], ["auth"]),
    "shipping-api": ([], ["domain-shipping", "domain-orders"], []),
    "gateway": (["hyper", "http", "futures"], [], ["auth", "service-client"]),
}

# What bench/run.sh measures: the service, the library edited in S4 (every domain library depends
# on it), and the files each scenario edits.
BENCH_SERVICE = "orders-api"
S4_LIB = "domain-users"

FIELD_TYPES = [
    ("String", "format!(\"{}-{}\", stringify!({field}), n)"),
    ("u64", "n as u64 * 7"),
    ("i32", "-(n as i32)"),
    ("f64", "n as f64 / 3.0"),
    ("bool", "n % 2 == 0"),
    ("Option<String>", "Some(n.to_string())"),
    ("Vec<u32>", "vec![n as u32, 1, 2]"),
    ("std::collections::BTreeMap<String, i64>", "[(\"k\".to_owned(), n as i64)].into_iter().collect()"),
    ("core_model::Money", "core_model::Money::new(n as i64 * 100, core_model::Currency::Eur)"),
    ("chrono::DateTime<chrono::Utc>", "core_model::epoch()"),
    ("uuid::Uuid", "uuid::Uuid::from_u128(n as u128)"),
    ("core_model::Address", "core_model::Address::sample(n)"),
]

# A field name for each of FIELD_TYPES, in the same order.
FIELD_NAMES = ["name", "count", "delta", "ratio", "flag", "note", "codes", "tags", "amount", "at", "ref", "addr"]


def snake(name):
    return name.replace("-", "_")


def camel(name):
    return "".join(p.capitalize() for p in name.replace("_", "-").split("-"))


def write(path, text):
    full = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)


def manifest(name, deps, local, bin_name=None):
    lines = [
        "# Generated by bench/gen-monorepo.py; edit the generator, not this file.",
        "[package]",
        f'name = "{name}"',
        "version.workspace = true",
        "edition.workspace = true",
        "publish.workspace = true",
        "",
    ]
    if bin_name:
        lines += ["[[bin]]", f'name = "{bin_name}"', 'path = "src/main.rs"', ""]
    lines.append("[dependencies]")
    for d in sorted(deps):
        lines.append(f"{d}.workspace = true")
    for d in sorted(local):
        lines.append(f"{d}.workspace = true")
    return "\n".join(lines) + "\n"


def core_model_src():
    return '''//! Generated by bench/gen-monorepo.py: the model every domain shares.
use serde::{Deserialize, Serialize};

pub type Id = uuid::Uuid;

/// Something stored by id in a repository.
pub trait Entity: Clone + Serialize + for<'de> Deserialize<'de> + Send + Sync + 'static {
    const KIND: &'static str;
    fn id(&self) -> Id;
    fn sample(n: usize) -> Self;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    Eur,
    Usd,
    Gbp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub cents: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(cents: i64, currency: Currency) -> Self {
        Money { cents, currency }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
}

impl Address {
    pub fn sample(n: usize) -> Self {
        Address {
            street: format!("{n} Main Street"),
            city: "Springfield".to_owned(),
            postcode: format!("{:05}", n),
            country: "DE".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    pub created: chrono::DateTime<chrono::Utc>,
    pub updated: Option<chrono::DateTime<chrono::Utc>>,
    pub by: String,
}

impl Audit {
    pub fn new(by: &str) -> Self {
        Audit { created: epoch(), updated: None, by: by.to_owned() }
    }
}

/// A fixed timestamp, so samples are reproducible.
pub fn epoch() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("valid timestamp")
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("invalid {kind}: {reason}")]
    Invalid { kind: &'static str, reason: String },
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Serializes and parses `value` back: what every service does at its edges.
pub fn roundtrip<E: Entity + PartialEq>(value: &E) -> Result<bool, ModelError> {
    let text = serde_json::to_string(value)?;
    let back: E = serde_json::from_str(&text)?;
    Ok(&back == value)
}

/// The entity types are made by this macro: a struct with serde derives, its `Entity` impl, and
/// JSON helpers compiled into the defining crate.
#[macro_export]
macro_rules! entities {
    // `$n` names the sample index the field expressions use (it must come from the caller: hygiene).
    ($n:ident; $($name:ident { $($field:ident : $ty:ty = $sample:expr),* $(,)? })*) => {
        $(
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            pub struct $name {
                pub id: $crate::Id,
                $(pub $field: $ty,)*
                pub audit: $crate::Audit,
            }

            impl $crate::Entity for $name {
                const KIND: &'static str = stringify!($name);
                fn id(&self) -> $crate::Id {
                    self.id
                }
                fn sample($n: usize) -> Self {
                    $name {
                        id: uuid::Uuid::from_u128($n as u128 + 1),
                        $($field: $sample,)*
                        audit: $crate::Audit::new(stringify!($name)),
                    }
                }
            }

            impl $name {
                pub fn to_json(&self) -> String {
                    serde_json::to_string(self).expect("entities serialize")
                }
                pub fn to_json_pretty(&self) -> String {
                    serde_json::to_string_pretty(self).expect("entities serialize")
                }
                pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
                    serde_json::from_str(text)
                }
                pub fn from_value(value: serde_json::Value) -> Result<Self, serde_json::Error> {
                    serde_json::from_value(value)
                }
            }
        )*

        /// Round-trips a sample of every entity of this crate; returns how many survived.
        pub fn self_check() -> usize {
            let mut ok = 0;
            $(
                let sample = <$name as $crate::Entity>::sample(3);
                if $crate::roundtrip(&sample).unwrap_or(false)
                    && $name::from_json(&sample.to_json_pretty()).ok().as_ref() == Some(&sample)
                {
                    ok += 1;
                }
            )*
            ok
        }

        /// The kinds this crate defines.
        pub const KINDS: &[&str] = &[$(stringify!($name)),*];
    };
}
'''


def domain_src(lib, local):
    prefix = camel(lib.removeprefix("domain-"))
    items = []
    for e in range(ENTITIES_PER_DOMAIN):
        fields = []
        for f in range(FIELDS_PER_ENTITY):
            t = (e * 5 + f * 7) % len(FIELD_TYPES)
            ty, sample = FIELD_TYPES[t]
            field = f"f{f}_{FIELD_NAMES[t]}"
            fields.append(f"        {field}: {ty} = {sample.replace('{field}', field)},")
        items.append(f"    {prefix}{e} {{\n" + "\n".join(fields) + "\n    }")
    extra = ""
    if lib == "domain-users":
        extra = '''
/// Checks an e-mail address the way the sign-up form does.
pub fn valid_email(text: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$").expect("valid regex"))
        .is_match(text)
}
'''
    for dep in local:
        if dep.startswith("domain-"):
            other = camel(dep.removeprefix("domain-"))
            extra += f"""
/// A sample of the {dep} type this domain refers to.
pub fn related_{snake(dep.removeprefix("domain-"))}(n: usize) -> {snake(dep)}::{other}0 {{
    <{snake(dep)}::{other}0 as core_model::Entity>::sample(n)
}}
"""
    return (
        f"//! Generated by bench/gen-monorepo.py: the {lib.removeprefix('domain-')} domain.\n"
        "// Keep the dependency on errors real: domain errors convert into the service error.\n"
        "pub use errors::ServiceError;\n\n"
        "core_model::entities! {\n    n;\n" + "\n".join(items) + "\n}\n"
        f"{extra}\n"
        "/// Builds a domain error for a rejected entity.\n"
        "pub fn rejected(kind: &'static str, reason: &str) -> ServiceError {\n"
        "    ServiceError::from(core_model::ModelError::Invalid { kind, reason: reason.to_owned() })\n"
        "}\n"
    )


def errors_src():
    return '''//! Generated by bench/gen-monorepo.py: the error every service returns.
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error(transparent)]
    Model(#[from] core_model::ModelError),
}

#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub status: u16,
    pub message: String,
}

impl ServiceError {
    pub fn status(&self) -> http::StatusCode {
        match self {
            ServiceError::NotFound(_) => http::StatusCode::NOT_FOUND,
            ServiceError::BadRequest(_) | ServiceError::Model(_) => http::StatusCode::BAD_REQUEST,
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody { status: self.status().as_u16(), message: self.to_string() }
    }
}
'''


def config_src():
    return '''//! Generated by bench/gen-monorepo.py: service settings from TOML.
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub name: String,
    #[serde(default = "default_listen")]
    pub listen: String,
    #[serde(default)]
    pub upstream: Option<url::Url>,
    #[serde(default = "default_timeout", with = "humantime_serde_compat")]
    pub timeout: std::time::Duration,
    #[serde(default)]
    pub log_json: bool,
}

fn default_listen() -> String {
    "0.0.0.0:8080".to_owned()
}

fn default_timeout() -> std::time::Duration {
    std::time::Duration::from_secs(10)
}

mod humantime_serde_compat {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<std::time::Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

impl Settings {
    pub fn parse(name: &str, text: &str) -> Result<Self, errors::ServiceError> {
        let mut settings: Settings =
            toml::from_str(text).map_err(|e| errors::ServiceError::BadRequest(e.to_string()))?;
        if settings.name.is_empty() {
            settings.name = name.to_owned();
        }
        Ok(settings)
    }

    pub fn defaults(name: &str) -> Self {
        Settings::parse(name, &format!("name = \\"{name}\\"\\ntimeout = \\"10s\\"\\n")).expect("defaults parse")
    }
}
'''


def telemetry_src():
    return '''//! Generated by bench/gen-monorepo.py: tracing setup shared by every service.
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub fn init(settings: &config::Settings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if settings.log_json {
        registry.with(fmt::layer().json()).try_init()
    } else {
        registry.with(fmt::layer()).try_init()
    };
    if let Err(error) = result {
        eprintln!("telemetry already initialised: {error}");
    }
    tracing::info!(service = %settings.name, "telemetry ready");
}
'''


def storage_src():
    return '''//! Generated by bench/gen-monorepo.py: an in-memory repository per entity type.
use core_model::{Entity, Id};
use dashmap::DashMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct Repository<E: Entity> {
    rows: Arc<DashMap<Id, E>>,
    writes: Arc<parking_lot::Mutex<u64>>,
}

impl<E: Entity> Default for Repository<E> {
    fn default() -> Self {
        Repository { rows: Arc::new(DashMap::new()), writes: Arc::new(parking_lot::Mutex::new(0)) }
    }
}

impl<E: Entity> Repository<E> {
    pub fn seeded(count: usize) -> Self {
        let repo = Self::default();
        for n in 0..count {
            repo.put(E::sample(n));
        }
        repo
    }

    pub fn put(&self, entity: E) {
        *self.writes.lock() += 1;
        self.rows.insert(entity.id(), entity);
    }

    pub fn get(&self, id: Id) -> Result<E, errors::ServiceError> {
        self.rows
            .get(&id)
            .map(|row| row.value().clone())
            .ok_or_else(|| errors::ServiceError::NotFound(format!("{} {id}", E::KIND)))
    }

    pub fn list(&self) -> Vec<E> {
        let mut rows: Vec<E> = self.rows.iter().map(|row| row.value().clone()).collect();
        rows.sort_by_key(|e| e.id());
        rows
    }

    pub fn export(&self) -> serde_json::Value {
        serde_json::to_value(self.list()).expect("entities serialize")
    }

    pub fn writes(&self) -> u64 {
        *self.writes.lock()
    }
}
'''


def auth_src():
    return '''//! Generated by bench/gen-monorepo.py: API tokens.
use base64::Engine;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Token {
    pub subject: String,
    pub issued: chrono::DateTime<chrono::Utc>,
    pub digest: String,
}

pub fn issue(subject: &str) -> Token {
    let salt: u64 = rand::random();
    let mut hasher = Sha256::new();
    hasher.update(subject.as_bytes());
    hasher.update(salt.to_le_bytes());
    Token { subject: subject.to_owned(), issued: core_model::epoch(), digest: hex::encode(hasher.finalize()) }
}

pub fn encode(token: &Token) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(token).expect("tokens serialize"))
}

pub fn decode(text: &str) -> Result<Token, errors::ServiceError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| errors::ServiceError::BadRequest(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| errors::ServiceError::BadRequest(e.to_string()))
}
'''


def client_src():
    return '''//! Generated by bench/gen-monorepo.py: typed HTTP calls to the other services.
use core_model::Entity;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: url::Url,
}

impl Client {
    pub fn new(base: url::Url, timeout: std::time::Duration) -> Result<Self, errors::ServiceError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("service-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| errors::ServiceError::BadRequest(e.to_string()))?;
        Ok(Client { http, base })
    }

    fn url(&self, path: &str) -> Result<url::Url, errors::ServiceError> {
        self.base.join(path).map_err(|e| errors::ServiceError::BadRequest(e.to_string()))
    }

    /// `GET /kind/{id}` on the owning service.
    pub async fn fetch<E: Entity>(&self, id: core_model::Id) -> Result<E, errors::ServiceError> {
        let url = self.url(&format!("{}/{id}", E::KIND.to_lowercase()))?;
        tracing::debug!(%url, "fetch");
        let response = self.http.get(url).send().await.map_err(|e| errors::ServiceError::NotFound(e.to_string()))?;
        response.json::<E>().await.map_err(|e| errors::ServiceError::BadRequest(e.to_string()))
    }

    /// `POST /kind` on the owning service; returns the reply as JSON.
    pub async fn create<E: Entity>(&self, entity: &E) -> Result<serde_json::Value, errors::ServiceError> {
        let url = self.url(&E::KIND.to_lowercase())?;
        let response = self.http.post(url).json(entity).send().await.map_err(|e| errors::ServiceError::BadRequest(e.to_string()))?;
        response.json().await.map_err(|e| errors::ServiceError::BadRequest(e.to_string()))
    }
}
'''


def events_src():
    kinds = ["string", "uint64", "int64", "bool", "double", "bytes"]
    rust = {"string": "::prost::alloc::string::String", "uint64": "u64", "int64": "i64", "bool": "bool",
            "double": "f64", "bytes": "::prost::alloc::vec::Vec<u8>"}
    out = ["//! Generated by bench/gen-monorepo.py: event messages, as prost-build would write them.",
           "use prost::Message;", ""]
    for m in range(EVENT_MESSAGES):
        out.append("#[derive(Clone, PartialEq, ::prost::Message)]")
        out.append(f"pub struct Event{m} {{")
        for f in range(8):
            kind = kinds[(m + f) % len(kinds)]
            out.append(f'    #[prost({kind}, tag = "{f + 1}")]')
            out.append(f"    pub field{f}: {rust[kind]},")
        out.append(f'    #[prost(string, repeated, tag = "9")]')
        out.append("    pub labels: ::prost::alloc::vec::Vec<::prost::alloc::string::String>,")
        if m > 0:
            out.append(f'    #[prost(message, optional, tag = "10")]')
            out.append(f"    pub cause: ::core::option::Option<Event{m - 1}>,")
        out.append("}")
        out.append("")
    out.append("/// Encodes and decodes one default message of every kind; returns how many survived.")
    out.append("pub fn self_check() -> usize {")
    out.append("    let mut ok = 0;")
    for m in range(EVENT_MESSAGES):
        out.append(f"    let e = Event{m}::default();")
        out.append(f"    if Event{m}::decode(bytes::Bytes::from(e.encode_to_vec())).ok() == Some(e) {{ ok += 1; }}")
    out.append("    ok")
    out.append("}")
    out.append("")
    out.append("/// When an event happened, in the wire format's seconds.")
    out.append("pub fn stamp() -> i64 {")
    out.append("    core_model::epoch().timestamp()")
    out.append("}")
    return "\n".join(out) + "\n"


def http_kit_src():
    return '''//! Generated by bench/gen-monorepo.py: routes, layers and error responses shared by services.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use core_model::Entity;
use std::time::Duration;
use storage::Repository;

/// Wraps the service error so handlers can return it.
pub struct ApiError(pub errors::ServiceError);

impl From<errors::ServiceError> for ApiError {
    fn from(error: errors::ServiceError) -> Self {
        ApiError(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status().as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0.body())).into_response()
    }
}

async fn list<E: Entity>(State(repo): State<Repository<E>>) -> Json<Vec<E>> {
    Json(repo.list())
}

async fn fetch<E: Entity>(State(repo): State<Repository<E>>, Path(id): Path<uuid::Uuid>) -> Result<Json<E>, ApiError> {
    Ok(Json(repo.get(id)?))
}

async fn create<E: Entity>(State(repo): State<Repository<E>>, Json(entity): Json<E>) -> (StatusCode, Json<serde_json::Value>) {
    let id = entity.id();
    repo.put(entity);
    tracing::debug!(kind = E::KIND, %id, "created");
    (StatusCode::CREATED, Json(serde_json::json!({ "id": id })))
}

/// `GET /kind`, `POST /kind`, `GET /kind/{id}` for one entity type, over a seeded repository.
pub fn crud<E: Entity>(seed: usize) -> Router {
    let path = format!("/{}", E::KIND.to_lowercase());
    Router::new()
        .route(&path, get(list::<E>).post(create::<E>))
        .route(&format!("{path}/{{id}}"), get(fetch::<E>))
        .with_state(Repository::<E>::seeded(seed))
}

/// The layers every service puts around its router.
pub fn layered(router: Router, timeout: Duration) -> Router {
    router
        .route("/healthz", get(|| async { "ok" }))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(tower_http::cors::CorsLayer::permissive())
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(tower_http::request_id::MakeRequestUuid))
        .layer(tower::limit::ConcurrencyLimitLayer::new(256))
}
'''


def service_src(name, domains, other_libs, extra_deps):
    crud = []
    for d in domains:
        prefix = camel(d.removeprefix("domain-"))
        for e in range(ROUTED_PER_DOMAIN):
            crud.append(f"        .merge(http_kit::crud::<{snake(d)}::{prefix}{e}>(4))")
    checks = " + ".join(f"{snake(d)}::self_check()" for d in domains) or "0"
    kinds = " + ".join(f"{snake(d)}::KINDS.len()" for d in domains) or "0"
    if "events" in other_libs:
        checks += " + events::self_check()"
        kinds += f" + {EVENT_MESSAGES}"
    uses_auth = "auth" in other_libs
    auth_route = ""
    if uses_auth:
        auth_route = '''        .route(
            "/token/{subject}",
            axum::routing::post(|axum::extract::Path(subject): axum::extract::Path<String>| async move {
                auth::encode(&auth::issue(&subject))
            }),
        )
'''
    client_setup = ""
    client_route = ""
    if "service-client" in other_libs:
        client_setup = (
            '    let upstream = settings.upstream.clone().unwrap_or_else(|| "http://localhost:8080/".parse().expect("valid url"));\n'
            '    let client = service_client::Client::new(upstream, settings.timeout).expect("an HTTP client");\n'
        )
        if domains:
            first = f"{snake(domains[0])}::{camel(domains[0].removeprefix('domain-'))}0"
            client_route = f'''        .route(
            "/remote/{{id}}",
            axum::routing::get(move |axum::extract::Path(id): axum::extract::Path<uuid::Uuid>| {{
                let client = client.clone();
                async move {{ client.fetch::<{first}>(id).await.map(axum::Json).map_err(http_kit::ApiError) }}
            }}),
        )
'''
        else:
            client_route = '        .route("/upstream", axum::routing::get(move || async move { drop(client); "configured" }))\n'
    gateway_extra = ""
    if name == "gateway":
        gateway_extra = '''        .route(
            "/upstreams",
            axum::routing::get(|| async {
                let upstreams: Vec<http::Uri> = ["http://orders-api:8080", "http://billing-api:8080"]
                    .iter()
                    .map(|u| u.parse().expect("valid uri"))
                    .collect();
                axum::Json(upstreams.iter().map(|u| u.to_string()).collect::<Vec<_>>())
            }),
        )
'''
    return f'''//! Generated by bench/gen-monorepo.py: the {name} service.
use clap::Parser;

/// {name}: serves its domain over HTTP.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {{
    /// Settings file (TOML); defaults apply when absent.
    #[arg(long, env = "SERVICE_CONFIG")]
    config: Option<std::path::PathBuf>,
    /// Check the domain types and exit instead of serving.
    #[arg(long)]
    self_test: bool,
}}

fn router(settings: &config::Settings) -> axum::Router {{
{client_setup}    let router = axum::Router::new()
{chr(10).join(crud)}
{auth_route}{client_route}{gateway_extra}        .route("/version", axum::routing::get(|| async {{ env!("CARGO_PKG_VERSION") }}));
    http_kit::layered(router, settings.timeout)
}}

#[tokio::main]
async fn main() -> anyhow::Result<()> {{
    let args = Args::parse();
    let settings = match &args.config {{
        Some(path) => config::Settings::parse("{name}", &std::fs::read_to_string(path)?)?,
        None => config::Settings::defaults("{name}"),
    }};
    if args.self_test {{
        let ok: usize = {checks};
        let kinds: usize = {kinds};
        println!("{name}: {{ok}}/{{kinds}} entity kinds round-trip");
        anyhow::ensure!(ok == kinds, "some entity kinds failed their round trip");
        return Ok(());
    }}
    telemetry::init(&settings);
    let app = router(&settings);
    let listener = tokio::net::TcpListener::bind(&settings.listen).await?;
    tracing::info!(listen = %settings.listen, "serving");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {{
            let _ = tokio::signal::ctrl_c().await;
        }})
        .await?;
    Ok(())
}}
'''


def generate():
    lock = os.path.join(OUT, "Cargo.lock")
    saved_lock = open(lock).read() if os.path.exists(lock) else None
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    if saved_lock is not None:
        with open(lock, "w") as f:
            f.write(saved_lock)

    ws_deps = "\n".join(f"{k} = {v}" for k, v in sorted(CRATES_IO.items()))
    local_deps = "\n".join(f'{k} = {{ path = "crates/{k}" }}' for k in LIBS)
    write(
        "Cargo.toml",
        f"""# Generated by bench/gen-monorepo.py; edit the generator, not this file.
# A service monorepo for the benchmark: shared and domain libraries, axum services.
[workspace]
resolver = "2"
members = ["crates/*", "services/*"]

[workspace.package]
version = "0.1.0"
edition = "2021"
publish = false

[workspace.dependencies]
{ws_deps}
{local_deps}
""",
    )
    write(".dockerignore", "target\n")
    targets = "\n".join(
        f'[targets.{s}]\npackage = "{s}"\nbins = ["{s}"]\n' for s in SERVICES
    )
    write(
        "Dockerfile",
        f"""# syntax=cargo-frontend:dev
# Generated by bench/gen-monorepo.py. One cargo-frontend build spec for every service:
#   docker buildx build --target {BENCH_SERVICE} -t {BENCH_SERVICE} bench/monorepo

default-target = "{BENCH_SERVICE}"

[runtime]
expose = ["8080/tcp"]

{targets}""",
    )
    write(
        "README.md",
        f"""# Benchmark monorepo

Generated by `bench/gen-monorepo.py` (do not edit by hand); used by `bench/run.sh`. Shared
libraries (`crates/core-model`, `errors`, `config`, `telemetry`, `storage`, `auth`, `http-kit`),
domain libraries with macro-generated serde entity types, and axum services (`services/*`), one
cargo-frontend target each in `Dockerfile`. The benchmark builds `{BENCH_SERVICE}`.
""",
    )
    sources = {
        "core": core_model_src,
        "errors": errors_src,
        "config": config_src,
        "telemetry": telemetry_src,
        "storage": storage_src,
        "auth": auth_src,
        "http-kit": http_kit_src,
        "client": client_src,
        "events": events_src,
    }
    for lib, (deps, local, kind) in LIBS.items():
        write(f"crates/{lib}/Cargo.toml", manifest(lib, deps, local))
        src = domain_src(lib, local) if kind == "domain" else sources[kind]()
        write(f"crates/{lib}/src/lib.rs", src)
    for svc, (extra, domains, others) in SERVICES.items():
        deps = sorted(set(COMMON_SERVICE_DEPS + extra + ["uuid"]))
        local = sorted(set(COMMON_SERVICE_LIBS + domains + others))
        write(f"services/{svc}/Cargo.toml", manifest(svc, deps, local))
        write(f"services/{svc}/src/main.rs", service_src(svc, domains, others, extra))


def run(cmd, cwd):
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=cwd, check=True)


def make_locks():
    run(["cargo", "generate-lockfile"], OUT)
    os.makedirs(FIXTURES, exist_ok=True)
    shutil.copy(os.path.join(OUT, "Cargo.lock"), os.path.join(FIXTURES, "Cargo.lock.s5"))
    run(["cargo", "update", "-p", LEAF, "--precise", LEAF_OLD], OUT)


if __name__ == "__main__":
    generate()
    if "--lock" in sys.argv[1:]:
        make_locks()
