//! Whether a parsed number is valid: the library's `is_valid_number`, computed with fewer
//! regex searches.
//!
//! The library decides validity by finding the number's region and then asking, one
//! pattern at a time, whether the national number is premium-rate, toll-free, shared-cost,
//! VoIP, personal, pager, UAN, voicemail, fixed-line or mobile: up to eleven anchored
//! regex searches, each preceded by a check of the type's possible lengths. Only "any type
//! at all" matters for validity, so this module asks the same question in one search: for
//! each region and number length it joins the patterns of the types whose possible lengths
//! admit that length into one alternation, compiled on first use. The patterns, the length
//! rules and the order in which regions are tried are the library's own, read from the same
//! metadata the library is built from ([`super::metadata`]), so the answer is the same by
//! construction. Tests compare the two on every region's example numbers and on sweeps of
//! shared calling codes.
//!
//! The tables and each thread's compiled patterns serve [`super::plain`] too, which reads
//! the prefixes and the general pattern of a region to parse plain numbers.

use std::cell::RefCell;
use std::sync::OnceLock;

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};

use rlibphonenumber::{PhoneMetadata, PhoneNumber, PhoneNumberDesc, Region};
use rustc_hash::FxHashMap as HashMap;

/// National significant numbers are at most 17 digits (the library refuses longer ones when
/// parsing); anything from this length on is left to the library.
const MAX_LENGTH: usize = 24;

/// What the library keeps of one region (or non-geographic calling code) for validity,
/// and for parsing a plain number (`super::plain`).
pub(super) struct Patterns {
    pub(super) region: Region,
    pub(super) code: i32,
    /// The international dialling prefix (`011` in the US), stored as a full pattern.
    pub(super) international_prefix: Option<String>,
    /// What the library strips as a national prefix (`0` in most of Europe), likewise.
    pub(super) national_prefix_for_parsing: Option<String>,
    /// What replaces a national prefix where one is rewritten rather than stripped.
    pub(super) national_prefix_transform_rule: Option<String>,
    pub(super) general: Desc,
    /// Premium-rate … voicemail, fixed-line, then mobile unless it repeats fixed-line.
    types: Vec<Desc>,
    /// The region's leading digits, which claim a number of a shared calling code for it.
    leading_digits: Option<String>,
}

/// One number description: its possible lengths (empty: any) and its pattern, stored as
/// the metadata stores it, already wrapped in `^(?:…)$`.
pub(super) struct Desc {
    pub(super) lengths: Vec<i32>,
    /// Lengths at which a number can only be dialled locally.
    pub(super) local_only: Vec<i32>,
    pattern: Option<String>,
}

impl Desc {
    // The metadata's fields are deprecated for readers of the library's own wrapper, which
    // moves them out; a collection decoded from the bytes, as here, holds them.
    #[allow(deprecated)]
    fn of(desc: &Option<PhoneNumberDesc>) -> Desc {
        let desc = desc.clone().unwrap_or_default();
        Desc {
            lengths: desc.possible_length,
            local_only: desc.possible_length_local_only,
            pattern: desc.national_number_pattern,
        }
    }

    /// The library's length rule: an empty list admits every length.
    fn admits(&self, length: usize) -> bool {
        self.lengths.is_empty() || self.lengths.iter().any(|&l| l as usize == length)
    }
}

/// The library's reading of a stored pattern: a pattern too short to hold `^(?:)$` is
/// compiled as the empty regex, which matches anything.
fn full_pattern(stored: &str) -> &str {
    if stored.len() >= 6 {
        stored
    } else {
        ""
    }
}

/// The same pattern anchored at the start only (`^(?:…)`), as the library reads leading
/// digits.
fn start_pattern(stored: &str) -> &str {
    if stored.len() >= 6 {
        &stored[..stored.len() - 1]
    } else {
        ""
    }
}

/// Every region's patterns, and which regions share each calling code, in the library's
/// order. Built once per process from the metadata.
pub(super) struct Tables {
    pub(super) patterns: Vec<Patterns>,
    pub(super) by_region: HashMap<Region, usize>,
    non_geographic: HashMap<i32, usize>,
    /// The calling code's regions, first to last as the library tries them.
    pub(super) regions_of_code: HashMap<i32, Vec<Region>>,
}

