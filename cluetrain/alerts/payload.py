"""The webhook's bodies (pure): Slack-compatible JSON (`text` + `blocks`) of one alert
or resolution, and of a digest (alerts/digest.py); deterministic, so every attempt
and every re-delivery posts the same bytes (cluetrain/alerts/webhook.py signs them)."""
from __future__ import annotations

import json
from typing import Any, Mapping

from cluetrain.alerts import render

_EMOJI = {"critical": "🔴", "high": "🔴", "warning": "🟠", "medium": "🟠", "info": "🔵", "low": "🔵"}


def _esc(text: str, limit: int) -> str:
    """Slack mrkdwn escaping (&, <, >) and a length cap."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_payload(alert: Mapping[str, Any], *, resolved: bool, url_template: str = "") -> bytes:
    """An alert (codec.decode_alert's dict) -> Slack-compatible JSON bytes, deterministic.
    resolved=True describes its resolution (resolved_at must be set). With a
    CLUETRAIN_CONVERSATION_URL template the conversation is a link to it."""
    a = render.view(alert)
    url = render.conversation_url(a, url_template)
    if resolved and a.resolved_at is None:
        raise ValueError(f"alert {a.alert_id}: resolved=True but resolved_at is not set")
    kind, conv = render.human_kind(a.kind), a.conversation_id or "(whole brand)"
    fired = render.utc(a.fired_at)
    if resolved:
        after = render.duration(a.resolved_at - a.fired_at)
        title = f"✅ Resolved: {kind} · {a.brand}"
        text = (f"✅ cluetrain: resolved, {kind.lower()} at {a.brand} (conversation {conv}, severity "
                f"{a.severity}): fired {fired}, resolved {render.utc(a.resolved_at)} after {after}")
    else:
        title = f"{_EMOJI.get(a.severity.lower(), '⚪')} {kind} · {a.brand}"
        text = (f"{_EMOJI.get(a.severity.lower(), '⚪')} cluetrain: {kind.lower()} at {a.brand} "
                f"(conversation {conv}, severity {a.severity}), fired {fired}")
    fields = [("Brand", a.brand), ("Kind", a.kind), ("Severity", a.severity), ("Conversation", conv),
              ("Fired at", fired),
              ("Resolved at", render.utc(a.resolved_at) + f" (after {after})") if resolved
              else ("Status", "open")]
    texts = [f"*{k}*\n{_esc(v, 1900)}" for k, v in fields]
    if url:
        texts[3] = f"*Conversation*\n{_link(url, conv)}"
        text += f" {url}"
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": t} for t in texts]},
    ]
    if a.details:
        pretty = json.dumps(a.details, indent=2, sort_keys=True, ensure_ascii=False, default=str)
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": "*Details*\n```" + _esc(pretty.replace("```", "'''"), 2900) + "```"}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _esc(
        f"cluetrain · alert {a.alert_id} · {render.RESOLVED if resolved else render.FIRED}", 300)}]})
    payload = {"text": _esc(text, 3000), "blocks": blocks}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _link(url: str, label: str) -> str:
    """A Slack mrkdwn link; the URL's own '|' and '>' would end it early."""
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{_esc(label, 200)}>"


def build_digest_payload(d, url_template: str = "") -> bytes:
    """A digest (alerts/digest.py Digest) -> Slack-compatible JSON bytes, deterministic."""
    from cluetrain.alerts.digest import digest_lines

    head, *items = digest_lines(d, url_template)
    lines = []
    for a in d.top:
        url = render.conversation_url(a, url_template)
        conv = render.ident(a)
        lines.append(f"{_EMOJI.get(a.severity.lower(), '⚪')} *{a.severity}* {_esc(a.kind, 100)} · fired "
                     f"{render.utc(a.fired_at)} · {_link(url, conv) if url else _esc(conv, 300)}")
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": f"🧾 {d.breached} turns breached · {d.brand}"[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _esc(head, 2900)}},
    ]
    if lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _esc(f"cluetrain · {d.key}", 300)}]})
    payload = {"text": _esc("🧾 cluetrain: " + head, 3000), "blocks": blocks}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
