//! The value grammar shared by the macros: what a rate (`"100/15m"`), a body
//! limit (`"1MiB"`), a version (`"v1"`), a scope token, a link and a date
//! look like, and the parameters of a route pattern.
//!
//! Each function checks one string on its own and answers with the parsed
//! value or the message to show; where the message points is the caller's
//! business. Nothing here knows of syn or of the error context.

/// `rate = "100/15m"`, parsed into a quota.
pub(crate) struct Rate {
    /// How many requests a window allows, at least 1.
    pub(crate) count: u32,
    /// The window's length in seconds, at least 1.
    pub(crate) window_secs: u64,
}

/// The form of a rate, for messages.
const RATE_FORM: &str = "expected \"COUNT/WINDOW\" such as \"100/15m\", \"600/m\" or \"5/30s\": \
     COUNT from 1 to 4294967295, WINDOW an optional positive number followed by \
     `s`, `m`, `h` or `d` (seconds, minutes, hours, days)";

/// Parses `COUNT/WINDOW` (`"100/15m"`) into (count, window in seconds).
///
/// # Errors
///
/// A message naming what is wrong and showing the expected form.
pub(crate) fn parse_rate(rate: &str) -> Result<Rate, String> {
    let Some((count, window)) = rate.split_once('/') else {
        return Err(format!(
            "invalid `rate` \"{rate}\": missing `/WINDOW`; {RATE_FORM}"
        ));
    };
    let count = match count.parse::<u64>() {
        Ok(count) if count > 0 => u32::try_from(count).map_err(|_| {
            format!("invalid `rate` \"{rate}\": the count {count} is more than 4294967295 (u32::MAX); {RATE_FORM}")
        })?,
        Ok(_) => return Err(format!("invalid `rate` \"{rate}\": the count must be at least 1; {RATE_FORM}")),
        Err(_) if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(format!(
                "invalid `rate` \"{rate}\": the count is more than 4294967295 (u32::MAX); {RATE_FORM}"
            ));
        }
        Err(_) => return Err(format!("invalid `rate` \"{rate}\": the count `{count}` is not a number; {RATE_FORM}")),
    };
    let digits = window.bytes().take_while(u8::is_ascii_digit).count();
    let (multiplier, unit) = window.split_at(digits);
    let unit_secs: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => SECS_PER_DAY,
        "" => {
            return Err(format!(
                "invalid `rate` \"{rate}\": the window has no unit; {RATE_FORM}"
            ));
        }
        other => {
            return Err(format!(
                "invalid `rate` \"{rate}\": unknown window unit `{other}`; expected one of `s`, `m`, `h`, `d` (e.g. \"100/15m\")"
            ));
        }
    };
    let multiplier: u64 = if multiplier.is_empty() {
        1
    } else {
        multiplier.parse().map_err(|_| {
            format!("invalid `rate` \"{rate}\": the window is too long; {RATE_FORM}")
        })?
    };
    if multiplier == 0 {
        return Err(format!(
            "invalid `rate` \"{rate}\": the window must be longer than zero; {RATE_FORM}"
        ));
    }
    let window_secs = multiplier
        .checked_mul(unit_secs)
        .ok_or_else(|| format!("invalid `rate` \"{rate}\": the window is too long; {RATE_FORM}"))?;
    Ok(Rate { count, window_secs })
}

/// Seconds in a day: the `d` unit of a rate, and a date's day count to a
/// Unix time.
pub(crate) const SECS_PER_DAY: u64 = 24 * 60 * 60;

/// The longest a quota may take to refill its burst, in seconds (100 years):
/// governor counts time in u64 nanoseconds, which a longer refill
/// (`window / count × burst`) would overflow. The runtime's
/// `secure_api::rate_limit::MAX_REFILL_SECS` is the same cap (a proc-macro
/// crate cannot share a constant with the crate that depends on it).
pub(crate) const MAX_REFILL_SECS: u128 = 100 * 365 * SECS_PER_DAY as u128;

/// The largest `body_limit`, in bytes (1 GiB): a bigger body is a denial of
/// service waiting to happen; stream it instead of buffering it.
pub(crate) const MAX_BODY_LIMIT: u64 = 1 << 30;

/// The form of a body limit, for messages.
const BODY_LIMIT_FORM: &str = "expected a whole number followed by a unit, \
     `B`, `KB` (1000 B), `KiB` (1024 B), `MB` (1000000 B) or `MiB` (1048576 B), \
     such as \"64KiB\" or \"1MiB\", at most 1 GiB";

