//! `[runtime.healthcheck]` values as Docker reads them: the `test` list of the image config's
//! `Healthcheck.Test`, durations in Go's `time.ParseDuration` syntax with the Dockerfile
//! frontend's limits (`parseOptInterval` in BuildKit's `frontend/dockerfile/instructions/parse.go`:
//! zero, or at least 1ms), and `retries` as its `--retries` (a non-negative 32-bit integer).
//!
//! Architecture invariant: pure; strings in, checked values or a message with the fix out.

const NS_PER_US: u64 = 1_000;
const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;

/// Go's duration units, in nanoseconds: `µs` is U+00B5 (micro sign), `μs` U+03BC (Greek mu).
const UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", NS_PER_US),
    ("\u{b5}s", NS_PER_US),
    ("\u{3bc}s", NS_PER_US),
    ("ms", NS_PER_MS),
    ("s", NS_PER_S),
    ("m", 60 * NS_PER_S),
    ("h", 3600 * NS_PER_S),
];

const DURATION_FIX: &str =
    "write a duration as Docker does, like `30s`, `1m30s` or `500ms` (units h, m, s, ms, us, ns)";

/// Why Go's `time.ParseDuration` refuses a text.
#[derive(Debug, PartialEq, Eq)]
enum GoDurationError {
    Invalid,
    MissingUnit,
    UnknownUnit(String),
}

/// `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or `0` alone; nanoseconds, negative
/// for a leading `-`. Fractions are scaled in floating point and truncated, as Go does, so the
/// same text gives the same nanoseconds.
fn go_parse_duration(text: &str) -> Result<i64, GoDurationError> {
    const LIMIT: u64 = 1 << 63;
    let mut s = text.as_bytes();
    let mut negative = false;
    if let Some((&sign @ (b'-' | b'+'), rest)) = s.split_first() {
        negative = sign == b'-';
        s = rest;
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(GoDurationError::Invalid);
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(GoDurationError::Invalid);
        }
        // The integer part; more than 2^63 is an overflow.
        let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut whole: u64 = 0;
        for &c in &s[..digits] {
            whole = whole
                .checked_mul(10)
                .and_then(|w| w.checked_add(u64::from(c - b'0')))
                .filter(|&w| w <= LIMIT)
                .ok_or(GoDurationError::Invalid)?;
        }
        s = &s[digits..];
        // The fraction: digits past what fits are read and ignored.
        let mut fraction: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut fraction_digits = 0;
        if s.first() == Some(&b'.') {
            s = &s[1..];
            fraction_digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut full = false;
            for &c in &s[..fraction_digits] {
                if full {
                    continue;
                }
                // Go's `leadingFraction`: stop taking digits before the value could overflow.
                let next = Some(fraction)
                    .filter(|&f| f <= (LIMIT - 1) / 10)
                    .and_then(|f| f.checked_mul(10))
                    .and_then(|f| f.checked_add(u64::from(c - b'0')))
                    .filter(|&f| f <= LIMIT);
                match next {
                    Some(f) => {
                        fraction = f;
                        scale *= 10.0;
                    }
                    None => full = true,
                }
            }
            s = &s[fraction_digits..];
        }
        if digits == 0 && fraction_digits == 0 {
            return Err(GoDurationError::Invalid);
        }
        let unit_len = s
            .iter()
            .take_while(|&&c| c != b'.' && !c.is_ascii_digit())
            .count();
        if unit_len == 0 {
            return Err(GoDurationError::MissingUnit);
        }
        let unit_text = &s[..unit_len];
        s = &s[unit_len..];
        let unit = UNITS
            .iter()
            .find(|(name, _)| name.as_bytes() == unit_text)
            .map(|&(_, ns)| ns)
            .ok_or_else(|| {
                GoDurationError::UnknownUnit(String::from_utf8_lossy(unit_text).into_owned())
            })?;
        if whole > LIMIT / unit {
            return Err(GoDurationError::Invalid);
        }
        let mut value = whole * unit;
        if fraction > 0 {
            // As Go: float64 keeps hours' fractions nanosecond-exact; `as` truncates like Go's
            // conversion (and saturates, so the sum below cannot wrap).
            value = value.saturating_add((fraction as f64 * (unit as f64 / scale)) as u64);
            if value > LIMIT {
                return Err(GoDurationError::Invalid);
            }
        }
        total = total
            .checked_add(value)
            .filter(|&t| t <= LIMIT)
            .ok_or(GoDurationError::Invalid)?;
    }
    match negative {
        true => Ok((total as i64).wrapping_neg()),
        false => i64::try_from(total).map_err(|_| GoDurationError::Invalid),
    }
}

