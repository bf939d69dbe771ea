//! redb trusts the pages it reads: a page damaged outside it (a flipped bit on disk) can
//! make it index past the end of a page and panic instead of returning an error. Every
//! read of the store runs inside `guarded`, which turns such a panic into
//! `StoreError::Corrupt` — a message and exit status 1, never a crash report — while the
//! panic hook keeps quiet about the panics it catches.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

use super::error::{Result, StoreError};

thread_local! {
    /// How many `guarded` calls this thread is inside.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The message of the last panic caught on this thread.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALLED: Once = Once::new();

/// Puts a hook in front of the current panic hook that stays silent for the panics
/// `guarded` catches and hands every other panic on. Installed on the first guarded call;
/// the wizard installs it again after its own hook (which restores the terminal, and must
/// not for a panic that is caught), so that it comes first.
pub fn install_panic_filter() {
    let inner = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if DEPTH.with(Cell::get) > 0 {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            CAUGHT.with(|c| *c.borrow_mut() = Some(format!("{message}{at}")));
        } else {
            inner(info);
        }
    }));
}

/// Runs `work`; a panic inside it becomes `StoreError::Corrupt` naming the store at `path`.
pub fn guarded<T>(path: &Path, work: impl FnOnce() -> Result<T>) -> Result<T> {
    INSTALLED.call_once(install_panic_filter);
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    result.unwrap_or_else(|_| {
        let message = CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| "a panic".into());
        Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            message: format!("reading it failed on a damaged page ({message})"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_becomes_an_error_and_the_thread_goes_on() {
        let result: Result<()> = guarded(Path::new("s.redb"), || {
            let v: Vec<u8> = Vec::new();
            let i = v.len() + 3;
            Ok(v[..i].len()).map(|_| ())
        });
        match result {
            Err(StoreError::Corrupt { message, .. }) => {
                assert!(message.contains("out of range"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(guarded(Path::new("s.redb"), || Ok(7)).unwrap(), 7);
    }
}