/// Parses a body limit (`"64KiB"`, `"1MiB"`, `"500KB"`, `"2048B"`) into bytes.
///
/// # Errors
///
/// A message naming what is wrong and showing the expected form.
pub(crate) fn parse_body_limit(limit: &str) -> Result<u64, String> {
    let digits = limit.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = limit.split_at(digits);
    if number.is_empty() {
        return Err(format!(
            "invalid `body_limit` \"{limit}\": it does not start with a number; {BODY_LIMIT_FORM}"
        ));
    }
    let unit_bytes: u64 = match unit {
        "B" => 1,
        "KB" => 1000,
        "KiB" => 1024,
        "MB" => 1000 * 1000,
        "MiB" => 1024 * 1024,
        "" => {
            return Err(format!(
                "invalid `body_limit` \"{limit}\": the unit is missing; {BODY_LIMIT_FORM}"
            ));
        }
        other => {
            return Err(format!(
                "invalid `body_limit` \"{limit}\": unknown unit `{other}`; expected one of `B`, `KB`, `KiB`, `MB`, `MiB` (units are case-sensitive, e.g. \"1MiB\")"
            ));
        }
    };
    let too_large = || {
        format!(
            "invalid `body_limit` \"{limit}\": more than 1 GiB (1073741824 bytes); {BODY_LIMIT_FORM}"
        )
    };
    let bytes = number
        .parse::<u64>()
        .ok()
        .and_then(|number| number.checked_mul(unit_bytes))
        .ok_or_else(too_large)?;
    if bytes == 0 {
        return Err(format!(
            "invalid `body_limit` \"{limit}\": the limit must be at least 1 byte; {BODY_LIMIT_FORM}"
        ));
    }
    if bytes > MAX_BODY_LIMIT {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Checks a version: `v` then a number without leading zeros (`v0`, `v1`, `v12`).
///
/// # Errors
///
/// A message showing the expected form.
pub(crate) fn parse_version(version: &str) -> Result<(), String> {
    let well_formed = version.strip_prefix('v').is_some_and(|number| {
        !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
            && (number == "0" || !number.starts_with('0'))
    });
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "invalid `version` \"{version}\"; expected `v` followed by a number without leading zeros, such as \"v1\" or \"v2\""
        ))
    }
}

/// Checks that `scope` is a scope-token (RFC 6749 §3.3):
/// `1*( %x21 / %x23-5B / %x5D-7E )`, printable ASCII but space, `"` and `\`.
/// The runtime checks the same rule for key files in
/// `secure_api::auth::api_key::check_scope`.
///
/// # Errors
///
/// A message naming what is wrong and showing the expected form.
pub(crate) fn check_scope(scope: &str, key: &str) -> Result<(), String> {
    const FORM: &str = "a scope is one or more printable ASCII characters other than space, `\"` and `\\` (RFC 6749 §3.3), such as \"customers:read\"";
    if scope.is_empty() {
        return Err(format!("empty scope in `{key}`; {FORM}"));
    }
    let Some(bad) = scope
        .chars()
        .find(|c| !matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))
    else {
        return Ok(());
    };
    let what = match bad {
        ' ' => "a space".to_owned(),
        '"' => "`\"`".to_owned(),
        '\\' => "`\\`".to_owned(),
        c if c.is_control() => format!("the control character {:?}", c),
        c => format!("the non-ASCII character `{c}`"),
    };
    Err(format!(
        "invalid scope {scope:?} in `{key}`: it contains {what}; {FORM}"
    ))
}

