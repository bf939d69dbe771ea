//! Countries: ISO 3166-1 alpha-2 from codes, English names, formal and native names and
//! the variants people type.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use isocountry::CountryCode;

/// Names beside the ISO codes and short names, one a line: `CODE name`. Kept as data so a
/// missing name is a one-line change; the file's head says how names are compared and
/// which ambiguous names were decided how.
const NAMES: &str = include_str!("countries.txt");

/// Words that say how a state is governed, not which state it is: "Republic of Korea",
/// "Kingdom of the Netherlands", "Arab Republic of Egypt" and "State of Palestine" are
/// looked up again without them. "Democratic" and "People's" are not among them, so
/// "Democratic People's Republic of Korea" never falls back to "Korea" (KR): the names
/// that carry those words are listed whole in the table.
const FORMS_OF_STATE: &[&str] = &[
    "arab",
    "bolivarian",
    "commonwealth",
    "confederation",
    "cooperative",
    "duchy",
    "federal",
    "federative",
    "grand",
    "hashemite",
    "independent",
    "islamic",
    "kingdom",
    "oriental",
    "plurinational",
    "principality",
    "republic",
    "socialist",
    "state",
    "sultanate",
    "union",
];

/// Words that name no country in any of the names: "Korea, Republic of the" is "Republic
/// of Korea", "Trinidad & Tobago" is "Trinidad and Tobago".
const FILLER: &[&str] = &["the", "of", "and"];

/// Abbreviations read as the word they stand for.
fn expand(word: &str) -> &str {
    match word {
        "st" => "saint",
        "rep" => "republic",
        "dem" => "democratic",
        "fed" => "federal",
        other => other,
    }
}

/// Characters dropped without ending a word: apostrophes and full stops ("People's",
/// "U.S.A.", "Cote d'Ivoire", "Oʻzbekiston"), joiners, and the combining marks of
/// decomposed accents and of scripts whose vowel signs are marks (Devanagari, Bengali,
/// Sinhala, Thai, Myanmar, Khmer, Arabic, Hebrew).
fn is_dropped(c: char) -> bool {
    matches!(
        c,
        '\'' | '’' | '‘' | 'ʼ' | 'ʻ' | '`' | '´' | '.' | '\u{200B}'
            ..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    ) || (!c.is_alphanumeric()
        && matches!(c,
                '\u{0300}'..='\u{036F}'
                | '\u{0483}'..='\u{0489}'
                | '\u{0591}'..='\u{05C7}'
                | '\u{0610}'..='\u{061A}'
                | '\u{064B}'..='\u{065F}'
                | '\u{0670}'
                | '\u{06D6}'..='\u{06ED}'
                | '\u{0900}'..='\u{0DFF}'
                | '\u{0E00}'..='\u{0EFF}'
                | '\u{1000}'..='\u{109F}'
                | '\u{1780}'..='\u{17FF}'
                | '\u{1AB0}'..='\u{1AFF}'
                | '\u{1DC0}'..='\u{1DFF}'
                | '\u{20D0}'..='\u{20FF}'
                | '\u{3099}'..='\u{309A}'
                | '\u{FE20}'..='\u{FE2F}'))
}

/// How a country value is compared: its words, folded (case, accents, punctuation),
/// without filler words and sorted. Sorting makes the inverted forms ISO and registries
/// print ("Korea, Republic of", "Netherlands (Kingdom of the)", "Bahamas, The") the same
/// key as the names people write.
fn key(value: &str) -> String {
    let mut folded = String::with_capacity(value.len());
    for c in value.chars() {
        if is_dropped(c) {
            continue;
        }
        if c.is_alphanumeric() {
            crate::engine::text::push_folded(c, &mut folded);
        } else if !folded.ends_with(' ') {
            folded.push(' ');
        }
    }
    let all: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut words: Vec<&str> = all
        .iter()
        .copied()
        .filter(|w| !FILLER.contains(w))
        .collect();
    // A value of one word is taken as written: "AND" is Andorra and "ST" São Tomé, not
    // a filler word or "Saint".
    if all.len() <= 1 {
        words = all;
    } else {
        words.iter_mut().for_each(|w| *w = expand(w));
    }
    words.sort_unstable();
    words.join(" ")
}

