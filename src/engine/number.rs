//! Numbers, money and websites: values kept as text until the field's type is applied.

/// `1.23`, `1234`, `.123`, `-5`, `1,234,234.33`, `$ 1,234.50` → a plain decimal string.
pub fn normalize_number(raw: &str, money: bool) -> Option<String> {
    let mut s = raw.trim();
    if money {
        s = s.trim_start_matches(['$', '€', '£', '¥']).trim();
        s = s.trim_end_matches(['$', '€', '£', '¥']).trim();
        for code in ["USD", "EUR", "GBP", "CAD"] {
            s = s.strip_suffix(code).unwrap_or(s).trim();
        }
    }
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    // Thousands separators must sit every three digits: 1,234,234 but not 12,34.
    let groups: Vec<&str> = int.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits_ok = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !grouped_ok || !digits_ok || (body.contains('.') && frac.is_empty()) {
        return None;
    }
    let int: String = groups.concat();
    let int = if int.is_empty() { "0".to_string() } else { int };
    let mut out = if negative { format!("-{int}") } else { int };
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

/// A website people can open: a host with a dot, no spaces; `http(s)://` optional.
pub fn normalize_website(raw: &str) -> Option<String> {
    let s = raw.trim();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    let ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
        && !s.chars().any(char::is_whitespace)
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
    ok.then(|| s.to_string())
}

/// A count with its thousands grouped, `1,030,021`: how every count is shown to people.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A count in at most five characters, for a column with no room for it grouped: exact up
/// to 9999, then rounded to thousands or millions (`24k`, `1.03M`, `12.3M`, `123M`,
/// `1.03B`) — never cut to a smaller-looking number.
pub fn compact_count(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_499 => format!("{}k", (n + 500) / 1000),
        999_500..=9_994_999 => format!("{:.2}M", n as f64 / 1e6),
        9_995_000..=99_949_999 => format!("{:.1}M", n as f64 / 1e6),
        99_950_000..=999_499_999 => format!("{:.0}M", n as f64 / 1e6),
        _ => format!("{:.2}B", n as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_or_compacted_never_cut() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1_030_021), "1,030,021");
        assert_eq!(compact_count(9_999), "9999");
        assert_eq!(compact_count(23_753), "24k");
        assert_eq!(compact_count(999_499), "999k");
        assert_eq!(compact_count(999_500), "1.00M");
        assert_eq!(compact_count(1_030_021), "1.03M");
        assert_eq!(compact_count(12_345_678), "12.3M");
        assert_eq!(compact_count(123_456_789), "123M");
    }

    #[test]
    fn numbers_and_money() {
        assert_eq!(normalize_number("1.23", false).as_deref(), Some("1.23"));
        assert_eq!(normalize_number("1234", false).as_deref(), Some("1234"));
        assert_eq!(normalize_number(".123", false).as_deref(), Some("0.123"));
        assert_eq!(
            normalize_number("1,234,234.33", true).as_deref(),
            Some("1234234.33")
        );
        assert_eq!(
            normalize_number("$1,234.50", true).as_deref(),
            Some("1234.50")
        );
        assert_eq!(normalize_number("12,34", false), None);
        assert_eq!(normalize_number("abc", false), None);
        assert_eq!(normalize_number("1.", false), None);
    }

    #[test]
    fn websites() {
        assert!(normalize_website("https://acme.example.com/about").is_some());
        assert!(normalize_website("acme.io").is_some());
        assert!(normalize_website("not a site").is_none());
        assert!(normalize_website("localhost").is_none());
    }
}
