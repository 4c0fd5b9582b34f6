"""Start a throw-away JupyterLab server for the browser tests, and stop it together with every child.

The server listens on 127.0.0.1 only, on a free port, behind a random token, and serves a folder of
notebook copies. Its settings, workspaces, runtime files and IPython profile live in a temporary folder, so
neither the user's JupyterLab settings nor a previous run can change what the browser sees; a few settings
make the page deterministic (every cell attached to the DOM, no news or update checks).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

START_TIMEOUT_S = 180.0  # a cold start on a busy 2-core machine takes 5-30 s
STOP_TIMEOUT_S = 30.0

# JupyterLab settings (one file per plugin), written into the server's private settings folder.
LAB_SETTINGS = {
    # All cells in the DOM: the test reads every prompt and output, also those below the fold.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No requests to the internet, and no notification toast over the notebook.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the server refuses to start if it is taken since)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LabServer:
    """A running JupyterLab: ``url`` and ``token`` to reach it, ``root`` the folder it serves."""

    root: Path
    home: Path
    port: int
    token: str
    process: subprocess.Popen[bytes]
    log: Path
    _children: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self, notebook: str) -> str:
        """The address that opens ``notebook`` (relative to ``root``) in a fresh workspace, logged in."""
        return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"

    def api(self, method: str, path: str, timeout: float = 30.0) -> object:
        """Call the server's REST API (``path`` like ``/api/sessions``); returns the decoded JSON or None."""
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernel_of(self, notebook: str) -> None:
        """End the session (and so the kernel) that runs ``notebook``, freeing its memory for the next one."""
        for session in self.api("GET", "/api/sessions"):  # type: ignore[union-attr]
            if session.get("path") == notebook:
                self.api("DELETE", f"/api/sessions/{session['id']}")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def remember_children(self) -> None:
        """Note the server's current descendants (kernels run in sessions of their own), to reap them later."""
        with contextlib.suppress(psutil.NoSuchProcess):
            self._children |= {p.pid for p in psutil.Process(self.process.pid).children(recursive=True)}

    def stop(self) -> list[str]:
        """Stop the server and every process it started; returns the ones that had to be killed."""
        self.remember_children()
        if self.process.poll() is None:
            with contextlib.suppress(
                OSError, urllib.error.URLError
            ):  # the clean way: the server shuts its kernels down, then exits
                self.api("POST", "/api/shutdown", timeout=10.0)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    _signal_group(self.process.pid, signal.SIGKILL)
                    self.process.wait(STOP_TIMEOUT_S)
        killed = []
        for pid in sorted(self._children):
            try:
                child = psutil.Process(pid)
                if child.status() == psutil.STATUS_ZOMBIE:
                    continue
                killed.append(f"{pid} {' '.join(child.cmdline())[:120]}")
                child.kill()
                child.wait(STOP_TIMEOUT_S)
            except psutil.NoSuchProcess:
                pass
        return killed


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(pid, sig)  # the server leads its own process group (start_new_session=True)


def _write_settings(home: Path) -> dict[str, str]:
    """Private Jupyter folders under ``home``; returns the environment variables that point there."""
    settings = home / "lab-settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {
        "JUPYTERLAB_SETTINGS_DIR": settings,
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "JUPYTER_CONFIG_DIR": home / "jupyter-config",
        "JUPYTER_RUNTIME_DIR": home / "jupyter-runtime",
        "IPYTHONDIR": home / "ipython",
    }
    for path in env.values():
        path.mkdir(parents=True, exist_ok=True)
    return {k: str(v) for k, v in env.items()}


def start_lab(root: Path, home: Path, attempts: int = 3) -> LabServer:
    """Start ``python -m jupyterlab`` serving ``root`` (private state in ``home``) and wait until it answers.

    Raises:
        RuntimeError: the server exited or did not answer within ``START_TIMEOUT_S``; the message carries
            the end of its log.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(_write_settings(home))
    env.setdefault("OMP_NUM_THREADS", "1")  # small torch ops on a busy 2-core machine: one thread is faster
    error = ""
    for attempt in range(attempts):
        port, token = free_port(), secrets.token_hex(16)
        log = home / f"jupyterlab-{attempt}.log"
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.extension_manager=readonly",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = LabServer(root=root, home=home, port=port, token=token, process=process, log=log)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            try:
                server.api("GET", "/api/status", timeout=5.0)
                return server
            except (OSError, urllib.error.URLError, ValueError):
                time.sleep(0.25)
        server.stop()
        error = f"JupyterLab did not start (exit status {process.poll()}); its log ends:\n{server.log_tail()}"
        if "address already in use" not in error.lower():
            break
    raise RuntimeError(error)
