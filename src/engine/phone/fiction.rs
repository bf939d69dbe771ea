//! Numbers that are not anyone's: ranges regulators reserve for films, books and examples,
//! and keyboard patterns, judged on the national significant number (NSN: the number
//! without its country code or trunk prefix, `123456789` for French `01 23 45 67 89`).
//!
//! Checked for every phone of every row, so the table is integers compared with the NSN
//! read as one `u64`: no regex, no allocation.

/// Who reserved a range, named in the message the user reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Regulator {
    Nanpa,
    Ofcom,
    Acma,
}

impl Regulator {
    fn message(self) -> &'static str {
        match self {
            Regulator::Nanpa => {
                "a fictional number (555-0100 to 555-0199 are reserved for fiction by NANPA)"
            }
            Regulator::Ofcom => {
                "a fictional number (reserved for fiction by Ofcom: telephone numbers for drama purposes)"
            }
            Regulator::Acma => {
                "a fictional number (reserved for fiction by ACMA: numbers for use in creative works)"
            }
        }
    }
}

/// One reserved range: NSNs of `digits` digits under `country_code` whose last `tail`
/// digits (all of them when `tail == digits`) lie in `first..=last`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reserved {
    pub(super) country_code: i32,
    pub(super) digits: u32,
    pub(super) tail: u32,
    pub(super) first: u64,
    pub(super) last: u64,
    pub(super) by: Regulator,
}

/// A whole-NSN range; the NSNs of this table never start with 0, so the digit count is
/// that of `first`.
const fn nsn(country_code: i32, first: u64, last: u64, by: Regulator) -> Reserved {
    let digits = first.ilog10() + 1;
    Reserved {
        country_code,
        digits,
        tail: digits,
        first,
        last,
        by,
    }
}

use Regulator::{Acma, Nanpa, Ofcom};