/// A healthcheck duration in nanoseconds: Go's syntax, then zero (unset) or at least 1ms.
pub(crate) fn duration(text: &str) -> Result<u64, String> {
    let shown = text.escape_debug();
    let ns = go_parse_duration(text).map_err(|e| match e {
        GoDurationError::Invalid => format!("`{shown}` is not a duration; {DURATION_FIX}"),
        GoDurationError::MissingUnit => format!("`{shown}` has no unit; {DURATION_FIX}"),
        GoDurationError::UnknownUnit(unit) => format!(
            "`{shown}` has the unknown unit `{}`; {DURATION_FIX}",
            unit.escape_debug()
        ),
    })?;
    match u64::try_from(ns) {
        Ok(0) => Ok(0),
        Ok(ns) if ns >= NS_PER_MS => Ok(ns),
        _ => Err(format!(
            "`{shown}` is less than 1ms; write at least `1ms`, or `0s` for the default"
        )),
    }
}

/// Nanoseconds as Go's `Duration.String` writes them (`1m30s`, `500ms`, `1.5µs`), which
/// [`duration`] reads back to the same value.
pub(crate) fn format_duration(ns: u64) -> String {
    fn decimal(value: u64, unit: u64) -> String {
        let (whole, rest) = (value / unit, value % unit);
        if rest == 0 {
            return whole.to_string();
        }
        let width = unit.ilog10() as usize;
        let fraction = format!("{rest:0width$}");
        format!("{whole}.{}", fraction.trim_end_matches('0'))
    }
    match ns {
        0 => "0s".to_owned(),
        ns if ns < NS_PER_US => format!("{ns}ns"),
        ns if ns < NS_PER_MS => format!("{}\u{b5}s", decimal(ns, NS_PER_US)),
        ns if ns < NS_PER_S => format!("{}ms", decimal(ns, NS_PER_MS)),
        ns => {
            let seconds = ns / NS_PER_S;
            let (hours, minutes) = (seconds / 3600, seconds / 60 % 60);
            let mut out = String::new();
            if hours > 0 {
                out.push_str(&format!("{hours}h"));
            }
            if hours > 0 || minutes > 0 {
                out.push_str(&format!("{minutes}m"));
            }
            let rest = ns - (hours * 3600 + minutes * 60) * NS_PER_S;
            out.push_str(&format!("{}s", decimal(rest, NS_PER_S)));
            out
        }
    }
}