impl Tables {
    #[allow(deprecated)] // see `Desc::of`
    fn build(metadata: &[PhoneMetadata]) -> Option<Tables> {
        let mut tables = Tables {
            patterns: Vec::with_capacity(metadata.len()),
            by_region: HashMap::default(),
            non_geographic: HashMap::default(),
            regions_of_code: HashMap::default(),
        };
        for meta in metadata {
            let Some(code) = meta.country_code else {
                continue;
            };
            let region = Region::from_code(&meta.id).ok()?;
            let index = tables.patterns.len();
            let mut types: Vec<Desc> = [
                &meta.premium_rate,
                &meta.toll_free,
                &meta.shared_cost,
                &meta.voip,
                &meta.personal_number,
                &meta.pager,
                &meta.uan,
                &meta.voicemail,
                &meta.fixed_line,
            ]
            .into_iter()
            .map(Desc::of)
            .collect();
            // The library asks the mobile pattern only when it differs from fixed-line.
            if !meta.same_mobile_and_fixed_line_pattern() {
                types.push(Desc::of(&meta.mobile));
            }
            tables.patterns.push(Patterns {
                region,
                code,
                international_prefix: meta.international_prefix.clone(),
                national_prefix_for_parsing: meta.national_prefix_for_parsing.clone(),
                national_prefix_transform_rule: meta.national_prefix_transform_rule.clone(),
                general: Desc::of(&meta.general_desc),
                types,
                leading_digits: meta.leading_digits.clone(),
            });
            if region == Region::World {
                tables.non_geographic.insert(code, index);
            } else {
                tables.by_region.insert(region, index);
            }
            // The library's order: a code's main country first, the others as they come.
            let regions = tables.regions_of_code.entry(code).or_default();
            if meta.main_country_for_code() {
                regions.insert(0, region);
            } else {
                regions.push(region);
            }
        }
        Some(tables)
    }
}

/// A compiled answer to "does the number match": never, always, or a forward lazy DFA
/// with this thread's cache. National numbers are ASCII digits, so the patterns are
/// compiled without Unicode classes: `\d` then means `[0-9]`, which is what the library's
/// Unicode `\d` matches in such a text, and the automaton stays small.
pub(super) enum Matcher {
    Never,
    Always,
    Dfa(Box<Dfa>),
}

impl Matcher {
    pub(super) fn compile(pattern: &str) -> Option<Matcher> {
        if pattern.is_empty() {
            return Some(Matcher::Always);
        }
        let dfa = DFA::builder()
            .syntax(syntax::Config::new().unicode(false))
            .thompson(thompson::Config::new().which_captures(WhichCaptures::None))
            .build(pattern)
            .ok()?;
        let cache = dfa.create_cache();
        // Every match of a pattern anchored at the start begins at the first digit.
        let anchored = dfa.get_nfa().is_always_start_anchored();
        Some(Matcher::Dfa(Box::new(Dfa {
            dfa,
            cache,
            anchored,
            start: None,
        })))
    }

    /// Whether the pattern matches in `text`, searched as the library's `is_match` does
    /// (unanchored: the stored patterns carry their own `^`, and `$` where a whole-text
    /// match is meant). `None` if the search gave up.
    pub(super) fn is_match(&mut self, text: &str) -> Option<bool> {
        match self {
            Matcher::Never => Some(false),
            Matcher::Always => Some(true),
            Matcher::Dfa(d) => d.walk(text.as_bytes()),
        }
    }

    /// Whether no text that starts with `head` can match: `false` when that cannot be told
    /// this way (a pattern not anchored at the start), `None` if the automaton gave up.
    fn dies_on(&mut self, head: &[u8]) -> Option<bool> {
        match self {
            Matcher::Never => Some(true),
            Matcher::Always => Some(false),
            Matcher::Dfa(d) if !d.anchored => Some(false),
            Matcher::Dfa(d) => Some(matches!(d.walk_over(head)?, Walked::Dead)),
        }
    }

