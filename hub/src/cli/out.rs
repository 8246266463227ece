//! The CLI's standard output. `riposte playbooks | head -1` closes the pipe early: the command then ends
//! quietly with the status a shell gives a command stopped by SIGPIPE (128 + 13), instead of the
//! standard library's panic on a failed `println!`.

use std::io::Write;

/// The exit status of a command whose standard output was closed by its reader.
pub const CLOSED_PIPE: i32 = 141;

/// Write to standard output and flush; a closed pipe ends the process (nothing is left to say, to anyone).
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(CLOSED_PIPE);
        }
        eprintln!("riposte: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

/// `print!` that never panics (see [`write`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!($($arg)*))
    };
}

/// `println!` that never panics (see [`write`]).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}