/// `retries`: a non-negative integer that fits Docker's 32-bit flag; 0 is the default.
pub(crate) fn retries(text: &str) -> Result<u32, String> {
    let fix = "write a number of failed checks, like `3`, or `0` for the default";
    if text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{}` is not a non-negative integer; {fix}",
            text.escape_debug()
        ));
    }
    text.parse::<u32>()
        .ok()
        .filter(|&n| i32::try_from(n).is_ok())
        .ok_or_else(|| format!("`{text}` is more than Docker takes (2147483647); {fix}"))
}

/// `test`: `["CMD", program, args…]`, `["CMD-SHELL", command]` or `["NONE"]`, as the image
/// config's `Healthcheck.Test` holds it. No entry may hold NUL (execve cannot pass it).
pub(crate) fn test(items: &[String]) -> Result<Vec<String>, String> {
    const EXAMPLE: &str = "like `[\"CMD\", \"/usr/local/bin/app\", \"--health\"]`, `[\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]` or `[\"NONE\"]`";
    if let Some(item) = items.iter().find(|item| item.contains('\0')) {
        return Err(format!("`{}` holds a NUL character", item.escape_debug()));
    }
    let Some((kind, rest)) = items.split_first() else {
        return Err(format!(
            "the test cannot be empty; start it with `CMD`, `CMD-SHELL` or `NONE`, {EXAMPLE}"
        ));
    };
    match kind.as_str() {
        "NONE" if rest.is_empty() => Ok(items.to_vec()),
        "NONE" => Err(
            "`NONE` turns the base image's check off and takes nothing after it; write `[\"NONE\"]`"
                .to_owned(),
        ),
        "CMD" if rest.first().is_some_and(|program| !program.trim().is_empty()) => {
            Ok(items.to_vec())
        }
        "CMD" => Err(format!(
            "`CMD` needs the program to run after it, {EXAMPLE}"
        )),
        "CMD-SHELL" if rest.iter().any(|part| !part.trim().is_empty()) => Ok(items.to_vec()),
        "CMD-SHELL" => Err(format!(
            "`CMD-SHELL` needs the shell command after it, {EXAMPLE}"
        )),
        other => {
            let upper = other.to_ascii_uppercase();
            let hint = match upper.as_str() {
                "CMD" | "CMD-SHELL" | "NONE" => format!("write `{upper}` in capitals, as Docker reads it"),
                _ => format!("start it with `CMD`, `CMD-SHELL` or `NONE`, {EXAMPLE}"),
            };
            Err(format!(
                "the test starts with `{}`; {hint}",
                other.escape_debug()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_durations_are_errors_not_overflows() {
        // Found in review: each of these overflowed a u64 on the way.
        assert!(go_parse_duration("0.18446744073709551619s").is_ok());
        assert!(go_parse_duration("9223372036854775808ns9223372036854775808ns").is_err());
        assert!(go_parse_duration("9223372036854775807ns9223372036854775807ns").is_err());
        assert!(go_parse_duration("2562047h2562047h").is_err());
    }

    #[test]
    fn durations_read_as_go_reads_them() {
        let s = NS_PER_S;
        for (text, ns) in [
            ("30s", 30 * s),
            ("1m30s", 90 * s),
            ("500ms", 500 * NS_PER_MS),
            ("1.5h", 5400 * s),
            ("+2h45m", (2 * 3600 + 45 * 60) * s),
            ("1h1m1s1ms", 3661 * s + NS_PER_MS),
            (".5s", s / 2),
            ("1.s", s),
            ("1000us", NS_PER_MS),
            ("1000\u{b5}s", NS_PER_MS),
            ("1000\u{3bc}s", NS_PER_MS),
            ("1000000ns", NS_PER_MS),
            ("0", 0),
            ("0s", 0),
            ("-0", 0),
            // Go truncates a fraction's nanoseconds, it does not round them.
            ("0.0000000019s", 1),
            // The largest duration Go takes, and digits past a fraction's precision.
            ("9223372036854775807ns", i64::MAX as u64),
            ("1.00000000000000000000000001s", s),
        ] {
            assert_eq!(go_parse_duration(text).map(|d| d as u64), Ok(ns), "{text}");
        }
        assert_eq!(go_parse_duration("-1s"), Ok(-(s as i64)));
        assert_eq!(go_parse_duration("-9223372036854775808ns"), Ok(i64::MIN));
        for invalid in [
            "",
            "+",
            "-",
            ".",
            "s",
            ".s",
            " 1s",
            "9223372036854775808ns",
            "2562048h",
        ] {
            assert_eq!(
                go_parse_duration(invalid),
                Err(GoDurationError::Invalid),
                "{invalid:?}"
            );
        }
        assert_eq!(go_parse_duration("30"), Err(GoDurationError::MissingUnit));
        assert_eq!(go_parse_duration("1m30"), Err(GoDurationError::MissingUnit));
        assert_eq!(
            go_parse_duration("3d"),
            Err(GoDurationError::UnknownUnit("d".into()))
        );
        for (text, unit) in [
            ("1S", "S"),
            ("1e3s", "e"),
            ("1_000s", "_"),
            ("1s ", "s "),
            ("1s-1s", "s-"),
        ] {
            assert_eq!(
                go_parse_duration(text),
                Err(GoDurationError::UnknownUnit(unit.into())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn healthcheck_durations_are_zero_or_at_least_a_millisecond() {
        assert_eq!(duration("0s"), Ok(0));
        assert_eq!(duration("1ms"), Ok(NS_PER_MS));
        let short = duration("999us").unwrap_err();
        assert!(short.contains("less than 1ms"), "{short}");
        let negative = duration("-5s").unwrap_err();
        assert!(negative.contains("less than 1ms"), "{negative}");
        let bare = duration("30").unwrap_err();
        assert!(bare.starts_with("`30` has no unit"), "{bare}");
        let days = duration("2d").unwrap_err();
        assert!(days.contains("unknown unit `d`"), "{days}");
        let escaped = duration("1\u{1b}s").unwrap_err();
        assert!(!escaped.contains('\u{1b}'), "{escaped}");
    }

    #[test]
    fn durations_are_written_as_go_writes_them_and_read_back() {
        for (ns, text) in [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5\u{b5}s"),
            (500 * NS_PER_MS, "500ms"),
            (1_250 * NS_PER_US, "1.25ms"),
            (30 * NS_PER_S, "30s"),
            (90 * NS_PER_S, "1m30s"),
            (60 * NS_PER_S, "1m0s"),
            (3600 * NS_PER_S, "1h0m0s"),
            (3661 * NS_PER_S + NS_PER_MS, "1h1m1.001s"),
        ] {
            assert_eq!(format_duration(ns), text);
            assert_eq!(go_parse_duration(text), Ok(ns as i64), "{text}");
        }
    }

    #[test]
    fn retries_are_non_negative_32_bit_integers() {
        assert_eq!(retries("3"), Ok(3));
        assert_eq!(retries("0"), Ok(0));
        assert_eq!(retries("2147483647"), Ok(i32::MAX as u32));
        for bad in ["-1", "", "3.5", "three", "2147483648", "+3", " 3"] {
            assert!(retries(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tests_start_with_cmd_cmd_shell_or_none() {
        let list = |items: &[&str]| items.iter().map(|i| i.to_string()).collect::<Vec<_>>();
        for good in [
            list(&["CMD", "/app", "--health"]),
            list(&["CMD-SHELL", "curl -f http://localhost/ || exit 1"]),
            list(&["NONE"]),
        ] {
            assert_eq!(test(&good), Ok(good.clone()));
        }
        for (bad, says) in [
            (list(&[]), "cannot be empty"),
            (list(&["CMD"]), "needs the program"),
            (list(&["CMD", " "]), "needs the program"),
            (list(&["CMD-SHELL"]), "needs the shell command"),
            (list(&["NONE", "x"]), "takes nothing after it"),
            (list(&["cmd", "/app"]), "write `CMD` in capitals"),
            (list(&["curl", "-f"]), "starts with `curl`"),
            (list(&["CMD", "a\0b"]), "NUL"),
        ] {
            let message = test(&bad).unwrap_err();
            assert!(message.contains(says), "{bad:?}: {message}");
        }
    }
}