    /// Where the match the library's `find` reports (leftmost-first, from the start of
    /// `text`) ends, for a pattern anchored at the start; `Some(None)` when there is none,
    /// `None` if the search gave up or the pattern is not anchored at the start.
    pub(super) fn match_end(&mut self, text: &str) -> Option<Option<usize>> {
        match self {
            Matcher::Never => Some(None),
            Matcher::Always => Some(Some(0)),
            Matcher::Dfa(d) if !d.anchored => None,
            Matcher::Dfa(d) => {
                let input = Input::new(text).anchored(Anchored::Yes);
                let found = d.dfa.try_search_fwd(&mut d.cache, &input).ok()?;
                Some(found.map(|m| m.offset()))
            }
        }
    }
}

/// A compiled pattern with this thread's cache.
pub(super) struct Dfa {
    dfa: DFA,
    cache: Cache,
    /// The pattern can only match from the start of the text (`^…`, as stored patterns
    /// are), so an anchored walk gives the same answer and stops at the first digit no
    /// match can go on from.
    anchored: bool,
    /// The start state, and the cache's clear count when it was found.
    start: Option<(LazyStateID, usize)>,
}

/// Where a walk over some bytes ended.
enum Walked {
    /// A match ended on the way (the automaton says so one byte late, in a match state).
    Matched,
    /// No continuation of the bytes can match.
    Dead,
    /// Neither yet: the state after the last byte.
    Open(LazyStateID),
}

impl Dfa {
    /// `try_search_fwd` with `earliest`, reduced to what a number needs: a walk over its
    /// digits from the start state that stops at the first match or dead state. The
    /// general search sets up far more than a ten-digit text repays, and a number of a
    /// shared calling code is matched against dozens of patterns (a Trinidad number goes
    /// through twenty-one regions before its own). `None` if the automaton gave up.
    fn walk(&mut self, text: &[u8]) -> Option<bool> {
        match self.walk_over(text)? {
            Walked::Matched => Some(true),
            Walked::Dead => Some(false),
            Walked::Open(state) => {
                let end = self.dfa.next_eoi_state(&mut self.cache, state).ok()?;
                Some(end.is_match())
            }
        }
    }

    /// Walks `bytes` from the start state, stopping at a match or a dead state; `None` if
    /// the automaton gave up.
    fn walk_over(&mut self, bytes: &[u8]) -> Option<Walked> {
        let mut state = self.start_state(bytes)?;
        let (dfa, cache) = (&self.dfa, &mut self.cache);
        for &byte in bytes {
            state = dfa.next_state(cache, state, byte).ok()?;
            if state.is_tagged() {
                if state.is_match() {
                    return Some(Walked::Matched);
                }
                if state.is_dead() {
                    return Some(Walked::Dead);
                }
                if state.is_quit() {
                    return None;
                }
            }
        }
        Some(Walked::Open(state))
    }

    /// The state a walk starts from, the same for every text (each starts a haystack):
    /// worked out once, and again only when the cache has been cleared.
    fn start_state(&mut self, text: &[u8]) -> Option<LazyStateID> {
        if let Some((state, clears)) = self.start {
            if clears == self.cache.clear_count() {
                return Some(state);
            }
        }
        let anchored = if self.anchored {
            Anchored::Yes
        } else {
            Anchored::No
        };
        let input = Input::new(text).anchored(anchored);
        let state = self.dfa.start_state_forward(&mut self.cache, &input).ok()?;
        self.start = Some((state, self.cache.clear_count()));
        Some(state)
    }
}

/// One thread's compiled regexes for one region: built on first use, because a file
/// rarely holds numbers of more than a few regions.
pub(super) struct Compiled {
    general: Option<Matcher>,
    leading_digits: Option<Option<Matcher>>,
    /// `Patterns::international_prefix` and `national_prefix_for_parsing`, anchored at
    /// the start as the library reads them (`None` inside: the region has none).
    international_prefix: Option<Option<Matcher>>,
    national_prefix: Option<Option<Matcher>>,
    /// Whether numbers of a length and area (`Check::ruled_out_by_area`'s key) are ruled
    /// out for this region.
    ruled_out: HashMap<u32, bool>,
    /// For each set of types (a bit per type) asked about: their patterns, joined into
    /// one alternation. Lengths admitting the same types share one.
    any_type: Vec<(u16, Matcher)>,
}

