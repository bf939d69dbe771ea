use clap::Parser;

fn main() {
    // color-eyre reports anything that escapes as a readable error instead of a raw panic.
    let _ = color_eyre::install();
    let cli = rolodex::cli::Cli::parse();
    std::process::exit(rolodex::cli::run(cli));
}
