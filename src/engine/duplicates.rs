//! Rows of one file that share an identifier, for `--in-file-duplicates first|last|error`.
//!
//! The import writes a row before it reads the next, so a row cannot be decided by the
//! rows after it — yet `last` imports the last row of a group and `error` fails the first
//! one too. The groups are therefore found first, by a dry run of the file on its own (no
//! store: rows sharing an identifier are a property of the file, so a resumed job finds
//! the same groups as the run it continues), with the rows merged as `merge` would: a
//! group is every row that would end up in one contact. The import and the dry run then
//! check each row with its group's verdict (`Validator::with_verdicts`). The dry run that
//! finds them is `review::in_file_groups`.
//!
//! Memory: 16 bytes a row that would create or update a contact, and the verdicts of the
//! rows in groups.

use rustc_hash::FxHashMap;

use super::plan::InFileDuplicates;
use super::reason::{Issue, Reason};
use super::validate::{RowCheck, RowVerdicts};

/// How many other rows a failed row names before "and N more".
const NAMED: usize = 5;

/// What each row of a group becomes under the plan's policy.
#[derive(Debug, Default)]
pub struct InFileGroups {
    verdicts: FxHashMap<u64, Verdict>,
    /// Groups of two rows or more.
    pub groups: u64,
    /// Rows in those groups.
    pub rows: u64,
}

#[derive(Debug)]
enum Verdict {
    /// Skipped: another row of its group is imported.
    Skip(Issue),
    /// Failed with the rest of its group.
    Fail(Issue),
}

impl InFileGroups {
    /// The verdicts of the groups among `members` — (the group's first row, a row), from
    /// the dry run of the file alone — under `policy`; `joined_by` names the key that
    /// joined each later row to its group.
    pub fn from_members(
        policy: InFileDuplicates,
        mut members: Vec<(u64, u64)>,
        joined_by: &FxHashMap<u64, String>,
    ) -> InFileGroups {
        members.sort_unstable();
        let mut found = InFileGroups::default();
        for group in members.chunk_by(|a, b| a.0 == b.0) {
            if group.len() < 2 {
                continue;
            }
            found.groups += 1;
            found.rows += group.len() as u64;
            let rows: Vec<u64> = group.iter().map(|&(_, row)| row).collect();
            found.judge(policy, &rows, joined_by);
        }
        found
    }

    fn judge(
        &mut self,
        policy: InFileDuplicates,
        rows: &[u64],
        joined_by: &FxHashMap<u64, String>,
    ) {
        let (first, last) = (rows[0], rows[rows.len() - 1]);
        let skip =
            |message: String| Verdict::Skip(Issue::new(Reason::DuplicateInFile, None, message));
        match policy {
            InFileDuplicates::First => {
                for &row in &rows[1..] {
                    let key = joined_by
                        .get(&row)
                        .map_or("phone, email or id", String::as_str);
                    self.verdicts.insert(
                        row,
                        skip(format!(
                            "same {key} as row {first}, which is imported instead (--in-file-duplicates first)"
                        )),
                    );
                }
            }
            InFileDuplicates::Last => {
                for &row in &rows[..rows.len() - 1] {
                    self.verdicts.insert(
                        row,
                        skip(format!(
                            "row {last}, later in the file, shares its phone, email or id and is imported instead (--in-file-duplicates last)"
                        )),
                    );
                }
            }
            InFileDuplicates::Error => {
                for &row in rows {
                    let others: Vec<String> = rows
                        .iter()
                        .filter(|&&r| r != row)
                        .take(NAMED)
                        .map(u64::to_string)
                        .collect();
                    let more = (rows.len() - 1).saturating_sub(NAMED);
                    let more = if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    };
                    let word = if rows.len() == 2 { "row" } else { "rows" };
                    self.verdicts.insert(
                        row,
                        Verdict::Fail(Issue::new(
                            Reason::DuplicateInFile,
                            None,
                            format!(
                                "shares a phone, email or id with {word} {}{more} of this file; every row of such a group fails (--in-file-duplicates error): keep one of them and import again",
                                others.join(", ")
                            ),
                        )),
                    );
                }
            }
            InFileDuplicates::Merge => {}
        }
    }
}

impl RowVerdicts for InFileGroups {
    /// Gives a checked row its group's verdict, if it is in a group.
    fn apply(&self, check: &mut RowCheck) {
        // A row failing its own checks keeps its own reason.
        if check.failed() {
            return;
        }
        match self.verdicts.get(&check.row) {
            Some(Verdict::Skip(issue)) => check.superseded = Some(issue.clone()),
            Some(Verdict::Fail(issue)) => check.errors.push(issue.clone()),
            None => {}
        }
    }
}