impl Compiled {
    /// The region's general pattern, compiled on first use.
    pub(super) fn general(&mut self, patterns: &Patterns) -> Option<&mut Matcher> {
        if self.general.is_none() {
            self.general = Some(match &patterns.general.pattern {
                Some(stored) => Matcher::compile(full_pattern(stored))?,
                None => Matcher::Never,
            });
        }
        self.general.as_mut()
    }

    /// The region's leading digits, which claim a shared calling code's number for it.
    fn leading_digits(&mut self, patterns: &Patterns) -> Option<Option<&mut Matcher>> {
        at_start(&mut self.leading_digits, patterns.leading_digits.as_deref())
    }

    /// The region's international dialling prefix (`011`, `00`).
    pub(super) fn international_prefix(
        &mut self,
        patterns: &Patterns,
    ) -> Option<Option<&mut Matcher>> {
        at_start(
            &mut self.international_prefix,
            patterns.international_prefix.as_deref(),
        )
    }

    /// The region's national prefix as the library strips it (`0`, `1`).
    pub(super) fn national_prefix(&mut self, patterns: &Patterns) -> Option<Option<&mut Matcher>> {
        at_start(
            &mut self.national_prefix,
            patterns.national_prefix_for_parsing.as_deref(),
        )
    }

    /// One matcher for "of any type whose possible lengths admit `length`", compiled on
    /// first use.
    fn types(&mut self, patterns: &Patterns, length: usize) -> Option<&mut Matcher> {
        let types = admitting(&patterns.types, length);
        let at = match self.any_type.iter().position(|(set, _)| *set == types) {
            Some(at) => at,
            None => {
                self.any_type.push((types, any_of(&patterns.types, types)?));
                self.any_type.len() - 1
            }
        };
        self.any_type.get_mut(at).map(|(_, matcher)| matcher)
    }

    fn new() -> Box<Compiled> {
        Box::new(Compiled {
            general: None,
            leading_digits: None,
            international_prefix: None,
            national_prefix: None,
            ruled_out: HashMap::default(),
            any_type: Vec::new(),
        })
    }
}

/// A stored pattern read as the library reads a prefix (anchored at the start only),
/// compiled into `slot` on first use; `None` inside when there is no pattern, `None` if it
/// does not compile.
fn at_start<'m>(
    slot: &'m mut Option<Option<Matcher>>,
    stored: Option<&str>,
) -> Option<Option<&'m mut Matcher>> {
    if slot.is_none() {
        *slot = Some(match stored {
            Some(stored) => Some(Matcher::compile(start_pattern(stored))?),
            None => None,
        });
    }
    Some(slot.as_mut()?.as_mut())
}

/// The library's metadata, read once and kept for the process.
pub(super) fn tables() -> Option<&'static Tables> {
    static TABLES: OnceLock<Option<Tables>> = OnceLock::new();
    TABLES
        .get_or_init(|| {
            let metadata = super::metadata()?;
            Tables::build(&metadata.metadata)
        })
        .as_ref()
}

thread_local! {
    /// Compiled regexes by region index, per thread: a regex's scratch space is fastest on
    /// the thread that made it.
    static COMPILED: RefCell<Vec<Option<Box<Compiled>>>> = const { RefCell::new(Vec::new()) };
}

/// Whether the metadata describes `region` (it has a calling code).
pub(super) fn has_metadata(region: Region) -> bool {
    tables().is_some_and(|t| t.by_region.contains_key(&region))
}

