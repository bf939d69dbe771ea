use std::io::Write;

use clap::Parser;
use rolodex::engine::text::sanitize_for_terminal;

/// mimalloc: rows are allocated by the reader and checker threads and freed by the writer,
/// which glibc's allocator handles poorly.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h` (the crate's constants are v2's).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc keeps freed pages before giving them back, in milliseconds.
///
/// A streaming import frees chunk after chunk; mimalloc's default second held ~20 MB, so
/// an import gives pages back at once (peak RSS of a 1M-row import 167 -> 147 MB). A dry
/// run holds a third of that, and giving back and faulting in the same pages again and
/// again cost it a sixth of its CPU in the kernel (1.0 s of system time on 1M rows, 0.4 s
/// with 100 ms, for 8 MB more).
fn purge_delay_ms(cli: &rolodex::cli::Cli) -> i64 {
    if cli.is_dry_run() {
        100
    } else {
        0
    }
}

fn main() {
    // color-eyre reports anything that escapes as a readable error instead of a raw panic.
    let _ = color_eyre::install();
    let cli = rolodex::cli::Cli::parse();
    // SAFETY: sets an allocator option by its documented index, before any thread starts.
    // A value set by the user (MIMALLOC_PURGE_DELAY) is left alone.
    unsafe {
        if libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) == 1000 {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, purge_delay_ms(&cli) as _);
        }
    }
    // Every command's error is said here, once; an outcome's results are printed already.
    let status = match rolodex::cli::run(cli) {
        Ok(outcome) => outcome.exit_status(),
        Err(error) => {
            // Never failing: after SIGHUP there may be no terminal to write to.
            let mut stderr = std::io::stderr().lock();
            for line in error.lines() {
                let _ = writeln!(stderr, "rolodex: {}", sanitize_for_terminal(&line));
            }
            error.exit_status()
        }
    };
    std::process::exit(status);
}
