//! Plain numbers parsed without the library's regex pipeline, with the library's answer.
//!
//! Most numbers in an export are plain: an optional leading `+`, then ASCII digits and the
//! separators people type (space, `-`, `.`, `(`, `)`). For such a text the library's
//! `parse` comes down to a few steps on its digits, and this module takes exactly those
//! steps from the same metadata ([`super::validity`]'s tables):
//!
//! - The text holds no letter, `#`, `;`, `,`, `~`, `/` or `x`, so no extension, RFC 3966
//!   part or second number can be found in it; with three digits or more it is viable.
//! - With a `+`: the calling code is the first one, two or three digits that name one, and
//!   the rest is the national number, read with the metadata of the code's main region.
//! - Without: after the region's international prefix (`011`, `00`, not followed by a 0),
//!   a calling code follows as after a `+`. Otherwise the number is the default region's;
//!   if it starts with that region's own calling code, the code is taken off when the
//!   number has the region's shape only without it, or is too long with it.
//! - The library then strips a national prefix (`0`, `1`) where the region's pattern for
//!   one matches, unless the number loses the region's shape or a possible length by it;
//!   so does this module, with the same patterns and lengths. A region that rewrites its
//!   prefix rather than strip it (a transform rule) is left to the library.
//!
//! Anything else — a prefix to rewrite, a text outside the class, a calling code no region
//! uses, a non-geographic one, a length the library refuses — returns `None`, and the
//! library parses the text itself. So an answer from here is the library's answer, only sooner: the tests
//! compare the two on every region's example numbers written many ways, and on random
//! plain texts in every region.

use rlibphonenumber::{PhoneNumber, Region};

use super::validity::{tables, with_compiled, Desc};

/// The library's limits on a national significant number and a calling code.
const MIN_LENGTH_FOR_NSN: usize = 2;
const MAX_LENGTH_FOR_NSN: usize = 17;
const MAX_LENGTH_COUNTRY_CODE: usize = 3;
/// The most digits a plain text may hold: a calling code and the longest national number.
const MAX_DIGITS: usize = MAX_LENGTH_COUNTRY_CODE + MAX_LENGTH_FOR_NSN;

/// The library's `parse(text, Some(region))` when `text` is a plain number it can be sure
/// of; `None` to ask the library.
pub(super) fn parse(text: &str, region: Region) -> Option<PhoneNumber> {
    let mut digits = [0u8; MAX_DIGITS];
    let mut n = 0;
    let mut plus = false;
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => {
                *digits.get_mut(n)? = b;
                n += 1;
            }
            // A `+` is a plus sign only before the first digit, and only once.
            b'+' if n == 0 && !plus => plus = true,
            b' ' | b'-' | b'.' | b'(' | b')' => {}
            _ => return None,
        }
    }
    if n < 3 {
        return None;
    }
    // Only ASCII digits were kept.
    let digits = std::str::from_utf8(&digits[..n]).ok()?;
    let tables = tables()?;
    let default = *tables.by_region.get(&region)?;
    let (code, national, index) = if plus {
        international(digits)?
    } else {
        let patterns = tables.patterns.get(default)?;
        match international_prefix_end(default, digits)? {
            // Dialled out of the region (`00`, `011`): a calling code follows.
            Some(end) => {
                let rest = digits.get(end..)?;
                if rest.len() <= MIN_LENGTH_FOR_NSN {
                    return None;
                }
                international(rest)?
            }
            None => match after_code(digits, patterns.code) {
                Some(rest) => own_code(default, digits, rest)?,
                None => (patterns.code, digits, default),
            },
        }
    };
    if national.len() < MIN_LENGTH_FOR_NSN || national.len() > MAX_LENGTH_FOR_NSN {
        return None;
    }
    let national = strip_national_prefix(index, national)?;
    if national.len() < MIN_LENGTH_FOR_NSN {
        return None;
    }
    let zeros = national.bytes().take_while(|&b| b == b'0').count();
    if zeros == national.len() {
        return None; // the library counts all-zero numbers its own way
    }
    Some(PhoneNumber {
        country_code: code,
        national_number: national.parse().ok()?,
        italian_leading_zero: (zeros > 0).then_some(true),
        number_of_leading_zeros: (zeros > 1).then_some(zeros as i32),
        ..Default::default()
    })
}

