//! The retry file: the rows a user fixed in the wizard, under their job's header, written
//! as a file of its own that a follow-up job imports with the original's plan.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};

use super::outfile::{self, OutfileError, Protected, Request};
use super::plan::ImportPlan;
use super::source::ReadOptions;

const LABEL: &str = "the retry file";

/// How a retry file is read: it is written by `write_retry_file` as UTF-8 CSV with commas
/// and its header on the first row, whatever the original was (semicolons, windows-1252,
/// a header on row 3, a workbook's sheet, an address book).
pub fn read_options() -> ReadOptions {
    ReadOptions {
        delimiter: Some(b','),
        encoding: Some("UTF-8".into()),
        header_row: Some(1),
        sheet: None,
    }
}

/// The plan of a follow-up job that imports `path`, a retry file of the job whose plan is
/// `original`: the same mapping and options, the retry file read as it is written.
pub fn retry_plan(original: &ImportPlan, path: &Path) -> ImportPlan {
    let mut plan = original.clone();
    plan.file = path.to_path_buf();
    plan.read = read_options();
    plan
}

/// The folder retry files go in: `retries` beside the store (they hold what the store
/// will), or `fallback` when there is no store yet.
pub fn retry_dir(store: Option<&Path>, fallback: &Path) -> PathBuf {
    store
        .and_then(Path::parent)
        .map(|p| p.join("retries"))
        .unwrap_or_else(|| fallback.to_path_buf())
}

/// Writes `header` and `rows` to `job{job}-retry-{at}.csv` in `dir`, created readable by its
/// owner only if missing, through `outfile` (never over the store or `protected`'s input,
/// renamed into place when complete). Values are kept exactly as typed, with no guard
/// against spreadsheet formulas: the file is rolodex's own input, not a report. Returns the
/// file's path.
pub fn write_retry_file<R: AsRef<[String]>>(
    dir: &Path,
    job: u64,
    at: DateTime<Local>,
    header: &[String],
    rows: impl IntoIterator<Item = R>,
    protected: &Protected,
) -> Result<PathBuf, OutfileError> {
    let path = dir.join(format!("job{job}-retry-{}.csv", at.format("%Y%m%d-%H%M%S")));
    outfile::create_private_dir(dir).map_err(|e| OutfileError::Unusable {
        label: LABEL.into(),
        path: path.clone(),
        why: format!("its folder {} cannot be created: {e}", dir.display()),
    })?;
    let request = Request {
        label: LABEL,
        path: &path,
    };
    let file = outfile::open(request, protected)?;
    let mut w = csv::Writer::from_writer(file);
    let wrote = w.write_record(header).and_then(|()| {
        rows.into_iter()
            .try_for_each(|cells| w.write_record(cells.as_ref()))
    });
    let file = outfile::unwrap_csv(w)?;
    if let Err(e) = wrote {
        return Err(file.error(std::io::Error::other(e)));
    }
    file.commit()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at() -> DateTime<Local> {
        Local.with_ymd_and_hms(2026, 11, 21, 9, 30, 5).unwrap()
    }

    fn cells(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn the_fixed_rows_are_written_under_the_header_as_typed_in_a_private_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("retries");
        let input = tmp.path().join("in.csv");
        std::fs::write(&input, "Name,Phone\n").unwrap();
        let rows = [cells(&["Maria", "=1+2"]), cells(&["Ann, Jr.", ""])];
        let path = write_retry_file(
            &dir,
            3,
            at(),
            &cells(&["Name", "Phone"]),
            &rows,
            &Protected::new().input(&input),
        )
        .unwrap();
        assert_eq!(path, dir.join("job3-retry-20261121-093005.csv"));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "Name,Phone\nMaria,=1+2\n\"Ann, Jr.\",\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir), 0o700);
        }
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let blocked = tmp.path().join("retries");
        std::fs::write(&blocked, "a file where the folder goes").unwrap();
        let rows: [Vec<String>; 0] = [];
        let e = write_retry_file(
            &blocked,
            3,
            at(),
            &cells(&["Name"]),
            &rows,
            &Protected::new(),
        )
        .unwrap_err();
        let message = e.to_string();
        assert!(
            message.starts_with("the retry file ") && message.contains("its folder"),
            "{message}"
        );
        assert!(
            message.contains(&blocked.display().to_string()),
            "{message}"
        );
    }

    #[test]
    fn retries_go_beside_the_store_or_else_in_the_fallback() {
        let fallback = Path::new("/home/me/out");
        assert_eq!(
            retry_dir(Some(Path::new("/data/contacts.redb")), fallback),
            Path::new("/data/retries")
        );
        assert_eq!(retry_dir(None, fallback), fallback);
    }
}
