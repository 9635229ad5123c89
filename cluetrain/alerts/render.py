"""Pure helpers shared by the webhook payload and the `--follow` lines: read an alert
dict (as codec.decode_alert returns it), format its times and details."""
from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

FIRED = "fired"
RESOLVED = "resolved"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_REQUIRED = ("alert_id", "kind", "brand", "severity", "fired_at")


@dataclass(frozen=True)
class AlertView:
    """An alert record, normalised: times in epoch ms, details a dict."""

    alert_id: str
    kind: str
    brand: str
    conversation_id: str
    severity: str
    fired_at: int
    resolved_at: int | None
    details: dict
    details_raw: str

    @property
    def state(self) -> str:
        """'resolved' when resolved_at is set, else 'fired': a resolution is the same
        alert_id sent again with resolved_at (DESIGN.md § Alerts and their ids)."""
        return RESOLVED if self.resolved_at is not None else FIRED

    def key(self, state: str | None = None) -> str:
        """The idempotency key of one notification: '<alert_id>:<fired|resolved>'."""
        return f"{self.alert_id}:{state or self.state}"


def view(alert: Mapping[str, Any]) -> AlertView:
    """Mapping (codec.decode_alert's dict; `fired_at_ms` accepted) -> AlertView.
    Raises ValueError naming a missing or ill-typed field."""
    get = lambda name: alert.get(name, alert.get(f"{name}_ms"))  # noqa: E731
    missing = [n for n in _REQUIRED if get(n) is None or get(n) == ""]
    if missing:
        raise ValueError(f"alert: missing field(s): {', '.join(missing)}")
    raw = alert.get("details", "{}")
    if isinstance(raw, Mapping):
        details, raw = dict(raw), json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    else:
        raw = "{}" if raw in (None, "") else str(raw)
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        details = parsed if isinstance(parsed, dict) else {"raw": raw}
    return AlertView(
        alert_id=str(alert["alert_id"]), kind=str(alert["kind"]), brand=str(alert["brand"]),
        conversation_id=str(alert.get("conversation_id") or ""), severity=str(alert["severity"]),
        fired_at=to_ms("fired_at", get("fired_at")),
        resolved_at=None if get("resolved_at") is None else to_ms("resolved_at", get("resolved_at")),
        details=details, details_raw=raw,
    )


def to_ms(name: str, value: Any) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"alert: {name} is a naive datetime")
        return (value - _EPOCH) // timedelta(milliseconds=1)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"alert: {name} must be epoch milliseconds, got {type(value).__name__}")
    return value


def utc(ms: int) -> str:
    """Epoch ms -> ISO 8601 UTC, '2017-10-31T22:10:47Z' (alerts carry whole seconds)."""
    return (_EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%SZ")


def conversation_url(a: AlertView, template: str) -> str:
    """The link that opens the alert's conversation: CLUETRAIN_CONVERSATION_URL with
    {brand}, {conversation_id} and {turn_index} filled in; '' for a brand alert or
    without a template. Plain replacement: other braces in a URL stay as they are."""
    if not template or not a.conversation_id:
        return ""
    turn = a.details.get("turn_index")
    values = {"brand": a.brand, "conversation_id": a.conversation_id, "turn_index": "" if turn is None else str(turn)}
    for name, value in values.items():
        template = template.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
    return template


def duration(ms: int) -> str:
    """1_753_000 -> '29m 13s'; 7_500_000 -> '2h 5m'; negative -> '0s'."""
    s = max(0, ms) // 1000
    d, rem = divmod(s, 86_400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    parts = [(d, "d"), (h, "h"), (m, "m"), (sec, "s")]
    shown = [f"{v}{u}" for v, u in parts if v][:2]
    return " ".join(shown) or "0s"


def human_kind(kind: str) -> str:
    return kind.replace("_", " ").strip().capitalize() or kind


def ident(a: AlertView) -> str:
    """'conv 8:0' when the alert id is '<conversation_id>:<n>' (ignored conversations),
    'conv C  alert X' otherwise, 'alert X' for an alert about the whole brand."""
    if not a.conversation_id:
        return f"alert {a.alert_id}"
    if a.alert_id == a.conversation_id or a.alert_id.startswith(a.conversation_id + ":"):
        return f"conv {a.alert_id}"
    return f"conv {a.conversation_id}  alert {a.alert_id}"


def details_inline(details: Mapping[str, Any]) -> str:
    """{'b': 1, 'a': 'x y'} -> 'a="x y" b=1' (sorted, one line)."""
    out = []
    for k in sorted(details):
        v = details[k]
        text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
        if isinstance(v, str) and (not v or any(c.isspace() or c in '"=' for c in v)):
            text = json.dumps(v, ensure_ascii=False)
        out.append(f"{k}={text}")
    return " ".join(" ".join(out).split())


def follow_line(a: AlertView, url: str = "") -> str:
    """One line per alert or resolution, for `cluetrain alerts --follow` (times ISO 8601
    UTC; `url` = conversation_url, shown after the conversation when set):
    2017-10-31T22:10:47Z  ignored_conversation  sprintcare  conv 8:0  severity high  customer_messages=2 ...
    2017-10-31T22:40:00Z  ignored_conversation  sprintcare  conv 8:0  severity high  resolved after 29m 13s ...
    """
    head = f"{utc(a.resolved_at if a.resolved_at is not None else a.fired_at)}  {a.kind}  {a.brand}  {ident(a)}"
    head += f"  {url}  severity {a.severity}" if url else f"  severity {a.severity}"
    if a.resolved_at is not None:
        line = f"{head}  resolved after {duration(a.resolved_at - a.fired_at)} (fired {utc(a.fired_at)})"
    else:
        tail = details_inline(a.details)
        line = f"{head}  {tail}" if tail else head
    return one_line(line)


def one_line(text: str) -> str:
    return "".join(" " if c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else c for c in text)