/// Runs `f` with the tables and this thread's compiled regexes, one slot a region.
fn with_every_compiled<T>(
    f: impl FnOnce(&'static Tables, &mut [Option<Box<Compiled>>]) -> Option<T>,
) -> Option<T> {
    let tables = tables()?;
    COMPILED
        .try_with(|compiled| {
            let mut compiled = compiled.try_borrow_mut().ok()?;
            compiled.resize_with(tables.patterns.len(), || None);
            f(tables, &mut compiled)
        })
        .ok()
        .flatten()
}

/// Runs `f` with the tables and this thread's compiled regexes of the region at `index`.
pub(super) fn with_compiled<T>(
    index: usize,
    f: impl FnOnce(&'static Tables, &mut Compiled) -> Option<T>,
) -> Option<T> {
    with_every_compiled(|tables, compiled| {
        f(
            tables,
            compiled.get_mut(index)?.get_or_insert_with(Compiled::new),
        )
    })
}

/// Runs `f` on `number` with this thread's compiled regexes; `None` when this module
/// cannot answer (a pattern that does not compile, a number longer than any pattern
/// allows), so that the caller asks the library.
fn checking<T>(
    number: &PhoneNumber,
    national: &str,
    f: impl FnOnce(&mut Check) -> Option<T>,
) -> Option<T> {
    if national.len() >= MAX_LENGTH {
        return None;
    }
    with_every_compiled(|tables, compiled| {
        f(&mut Check {
            tables,
            compiled,
            national,
            code: number.country_code,
        })
    })
}

/// The library's `is_valid_number(number)`, or `None` to ask the library.
#[cfg(test)]
pub(super) fn is_valid(number: &PhoneNumber) -> Option<bool> {
    is_valid_with(number, &number.get_national_significant_number())
}

/// [`is_valid`] of a number whose national significant number (the library's
/// `get_national_significant_number`) is `national`.
pub(super) fn is_valid_with(number: &PhoneNumber, national: &str) -> Option<bool> {
    checking(number, national, |check| match check.region()? {
        Some((_, Typed::Yes)) => Some(true),
        Some((index, Typed::NotAsked)) => check.of_known_type(index),
        None => Some(false),
    })
}

/// The library's `get_region_for_number(number)`, or `None` to ask the library.
pub(super) fn region_of(number: &PhoneNumber) -> Option<Option<Region>> {
    checking(number, &number.get_national_significant_number(), |check| {
        Some(
            check
                .region()?
                .map(|(index, _)| check.tables.patterns[index].region),
        )
    })
}

/// Whether finding the region already showed the number of a known type there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Typed {
    Yes,
    NotAsked,
}

/// One number being checked against the tables.
struct Check<'a> {
    tables: &'a Tables,
    compiled: &'a mut [Option<Box<Compiled>>],
    national: &'a str,
    code: i32,
}

