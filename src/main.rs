//! The `bbkeys` binary: everything happens in the library.

/// A large workspace is tens of thousands of small strings (labels, comments, key texts) that
/// are read from the cache, converted and indexed before the TUI's first frame; the system
/// allocator spent about a third of that start-up in `malloc` and `free`, and this one halves
/// it (`cargo bench --bench scale`, figure f). Its version 2 is used: version 3 held about
/// 10 MB more at the peak (figure e).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = bbkeys::cli::main_with_args(std::env::args_os());
    std::process::exit(code);
}
