//! A small deterministic mutator for the bounded pass in `cargo test`: byte edits, dictionary
//! tokens, splices, and for JSON seeds (plans) edits of the string values, so that a few
//! thousand inputs get past the JSON parser. Written by hand: it must run without AFL++ and
//! without a nightly toolchain, in seconds, and always produce the same inputs.

/// Tokens that matter to the parsers: path tricks, separators, and the keys they look for.
pub const TOKENS: &[&str] = &[
    "..",
    "../",
    "/..",
    "/",
    ".",
    "\0",
    "\n",
    "\r",
    "\t",
    "\u{7f}",
    "\u{1b}",
    "=",
    ",",
    "@",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "#",
    "*",
    "!",
    "$",
    "\\",
    " ",
    "-",
    "--",
    "\u{e9}",
    "\u{202e}",
    // spec
    "[targets.a]",
    "[runtime]",
    "[build]",
    "[builder]",
    "bin-dir",
    "bins",
    "profile",
    "default-target",
    "image",
    "setup",
    "env",
    "labels",
    "expose",
    "entrypoint",
    "workdir",
    "build.profile",
    "runtime.bin-dir",
    "targets.a.bins",
    "scratch",
    // Cargo.lock
    "[[package]]",
    "name = ",
    "version = ",
    "source = ",
    "checksum = ",
    "registry+https://github.com/rust-lang/crates.io-index",
    "git+https://example.com/x#",
    // build scripts
    "cargo:",
    "cargo::",
    "rustc-link-search=",
    "rustc-link-lib=",
    "rustc-env=",
    "rustc-cfg=",
    "rustc-flags=",
    "rustc-link-arg-bin=",
    "metadata=",
    "warning=",
    "error=",
    "native=",
    "all=",
    // rustc
    "--crate-name",
    "--crate-type",
    "--out-dir",
    "--extern",
    "--emit",
    "-C",
    "--codegen",
    "incremental=",
    "extra-filename=",
    "proc-macro",
    "bin",
    "lib",
    "build_script_build",
    // plan
    "/workspace",
    "/workspace/",
    "/cargo-frontend/vendor/",
    "/cargo-frontend/target",
    "CARGO_MANIFEST_DIR",
    "CARGO_PKG_NAME",
    "CARGO_BIN_NAME",
    "OUT_DIR",
    "build-script-run",
];

/// [`TOKENS`] in AFL++'s dictionary format (`-x`): one `"..."` a line, bytes outside printable
/// ASCII as `\xNN`.
pub fn afl_dictionary() -> String {
    TOKENS
        .iter()
        .map(|token| {
            let escaped: String = token
                .bytes()
                .map(|b| match b {
                    0x20..=0x7e if b != b'"' && b != b'\\' => char::from(b).to_string(),
                    _ => format!("\\x{b:02x}"),
                })
                .collect();
            format!("\"{escaped}\"\n")
        })
        .collect()
}

/// xorshift64*: deterministic, seedable, dependency-free.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// One mutated input from `seeds` (not empty).
pub fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let seed = &seeds[rng.below(seeds.len())];
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(seed)
        && value.is_object()
        && rng.below(4) != 0
    {
        let mut value = value;
        for _ in 0..=rng.below(3) {
            mutate_json(rng, &mut value);
        }
        return serde_json::to_vec(&value).expect("a JSON value serializes");
    }
    let mut data = seed.clone();
    for _ in 0..=rng.below(4) {
        mutate_bytes(rng, &mut data, seeds);
    }
    data
}

fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let at = |rng: &mut Rng, data: &Vec<u8>| rng.below(data.len() + 1);
    match rng.below(6) {
        0 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] ^= 1 << rng.below(8);
        }
        1 if !data.is_empty() => {
            let start = rng.below(data.len());
            let end = (start + 1 + rng.below(16)).min(data.len());
            data.drain(start..end);
        }
        2 if !data.is_empty() => {
            let start = rng.below(data.len());
            let end = (start + 1 + rng.below(32)).min(data.len());
            let chunk = data[start..end].to_vec();
            let i = at(rng, data);
            data.splice(i..i, chunk);
        }
        3 => {
            let other = &seeds[rng.below(seeds.len())];
            let cut = at(rng, data);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        _ => {
            let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
            let i = at(rng, data);
            data.splice(i..i, token.iter().copied());
        }
    }
}

/// Replaces, prefixes or suffixes one string (value or key) of `value` with a token.
fn mutate_json(rng: &mut Rng, value: &mut serde_json::Value) {
    let mut strings = 0;
    count_strings(value, &mut strings);
    if strings == 0 {
        return;
    }
    let mut target = rng.below(strings);
    let token = TOKENS[rng.below(TOKENS.len())];
    let how = rng.below(4);
    edit_string(value, &mut target, &|s: &str| match how {
        0 => token.to_owned(),
        1 => format!("{token}{s}"),
        2 => format!("{s}{token}"),
        _ => {
            let mid = s
                .char_indices()
                .map(|(i, _)| i)
                .nth(s.chars().count() / 2)
                .unwrap_or(0);
            format!("{}{token}{}", &s[..mid], &s[mid..])
        }
    });
}

fn count_strings(value: &serde_json::Value, n: &mut usize) {
    match value {
        serde_json::Value::String(_) => *n += 1,
        serde_json::Value::Array(items) => items.iter().for_each(|v| count_strings(v, n)),
        serde_json::Value::Object(map) => {
            for v in map.values() {
                *n += 1; // the key
                count_strings(v, n);
            }
        }
        _ => {}
    }
}

/// Edits the `target`-th string in `count_strings` order; returns true once done.
fn edit_string(
    value: &mut serde_json::Value,
    target: &mut usize,
    edit: &dyn Fn(&str) -> String,
) -> bool {
    match value {
        serde_json::Value::String(s) => {
            if *target == 0 {
                *s = edit(s);
                return true;
            }
            *target -= 1;
            false
        }
        serde_json::Value::Array(items) => items.iter_mut().any(|v| edit_string(v, target, edit)),
        serde_json::Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if *target == 0 {
                    let v = map.remove(&key).expect("key present");
                    map.insert(edit(&key), v);
                    return true;
                }
                *target -= 1;
                if edit_string(map.get_mut(&key).expect("key present"), target, edit) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_escapes_what_afl_cannot_read() {
        let dictionary = afl_dictionary();
        assert_eq!(dictionary.lines().count(), TOKENS.len());
        assert!(dictionary.contains("\"\\x00\"\n"), "{dictionary}");
        assert!(dictionary.contains("\"\\x22\"\n"), "a quote is escaped");
        assert!(dictionary.contains("\"--crate-name\"\n"));
    }

    #[test]
    fn mutations_are_deterministic_and_parse_json_seeds() {
        let seeds = vec![br#"{"a":["b","c"]}"#.to_vec(), b"text".to_vec()];
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..200)
                .map(|_| mutate(&mut rng, &seeds))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let json_kept = run(7)
            .iter()
            .filter(|m| serde_json::from_slice::<serde_json::Value>(m).is_ok_and(|v| v.is_object()))
            .count();
        assert!(
            json_kept > 50,
            "only {json_kept} of 200 mutations stay JSON objects"
        );
    }
}
