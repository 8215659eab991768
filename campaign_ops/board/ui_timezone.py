"""The Airflow UI's default time zone: the campaign time zone, not the browser's.

Airflow 3.3 dropped ``[webserver] default_ui_timezone``: its UI shows times in the zone kept
under the ``timezone`` key of the browser's local storage and, when there is none, in the
browser's own zone (UTC on a server or a container). Mails and the board speak campaign time
(``CAMPAIGN_OPS_TIMEZONE``), so this root middleware, registered by ``plugins/``, adds to the
UI's HTML page a line that stores the campaign zone under that key when the person has not
chosen one. A zone chosen in the UI's own settings is kept; a default stored by an earlier
configuration is replaced. Standard library only: every Airflow process imports the plugins.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UI_KEY = "timezone"  # the UI's own local-storage key (its time zone selector writes it)
OURS_KEY = "campaign_ops_default_timezone"  # what this middleware stored last
MARKER = b'<div id="root"'  # only the UI's single page carries it


def default_timezone_script(zone: str) -> str:
    """A script that makes ``zone`` the UI's time zone unless the person chose another."""
    ui, ours, value = json.dumps(UI_KEY), json.dumps(OURS_KEY), json.dumps(json.dumps(zone))
    return (
        f"<script>try{{var s=window.localStorage,c=s.getItem({ui}),o=s.getItem({ours});"
        f"if(c===null||c===o){{s.setItem({ui},{value});s.setItem({ours},{value});}}}}"
        "catch(e){}</script>"
    )


def inject(html: bytes, zone: str) -> bytes:
    """The UI page with the script as the first thing in its head; other pages unchanged."""
    if MARKER not in html or b"<head>" not in html:
        return html
    script = default_timezone_script(zone).encode()
    return html.replace(b"<head>", b"<head>" + script, 1)


class UiTimezoneMiddleware:
    """Adds ``default_timezone_script`` to the UI's HTML responses (uncompressed: Airflow's
    gzip middleware wraps plugin middlewares)."""

    def __init__(self, app: ASGIApp, timezone: str = "Asia/Shanghai") -> None:
        self.app = app
        self.timezone = timezone

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def patched(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/html"):
                    start = message  # hold it until the whole body is known
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            html = inject(b"".join(body), self.timezone)
            headers = [(k, v) for k, v in start.get("headers") or [] if k != b"content-length"]
            headers.append((b"content-length", str(len(html)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": html})

        await self.app(scope, receive, patched)