/// The ranges reserved for fiction, one line each, with the publication that reserves it.
/// Digits are grouped as the numbers are written nationally, so each line can be checked
/// against its publication by eye.
#[rustfmt::skip]
#[allow(clippy::inconsistent_digit_grouping, clippy::unusual_byte_groupings)]
pub(super) const RESERVED: &[Reserved] = &[
    // NANP (+1), any area code: 555-0100 to 555-0199. NANPA, "555 NXX line numbers"
    // (ATIS-0300048, 555 NXX Assignment Guidelines): reserved for fictitious use.
    Reserved { country_code: 1, digits: 10, tail: 7, first: 555_0100, last: 555_0199, by: Nanpa },
    // United Kingdom (+44). Ofcom, "Telephone numbers for drama purposes".
    nsn(44, 113_496_0000, 113_496_0999, Ofcom), // Leeds 0113 496 0000-0999 (Ofcom, drama numbers)
    nsn(44, 114_496_0000, 114_496_0999, Ofcom), // Sheffield 0114 496 0xxx (Ofcom, drama numbers)
    nsn(44, 115_496_0000, 115_496_0999, Ofcom), // Nottingham 0115 496 0xxx (Ofcom, drama numbers)
    nsn(44, 116_496_0000, 116_496_0999, Ofcom), // Leicester 0116 496 0xxx (Ofcom, drama numbers)
    nsn(44, 117_496_0000, 117_496_0999, Ofcom), // Bristol 0117 496 0xxx (Ofcom, drama numbers)
    nsn(44, 118_496_0000, 118_496_0999, Ofcom), // Reading 0118 496 0xxx (Ofcom, drama numbers)
    nsn(44, 121_496_0000, 121_496_0999, Ofcom), // Birmingham 0121 496 0xxx (Ofcom, drama numbers)
    nsn(44, 131_496_0000, 131_496_0999, Ofcom), // Edinburgh 0131 496 0xxx (Ofcom, drama numbers)
    nsn(44, 141_496_0000, 141_496_0999, Ofcom), // Glasgow 0141 496 0xxx (Ofcom, drama numbers)
    nsn(44, 151_496_0000, 151_496_0999, Ofcom), // Liverpool 0151 496 0xxx (Ofcom, drama numbers)
    nsn(44, 161_496_0000, 161_496_0999, Ofcom), // Manchester 0161 496 0xxx (Ofcom, drama numbers)
    nsn(44, 191_498_0000, 191_498_0999, Ofcom), // Tyneside 0191 498 0xxx (Ofcom, drama numbers)
    nsn(44, 20_7946_0000, 20_7946_0999, Ofcom), // London 020 7946 0xxx (Ofcom, drama numbers)
    nsn(44, 28_9649_6000, 28_9649_6999, Ofcom), // Northern Ireland 028 9649 6xxx (Ofcom, drama numbers)
    nsn(44, 29_2018_0000, 29_2018_0999, Ofcom), // Cardiff 029 2018 0xxx (Ofcom, drama numbers)
    nsn(44, 1632_960_000, 1632_960_999, Ofcom), // no area, 01632 960xxx (Ofcom, drama numbers)
    nsn(44, 7700_900_000, 7700_900_999, Ofcom), // mobile 07700 900xxx (Ofcom, drama numbers)
    nsn(44, 8081_570_000, 8081_570_999, Ofcom), // freephone 08081 570xxx (Ofcom, drama numbers)
    nsn(44, 909_879_0000, 909_879_0999, Ofcom), // premium rate 0909 879 0xxx (Ofcom, drama numbers)
    nsn(44, 3069_990_000, 3069_990_999, Ofcom), // UK-wide 03069 990xxx (Ofcom, drama numbers)
    // Australia (+61). ACMA, "Numbers for use in creative works".
    nsn(61, 2_5550_0000, 2_5550_9999, Acma), // NSW/ACT 02 5550 xxxx (ACMA, creative works)
    nsn(61, 2_7010_0000, 2_7010_9999, Acma), // NSW/ACT 02 7010 xxxx (ACMA, creative works)
    nsn(61, 3_5550_0000, 3_5550_9999, Acma), // VIC/TAS 03 5550 xxxx (ACMA, creative works)
    nsn(61, 3_7010_0000, 3_7010_9999, Acma), // VIC/TAS 03 7010 xxxx (ACMA, creative works)
    nsn(61, 7_5550_0000, 7_5550_9999, Acma), // QLD 07 5550 xxxx (ACMA, creative works)
    nsn(61, 7_7010_0000, 7_7010_9999, Acma), // QLD 07 7010 xxxx (ACMA, creative works)
    nsn(61, 8_5550_0000, 8_5550_9999, Acma), // SA/WA/NT 08 5550 xxxx (ACMA, creative works)
    nsn(61, 8_7010_0000, 8_7010_9999, Acma), // SA/WA/NT 08 7010 xxxx (ACMA, creative works)
    nsn(61, 491_570_006, 491_570_006, Acma), // mobile 0491 570 006 (ACMA, creative works)
    nsn(61, 491_570_110, 491_570_110, Acma), // mobile 0491 570 110 (ACMA, creative works)
    nsn(61, 491_570_156, 491_570_159, Acma), // mobile 0491 570 156-159 (ACMA, creative works)
    nsn(61, 491_570_313, 491_570_313, Acma), // mobile 0491 570 313 (ACMA, creative works)
    nsn(61, 491_570_737, 491_570_737, Acma), // mobile 0491 570 737 (ACMA, creative works)
];

/// The NSN as a number and its digit count; `None` unless all ASCII digits and at most 19.
fn read(national: &str) -> Option<(u64, u32)> {
    let bytes = national.as_bytes();
    if bytes.is_empty() || bytes.len() > 19 {
        return None;
    }
    let mut value = 0u64;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
    }
    Some((value, bytes.len() as u32))
}

/// The regulator that reserved this number for fiction, if any.
pub(super) fn reserved_by(country_code: i32, national: &str) -> Option<Regulator> {
    let (value, digits) = read(national)?;
    RESERVED
        .iter()
        .find(|r| {
            r.country_code == country_code
                && r.digits == digits
                && (r.first..=r.last).contains(&(value % 10u64.pow(r.tail)))
        })
        .map(|r| r.by)
}