impl Check<'_> {
    /// `get_region_for_number`, as the index of the region's patterns: the calling code's
    /// only region, or the first of its regions whose leading digits or number patterns
    /// take the number.
    ///
    /// A region that took the number by its patterns has found it of a known type there,
    /// which is all validity asks: the number is not searched a second time.
    fn region(&mut self) -> Option<Option<(usize, Typed)>> {
        let code = self.code;
        let Some(regions) = self.tables.regions_of_code.get(&code) else {
            return Some(None);
        };
        if let [only] = regions.as_slice() {
            let index = match only {
                Region::World => self.tables.non_geographic.get(&code).copied(),
                region => self.tables.by_region.get(region).copied(),
            };
            return Some(index.map(|i| (i, Typed::NotAsked)));
        }
        for region in regions {
            let Some(&index) = self.tables.by_region.get(region) else {
                return Some(None);
            };
            if self.ruled_out_by_area(index)? {
                continue;
            }
            if self.leading_digits_match(index)? {
                return Some(Some((index, Typed::NotAsked)));
            }
            if self.of_known_type(index)? {
                return Some(Some((index, Typed::Yes)));
            }
        }
        Some(None)
    }

    fn compiled(&mut self, index: usize) -> Option<&mut Compiled> {
        Some(
            self.compiled
                .get_mut(index)?
                .get_or_insert_with(Compiled::new),
        )
    }

    /// The library's `get_number_type_helper(..) != Unknown`.
    fn of_known_type(&mut self, index: usize) -> Option<bool> {
        let patterns = &self.tables.patterns[index];
        let length = self.national.len();
        let national = self.national;
        if !patterns.general.admits(length) {
            return Some(false);
        }
        let compiled = self.compiled(index)?;
        if !compiled.general(patterns)?.is_match(national)? {
            return Some(false);
        }
        compiled.types(patterns, length)?.is_match(national)
    }

    /// Whether the region can neither claim the number by its leading digits nor find it
    /// of any type, judged from its first three digits and its length alone: the library
    /// would ask both and get no for an answer. A number of a shared calling code is tried
    /// against region after region (a Trinidad number against twenty-one before its own),
    /// and most of them are ruled out this way by the area code, once per area, length and
    /// thread.
    fn ruled_out_by_area(&mut self, index: usize) -> Option<bool> {
        let national = self.national;
        let Some(head) = national.as_bytes().get(..3) else {
            return Some(false);
        };
        if !head.iter().all(u8::is_ascii_digit) {
            return Some(false);
        }
        let length = national.len();
        let key = head
            .iter()
            .fold(length as u32, |key, d| key * 10 + u32::from(d - b'0'));
        if let Some(&ruled_out) = self.compiled(index)?.ruled_out.get(&key) {
            return Some(ruled_out);
        }
        let patterns = &self.tables.patterns[index];
        let leading_dies = match self.leading_digits(index)? {
            Some(matcher) => matcher.dies_on(head)?,
            None => true,
        };
        let compiled = self.compiled(index)?;
        let untyped =
            !patterns.general.admits(length) || compiled.types(patterns, length)?.dies_on(head)?;
        let ruled_out = leading_dies && untyped;
        compiled.ruled_out.insert(key, ruled_out);
        Some(ruled_out)
    }

    fn leading_digits_match(&mut self, index: usize) -> Option<bool> {
        let national = self.national;
        match self.leading_digits(index)? {
            Some(matcher) => matcher.is_match(national),
            None => Some(false),
        }
    }

    /// The region's leading digits (`None` inside: it has none), compiled on first use.
    fn leading_digits(&mut self, index: usize) -> Option<Option<&mut Matcher>> {
        let patterns = &self.tables.patterns[index];
        self.compiled(index)?.leading_digits(patterns)
    }
}

/// The types whose possible lengths admit `length`, a bit each.
fn admitting(types: &[Desc], length: usize) -> u16 {
    types
        .iter()
        .enumerate()
        .filter(|(_, desc)| desc.admits(length))
        .fold(0, |set, (bit, _)| set | 1 << bit)
}

