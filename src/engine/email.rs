//! Email addresses: trimmed, `mailto:` removed, lowercased, checked for a shape mail can
//! be delivered to, with a message that says what is missing.

/// Splits a cell that holds several addresses.
pub fn split_emails(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([',', ';', '\n', '\r', ' ', '\t'])
        .filter(|s| !s.trim().is_empty())
}

/// The stored form of an address, or a message saying why it is not one.
pub fn normalize_email(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_matches(|c| c == '<' || c == '>');
    let without_scheme = match trimmed.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => &trimmed[7..],
        _ => trimmed,
    };
    let email = without_scheme.to_lowercase();
    let (local, domain) = match email.split_once('@') {
        None => return Err(format!("{raw}: no @ in the address")),
        Some(parts) => parts,
    };
    if domain.contains('@') {
        return Err(format!("{raw}: more than one @"));
    }
    if local.is_empty() {
        return Err(format!("{raw}: nothing before the @"));
    }
    if domain.is_empty() {
        return Err(format!("{raw}: missing the domain after the @"));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{raw}: contains spaces"));
    }
    if local.len() > 64 || email.len() > 254 {
        return Err(format!("{raw}: longer than an address may be"));
    }
    if local.starts_with('.')
        || local.ends_with('.')
        || email.as_bytes().windows(2).any(|w| w == b"..")
    {
        return Err(format!("{raw}: misplaced dot"));
    }
    let allowed = |c: char| {
        c.is_alphanumeric()
            || matches!(
                c,
                '!' | '#'
                    | '$'
                    | '%'
                    | '&'
                    | '\''
                    | '*'
                    | '+'
                    | '-'
                    | '/'
                    | '='
                    | '?'
                    | '^'
                    | '_'
                    | '`'
                    | '{'
                    | '|'
                    | '}'
                    | '~'
                    | '.'
            )
    };
    if !local.chars().all(allowed) {
        return Err(format!(
            "{raw}: characters an address cannot hold before the @"
        ));
    }
    if !domain.contains('.') {
        return Err(format!(
            "{raw}: the domain {domain:?} has no dot (such as {domain}.com)"
        ));
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !domain.split('.').all(|l| label_ok(&l)) {
        return Err(format!(
            "{raw}: the domain {domain:?} is not a valid domain name"
        ));
    }
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if tld.chars().count() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "{raw}: the domain {domain:?} does not end in a top-level domain"
        ));
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(
            normalize_email(" MailTo:Jane.Doe@Example.COM ").unwrap(),
            "jane.doe@example.com"
        );
        assert_eq!(normalize_email("<a+b@x.co.uk>").unwrap(), "a+b@x.co.uk");
    }

    #[test]
    fn explains_refusals() {
        assert_eq!(
            normalize_email("jane.example.com").unwrap_err(),
            "jane.example.com: no @ in the address"
        );
        assert!(normalize_email("jane@example")
            .unwrap_err()
            .contains("has no dot"));
        assert!(normalize_email("jane@@x.com")
            .unwrap_err()
            .contains("more than one @"));
        assert!(normalize_email("jane doe@x.com").is_err());
        assert!(normalize_email("jane@x..com").is_err());
    }
}