/// Checks that `link` is an absolute `https` URL that fits in a `Link`
/// header: `https://`, a host, then visible ASCII without `<`, `>`, `"`,
/// spaces or other characters RFC 3986 does not allow.
///
/// # Errors
///
/// A message showing the expected form.
pub(crate) fn check_link(link: &str, key: &str) -> Result<(), String> {
    let form = "expected an absolute https URL, such as \"https://docs.example.com/migrate\"";
    let Some(rest) = link.strip_prefix("https://") else {
        return Err(format!("invalid `{key}` \"{link}\": {form}"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    let host = host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()) && !host.ends_with(']'))
        .map_or(host, |(host, _)| host);
    if host.is_empty() {
        return Err(format!(
            "invalid `{key}` \"{link}\": the host is missing; {form}"
        ));
    }
    if let Some(c) = rest.chars().find(|c| {
        !c.is_ascii_graphic() || matches!(c, '<' | '>' | '"' | '\\' | '^' | '`' | '{' | '|' | '}')
    }) {
        return Err(format!(
            "invalid `{key}` \"{link}\": {c:?} is not allowed in a URL (percent-encode it); {form}"
        ));
    }
    Ok(())
}

/// The names of the months, for messages and IMF-fixdates.
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses a `YYYY-MM-DD` date from 1970 to 9999 that exists into days
/// since 1970-01-01.
///
/// # Errors
///
/// A message naming what is wrong and showing the expected form.
pub(crate) fn parse_date(date: &str, key: &str) -> Result<i64, String> {
    const FORM: &str = "expected a date as YYYY-MM-DD, such as \"2026-01-01\"";
    let bytes = date.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err(format!("invalid `{key}` date \"{date}\"; {FORM}"));
    }
    let number = |range: std::ops::Range<usize>| {
        date.get(range)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    if !(1970..=9999).contains(&year) {
        return Err(format!(
            "invalid `{key}` date \"{date}\": the year must be from 1970 to 9999; {FORM}"
        ));
    }
    if !(1..=12).contains(&month) {
        return Err(format!(
            "invalid `{key}` date \"{date}\": there is no month {month}; {FORM}"
        ));
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days_in_month).contains(&day) {
        const NAMES: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let name = usize::try_from(month - 1)
            .ok()
            .and_then(|m| NAMES.get(m))
            .copied()
            .unwrap_or("");
        return Err(format!(
            "invalid `{key}` date \"{date}\": {name} {year} has {days_in_month} days; {FORM}"
        ));
    }
    Ok(days_from_civil(year, month, day))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The IMF-fixdate (RFC 9110 §5.6.7) of 00:00:00 UTC on the day `days`
/// after 1970-01-01 written `date` (`YYYY-MM-DD`): `Fri, 31 Dec 2027 00:00:00 GMT`.
pub(crate) fn imf_fixdate(date: &str, days: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    let weekday = usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0);
    let month = date
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("");
    format!(
        "{}, {} {month} {} 00:00:00 GMT",
        WEEKDAYS[weekday],
        date.get(8..10).unwrap_or(""),
        date.get(0..4).unwrap_or("")
    )
}

/// The names of the parameters of a route path: `id` in `/customers/{id}`,
/// `/files/{id:\d+}` and `/static/{tail}*`.
pub(crate) fn path_params(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        // The name runs to `:` (a regex follows) or `}`; a regex may hold
        // braces of its own (`\d{3}`), so the segment ends at the matching `}`.
        let name_end = after.find([':', '}']).unwrap_or(after.len());
        names.push(after[..name_end].to_owned());
        let mut depth = 1usize;
        let mut end = after.len();
        for (index, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = index + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::{
        check_link, check_scope, imf_fixdate, parse_body_limit, parse_date, parse_rate,
        parse_version, path_params,
    };

    /// (count, window seconds) of a rate that must parse.
    fn quota(rate: &str) -> (u32, u64) {
        match parse_rate(rate) {
            Ok(key) => (key.count, key.window_secs),
            Err(message) => panic!("{rate}: {message}"),
        }
    }

    #[test]
    fn rates_in_every_form() {
        assert_eq!(quota("100/15m"), (100, 900));
        assert_eq!(quota("10/1m"), (10, 60));
        assert_eq!(quota("600/m"), (600, 60));
        assert_eq!(quota("5/30s"), (5, 30));
        assert_eq!(quota("1000/2h"), (1000, 7200));
        assert_eq!(quota("1/d"), (1, 86_400));
        assert_eq!(quota("4294967295/1s"), (u32::MAX, 1));
        assert_eq!(
            quota("1/213503982334601d"),
            (1, 213_503_982_334_601 * 86_400)
        );
    }

    #[test]
    fn malformed_rates_say_what_is_wrong() {
        let cases = [
            ("100/15x", "unknown window unit `x`"),
            ("0/1m", "at least 1"),
            ("100", "missing `/WINDOW`"),
            ("99999999999/1m", "more than 4294967295"),
            ("999999999999999999999999/1m", "more than 4294967295"),
            ("100/0m", "longer than zero"),
            ("100/15", "no unit"),
            ("100/", "no unit"),
            ("/1m", "is not a number"),
            ("-1/1m", "is not a number"),
            ("1/213503982334602d", "too long"),
            ("1/99999999999999999999999d", "too long"),
            ("100 / 15m", "is not a number"),
        ];
        for (rate, expected) in cases {
            match parse_rate(rate) {
                Ok(_) => panic!("{rate} parsed"),
                Err(message) => assert!(message.contains(expected), "{rate}: {message}"),
            }
        }
    }

    #[test]
    fn body_limits_in_every_unit() {
        assert_eq!(parse_body_limit("1B"), Ok(1));
        assert_eq!(parse_body_limit("2048B"), Ok(2048));
        assert_eq!(parse_body_limit("64KiB"), Ok(65_536));
        assert_eq!(parse_body_limit("500KB"), Ok(500_000));
        assert_eq!(parse_body_limit("1MiB"), Ok(1_048_576));
        assert_eq!(parse_body_limit("2MB"), Ok(2_000_000));
        assert_eq!(parse_body_limit("1024MiB"), Ok(1 << 30));
        assert_eq!(parse_body_limit("1073741824B"), Ok(1 << 30));
    }

    #[test]
    fn malformed_body_limits_say_what_is_wrong() {
        let cases = [
            ("1GiB", "unknown unit `GiB`"),
            ("1mib", "unknown unit `mib`"),
            ("1 MiB", "unknown unit ` MiB`"),
            ("1025MiB", "more than 1 GiB"),
            ("1073741825B", "more than 1 GiB"),
            ("99999999999999999999999B", "more than 1 GiB"),
            ("0KiB", "at least 1 byte"),
            ("1024", "the unit is missing"),
            ("MiB", "does not start with a number"),
            ("", "does not start with a number"),
            ("-1MiB", "does not start with a number"),
            ("1.5MiB", "unknown unit `.5MiB`"),
        ];
        for (limit, expected) in cases {
            match parse_body_limit(limit) {
                Ok(bytes) => panic!("{limit} parsed as {bytes}"),
                Err(message) => assert!(message.contains(expected), "{limit}: {message}"),
            }
        }
    }

    #[test]
    fn versions() {
        for ok in ["v0", "v1", "v2", "v10", "v123"] {
            assert!(parse_version(ok).is_ok(), "{ok}");
        }
        for bad in [
            "one", "v", "1", "V1", "v01", "v00", "v1.0", "v-1", "", "v1 ",
        ] {
            assert!(parse_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_become_unix_days_and_imf_fixdates() {
        assert_eq!(parse_date("1970-01-01", "since"), Ok(0));
        assert_eq!(
            parse_date("2026-01-01", "since").map(|d| d * 86_400),
            Ok(1_767_225_600)
        );
        let sunset = parse_date("2027-12-31", "sunset").unwrap_or_default();
        assert_eq!(sunset * 86_400, 1_830_211_200);
        assert_eq!(
            imf_fixdate("2027-12-31", sunset),
            "Fri, 31 Dec 2027 00:00:00 GMT"
        );
        let leap = parse_date("2024-02-29", "since").unwrap_or_default();
        assert_eq!(
            imf_fixdate("2024-02-29", leap),
            "Thu, 29 Feb 2024 00:00:00 GMT"
        );
        assert_eq!(parse_date("2000-03-01", "since"), Ok(11_017));
        for (bad, why) in [
            ("2026-02-30", "February 2026 has 28 days"),
            ("2023-02-29", "February 2023 has 28 days"),
            ("2100-02-29", "February 2100 has 28 days"),
            ("2026-13-01", "no month 13"),
            ("2026-04-31", "April 2026 has 30 days"),
            ("1969-12-31", "from 1970 to 9999"),
            ("2026-1-01", "YYYY-MM-DD"),
            ("26-01-01", "YYYY-MM-DD"),
            ("2026/01/01", "YYYY-MM-DD"),
            ("", "YYYY-MM-DD"),
        ] {
            match parse_date(bad, "since") {
                Ok(days) => panic!("{bad} parsed as {days}"),
                Err(message) => assert!(message.contains(why), "{bad}: {message}"),
            }
        }
    }

    #[test]
    fn links_are_absolute_https_urls() {
        for ok in [
            "https://docs.example.com",
            "https://docs.customer-api.test/migrate-v1",
            "https://[::1]:8443/x?y=1#z",
            "https://example.com/%20",
        ] {
            assert_eq!(check_link(ok, "link"), Ok(()), "{ok}");
        }
        for bad in [
            "http://docs.example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com/<x>",
            "docs.example.com",
            "/relative",
        ] {
            assert!(check_link(bad, "link").is_err(), "{bad}");
        }
    }

    #[test]
    fn path_parameters_in_every_form() {
        assert_eq!(path_params("/customers/{id}"), ["id"]);
        assert_eq!(path_params("/a/{x}/b/{y}"), ["x", "y"]);
        assert_eq!(path_params(r"/files/{id:\d{3}}/{rest}"), ["id", "rest"]);
        assert_eq!(path_params("/static/{tail}*"), ["tail"]);
        assert!(path_params("/").is_empty());
        assert!(path_params("/plain/path").is_empty());
    }

    #[test]
    fn scopes_are_scope_tokens() {
        for ok in [
            "customers:read",
            "openid",
            "a",
            "https://api.example.com/read",
            "!#$%&'()*+,-./[]^_`{|}~",
        ] {
            assert_eq!(check_scope(ok, "scope"), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", "empty scope"),
            ("customers read", "a space"),
            ("a\"b", "`\"`"),
            ("a\\b", "`\\`"),
            ("a\tb", "control character"),
            ("\u{7f}", "control character"),
            ("café", "non-ASCII character `é`"),
        ] {
            match check_scope(bad, "scope") {
                Ok(()) => panic!("{bad:?} passed"),
                Err(message) => assert!(message.contains(why), "{bad:?}: {message}"),
            }
        }
    }
}
