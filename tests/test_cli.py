"""Tests for sadyn/cli/ (__init__.py and lab.py): the subcommand registry and `sadyn lab` (no server is left running)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sadyn import cli
from sadyn.cli import lab

REPO = Path(__file__).resolve().parents[1]


def _write_notebook(path: Path) -> None:
    path.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n')


def test_console_script_help_lists_subcommands() -> None:
    script = Path(sys.executable).with_name("sadyn")
    assert script.exists(), f"console script missing at {script}; reinstall with `pip install -e .`"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage: sadyn" in result.stdout
    for name, subcommand in cli.SUBCOMMANDS.items():
        assert name in result.stdout and subcommand.help in result.stdout


def test_python_dash_m_runs_the_same_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sadyn", "lab", "--dry-run", "--dir", str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"--ServerApp.root_dir={REPO}" in result.stdout


def test_no_subcommand_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "commands:" in capsys.readouterr().out


def test_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_lab_dry_run_defaults_to_the_checkouts_tutorials(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lab", "--dry-run"]) == 0
    command = shlex.split(capsys.readouterr().out)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={REPO / 'tutorials'}" in command
    assert "--no-browser" not in command


def test_lab_dry_run_passes_port_and_no_browser_and_opens_first_notebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_notebook(tmp_path / "02 second.ipynb")
    _write_notebook(tmp_path / "01 first.ipynb")
    assert cli.main(["lab", "--dry-run", "--dir", str(tmp_path), "--port", "9123", "--no-browser"]) == 0
    command = shlex.split(capsys.readouterr().out)
    assert f"--ServerApp.root_dir={tmp_path}" in command
    assert "--ServerApp.port=9123" in command
    assert "--no-browser" in command
    assert "--LabApp.default_url=/lab/tree/01%20first.ipynb" in command


def test_lab_execs_jupyterlab_in_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On POSIX `sadyn lab` replaces itself with JupyterLab (signals reach the server, no orphan)."""
    calls: list[tuple[str, object]] = []

    class Exec(Exception):
        pass

    def fake_execv(path: str, argv: list[str]) -> None:
        calls.append(("execv", argv))
        raise Exec

    monkeypatch.setattr(lab, "_REPLACE_PROCESS", True)
    monkeypatch.setattr(lab.os, "chdir", lambda path: calls.append(("chdir", path)))
    monkeypatch.setattr(lab.os, "execv", fake_execv)
    monkeypatch.setenv("SADYN_DEBUG", "1")  # let the exception through instead of `unexpected Exec`
    with pytest.raises(Exec):
        cli.main(["lab", "--dir", str(tmp_path)])
    assert calls == [("chdir", tmp_path), ("execv", lab.lab_command(tmp_path))]


def test_lab_runs_jupyterlab_as_a_child_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], Path]] = []

    def fake_call(command: list[str], *, cwd: Path) -> int:
        calls.append((command, cwd))
        return 7

    monkeypatch.setattr(lab, "_REPLACE_PROCESS", False)
    monkeypatch.setattr(lab.subprocess, "call", fake_call)
    assert cli.main(["lab", "--dir", str(tmp_path)]) == 7
    assert calls == [(lab.lab_command(tmp_path), tmp_path)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lab", "--dir", "/etc/passwd"], "--dir must be a folder, got the file --dir /etc/passwd."),
        (["lab", "--port", "0", "--dry-run"], "--port must be in 1..65535, got --port 0;"),
        (["lab", "--port", "70000", "--dry-run"], "--port must be in 1..65535, got --port 70000;"),
    ],
)
def test_lab_bad_arguments_are_reported(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("sadyn lab: error: ") and message in err


def test_lab_without_jupyterlab_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real_find_spec(name, *a)
    )
    assert cli.main(["lab", "--dir", str(tmp_path)]) == 2
    assert "pip install 'sadyn[lab]'" in capsys.readouterr().err


def test_find_tutorials_explains_a_missing_folder(tmp_path: Path) -> None:
    package_dir = tmp_path / "site-packages" / "sadyn"
    package_dir.mkdir(parents=True)
    with pytest.raises(cli.CommandError, match=r"no tutorials folder next to the sadyn package: looked for .*"):
        lab.find_tutorials(package_dir)
    (tmp_path / "site-packages" / "tutorials").mkdir()
    assert lab.find_tutorials(package_dir) == tmp_path / "site-packages" / "tutorials"


def test_subcommands_are_imported_lazily_from_their_own_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sadyn_cli_probe.py").write_text(
        textwrap.dedent(
            """
            def add_arguments(parser):
                parser.add_argument("--times", type=int, default=1)

            def run(args):
                print("probe " * args.times)
                return 3
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    probe = cli.Subcommand("a test command", "sadyn_cli_probe:add_arguments", "sadyn_cli_probe:run")
    monkeypatch.setitem(cli.SUBCOMMANDS, "probe", probe)
    # A broken registration must not break `sadyn --help` or the other commands: nothing is imported.
    monkeypatch.setitem(
        cli.SUBCOMMANDS, "broken", cli.Subcommand("never imported", "no_such_module:f", "no_such_module:g")
    )
    monkeypatch.delitem(sys.modules, "sadyn_cli_probe", raising=False)
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "a test command" in capsys.readouterr().out
    assert "sadyn_cli_probe" not in sys.modules
    assert cli.main(["probe", "--times", "2"]) == 3
    assert capsys.readouterr().out.strip() == "probe probe"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_lab_really_serves_the_folder(tmp_path: Path) -> None:
    """Start `sadyn lab --no-browser` on a free loopback port, wait for JupyterLab to answer, stop it."""
    _write_notebook(tmp_path / "01_probe.ipynb")
    port = _free_port()
    log_path = tmp_path / "lab.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "sadyn", "lab", "--no-browser", "--port", str(port), "--dir", str(tmp_path)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                # /api answers without a token, with the server's version.
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=5) as response:
                    status, body = response.status, response.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        assert process.poll() is None, f"sadyn lab exited early:\n{log_path.read_text()}"
        assert status == 200 and '"version"' in body
    finally:
        # sadyn lab became the server (exec), so this stops it; its session is killed too, to be sure.
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_tutorials_command_copies_the_notebooks_and_keeps_edited_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mine"
    assert cli.main(["tutorials", str(target)]) == 0
    notebooks = sorted(p.name for p in target.glob("*.ipynb"))
    assert len(notebooks) == 9 and notebooks[0].startswith("01_")
    first = target / notebooks[0]
    first.write_text(first.read_text() + " ")  # a learner's edit
    assert cli.main(["tutorials", str(target)]) == 0
    assert first.read_text().endswith(" ")  # not overwritten
    assert "kept" in capsys.readouterr().out
    (tmp_path / "file").write_text("x")
    assert cli.main(["tutorials", str(tmp_path / "file")]) == 2
    assert capsys.readouterr().err.startswith("sadyn tutorials: error: ")


def test_lab_fills_an_empty_folder_with_the_tutorials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab, "_REPLACE_PROCESS", False)
    monkeypatch.setattr(lab.subprocess, "call", lambda command, *, cwd: 0)
    assert cli.main(["lab", "--dir", str(tmp_path / "new")]) == 0
    assert len(list((tmp_path / "new").glob("*.ipynb"))) == 9
