"""Headless Chromium driven over the DevTools protocol, through a pipe (no port, no
WebSocket library): open a local page, run script in it, click and drag with real input
events, take screenshots. For the tests and the benchmark of the planner's page.

Chromium reads commands on its file descriptor 3 and writes replies on 4
(``--remote-debugging-pipe``), each a JSON message ended by a NUL byte.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from heartgeo.viz.browser import find_browser


class PageError(RuntimeError):
    """The page threw, or the browser did not answer in time."""


class Browser:
    """One headless Chromium with one page (a tab) of ``size`` pixels.

    Use as a context manager: ``with Browser() as b: b.open(path); b.run("1 + 1")``.
    """

    def __init__(self, size: tuple[int, int] = (1280, 720), timeout_s: float = 60.0):
        self.size, self.timeout_s = size, timeout_s
        self._id, self._buffer, self.events = 0, b"", []
        self._profile = tempfile.TemporaryDirectory(
            prefix="heartgeo-cdp-", ignore_cleanup_errors=True
        )
        browser = find_browser()
        if browser is None:
            raise PageError("no Chromium found: install Debian's chromium package")
        cmd_r, cmd_w = os.pipe()
        out_r, out_w = os.pipe()

        def child_fds():  # the child's fd 3 reads commands, fd 4 writes replies
            a, b = os.dup(cmd_r), os.dup(out_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._proc = subprocess.Popen(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--no-first-run",
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
             f"--user-data-dir={self._profile.name}", "--remote-debugging-pipe",
             f"--window-size={size[0]},{size[1]}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=child_fds,  # fds 3 and 4 stay open in the child
            start_new_session=True,  # its own process group: stopped with all its children
        )  # fmt: skip
        os.close(cmd_r)
        os.close(out_w)
        self._write, self._read = cmd_w, out_r
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page.enable", "Runtime.enable"):
            self.send(domain, session=True)
        self.send("Emulation.setDeviceMetricsOverride", {"width": size[0], "height": size[1],
                  "deviceScaleFactor": 1, "mobile": False}, session=True)  # fmt: skip

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the browser (all its processes) and remove its profile."""
        with contextlib.suppress(PageError, OSError):
            self.send("Browser.close")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        for fd in (self._write, self._read):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    def _message(self) -> dict:
        deadline = time.monotonic() + self.timeout_s
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise PageError("the browser did not answer in time")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise PageError("the browser closed its pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, *, session: bool = False) -> dict:
        """Send one DevTools command and return its result (events seen meanwhile are kept
        in :attr:`events`).
        """
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._write, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise PageError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def open(self, path: str | Path, ready: str = "document.readyState === 'complete'") -> None:
        """Open a local file and wait until ``ready`` (a script expression) is true."""
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()}, session=True)
        self.wait(ready)

    def wait(self, expression: str, timeout_s: float | None = None) -> None:
        """Wait until ``expression`` is true in the page."""
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while not self.run(f"!!({expression})"):
            if time.monotonic() > deadline:
                raise PageError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def run(self, expression: str):
        """The value of a script expression in the page (promises awaited).

        Raises
        ------
        PageError
            The script threw: its message.
        """
        out = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                        "awaitPromise": True}, session=True)  # fmt: skip
        if "exceptionDetails" in out:
            details = out["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise PageError(f"the page threw: {text}")
        return out["result"].get("value")

    def mouse(self, kind: str, x: float, y: float, buttons: int = 1) -> None:
        """One mouse event (``mousePressed``, ``mouseReleased``, ``mouseMoved``) at x, y."""
        params = {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1,
                  "buttons": buttons if kind != "mouseReleased" else 0}  # fmt: skip
        if kind == "mouseMoved":
            params["button"] = "left" if buttons else "none"
        self.send("Input.dispatchMouseEvent", params, session=True)

    def click(self, x: float, y: float) -> None:
        """A left click at x, y (page pixels)."""
        self.mouse("mouseMoved", x, y, 0)
        self.mouse("mousePressed", x, y)
        self.mouse("mouseReleased", x, y)

    def drag(self, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
        """Press at ``start``, move in steps to ``end`` and release."""
        self.mouse("mouseMoved", *start, 0)
        self.mouse("mousePressed", *start)
        for k in range(1, steps + 1):
            t = k / steps
            self.mouse("mouseMoved", start[0] + t * (end[0] - start[0]),
                       start[1] + t * (end[1] - start[1]))  # fmt: skip
        self.mouse("mouseReleased", *end)

    def key(self, key: str, code: str | None = None, text: str | None = None) -> None:
        """Press and release one key (``Tab``, ``Enter``...)."""
        base = {"key": key, "code": code or key}
        if text:
            base["text"] = text
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", **base}, session=True)
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **base}, session=True)

    def screenshot(self, path: str | Path) -> Path:
        """A PNG of the viewport."""
        data = self.send("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)
