"""Whole pages: the dashboard, a conversation, and a page that explains an error."""
from __future__ import annotations

from html import escape
from importlib import resources
from string import Template

from .filters import Filters
from .formats import duration, score, time_tag
from .render import attr, filter_form, sections

_TEMPLATE = Template(resources.files(__package__).joinpath("templates/page.html").read_text("utf-8"))
WRITERS = {"customer": "Customer", "brand": "Brand account", "employee": "Employee", "peer": "Peer (another customer)"}


def _page(*, title: str, heading: str, body: str, filters_html: str = "", asof: str = "", api: str = "",
          banner: str = "", live: str = "", reload: bool = False, fingerprint: str = "") -> str:
    return _TEMPLATE.substitute(title=escape(title), heading=escape(heading), filters=filters_html, asof=asof,
                                live=live, banner=banner, banner_hidden="" if banner else "hidden",
                                api=attr(api), reload="1" if reload else "",
                                fingerprint=attr(fingerprint), body=body)


def dashboard_page(snapshot: dict, filters: Filters) -> str:
    parts = sections(snapshot, filters)
    scope = snapshot["brand"] or "all brands"
    body = (f'<section aria-labelledby="h-score"><h2 id="h-score">Scorecard · {escape(scope)}</h2>'
            f'<div class="cards" data-section="scorecard">{parts["scorecard"]}</div></section>'
            '<div class="two">'
            '<section aria-labelledby="h-queue"><h2 id="h-queue">Next to breach</h2>'
            f'<div class="scroll" data-section="queue">{parts["queue"]}</div></section>'
            '<section aria-labelledby="h-ignored"><h2 id="h-ignored">Ignored conversations</h2>'
            f'<div class="scroll" data-section="ignored">{parts["ignored"]}</div></section></div>'
            '<section aria-labelledby="h-charts"><h2 id="h-charts">Over time and who answers</h2>'
            f'<div class="charts" data-section="charts">{parts["charts"]}</div></section>')
    return _page(title=f"cluetrain dashboard · {scope}", heading=f"reply dashboard · {scope}", body=body,
                 filters_html=filter_form(filters, snapshot["brands"]), asof=parts["asof"],
                 api="api/dashboard?" + filters.query_string(), live="live", fingerprint=snapshot["fingerprint"])


def conversation_page(conversation: dict, filters: Filters, as_of_s: int) -> str:
    items = []
    for m in conversation["messages"]:
        turn = m.get("opens_turn")
        if turn:
            items.append(f'<li class="turn" data-turn="{turn["turn_index"]}"><strong>Turn {turn["turn_index"]}</strong> '
                         f'opened {time_tag(turn["started_at"])} · deadline {time_tag(turn["deadline"])} · '
                         f'{_status(turn, as_of_s)}</li>')
        answer = m.get("answers_turn")
        answer_html = (f'<p class="answers">answers turn {answer["turn_index"]} after '
                       f'{escape(duration(answer["latency_s"]))}</p>') if answer else ""
        items.append(
            f'<li class="message {m["writer"]}" data-event="{attr(m["event_id"])}" data-writer="{m["writer"]}">'
            f'<p class="who"><strong>{escape(WRITERS.get(m["writer"], m["writer"]))}</strong> '
            f'<span class="muted">{escape(m["author_id"])}</span> · {time_tag(m["created_at"])} · '
            f'sentiment <span class="sentiment">{escape(score(m["sentiment"]))}</span></p>'
            f'<p class="text">{escape(m["text"])}</p>{answer_html}</li>')
    back = "./" + ("?" + filters.query_string() if filters.query_string() else "")
    body = (f'<p><a href="{attr(back)}">← Back to the dashboard</a></p>'
            f'<section aria-labelledby="h-conv"><h2 id="h-conv">Conversation {escape(conversation["conversation_id"])}'
            f' · {escape(conversation["brand"])}</h2><p class="muted">{len(conversation["messages"])} messages, '
            f'{len(conversation["turns"])} turns, in order.</p><ol class="conversation">{"".join(items)}</ol></section>')
    return _page(title=f"Conversation {conversation['conversation_id']}", heading="conversation", body=body,
                 asof=f'as of {time_tag(as_of_s)} <span class="muted">(event time)</span>')


def _status(turn: dict, as_of_s: int) -> str:
    status = turn["status"]
    if status == "answered":
        return f'<span class="badge within">✓ answered within SLA in {escape(duration(turn["latency_s"]))}</span>'
    if status == "answered_late":
        return f'<span class="badge breached">⚠ answered late, after {escape(duration(turn["latency_s"]))}</span>'
    if status == "breached":
        return '<span class="badge breached">⚠ breached, no answer</span>'
    due = turn["deadline"] - as_of_s
    state = f"due in {duration(due)}" if due >= 0 else f"overdue {duration(due)}"
    return f'<span class="badge {"within" if due >= 0 else "breached"}">◷ open, {escape(state)}</span>'


def error_page(title: str, message: str, hint: str, *, retry_api: str = "", calm: bool = False) -> str:
    """`retry_api`: the page polls it and reloads once it answers (data arrived, the
    server is back). calm: a state, not a failure (no data yet)."""
    body = (f'<section class="error{" calm" if calm else ""}" aria-labelledby="h-error"><h2 id="h-error">{escape(title)}</h2>'
            f'<p>{escape(message)}</p><p>{hint}</p></section>')
    return _page(title=f"cluetrain dashboard · {title}", heading="reply dashboard", body=body,
                 api=retry_api, reload=bool(retry_api), live="waiting" if retry_api else "")
