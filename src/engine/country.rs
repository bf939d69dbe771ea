//! Countries: ISO 3166-1 alpha-2 from codes, English names and the variants people type.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use isocountry::CountryCode;

use super::text::fold_key;

/// Names people write that are not the ISO short names.
const VARIANTS: &[(&str, &str)] = &[
    ("usa", "US"),
    ("us", "US"),
    ("america", "US"),
    ("united states", "US"),
    ("u.s.", "US"),
    ("u.s.a.", "US"),
    ("uk", "GB"),
    ("u.k.", "GB"),
    ("great britain", "GB"),
    ("britain", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northern ireland", "GB"),
    ("united kingdom", "GB"),
    ("south korea", "KR"),
    ("korea", "KR"),
    ("north korea", "KP"),
    ("russia", "RU"),
    ("iran", "IR"),
    ("vietnam", "VN"),
    ("viet nam", "VN"),
    ("syria", "SY"),
    ("laos", "LA"),
    ("moldova", "MD"),
    ("czechia", "CZ"),
    ("czech republic", "CZ"),
    ("turkiye", "TR"),
    ("türkiye", "TR"),
    ("holland", "NL"),
    ("the netherlands", "NL"),
    ("macedonia", "MK"),
    ("north macedonia", "MK"),
    ("ivory coast", "CI"),
    ("cote d'ivoire", "CI"),
    ("drc", "CD"),
    ("dr congo", "CD"),
    ("democratic republic of the congo", "CD"),
    ("republic of the congo", "CG"),
    ("cape verde", "CV"),
    ("swaziland", "SZ"),
    ("eswatini", "SZ"),
    ("vatican", "VA"),
    ("vatican city", "VA"),
    ("palestine", "PS"),
    ("taiwan", "TW"),
    ("brunei", "BN"),
    ("micronesia", "FM"),
    ("bolivia", "BO"),
    ("venezuela", "VE"),
    ("tanzania", "TZ"),
    ("uae", "AE"),
    ("emirates", "AE"),
    ("trinidad", "TT"),
    ("bosnia", "BA"),
    ("deutschland", "DE"),
    ("allemagne", "DE"),
    ("alemania", "DE"),
    ("espana", "ES"),
    ("españa", "ES"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("österreich", "AT"),
    ("osterreich", "AT"),
    ("italia", "IT"),
    ("brasil", "BR"),
    ("mexico", "MX"),
    ("méxico", "MX"),
    ("nederland", "NL"),
    ("belgique", "BE"),
    ("belgie", "BE"),
    ("st kitts and nevis", "KN"),
    ("st lucia", "LC"),
    ("st vincent and the grenadines", "VC"),
    ("hong kong", "HK"),
    ("macau", "MO"),
    ("macao", "MO"),
    ("kosovo", "XK"),
];

fn key(value: &str) -> String {
    if value.contains('&') {
        fold_key(&value.replace('&', " and "))
    } else {
        fold_key(value)
    }
}

/// Every ISO 3166 alpha-2 code.
pub fn codes() -> impl Iterator<Item = &'static str> {
    CountryCode::as_array().iter().map(|c| c.alpha2())
}

static INDEX: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut index = HashMap::new();
    for code in CountryCode::as_array() {
        let alpha2 = code.alpha2();
        index.insert(key(alpha2), alpha2);
        index.insert(key(code.alpha3()), alpha2);
        let name = code.name();
        index.insert(key(name), alpha2);
        // "Bolivia (Plurinational State of)" → "Bolivia"; "Tanzania, United Republic of" → "Tanzania".
        let short = name.split([',', '(']).next().unwrap_or(name);
        index.entry(key(short)).or_insert(alpha2);
    }
    for (variant, alpha2) in VARIANTS {
        if let Some(canonical) = index.get(&key(alpha2)).copied() {
            index.insert(key(variant), canonical);
        } else if *alpha2 == "XK" {
            index.insert(key(variant), "XK");
        }
    }
    index
});

/// Values seen by this thread and what they named, kept up to this many: a country column
/// holds a few spellings over and over, and folding each costs two allocations.
const REMEMBERED: usize = 4096;

thread_local! {
    static SEEN: RefCell<HashMap<String, Option<&'static str>>> = RefCell::new(HashMap::new());
}

/// The ISO alpha-2 code for a country value, or `None` when it names no country.
pub fn normalize_country(raw: &str) -> Option<&'static str> {
    let remembered = SEEN.try_with(|seen| seen.borrow().get(raw).copied());
    if let Ok(Some(code)) = remembered {
        return code;
    }
    let code = lookup(raw);
    let _ = SEEN.try_with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.len() >= REMEMBERED {
            seen.clear();
        }
        seen.insert(raw.to_string(), code);
    });
    code
}

fn lookup(raw: &str) -> Option<&'static str> {
    let k = key(raw);
    if k.is_empty() {
        return None;
    }
    INDEX.get(&k).copied().or_else(|| {
        // "The Bahamas", "Republic of Korea": try without a leading article.
        k.strip_prefix("the")
            .and_then(|rest| INDEX.get(rest).copied())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_names_and_variants() {
        for (input, want) in [
            ("US", "US"),
            ("usa", "US"),
            ("DEU", "DE"),
            ("Germany", "DE"),
            ("  france ", "FR"),
            ("United States of America", "US"),
            ("Great Britain", "GB"),
            ("Trinidad & Tobago", "TT"),
            ("Trinidad and Tobago", "TT"),
            ("UNITED  KINGDOM", "GB"),
            ("Bolivia", "BO"),
            ("South Korea", "KR"),
            ("The Netherlands", "NL"),
        ] {
            assert_eq!(normalize_country(input), Some(want), "{input}");
        }
        assert_eq!(normalize_country("Atlantis"), None);
        assert_eq!(normalize_country("XX"), None);
    }

    #[test]
    fn remembered_values_give_the_same_answer() {
        for round in 0..3 {
            assert_eq!(normalize_country("usa"), Some("US"), "round {round}");
            assert_eq!(normalize_country("Atlantis"), None, "round {round}");
            // More distinct values than are remembered: the memory starts over.
            for i in 0..REMEMBERED {
                assert_eq!(normalize_country(&format!("nowhere {i}")), None);
            }
        }
    }
}