/// A keyboard pattern in the NSN itself, which the digits as typed hide behind a trunk
/// prefix (`06 66 66 66 66`, `01 23 45 67 89`): one digit repeated, or the whole NSN an
/// ascending run of nine digits or more. Only whole runs count, so a real number that
/// merely ends in one (an area code followed by `3456789`) is not refused, nor an
/// eight-digit NSN such as Dublin's `01 234 5678` (eight digits is a whole number in
/// Denmark, Norway or Singapore; the reference fixture holds such numbers as valid).
pub(super) fn pattern(national: &str) -> Option<&'static str> {
    let bytes = national.as_bytes();
    if bytes.len() >= 6 && bytes.iter().all(|&b| b == bytes[0]) {
        return Some("a placeholder number (the same digit repeated)");
    }
    if bytes.len() >= 9 && "01234567890".contains(national) {
        return Some("a placeholder number (a run of consecutive digits)");
    }
    None
}

/// Why a parsed number is not anyone's: reserved for fiction, or a pattern in its NSN.
pub(super) fn reason(country_code: i32, national: &str) -> Option<&'static str> {
    reserved_by(country_code, national)
        .map(Regulator::message)
        .or_else(|| pattern(national))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The NSN `value` written with `digits` digits (leading zeros kept).
    fn text(value: u64, digits: u32) -> String {
        format!("{value:0width$}", width = digits as usize)
    }

    /// Every entry: its first and last number are reserved, the numbers just outside not.
    #[test]
    fn every_range_holds_its_bounds_and_nothing_beyond() {
        for r in RESERVED {
            let head = if r.tail == r.digits {
                0
            } else {
                // An NANP area code and exchange: 212 for the test.
                212 * 10u64.pow(r.tail)
            };
            let at = |v: u64| reserved_by(r.country_code, &text(head + v, r.digits));
            assert_eq!(at(r.first), Some(r.by), "{r:?} first");
            assert_eq!(at(r.last), Some(r.by), "{r:?} last");
            // Just outside, unless the neighbour is itself reserved (adjacent ACMA numbers).
            let neighbours = RESERVED
                .iter()
                .filter(|o| o.country_code == r.country_code)
                .collect::<Vec<_>>();
            for outside in [r.first - 1, r.last + 1] {
                if neighbours
                    .iter()
                    .any(|o| (o.first..=o.last).contains(&outside))
                {
                    continue;
                }
                assert_eq!(at(outside), None, "{r:?} {outside}");
            }
            // The same digits under another calling code are someone else's number.
            assert_eq!(
                reserved_by(r.country_code + 1, &text(head + r.first, r.digits)),
                None
            );
        }
    }

    #[test]
    fn nanp_fiction_holds_under_any_area_code() {
        for nsn in ["2125550100", "6135550142", "8685550199", "9075550150"] {
            assert_eq!(reserved_by(1, nsn), Some(Nanpa), "{nsn}");
        }
        for nsn in ["2125550099", "2125550200", "2125551234", "5550100"] {
            assert_eq!(reserved_by(1, nsn), None, "{nsn}");
        }
    }

    #[test]
    fn the_table_names_each_regulator() {
        assert!(
            reason(44, "7700900123").is_some_and(|m| m.contains("reserved for fiction by Ofcom"))
        );
        assert!(reason(61, "255501234").is_some_and(|m| m.contains("by ACMA")));
        assert!(reason(1, "2125550142").is_some_and(|m| m.contains("by NANPA")));
    }

    #[test]
    fn patterns_are_read_on_the_nsn() {
        assert!(pattern("666666666").is_some_and(|m| m.contains("same digit")));
        assert!(pattern("123456789").is_some_and(|m| m.contains("run")));
        assert!(pattern("1234567890").is_some());
        assert!(pattern("0123456789").is_some());
        assert!(pattern("234567890").is_some());
        // Real numbers that contain a run or repeats without being one.
        for real in [
            "612345678",
            "5123456789",
            "15123456789",
            "2079461018",
            "66666",
            "12345678",
            "611111111",
            "987654321",
        ] {
            assert_eq!(pattern(real), None, "{real}");
        }
    }

    #[test]
    fn odd_text_is_not_judged() {
        assert_eq!(reserved_by(44, ""), None);
        assert_eq!(reserved_by(44, "77009OO123"), None);
        assert_eq!(reserved_by(44, "12345678901234567890"), None);
    }
}
