//! The `bbkeys` binary: everything happens in the library.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = bbkeys::cli::main_with_args(std::env::args_os());
    std::process::exit(code);
}