/// One matcher for "the number matches one of the `set` of types".
fn any_of(types: &[Desc], set: u16) -> Option<Matcher> {
    let mut alternatives = Vec::new();
    for (bit, desc) in types.iter().enumerate() {
        let Some(stored) = desc.pattern.as_ref().filter(|_| set & 1 << bit != 0) else {
            continue;
        };
        let pattern = full_pattern(stored);
        if pattern.is_empty() {
            return Some(Matcher::Always);
        }
        alternatives.push(pattern);
    }
    if alternatives.is_empty() {
        return Some(Matcher::Never);
    }
    Matcher::compile(&alternatives.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlibphonenumber::PhoneNumberUtil;

    fn util() -> PhoneNumberUtil {
        PhoneNumberUtil::new_for_metadata(super::super::metadata().unwrap()).unwrap()
    }

    /// Our answers against the library's, on our copy of the metadata and on the crate's
    /// built-in one (which catches the copy drifting from an upgraded crate).
    fn agree(util: &PhoneNumberUtil, number: &PhoneNumber, what: &str) -> bool {
        let library = util.is_valid_number(number);
        assert_eq!(is_valid(number), Some(library), "{what}: {number:?}");
        let builtin = &*rlibphonenumber::PHONE_NUMBER_UTIL;
        assert_eq!(builtin.is_valid_number(number), library, "{what}: built-in");
        let region = util.get_region_for_number(number);
        assert_eq!(region_of(number), Some(region), "{what}: {number:?}");
        assert_eq!(
            builtin.get_region_for_number(number),
            region,
            "{what}: built-in"
        );
        library
    }

    #[test]
    fn every_pattern_of_every_region_compiles() {
        let tables = tables().expect("metadata loads");
        assert!(tables.patterns.len() > 240, "{}", tables.patterns.len());
        for (index, patterns) in tables.patterns.iter().enumerate() {
            let stored = patterns.general.pattern.as_deref().unwrap_or("");
            assert!(Matcher::compile(full_pattern(stored)).is_some());
            for length in 1..MAX_LENGTH {
                let types = admitting(&patterns.types, length);
                assert!(
                    any_of(&patterns.types, types).is_some(),
                    "region #{index}, length {length}"
                );
            }
        }
    }

    #[test]
    fn agrees_with_the_library_on_example_numbers_of_every_type_and_region() {
        let util = util();
        let types = super::super::EVERY_TYPE;
        let (mut valid, mut checked) = (0, 0);
        for region in util.get_supported_regions() {
            for kind in types {
                let Ok(example) = util.get_example_number_for_type_and_region(region, kind) else {
                    continue;
                };
                // The example, and near misses: a digit more, a digit less, digits changed.
                let national = example.national_number;
                for variant in [
                    national,
                    national * 10 + 7,
                    national / 10,
                    national + 1,
                    national ^ 0b1011,
                ] {
                    let mut number = example.clone();
                    number.national_number = variant;
                    valid += usize::from(agree(&util, &number, &format!("{region} {kind:?}")));
                    checked += 1;
                }
            }
        }
        for code in util.get_supported_global_network_calling_codes() {
            let Ok(example) = util.get_example_number_for_non_geo_entity(code) else {
                continue;
            };
            let national = example.national_number;
            for variant in [national, national * 10 + 3, national / 10, national + 1] {
                let mut number = example.clone();
                number.national_number = variant;
                agree(&util, &number, &format!("+{code}"));
                checked += 1;
            }
        }
        assert!(
            checked > 2000 && valid > 1000,
            "{checked} checked, {valid} valid"
        );
    }

    #[test]
    fn agrees_with_the_library_on_shared_calling_codes() {
        let util = util();
        let mut numbers = Vec::new();
        // Every NANP area code with a few exchanges, and numbers of other shared codes
        // (+44 GB/GG/IM/JE, +7 RU/KZ, +61 AU/CC/CX, +590, +262, +47, +358, +39).
        for area in 200..1000 {
            for exchange in ["201", "555", "746", "911"] {
                numbers.push(format!("+1{area}{exchange}0142"));
            }
        }
        for prefix in [
            "+44 20",
            "+44 1481",
            "+44 1624",
            "+44 1534",
            "+44 7781",
            "+44 7624",
            "+44 7700",
            "+7 495",
            "+7 701",
            "+7 727",
            "+61 2",
            "+61 4",
            "+61 8 9162",
            "+61 8 9164",
            "+590 590",
            "+590 690",
            "+262 262",
            "+262 269",
            "+47 22",
            "+47 79",
            "+358 18",
            "+358 40",
            "+39 06 698",
            "+39 02",
        ] {
            for tail in ["1234", "123456", "1234567", "12345678"] {
                numbers.push(format!("{prefix}{tail}"));
            }
        }
        let mut valid = 0;
        for text in &numbers {
            let Ok(number) = util.parse(text, None) else {
                continue;
            };
            valid += usize::from(agree(&util, &number, text));
        }
        assert!(valid > 1000, "the sweep holds valid numbers too ({valid})");
    }

    #[test]
    fn calling_codes_list_their_regions_in_the_librarys_order() {
        let util = util();
        let tables = tables().expect("metadata loads");
        let codes: Vec<i32> = util.get_supported_calling_codes().collect();
        assert!(codes.len() > 200, "{}", codes.len());
        for code in codes {
            let library: Option<Vec<Region>> = util
                .get_regions_for_country_calling_code(code)
                .map(Iterator::collect);
            assert_eq!(
                tables.regions_of_code.get(&code),
                library.as_ref(),
                "+{code}"
            );
        }
    }

    #[test]
    fn an_unknown_calling_code_is_invalid() {
        let number = PhoneNumber {
            country_code: 999,
            national_number: 1234567,
            ..Default::default()
        };
        assert_eq!(is_valid(&number), Some(false));
    }
}
