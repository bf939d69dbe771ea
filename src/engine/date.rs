//! Dates in the forms of seed 004 (ISO, US slashes/dashes/dots, `8 Sep 2024`,
//! `Sep 8th, 2024`, `September 08, 2024`, …), stored as ISO 8601.
//!
//! `03/04/2024` is ambiguous. A column is read day-first only when more of its values prove
//! it (a first part over 12) than prove month-first (a second part over 12); otherwise
//! month-first. [`DateColumn`] gathers that evidence so the review can say which order was
//! assumed, how many values were ambiguous, and how many contradict the order (those rows
//! get a message of their own, not "not a date").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    #[default]
    MonthFirst,
    DayFirst,
}

/// What a column's values say about their order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateColumn {
    pub values: u64,
    pub ambiguous: u64,
    pub prove_day_first: u64,
    pub prove_month_first: u64,
}

impl DateColumn {
    pub fn observe(&mut self, raw: &str) {
        if let Some((a, b, _)) = numeric_parts(raw) {
            self.values += 1;
            if a > 12 && b <= 12 {
                self.prove_day_first += 1;
            } else if b > 12 && a <= 12 {
                self.prove_month_first += 1;
            } else if a <= 12 && b <= 12 && a != b {
                self.ambiguous += 1;
            }
        } else if parse_date(raw, DateOrder::MonthFirst).is_some() {
            self.values += 1;
        }
    }

    /// The order most proving values show; month-first when none prove either (the form
    /// of the US exports seed 004 documents first).
    pub fn order(&self) -> DateOrder {
        if self.prove_day_first > self.prove_month_first {
            DateOrder::DayFirst
        } else {
            DateOrder::MonthFirst
        }
    }

    /// Values that prove the column's order, and values that can only be read the other way.
    pub fn evidence(&self) -> (u64, u64) {
        match self.order() {
            DateOrder::DayFirst => (self.prove_day_first, self.prove_month_first),
            DateOrder::MonthFirst => (self.prove_month_first, self.prove_day_first),
        }
    }
}

impl DateOrder {
    /// The order in two words: "day first".
    pub fn words(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "day first",
            DateOrder::MonthFirst => "month first",
        }
    }

    /// The order in the user's words: "day first (31/12/2024)".
    pub fn describe(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "day first (31/12/2024)",
            DateOrder::MonthFirst => "month first (12/31/2024)",
        }
    }

    pub fn other(self) -> DateOrder {
        match self {
            DateOrder::DayFirst => DateOrder::MonthFirst,
            DateOrder::MonthFirst => DateOrder::DayFirst,
        }
    }

    /// The value `--date-order` takes for this order.
    pub fn flag(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "day-first",
            DateOrder::MonthFirst => "month-first",
        }
    }
}

/// Why a value of a date column is not taken: it reads only in the other order (it
/// contradicts the column's), or it is no date at all.
pub fn unreadable_date(value: &str, order: DateOrder) -> String {
    match parse_date(value, order.other()) {
        Some(date) => format!(
            "{value}: reads only {} ({}), but this column's dates are read {}; correct the \
             value, or if the whole column is {}, import again with --date-order {}",
            order.other().words(),
            date.format("%B %-d, %Y"),
            order.describe(),
            order.other().words(),
            order.other().flag(),
        ),
        None => format!(
            "{value}: not a date we can read (such as 2024-09-08, 09/08/2024 or Sep 8, 2024)"
        ),
    }
}

/// `a/b/yyyy`, `a-b-yyyy` or `a.b.yyyy`: the two leading numbers and the year.
fn numeric_parts(raw: &str) -> Option<(u32, u32, i32)> {
    let s = date_part(raw);
    let sep = s.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let parts: Vec<&str> = s.split(sep).collect();
    if parts.len() != 3 || parts[2].len() != 4 || parts[0].len() > 2 || parts[1].len() > 2 {
        return None;
    }
    Some((
        parts[0].parse().ok()?,
        parts[1].parse().ok()?,
        parts[2].parse().ok()?,
    ))
}

/// Drops a time that follows the date (`2024-09-08T10:00:00`, `9/8/2024 10:00 AM`).
fn date_part(raw: &str) -> &str {
    let s = raw.trim();
    // `2024-09-08T10:30:00`: an ISO date and time. Only there is a `T` a separator
    // (`08-OCT-2024` holds one too).
    let iso_time = s.len() > 10
        && s.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && s.as_bytes().get(4) == Some(&b'-');
    let s = match s.find('T') {
        Some(i) if iso_time && i >= 8 => &s[..i],
        _ => s,
    };
    if s.contains(':') {
        // A time after a space: keep what comes before the first word holding a colon.
        let end = s.find(' ').filter(|&i| s[i..].contains(':'));
        if let Some(end) = end {
            let head = &s[..end];
            if head.chars().filter(|c| c.is_ascii_digit()).count() >= 6 {
                return head;
            }
        }
    }
    s
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_from_name(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            *m == w || (w.len() == 3 && m.starts_with(&w)) || (w == "sept" && *m == "september")
        })
        .map(|i| i as u32 + 1)
}

fn day_from(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    let digits = w
        .strip_suffix("st")
        .or_else(|| w.strip_suffix("nd"))
        .or_else(|| w.strip_suffix("rd"))
        .or_else(|| w.strip_suffix("th"))
        .unwrap_or(&w);
    if digits.is_empty() || digits.len() > 2 {
        return None;
    }
    digits.parse().ok()
}

fn year_from(word: &str) -> Option<i32> {
    (word.len() == 4).then(|| word.parse().ok()).flatten()
}

