//! Writes (or checks) every host's error table from `natskit::ErrorCode::ALL`, the one list:
//! the C `natskit_status` enum, Node's `ErrorCode` type, Python's exception classes and PHP's
//! `ErrorCode` constants and exception classes.
//!
//! `cargo run -q -p natskit --example error_tables -- write [HOST...]` regenerates the files;
//! `... -- check [HOST...]` fails when a committed file differs (each host's `make test` runs
//! it). HOST is `c`, `node`, `python` or `php`; none means all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use natskit::ErrorCode;

const HOSTS: [&str; 4] = ["c", "node", "python", "php"];
const NOTICE: &str = "Generated from natskit::ErrorCode::ALL by \
    `cargo run -p natskit --example error_tables -- write`; do not edit.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mode, hosts)) = args.split_first() else {
        eprintln!("usage: error_tables write|check [c|node|python|php]...");
        return ExitCode::from(2);
    };
    let hosts: Vec<&str> = if hosts.is_empty() {
        HOSTS.to_vec()
    } else {
        hosts.iter().map(String::as_str).collect()
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut stale = false;
    for host in hosts {
        let Some(files) = files(host) else {
            eprintln!("unknown host {host:?}: c, node, python or php");
            return ExitCode::from(2);
        };
        for (path, text) in files {
            let path = root.join(path);
            match mode.as_str() {
                "write" => {
                    if let Err(e) = std::fs::write(&path, text) {
                        eprintln!("{}: {e}", path.display());
                        return ExitCode::FAILURE;
                    }
                }
                "check" => stale |= !up_to_date(&path, &text),
                _ => {
                    eprintln!("usage: error_tables write|check [c|node|python|php]...");
                    return ExitCode::from(2);
                }
            }
        }
    }
    if stale {
        eprintln!("run: cargo run -q -p natskit --example error_tables -- write");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn up_to_date(path: &PathBuf, expected: &str) -> bool {
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed == expected {
        return true;
    }
    eprintln!(
        "{} differs from natskit::ErrorCode::ALL (the error table drifted)",
        path.display()
    );
    false
}

/// The generated files of a host: (path from the workspace root, text).
fn files(host: &str) -> Option<Vec<(String, String)>> {
    Some(match host {
        "c" => vec![("bindings-c/src/status.rs".into(), c_status())],
        "node" => vec![("bindings-node/src/error_code.rs".into(), node_error_code())],
        "python" => vec![(
            "bindings-python/python/natskit/errors.py".into(),
            python_errors(),
        )],
        "php" => php_files(),
        _ => return None,
    })
}

/// The Rust variant name of a code (`JetStreamNotEnabled`).
fn variant(code: ErrorCode) -> String {
    format!("{code:?}")
}

/// `JETSTREAM_NOT_ENABLED` → `JetstreamNotEnabled`: C names follow the stable name.
fn pascal(name: &str) -> String {
    name.split('_')
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn c_status() -> String {
    let mut out = format!(
        "//! The C status enum. {NOTICE}\n\n\
         use natskit::ErrorCode;\n\n\
         /// The result of every fallible call: 0 is success, every other value is the stable\n\
         /// `natskit::ErrorCode` number. The numbers never change.\n\
         #[repr(C)]\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n\
         pub enum natskit_status {{\n    /// Success.\n    Ok = 0,\n"
    );
    for code in ErrorCode::ALL {
        out += &format!(
            "    /// {}\n    {} = {},\n",
            code.description(),
            pascal(code.as_str()),
            code.number()
        );
    }
    out += "}\n\nimpl From<ErrorCode> for natskit_status {\n    fn from(code: ErrorCode) -> Self {\n        match code {\n";
    for code in ErrorCode::ALL {
        out += &format!(
            "            ErrorCode::{} => natskit_status::{},\n",
            variant(code),
            pascal(code.as_str())
        );
    }
    out + "        }\n    }\n}\n"
}

fn node_error_code() -> String {
    let mut out = format!(
        "//! Node's `ErrorCode` type (the `code` of every natskit `Error`). {NOTICE}\n\n\
         /// natskit's stable error codes, the same names in every host.\n\
         #[napi(string_enum)]\n\
         pub enum ErrorCode {{\n"
    );
    for code in ErrorCode::ALL {
        out += &format!(
            "    /// {}\n    #[napi(value = \"{}\")]\n    {},\n",
            code.description(),
            code.as_str(),
            variant(code)
        );
    }
    out += "}\n\nimpl From<natskit::ErrorCode> for ErrorCode {\n    fn from(code: natskit::ErrorCode) -> Self {\n        match code {\n";
    for code in ErrorCode::ALL {
        let v = variant(code);
        out += &format!("            natskit::ErrorCode::{v} => ErrorCode::{v},\n");
    }
    out + "        }\n    }\n}\n"
}

/// The Python builtin each exception also derives from, so `except ValueError` keeps working.
fn python_base(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::InvalidArgument
        | ErrorCode::InvalidSubject
        | ErrorCode::Config
        | ErrorCode::PayloadTooLarge
        | ErrorCode::Serialization => "ValueError",
        ErrorCode::Connect => "ConnectionError",
        ErrorCode::Authorization => "PermissionError",
        ErrorCode::Timeout => "builtins.TimeoutError",
        ErrorCode::NotFound => "LookupError",
        ErrorCode::Io => "OSError",
        _ => return None,
    })
}

fn python_errors() -> String {
    let classes: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| format!("{}Error", variant(*c)))
        .collect();
    let mut out = format!(
        "\"\"\"natskit exceptions: one class per stable core error code, all under NatsError.\n\n\
         {NOTICE}\n\n\
         Every error raised by the native module is built here by ``_from_core``; the class is\n\
         chosen by the code and carries it as ``.code`` (the stable name) and ``.number``.\n\
         \"\"\"\n\n\
         from __future__ import annotations\n\n\
         import builtins\n\
         from typing import ClassVar, Dict, Optional, Type\n\n\
         __all__ = [\n    \"NatsError\",\n"
    );
    for class in &classes {
        out += &format!("    \"{class}\",\n");
    }
    out += "]\n\n\n\
        class NatsError(Exception):\n    \
        \"\"\"Base of every natskit error; ``code`` is the stable name (``\"NO_RESPONDERS\"``).\"\"\"\n\n    \
        code: ClassVar[str] = \"IO\"\n    \
        number: ClassVar[int] = 16\n    \
        server_code: Optional[int] = None\n    \
        \"\"\"The server's JetStream ``err_code`` (10059: stream not found), when it sent one.\"\"\"\n\n    \
        @property\n    \
        def message(self) -> str:\n        \
        \"\"\"The message, without the code.\"\"\"\n        \
        return str(self.args[0]) if self.args else \"\"\n";
    for (code, class) in ErrorCode::ALL.iter().zip(&classes) {
        let bases = match python_base(*code) {
            Some(base) => format!("NatsError, {base}"),
            None => "NatsError".to_string(),
        };
        out += &format!(
            "\n\nclass {class}({bases}):\n    \"\"\"{}\"\"\"\n\n    code, number = \"{}\", {}\n",
            code.description(),
            code.as_str(),
            code.number()
        );
    }
    out += "\n\n_BY_CODE: Dict[str, Type[NatsError]] = {\n    cls.code: cls\n    for cls in (\n";
    for class in &classes {
        out += &format!("        {class},\n");
    }
    out + "    )\n}\n\n\n\
        def _from_core(code: str, number: int, message: str, server_code: Optional[int]) -> NatsError:\n    \
        \"\"\"Builds the exception for a core error (called by the native module only).\"\"\"\n    \
        cls = _BY_CODE.get(code, NatsError)\n    \
        error = cls(message)\n    \
        if server_code is not None:\n        \
        error.server_code = server_code\n    \
        return error\n"
}

