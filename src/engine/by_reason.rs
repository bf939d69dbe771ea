//! The dry run's rows grouped by what became of them and why: the wizard's Review lists
//! every reason with its count, failures and skips apart from warnings (a row with only a
//! warning is still imported), and opens a reason on its rows — VisiData's frequency
//! table. The counts are exact; each group keeps its first [`KEPT`] rows, as the error
//! file (`e`) has every one.

use std::collections::BTreeMap;

use super::mapping::Who;
use super::reason::{Issue, Reason};
use super::resolve::Decision;
use super::source::Cells;
use super::validate::RowCheck;

/// Rows kept per group: enough to browse, bounded whatever the file's size.
pub const KEPT: usize = 1000;

/// What a reason did to its rows. Ordered as Review lists them: what is not imported first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// The row fails: it is not imported.
    Failed,
    /// The row is skipped on purpose (no consent, a duplicate): not imported.
    Skipped,
    /// The row is imported all the same; the warning says what was left out or changed.
    Warning,
}

impl Outcome {
    pub fn words(self) -> &'static str {
        match self {
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::Warning => "warning",
        }
    }
}

/// One row under a reason: where it is, who it is, the cell at fault and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonRow {
    pub row: u64,
    pub line: u64,
    pub who: String,
    pub column: Option<String>,
    pub cell: String,
    pub message: String,
}

/// Every row of one reason and outcome: how many, and the first [`KEPT`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReasonGroup {
    pub count: u64,
    pub rows: Vec<ReasonRow>,
}

/// The rows of a dry run, by outcome and reason.
#[derive(Debug, Clone, Default)]
pub struct ByReason {
    who: Who,
    header: Vec<String>,
    pub groups: BTreeMap<(Outcome, Reason), ReasonGroup>,
}

impl ByReason {
    pub fn new(who: Who, header: &[String]) -> ByReason {
        ByReason {
            who,
            header: header.to_vec(),
            groups: BTreeMap::new(),
        }
    }

    /// Counts a checked row as `review::Counts::add` does: the reason it fails or is
    /// skipped for, and each of its warnings.
    pub fn add(
        &mut self,
        cells: &Cells,
        row: u64,
        line: u64,
        check: &RowCheck,
        decision: &Decision,
    ) {
        let decided = match decision {
            Decision::Fail(issue) => Some((Outcome::Failed, issue)),
            Decision::Skip(issue) => Some((Outcome::Skipped, issue)),
            _ => None,
        };
        let warnings = check.warnings.iter().map(|w| (Outcome::Warning, w));
        for (outcome, issue) in decided.into_iter().chain(warnings) {
            let group = self.groups.entry((outcome, issue.reason)).or_default();
            group.count += 1;
            if group.rows.len() < KEPT {
                let row = self.row_of(cells, row, line, issue);
                // Borrowed again: `row_of` reads the header while the group is held.
                if let Some(group) = self.groups.get_mut(&(outcome, issue.reason)) {
                    group.rows.push(row);
                }
            }
        }
    }

    fn row_of(&self, cells: &Cells, row: u64, line: u64, issue: &Issue) -> ReasonRow {
        let cell = issue
            .column
            .as_ref()
            .and_then(|c| self.header.iter().position(|h| h == c))
            .and_then(|i| cells.get(i))
            .unwrap_or("")
            .to_string();
        ReasonRow {
            row,
            line,
            who: self.who.describe(cells),
            column: issue.column.clone(),
            cell,
            message: issue.message.clone(),
        }
    }

    /// Every group, failures then skips then warnings, each most frequent first (ties in
    /// code order).
    pub fn listed(&self) -> Vec<(Outcome, Reason, &ReasonGroup)> {
        let mut out: Vec<(Outcome, Reason, &ReasonGroup)> =
            self.groups.iter().map(|((o, r), g)| (*o, *r, g)).collect();
        out.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.2.count.cmp(&a.2.count))
                .then(a.1.cmp(&b.1))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::mapping::Mapping;

    fn check(warnings: Vec<Issue>) -> RowCheck {
        RowCheck {
            row: 0,
            line: 0,
            contact: Default::default(),
            match_id: None,
            errors: Vec::new(),
            warnings,
            ..RowCheck::default()
        }
    }

    #[test]
    fn groups_failures_skips_and_warnings_apart_and_keeps_the_cell() {
        let header: Vec<String> = ["Name", "Phone", "Email"].map(String::from).to_vec();
        let mut by = ByReason::new(Who::of(&Mapping::auto(&header)), &header);
        let cells = Cells::from_strings(&["Ada", "12", "ada@x"]);
        let bad_phone = Issue::new(Reason::InvalidPhone, Some("Phone"), "too short");
        // Row 2 fails on its phone; row 3 is imported with the same reason as a warning.
        by.add(
            &cells,
            2,
            3,
            &check(Vec::new()),
            &Decision::Fail(bad_phone.clone()),
        );
        by.add(
            &cells,
            3,
            4,
            &check(vec![bad_phone.clone()]),
            &Decision::Create,
        );
        let skip = Issue::new(Reason::NoConsent, None, "no consent");
        for row in 4..8 {
            by.add(
                &cells,
                row,
                row + 1,
                &check(Vec::new()),
                &Decision::Skip(skip.clone()),
            );
        }
        let listed: Vec<(Outcome, Reason, u64)> = by
            .listed()
            .iter()
            .map(|(o, r, g)| (*o, *r, g.count))
            .collect();
        assert_eq!(
            listed,
            [
                (Outcome::Failed, Reason::InvalidPhone, 1),
                (Outcome::Skipped, Reason::NoConsent, 4),
                (Outcome::Warning, Reason::InvalidPhone, 1),
            ]
        );
        let failed = &by.groups[&(Outcome::Failed, Reason::InvalidPhone)].rows[0];
        assert_eq!(
            (failed.row, failed.who.as_str(), failed.cell.as_str()),
            (2, "Ada", "12")
        );
        assert_eq!(failed.message, "too short");
    }

    #[test]
    fn counts_every_row_but_keeps_a_bounded_number() {
        let header = vec!["Name".to_string()];
        let mut by = ByReason::new(Who::default(), &header);
        let cells = Cells::from_strings(&["x"]);
        let skip = Issue::new(Reason::DuplicateInFile, None, "again");
        for row in 0..(KEPT as u64 + 5) {
            by.add(
                &cells,
                row,
                row,
                &check(Vec::new()),
                &Decision::Skip(skip.clone()),
            );
        }
        let group = &by.groups[&(Outcome::Skipped, Reason::DuplicateInFile)];
        assert_eq!(group.count, KEPT as u64 + 5);
        assert_eq!(group.rows.len(), KEPT);
    }
}