/// Parses one value in the column's order; `None` when it is no date we read.
pub fn parse_date(raw: &str, order: DateOrder) -> Option<NaiveDate> {
    let s = date_part(raw);
    if s.is_empty() {
        return None;
    }
    // All-numeric forms with one separator kind.
    if let Some(sep) = s.chars().find(|c| matches!(c, '/' | '-' | '.')) {
        let parts: Vec<&str> = s.split(sep).collect();
        if parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            let n = |i: usize| parts[i].parse::<u32>().ok();
            if parts[0].len() == 4 {
                return NaiveDate::from_ymd_opt(parts[0].parse().ok()?, n(1)?, n(2)?);
            }
            if parts[2].len() == 4 {
                let (a, b) = (n(0)?, n(1)?);
                let (m, d) = match order {
                    DateOrder::MonthFirst => (a, b),
                    DateOrder::DayFirst => (b, a),
                };
                return NaiveDate::from_ymd_opt(parts[2].parse().ok()?, m, d);
            }
            return None;
        }
    }
    // Forms with a month name: split on spaces, commas and dashes.
    let words: Vec<&str> = s
        .split([' ', ',', '-', '/'])
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() != 3 {
        return None;
    }
    let (year, month, day) = if let Some(y) = year_from(words[0]) {
        // YYYY MMM DD
        (y, month_from_name(words[1])?, day_from(words[2])?)
    } else if let Some(m) = month_from_name(words[0]) {
        // MMM DD YYYY
        (year_from(words[2])?, m, day_from(words[1])?)
    } else {
        // DD MMM YYYY
        (
            year_from(words[2])?,
            month_from_name(words[1])?,
            day_from(words[0])?,
        )
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_takes_the_order_most_of_its_proving_values_show() {
        let column = |values: &[&str]| {
            let mut c = DateColumn::default();
            values.iter().for_each(|v| c.observe(v));
            c
        };
        // One stray day-first value in a month-first column no longer turns the column.
        let us = column(&["04/25/2024", "12/31/2024", "03/04/2024", "13/04/2024"]);
        assert_eq!(us.order(), DateOrder::MonthFirst);
        assert_eq!(us.evidence(), (2, 1));
        let eu = column(&["25/04/2024", "03/04/2024"]);
        assert_eq!(eu.order(), DateOrder::DayFirst);
        assert_eq!(eu.evidence(), (1, 0));
        assert_eq!(column(&["03/04/2024"]).order(), DateOrder::MonthFirst);
    }

    #[test]
    fn a_value_read_only_the_other_way_is_said_to_contradict_the_column() {
        let message = unreadable_date("04/25/2024", DateOrder::DayFirst);
        assert!(
            message.contains("reads only month first (April 25, 2024)"),
            "{message}"
        );
        assert!(message.contains("--date-order month-first"), "{message}");
        let message = unreadable_date("25/04/2024", DateOrder::MonthFirst);
        assert!(
            message.contains("reads only day first (April 25, 2024)"),
            "{message}"
        );
        let message = unreadable_date("someday", DateOrder::DayFirst);
        assert!(
            message.starts_with("someday: not a date we can read"),
            "{message}"
        );
    }

    #[test]
    fn every_form_of_seed_004() {
        let want = NaiveDate::from_ymd_opt(2024, 9, 8).unwrap();
        for s in [
            "2024-09-08",
            "2024-9-8",
            "2024/09/08",
            "2024/9/8",
            "2024.09.08",
            "2024.9.8",
            "09.08.2024",
            "9.8.2024",
            "09/08/2024",
            "9/8/2024",
            "09-08-2024",
            "9-8-2024",
            "08 Sep 2024",
            "8 Sep 2024",
            "Sep 08 2024",
            "Sep 8 2024",
            "2024 Sep 08",
            "2024 Sep 8",
            "08-Sep-2024",
            "8-Sep-2024",
            "Sep-08-2024",
            "Sep-8-2024",
            "2024-Sep-08",
            "2024-Sep-8",
            "08 Sep, 2024",
            "8 Sep, 2024",
            "Sep 08, 2024",
            "Sep 8, 2024",
            "08th Sep 2024",
            "8th Sep 2024",
            "Sep 08th 2024",
            "Sep 8th 2024",
            "08th Sep, 2024",
            "8th Sep, 2024",
            "Sep 08th, 2024",
            "Sep 8th, 2024",
            "08 September 2024",
            "8 September 2024",
            "September 08 2024",
            "September 8 2024",
            "September 08, 2024",
            "2024-09-08T10:30:00",
            "08-SEP-2024",
            "SEPT 8, 2024",
            "SEPTEMBER 8 2024",
        ] {
            assert_eq!(parse_date(s, DateOrder::MonthFirst), Some(want), "{s}");
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        assert_eq!(parse_date("2024-02-30", DateOrder::MonthFirst), None);
        assert_eq!(parse_date("13/13/2024", DateOrder::MonthFirst), None);
        assert_eq!(parse_date("someday", DateOrder::MonthFirst), None);
    }

    #[test]
    fn day_first_only_when_proven() {
        let mut col = DateColumn::default();
        for v in ["03/04/2024", "05/06/2024"] {
            col.observe(v);
        }
        assert_eq!(col.order(), DateOrder::MonthFirst);
        assert_eq!(col.ambiguous, 2);
        col.observe("25/12/2024");
        assert_eq!(col.order(), DateOrder::DayFirst);
        assert_eq!(
            parse_date("03/04/2024", col.order()),
            NaiveDate::from_ymd_opt(2024, 4, 3)
        );
    }
}
