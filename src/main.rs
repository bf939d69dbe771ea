use clap::Parser;

/// mimalloc: rows are allocated by the reader and checker threads and freed by the writer,
/// which glibc's allocator handles poorly.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // color-eyre reports anything that escapes as a readable error instead of a raw panic.
    let _ = color_eyre::install();
    let cli = rolodex::cli::Cli::parse();
    std::process::exit(rolodex::cli::run(cli));
}