/// A calling code and the number after it (the digits after a `+` or an international
/// prefix), with the region whose metadata reads it: the code's main region.
fn international(digits: &str) -> Option<(i32, &str, usize)> {
    let tables = tables()?;
    // No calling code starts with 0.
    if digits.starts_with('0') {
        return None;
    }
    let (code, len) = (1..=MAX_LENGTH_COUNTRY_CODE).find_map(|len| {
        let code: i32 = digits.get(..len)?.parse().ok()?;
        tables
            .regions_of_code
            .contains_key(&code)
            .then_some((code, len))
    })?;
    // Read with the metadata of the code's main region (none of a non-geographic one).
    let main = tables.regions_of_code.get(&code)?.first()?;
    if *main == Region::World {
        return None;
    }
    Some((code, digits.get(len..)?, *tables.by_region.get(main)?))
}

/// Where the region's international prefix ends at the start of `digits`, when the
/// library strips it: not when a 0 follows, as no calling code starts with one.
fn international_prefix_end(index: usize, digits: &str) -> Option<Option<usize>> {
    with_compiled(index, |tables, compiled| {
        let Some(prefix) = compiled.international_prefix(tables.patterns.get(index)?)? else {
            return Some(None);
        };
        Some(
            prefix
                .match_end(digits)?
                .filter(|&end| !digits[end..].starts_with('0')),
        )
    })
}

/// A number without a `+` whose `digits` start with its own region's calling code, `rest`
/// following it (`12125550142` in the US): the library takes the code off when the number
/// is of the region's shape only without it, or too long with it.
fn own_code<'d>(default: usize, digits: &'d str, rest: &'d str) -> Option<(i32, &'d str, usize)> {
    let tables = tables()?;
    let patterns = tables.patterns.get(default)?;
    let code = patterns.code;
    let without_code = without_national_prefix(default, rest)?;
    let takes_code_off = (!general_matches(default, digits)?
        && general_matches(default, without_code)?)
        || length_verdict(&patterns.general, digits.len()) == Length::TooLong;
    if !takes_code_off {
        return Some((code, digits, default));
    }
    // Read with the metadata of the code's main region, as a number with the code is.
    let main = tables.regions_of_code.get(&code)?.first()?;
    Some((code, without_code, *tables.by_region.get(main)?))
}

/// Whether `text` is of the region's general shape (the library's `is_match` against its
/// general description: the whole text, lengths not asked).
fn general_matches(index: usize, text: &str) -> Option<bool> {
    with_compiled(index, |tables, compiled| {
        compiled
            .general(tables.patterns.get(index)?)?
            .is_match(text)
    })
}

/// The national number the library keeps once it has tried to strip the region's national
/// prefix (`0` in `020 7946 0018`): stripped only when what is left has a length the
/// region uses (not one it dials only locally). `None` where the region rewrites its
/// prefix rather than strip it, which is left to the library.
fn strip_national_prefix(index: usize, national: &str) -> Option<&str> {
    let stripped = without_national_prefix(index, national)?;
    if stripped.len() == national.len() {
        return Some(national);
    }
    let general = &tables()?.patterns.get(index)?.general;
    let possible = matches!(
        length_verdict(general, stripped.len()),
        Length::Possible | Length::TooLong
    );
    Some(if possible { stripped } else { national })
}

