//! Confirmation before destructive commands.

use std::io::{BufRead, IsTerminal, Write};

use natskit::{Error, ErrorCode};

/// Asks whether to `action` ("delete stream X") unless `force`; refuses without a terminal.
pub fn confirm(action: &str, force: bool) -> natskit::Result<()> {
    if force {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!(
                "refusing to {action} without confirmation: stdin is not a terminal (pass --force)"
            ),
        ));
    }
    eprint!("Really {action}? [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::new(ErrorCode::Io, e.to_string()))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES") {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::InvalidArgument,
            "aborted: not confirmed",
        ))
    }
}