/// Every ISO 3166 alpha-2 code.
pub fn codes() -> impl Iterator<Item = &'static str> {
    CountryCode::as_array().iter().map(|c| c.alpha2())
}

/// The lines of the names table: (code, name).
fn names() -> impl Iterator<Item = (&'static str, &'static str)> {
    NAMES
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
}

static INDEX: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut index = HashMap::new();
    for code in CountryCode::as_array() {
        let alpha2 = code.alpha2();
        index.insert(key(alpha2), alpha2);
        index.insert(key(code.alpha3()), alpha2);
        index.insert(key(code.name()), alpha2);
    }
    for (alpha2, name) in names() {
        index.insert(key(name), alpha2);
    }
    index
});

/// Values seen by this thread and what they named, kept up to this many: a country column
/// holds a few spellings over and over, and folding each costs a few allocations.
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
    if let Some(code) = INDEX.get(&k) {
        return Some(code);
    }
    // "Federal Republic of Germany", "Kingdom of Spain": the name without its form of state.
    let rest: Vec<&str> = k
        .split(' ')
        .filter(|w| !FORMS_OF_STATE.contains(w))
        .collect();
    if rest.len() == k.split(' ').count() {
        return None;
    }
    let rest = rest.join(" ");
    // What is left must be a name, not a code: "State of CA" is California, not Canada.
    if rest.len() <= 3 {
        return None;
    }
    INDEX.get(&rest).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Country values as people and exports write them, one a line: the expected code
    /// ("--" for not a country), a space, the value as typed.
    const CASES: &str = include_str!("country_cases.txt");

    #[test]
    fn every_variant_in_the_table_names_its_country() {
        let mut wrong = Vec::new();
        let mut count = 0;
        for line in CASES
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let (want, input) = line.split_once(' ').expect("a code, a space, the value");
            let want = (want != "--").then_some(want);
            let got = normalize_country(input);
            if got != want {
                wrong.push(format!("{input:?}: want {want:?}, got {got:?}"));
            }
            count += 1;
        }
        assert!(count >= 600, "only {count} cases");
        assert!(
            wrong.is_empty(),
            "{} of {count} wrong:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }

    #[test]
    fn empty_and_blank_values_name_no_country() {
        for input in ["", " ", "\t", "  ,  ", "()", "-", "'"] {
            assert_eq!(normalize_country(input), None, "{input:?}");
        }
    }

    #[test]
    fn the_names_table_is_well_formed_and_never_contradicts_itself() {
        let known: Vec<&str> = codes().chain(["XK"]).collect();
        let mut seen: HashMap<String, (&str, &str)> = HashMap::new();
        for code in CountryCode::as_array() {
            seen.insert(key(code.name()), (code.alpha2(), code.name()));
        }
        for line in NAMES.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (code, name) = line.split_once(' ').expect("a code, a space, the name");
            assert!(
                known.contains(&code),
                "{line}: {code} is not an ISO 3166-1 code"
            );
            assert!(!key(name).is_empty(), "{line}: the name has no letters");
            if let Some((other, by)) = seen.insert(key(name), (code, name)) {
                assert_eq!(other, code, "{name:?} ({code}) reads as {by:?} ({other})");
            }
        }
    }

    #[test]
    fn inverted_and_decorated_forms_share_a_key() {
        assert_eq!(key("Korea, Republic of"), key("Republic of Korea"));
        assert_eq!(
            key("Netherlands (Kingdom of the)"),
            key("Kingdom of the Netherlands")
        );
        assert_eq!(key("CÔTE D’IVOIRE"), key("cote divoire"));
        assert_eq!(key("St. Lucia"), key("Saint Lucia"));
        assert_eq!(key("Trinidad & Tobago"), key("trinidad and tobago"));
        assert_ne!(key("Guinea"), key("Guinea-Bissau"));
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