/// The library's `maybe_strip_national_prefix_and_carrier_code` for a region without a
/// transform rule: the number without the prefix its pattern matches, unless the number
/// was of the region's shape with the prefix and is not without it.
fn without_national_prefix(index: usize, national: &str) -> Option<&str> {
    if national.is_empty() {
        return Some(national);
    }
    with_compiled(index, |tables, compiled| {
        let patterns = tables.patterns.get(index)?;
        let Some(prefix) = compiled.national_prefix(patterns)? else {
            return Some(national);
        };
        let Some(end) = prefix.match_end(national)? else {
            return Some(national);
        };
        if patterns
            .national_prefix_transform_rule
            .as_deref()
            .is_some_and(|rule| !rule.is_empty())
        {
            return None;
        }
        let stripped = national.get(end..)?;
        let general = compiled.general(patterns)?;
        if general.is_match(national)? && !general.is_match(stripped)? {
            return Some(national);
        }
        Some(stripped)
    })
}

/// The library's `test_number_length` for an unknown type, against the region's general
/// description.
#[derive(Debug, PartialEq, Eq)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

fn length_verdict(general: &Desc, length: usize) -> Length {
    // The library's masks: a bit per length, and a length of -1 clears what came before.
    let mask = |lengths: &[i32]| {
        lengths
            .iter()
            .fold(0u64, |mask, &l| match u32::try_from(l) {
                Ok(l) if l < 64 => mask | 1 << l,
                _ => 0,
            })
    };
    let (possible, local_only) = (mask(&general.lengths), mask(&general.local_only));
    if possible == 0 {
        return Length::Invalid;
    }
    if length >= 64 {
        return Length::TooLong;
    }
    let bit = 1u64 << length;
    if local_only & bit != 0 {
        return Length::LocalOnly;
    }
    let (min, max) = (
        possible.trailing_zeros() as usize,
        63 - possible.leading_zeros() as usize,
    );
    if min == length {
        Length::Possible
    } else if min > length {
        Length::TooShort
    } else if max < length {
        Length::TooLong
    } else if possible & bit != 0 {
        Length::Possible
    } else {
        Length::Invalid
    }
}

