//! A sparse registry's `config.json`: its `dl` template becomes every archive's url, so each url
//! `registries::IndexConfig::download_url` makes is one `llb::http` takes as it is, fetched from
//! an http(s) host without credentials, with nothing of the template left unreplaced.

use cargo_frontend::package_key::PackageKey;
use cargo_frontend::registries::IndexConfig;

const SHA256: &str = "4a5f13b858c8d314ee3e8f639011f7ccefe71f97f96e50151fb991f267928e2c";

pub fn run(data: &[u8]) {
    let Ok(config) = IndexConfig::parse("r", "https://r.example/index/config.json", data) else {
        return;
    };
    for (name, version) in [("a", "1.0.0"), ("serde", "1.0.210"), ("Ab_c-d", "0.1.0-rc.1+b.2")] {
        let key = PackageKey::new(name, version);
        let Ok(url) = config.download_url("r", &key, SHA256) else {
            continue;
        };
        let parsed = url::Url::parse(&url).expect("a download url parses");
        assert_eq!(parsed.as_str(), url, "a download url is canonical");
        assert!(
            matches!(parsed.scheme(), "http" | "https"),
            "a download url that is not http(s): {url}"
        );
        assert!(
            parsed.username().is_empty() && parsed.password().is_none(),
            "a download url with credentials: {url}"
        );
        assert!(parsed.fragment().is_none(), "a download url with a fragment: {url}");
        assert!(
            cargo_frontend::llb::http(&url).is_ok(),
            "llb::http refuses a url download_url made: {url}"
        );
    }
}
