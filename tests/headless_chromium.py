"""A small driver for the system's headless Chromium, over the Chrome DevTools Protocol on a pipe
(--remote-debugging-pipe: JSON messages ending in NUL, on file descriptors 3 and 4 of the browser).

Why this and not selenium or playwright: it needs nothing but the Python standard library and the browser itself.
No driver binary whose version must match the browser's (chromedriver), no package that downloads a browser of its
own (playwright), and no port: the pipe keeps the browser off the network entirely, which suits a machine whose
network is closed. It does what the audit page's tests and benchmark need: open a page, evaluate script, click at
an element's position with real mouse events, type text, and take a screenshot.

The browser is found as $DECCP_CHROMIUM, else `chromium` (Debian's package), `chromium-browser` or
`google-chrome` on PATH. It is started with the flags this machine needs (headless, no sandbox as root, no GPU, no
background networking) and a fresh profile folder, and stopped by its own process group id."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    if os.environ.get("DECCP_CHROMIUM"):
        return os.environ["DECCP_CHROMIUM"]
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """One headless Chromium process. Use as a context manager, or call close()."""

    def __init__(self, executable: str | None = None, window: tuple[int, int] = (1400, 1000),
                 timeout: float = 60.0) -> None:
        executable = executable or find_chromium()
        if not executable:
            raise BrowserError("no Chromium found: install it (Debian: apt-get install -y chromium) or set "
                               "DECCP_CHROMIUM to its path")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="deccp-chromium-")
        self._log = open(Path(self.profile).parent / f"{Path(self.profile).name}.log", "wb")
        # The browser reads commands from its fd 3 and writes replies to its fd 4. Our ends of the pipes are moved
        # to fds >= 10 first, so that the redirections below cannot clobber one another.
        commands_read, self._commands = _pipe_above(10)
        self._replies, replies_write = _pipe_above(10)
        args = [*FLAGS, f"--window-size={window[0]},{window[1]}", f"--user-data-dir={self.profile}",
                "--remote-debugging-pipe", "about:blank"]
        self.process = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{commands_read} 4>&{replies_write} {commands_read}<&- '
                           f'{replies_write}>&-', executable, *args],
            pass_fds=(commands_read, replies_write), stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=self._log, start_new_session=True)
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        try:
            self.version = self.send("Browser.getVersion")["product"]
        except BrowserError:
            self.close()
            raise

    # ---- protocol ----

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode("utf-8") + b"\0")
        reply = self._wait_for(lambda m: m.get("id") == self._next_id, timeout or self.timeout, method)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def _wait_for(self, wanted, timeout: float, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return message
                if "method" in message:
                    self.events.append(message)
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"{what}: no reply from Chromium within {timeout:.0f} s")
            ready, _, _ = select.select([self._replies], [], [], left)
            if ready:
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    raise BrowserError(f"{what}: Chromium exited (log: {self._log.name})")
                self._buffer += chunk

    # ---- pages ----

    def new_page(self) -> "Page":
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, target, session)

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("Browser.close", timeout=10)
                self.process.wait(timeout=10)
            except (BrowserError, OSError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group we started: the browser and its helpers
            self.process.wait(timeout=10)
        for fd in (self._commands, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
        if self.process.returncode in (0, -signal.SIGKILL):  # a browser that ended as asked: its log is noise
            Path(self._log.name).unlink(missing_ok=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Page:
    """One tab. Exceptions thrown by the page's scripts are collected in `errors`."""

    def __init__(self, browser: Browser, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session
        for domain in ("Page", "Runtime"):
            self.send(f"{domain}.enable")

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    @property
    def errors(self) -> list[str]:
        return [event["params"]["exceptionDetails"].get("exception", {}).get("description")
                or event["params"]["exceptionDetails"].get("text", "")
                for event in self.browser.events
                if event.get("sessionId") == self.session and event.get("method") == "Runtime.exceptionThrown"]

    def goto(self, url: str, ready: str = "document.readyState === 'complete'", timeout: float = 30) -> None:
        self.send("Page.navigate", {"url": url})
        self.wait_for(ready, timeout)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"{expression!r} threw: "
                               f"{details.get('exception', {}).get('description') or details.get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except BrowserError:
                value = None  # the document is being replaced (navigation): try again
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out after {timeout:.0f} s waiting for {expression}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """A real click: the element is scrolled into view and the mouse pressed and released at its centre, so it
        goes to whatever the page shows there (a covered or hidden element is not clicked)."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return r.width && r.height ? [r.left + r.width / 2, r.top + r.height / 2] : null; })()")
        if not box:
            raise BrowserError(f"nothing visible to click at {selector!r}")
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                   "clickCount": 0 if kind == "mouseMoved" else 1})

    def type(self, selector: str, text: str) -> None:
        """Focus an input by clicking it and type text as keyboard input."""
        self.click(selector)
        self.send("Input.insertText", {"text": text})

    def choose(self, selector: str, value: str) -> None:
        """Pick an option of a <select> with the keyboard-free path a user's choice takes: the value changes and a
        change event fires (headless Chromium draws no native drop-down to click in)."""
        self.evaluate(f"(() => {{ const s = document.querySelector({json.dumps(selector)}); s.focus();"
                      f" s.value = {json.dumps(value)}; if (s.value !== {json.dumps(value)}) throw new Error("
                      f"'no option ' + {json.dumps(value)});"
                      " s.dispatchEvent(new Event('change', {bubbles: true})); })()")

    def screenshot(self, path: Path, full_page: bool = True) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        data = self.send("Page.captureScreenshot", params)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})


def _pipe_above(minimum: int) -> tuple[int, int]:
    read, write = os.pipe()
    moved = (fcntl.fcntl(read, fcntl.F_DUPFD_CLOEXEC, minimum), fcntl.fcntl(write, fcntl.F_DUPFD_CLOEXEC, minimum))
    os.close(read)
    os.close(write)
    return moved
