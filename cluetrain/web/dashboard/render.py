"""The page's HTML, from a snapshot (snapshot.py): the same fragments make the first
paint and the live updates (the JSON endpoint sends them, the script swaps them in)."""
from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from . import charts
from .filters import RANGE_LABELS, Filters
from .formats import duration, percent, score, time_tag

SECTIONS = ("asof", "scorecard", "queue", "ignored", "charts")


def attr(value) -> str:
    """A value quoted for an HTML attribute."""
    return escape(str(value), quote=True)


def conversation_href(brand: str, conversation_id: str, filters: Filters) -> str:
    return "conversation?" + urlencode({"brand": brand, "id": conversation_id}) + \
        ("&" + filters.query_string() if filters.query_string() else "")


def sections(snapshot: dict, filters: Filters) -> dict[str, str]:
    return {
        "asof": f'as of {time_tag(snapshot["as_of"])} <span class="muted">(event time)</span>',
        "scorecard": scorecard_html(snapshot["scorecard"]),
        "queue": queue_html(snapshot["queue"], filters),
        "ignored": ignored_html(snapshot["ignored"], filters),
        "charts": charts_html(snapshot),
    }


def _card(metric: str, title: str, value: str, raw, detail: str = "") -> str:
    raw_attr = "" if raw is None else f' data-value="{attr(raw)}"'
    return (f'<div class="card" data-metric="{metric}"{raw_attr}><h3>{escape(title)}</h3>'
            f'<p class="value">{escape(value)}</p><p class="detail">{detail}</p></div>')


def scorecard_html(card: dict) -> str:
    return "".join((
        _card("sla_compliance", "SLA compliance", percent(card["sla_compliance"]), card["sla_compliance"],
              f'✓ {card["within_sla"]} within SLA · ⚠ {card["breached"]} breached'),
        _card("first_reply_p50_s", "First reply p50", duration(card["first_reply_p50_s"]), card["first_reply_p50_s"],
              f'p90 <span data-metric="first_reply_p90_s" data-value="{attr(card["first_reply_p90_s"])}">'
              f'{escape(duration(card["first_reply_p90_s"]))}</span> · {card["first_replies"]} first replies'),
        _card("reply_rate", "Reply rate", percent(card["reply_rate"]), card["reply_rate"],
              f'{card["answered"]} of {card["turns"]} turns answered'),
        _card("open_turns", "Open turns", str(card["open_turns"]), card["open_turns"], "waiting for an answer now"),
        _card("breached", "Breaches", str(card["breached"]), card["breached"], "deadlines passed in the range"),
        _card("open_alerts", "Open alerts", str(card["open_alerts"]), card["open_alerts"], "not resolved yet"),
        _card("templated_share", "Templated replies", percent(card["templated_share"]), card["templated_share"],
              f'of {card["brand_replies"]} brand-side replies (the rest: human voice)'),
        _card("customer_sentiment", "Customer sentiment", score(card["customer_sentiment"]), card["customer_sentiment"],
              f'brand: {escape(score(card["brand_sentiment"]))} · scale −1 … +1'),
    ))


def due_badge(due_in_s: int) -> str:
    """Text and symbol, not only colour: within SLA vs past the deadline."""
    if due_in_s < 0:
        return f'<span class="badge breached">⚠ overdue {escape(duration(due_in_s))}</span>'
    urgent = " urgent" if due_in_s < 900 else ""
    return f'<span class="badge within{urgent}">◷ due in {escape(duration(due_in_s))}</span>'


def queue_html(queue: list[dict], filters: Filters) -> str:
    if not queue:
        return '<p class="muted">No open turn: every customer has an answer.</p>'
    body = "".join(
        f'<tr data-conversation="{attr(q["conversation_id"])}" data-turn="{q["turn_index"]}" data-due="{q["due_in_s"]}">'
        f'<td>{due_badge(q["due_in_s"])}</td>'
        f'<td><a href="{attr(conversation_href(q["brand"], q["conversation_id"], filters))}">{escape(q["conversation_id"])}</a>'
        f' <span class="muted">turn {q["turn_index"]}</span></td><td>{escape(q["brand"])}</td>'
        f'<td>{time_tag(q["deadline"])}</td><td>{time_tag(q["started_at"])}</td>'
        f'<td>{q["customer_messages"]}</td><td>{escape(score(q["last_sentiment"]))}</td></tr>' for q in queue)
    return ('<table class="queue"><thead><tr><th scope="col">Countdown</th><th scope="col">Conversation</th>'
            '<th scope="col">Brand</th><th scope="col">Deadline</th><th scope="col">Waiting since</th>'
            '<th scope="col">Messages</th><th scope="col">Tone</th></tr></thead>'
            f'<tbody>{body}</tbody></table>')


def ignored_html(ignored: list[dict], filters: Filters) -> str:
    if not ignored:
        return '<p class="muted">No ignored conversation.</p>'
    body = "".join(
        f'<tr data-conversation="{attr(i["conversation_id"])}">'
        f'<td><span class="badge breached">⚠ {escape(duration(i["overdue_s"]))}</span></td><td><a href="'
        f'{attr(conversation_href(i["brand"], i["conversation_id"], filters))}">{escape(i["conversation_id"])}</a></td>'
        f'<td>{escape(i["brand"])}</td><td>{time_tag(i["fired_at"])}</td>'
        f'<td>{escape(i["severity"])}</td></tr>' for i in ignored)
    return ('<table class="ignored"><thead><tr><th scope="col">Ignored for</th><th scope="col">Conversation</th>'
            '<th scope="col">Brand</th><th scope="col">Breached at</th><th scope="col">Severity</th></tr></thead>'
            f'<tbody>{body}</tbody></table>')