/// What follows the calling code `code` when `digits` start with it.
fn after_code(digits: &str, code: i32) -> Option<&str> {
    let len = code.checked_ilog10()? as usize + 1;
    let head: i32 = digits.get(..len)?.parse().ok()?;
    (head == code).then(|| &digits[len..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlibphonenumber::{PhoneNumberFormat, PhoneNumberUtil};

    fn util() -> PhoneNumberUtil {
        PhoneNumberUtil::new_for_metadata(super::super::metadata().expect("metadata"))
            .expect("library")
    }

    /// Compares this module with the library on `text` read in `region`; whether this
    /// module answered.
    fn agree(util: &PhoneNumberUtil, text: &str, region: Region) -> bool {
        let Some(ours) = parse(text, region) else {
            return false;
        };
        let library = util.parse(text, Some(region));
        assert_eq!(Some(&ours), library.as_ref().ok(), "{text:?} in {region}");
        true
    }

    /// The same digits written the ways exports write them.
    fn spellings(digits: &str) -> Vec<String> {
        let spaced: Vec<String> = digits
            .as_bytes()
            .chunks(3)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let mut out = vec![
            digits.to_string(),
            spaced.join(" "),
            spaced.join("-"),
            spaced.join("."),
        ];
        if digits.len() > 4 {
            out.push(format!("({}) {}", &digits[..3], &digits[3..]));
        }
        if digits.len() > 7 {
            out.push(format!(
                "({}) {}-{}",
                &digits[..3],
                &digits[3..6],
                &digits[6..]
            ));
        }
        out
    }

    #[test]
    fn agrees_with_the_library_on_example_numbers_written_every_way() {
        let util = util();
        let types = super::super::EVERY_TYPE;
        let some_regions: Vec<Region> = [
            "US", "CA", "GB", "DE", "FR", "AU", "IT", "BR", "IN", "JP", "CN", "RU", "MX", "AR",
            "TT", "NL", "ES", "CH", "AT", "SE", "NZ", "ZA", "KR", "IL",
        ]
        .iter()
        .filter_map(|code| Region::from_code(code).ok())
        .collect();
        let (mut answered, mut asked) = (0, 0);
        for region in util.get_supported_regions() {
            for kind in types {
                let Ok(example) = util.get_example_number_for_type_and_region(region, kind) else {
                    continue;
                };
                let e164 = util.format(&example, PhoneNumberFormat::E164).into_owned();
                let international = util
                    .format(&example, PhoneNumberFormat::International)
                    .into_owned();
                let national = util
                    .format(&example, PhoneNumberFormat::National)
                    .into_owned();
                let nsn = example.get_national_significant_number();
                let mut texts = vec![e164.clone(), international, national.clone()];
                texts.extend(spellings(&nsn));
                texts.extend(spellings(
                    &national.replace(|c: char| !c.is_ascii_digit(), ""),
                ));
                let with_code = e164.trim_start_matches('+');
                texts.extend(spellings(with_code).into_iter().map(|s| format!("+{s}")));
                texts.extend(spellings(with_code));
                // Dialled from abroad: the international prefixes of Europe and the US.
                for idd in ["00", "011", "0011"] {
                    texts.extend(spellings(&format!("{idd}{with_code}")));
                }
                for text in &texts {
                    for &default in some_regions.iter().chain([&region]) {
                        asked += 1;
                        answered += usize::from(agree(&util, text, default));
                    }
                }
            }
        }
        // The comparison is only as good as the share of texts this module answers.
        assert!(
            answered * 3 > asked,
            "{answered} of {asked} texts answered without the library"
        );
    }

    #[test]
    fn agrees_with_the_library_on_random_plain_texts_in_every_region() {
        let util = util();
        let regions: Vec<Region> = util.get_supported_regions().collect();
        // xorshift64*: the same texts on every run.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: u64| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
        };
        let (mut answered, mut asked) = (0, 0);
        for _ in 0..60_000 {
            let mut text = String::new();
            if next(3) == 0 {
                text.push('+');
            }
            let digits = 3 + next(16);
            for i in 0..digits {
                // Real numbers more often start with a calling code or a 0 than not.
                let d = if i == 0 && next(4) == 0 { 0 } else { next(10) };
                text.push(char::from(b'0' + d as u8));
                if next(4) == 0 {
                    text.push([' ', '-', '.', '(', ')'][next(5) as usize]);
                }
            }
            let region = regions[next(regions.len() as u64) as usize];
            asked += 1;
            answered += usize::from(agree(&util, &text, region));
        }
        assert!(
            answered * 4 > asked,
            "{answered} of {asked} texts answered without the library"
        );
    }

    #[test]
    fn leaves_to_the_library_what_it_cannot_be_sure_of() {
        let us = Region::from_code("US").expect("US");
        let gb = Region::from_code("GB").expect("GB");
        for text in [
            "+1 212 555 0142 ext. 12", // an extension
            "030/1234567",             // a separator outside the class
            "+0 123 456",              // no calling code starts with 0
            "12",                      // too few digits
            "1-800-FLOWERS",           // letters
        ] {
            assert_eq!(
                parse(text, if text.starts_with('0') { gb } else { us }),
                None,
                "{text}"
            );
        }
        let number = parse("(212) 555-0142", us).expect("a plain US number");
        assert_eq!(
            (number.country_code, number.national_number),
            (1, 2125550142)
        );
        let number = parse("+44 20 7946 0018", us).expect("a plain UK number");
        assert_eq!(
            (number.country_code, number.national_number),
            (44, 2079460018)
        );
        // A national prefix, an international one and the region's own calling code are
        // taken off as the library takes them off.
        for (text, region) in [
            ("020 7946 0018", gb),
            ("0044 20 7946 0018", gb),
            ("011 44 20 7946 0018", us),
        ] {
            let number = parse(text, region).expect(text);
            assert_eq!(
                (number.country_code, number.national_number),
                (44, 2079460018),
                "{text}"
            );
        }
        let number = parse("1 212 555 0142", us).expect("a US number with its code");
        assert_eq!(
            (number.country_code, number.national_number),
            (1, 2125550142)
        );
    }
}