/// The PHP exception class of a code (`ConnectionException` keeps its published name).
fn php_class(code: ErrorCode) -> String {
    match code {
        ErrorCode::Connect => "ConnectionException".to_string(),
        _ => format!("{}Exception", variant(code)),
    }
}

fn php_files() -> Vec<(String, String)> {
    let dir = "bindings-php/src/Exception";
    let mut constants = String::new();
    let mut classes = String::new();
    let mut files = Vec::new();
    for code in ErrorCode::ALL {
        let class = php_class(code);
        constants += &format!("    public const {} = {};\n", code.as_str(), code.number());
        classes += &format!("        self::{} => {class}::class,\n", code.as_str());
        files.push((
            format!("{dir}/{class}.php"),
            format!(
                "<?php\n\n// {NOTICE}\n\ndeclare(strict_types=1);\n\nnamespace NatsKit\\Exception;\n\n\
                 /** {} (code {}) */\nfinal class {class} extends NatsException\n{{\n}}\n",
                code.description(),
                code.as_str()
            ),
        ));
    }
    files.push((
        format!("{dir}/ErrorCode.php"),
        format!(
            "<?php\n\n// {NOTICE}\n\ndeclare(strict_types=1);\n\nnamespace NatsKit\\Exception;\n\n\
             /** The stable natskit error codes; each is an exception's getCode(). */\n\
             final class ErrorCode\n{{\n{constants}\n    \
             /** The exception class of each code. */\n    \
             public const EXCEPTIONS = [\n{classes}    ];\n}}\n"
        ),
    ));
    files
}