def _figure(title: str, svg: str, note: str = "") -> str:
    note_html = f'<p class="muted note">{escape(note)}</p>' if note else ""
    return f'<figure class="panel"><figcaption>{escape(title)}</figcaption>{svg}{note_html}</figure>'


def charts_html(snapshot: dict) -> str:
    s, span = snapshot["series"], (snapshot["span"]["start"], snapshot["span"]["end"])
    bucket = f"per {duration(s['bucket_s'])}"
    all_time = "All time (from its view, whatever the range)."
    figures = [
        _figure(f"Volume ({bucket})", charts.line_chart("chart-volume", "Volume", [
            ("Customer messages", [(p["t"], p["customer"]) for p in s["volume"]]),
            ("Brand-side replies", [(p["t"], p["brand"]) for p in s["volume"]])],
            x_range=span, y_format=lambda v: f"{v:.0f}", y_min=0)),
        _figure(f"SLA compliance ({bucket})", charts.line_chart("chart-compliance", "SLA compliance", [
            ("SLA compliance", [(p["t"], p["value"]) for p in s["compliance"]])],
            x_range=span, y_format=percent, y_min=0, y_max=1)),
        _figure(f"Reply latency, p50 ({bucket}, by time of the answer)", charts.line_chart(
            "chart-latency", "Reply latency", [
                ("First reply", [(p["t"], p["first"]) for p in s["latency"]]),
                ("Next replies", [(p["t"], p["next"]) for p in s["latency"]])],
            x_range=span, y_format=duration, y_min=0)),
        _figure(f"Sentiment, customer vs brand ({bucket})", charts.line_chart("chart-sentiment", "Sentiment", [
            ("Customers", [(p["t"], p["customer"]) for p in s["sentiment"]]),
            ("Brand side", [(p["t"], p["brand"]) for p in s["sentiment"]])],
            x_range=span, y_format=lambda v: f"{v:+.2f}", y_min=-1, y_max=1)),
        _figure("Who answers", charts.bar_chart("chart-who", "Who answers", [
            (w["label"], w["value"], str(w["value"])) for w in snapshot["scorecard"]["who_answers"]])),
        _figure("First-response time", charts.bar_chart("chart-first-response", "First-response time", [
            (f["label"], f["value"], str(f["value"])) for f in snapshot["first_response"]])),
        _figure("Reply rate by follower bracket", charts.bar_chart("chart-brackets", "Reply rate by follower bracket", [
            (b["label"], b["value"], f'{percent(b["value"])} of {b["turns"]}') for b in snapshot["follower_brackets"]],
            max_value=1), all_time),
        _figure("Sentiment recovery after an answer", charts.bar_chart("chart-recovery", "Sentiment recovery", [
            (r["label"], r["value"], f'{percent(r["value"])} of {r["negative"]}') for r in snapshot["sentiment_recovery"]],
            max_value=1), "Share of negative customers no longer negative in their next message. " + all_time),
        _figure("Responder leaderboard", leaderboard_html(snapshot["leaderboard"]), all_time),
    ]
    return "".join(figures)


def leaderboard_html(rows: list[dict]) -> str:
    if not rows:
        return '<p class="chart-empty">No answer yet.</p>'
    body = "".join(
        f'<tr><td>{escape(r["responder"])}</td><td>{escape(r["role"])}</td><td>{r["answers"]}</td>'
        f'<td>{escape(percent(r["within_sla_share"]))}</td><td>{escape(duration(r["latency_p50_s"]))}</td></tr>'
        for r in rows)
    return ('<div class="wide"><table id="leaderboard"><thead><tr><th scope="col">Responder</th><th scope="col">Role</th>'
            '<th scope="col">Answers</th><th scope="col">Within SLA</th><th scope="col">p50</th></tr></thead>'
            f'<tbody>{body}</tbody></table></div>')


def filter_form(filters: Filters, brands: list[str]) -> str:
    options = ['<option value="">All brands</option>'] + [
        f'<option value="{attr(b)}"{" selected" if b == filters.brand else ""}>{escape(b)}</option>' for b in brands]
    ranges = "".join(f'<option value="{k}"{" selected" if k == filters.range else ""}>{escape(v)}</option>'
                     for k, v in RANGE_LABELS.items())
    start = filters.start.strftime("%Y-%m-%dT%H:%M") if filters.start else ""
    end = filters.end.strftime("%Y-%m-%dT%H:%M") if filters.end else ""
    return (f'<form class="filters" method="get" action="./">'
            f'<label>Brand <select name="brand">{"".join(options)}</select></label>'
            f'<label>Time range <select name="range">{ranges}</select></label>'
            f'<span class="custom"><label>From <input type="datetime-local" name="from" value="{start}" '
            f'data-utc="{attr(start)}"></label><label>To <input type="datetime-local" name="to" value="{end}" '
            f'data-utc="{attr(end)}"></label></span>'
            f'<button type="submit">Apply</button></form>')
