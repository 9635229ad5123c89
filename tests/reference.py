"""An independent batch reference of DESIGN.md's metrics, over a plain event list.

Written declaratively and separately from the streaming fold (no shared code but the
event parser and sentiment score): group by conversation, sort, list the turns, then
classify each turn and count every fact in the minute it happens. Streamed tables
must equal its output exactly.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict

from cluetrain.domain.events import validate_record
from tests.reference_policies import ReferencePolicy

COUNTERS = ("customer_messages", "turns_opened", "brand_replies", "employee_replies", "peer_replies",
            "answered", "answered_within_sla", "answered_late", "breached", "latency_sum_s", "late_events")


SEVERITY_ORDER = ["low", "medium", "high", "critical"]


def _severity(followers, unanswered, negative) -> str:
    audience = 0 if followers is None else [f for f in (1_000, 10_000, 100_000) if followers >= f].__len__()
    points = audience + min(2, max(0, unanswered - 1)) + min(2, negative)
    return ["low", "medium", "high", "high", "critical"][min(points, 4)]


def _minute(ms: int) -> int:
    return ms // 60_000 * 60


def reference(records: list[dict], *, sla_s: int = 3600, brand_sla: dict | None = None,
              end_watermark_ms: int | None = None, score=None, warn_fraction: float = 0.75,
              alerts: dict | None = None, policies: dict | None = None):
    """-> (turns {(brand, conv, idx): row}, windows {(brand, minute_s): {counter: n}},
    sentiment {(brand, minute_s, side): {messages, score_sum, positive, neutral, negative}}).

    `records` are valid JSON events, all on time. end_watermark_ms defaults to the
    last created_at (the end of a replay). `alerts`, if given, is filled with
    {alert_id: (kind, fired_at, resolved_at, severity)}. `policies` is the policy
    file as TOML gives it (tests/reference_policies.py); without it every brand is
    open 24/7 with sla_s / brand_sla."""
    brand_sla = brand_sla or {}
    brand_policies: dict = {}
    events, seen = [], set()
    for r in records:
        e = validate_record(r)
        key = (e.brand, e.conversation_id, e.event_id)
        if key not in seen:
            seen.add(key)
            events.append(e)
    if end_watermark_ms is None:
        end_watermark_ms = max(e.created_at_ms for e in events)
    conversations = defaultdict(list)
    for e in events:
        conversations[(e.brand, e.conversation_id)].append(e)

    counts: Counter = Counter()
    turns: dict = {}
    sentiment: dict = defaultdict(lambda: {"messages": 0, "score_sum": 0.0, "positive": 0, "neutral": 0, "negative": 0})
    for (brand, conv_id), posts in conversations.items():
        posts.sort(key=lambda e: (e.created_at_ms, e.event_id))
        if brand not in brand_policies:
            brand_policies[brand] = ReferencePolicy(policies or {}, brand, brand_sla.get(brand, sla_s))
        policy = brand_policies[brand]
        by_id = {}
        conv_turns = []
        current = None
        for e in posts:
            customer = e.kind == "mention" or e.author_role == "customer"
            m = _minute(e.created_at_ms)
            s = score(e) if score is not None else 0.0
            if score is not None:
                side = sentiment[(brand, m, "customer" if customer else "brand")]
                side["messages"] += 1
                side["score_sum"] += s
                side["positive" if s >= 0.05 else "negative" if s <= -0.05 else "neutral"] += 1
            if customer:
                counts[(brand, m, "customer_messages")] += 1
                parent = by_id.get(e.in_reply_to)
                if e.kind == "reply" and parent is not None and parent.author_id != e.author_id:
                    counts[(brand, m, "peer_replies")] += 1
                by_id[e.event_id] = e
                if current is None:
                    current = {"started": e.created_at_ms, "messages": 0, "answer": None, "opener": e, "scores": [],
                               "posts": []}
                    conv_turns.append(current)
                current["messages"] += 1
                current["scores"].append(s)
                current["posts"].append((e.created_at_ms, s))
            else:
                counts[(brand, m, "brand_replies")] += 1
                if e.author_role == "employee":
                    counts[(brand, m, "employee_replies")] += 1
                if current is not None:
                    current["answer"] = e
                    current = None
        for index, t in enumerate(conv_turns):
            started, answer = t["started"], t["answer"]
            opener = t["opener"]
            priority, target_s = policy.priority(index, opener.author_followers, opener.text, t["scores"][0])
            sla_ms = target_s * 1000
            deadline = policy.deadline(started, sla_ms)
            counts[(brand, _minute(started), "turns_opened")] += 1
            if answer is None:
                breached = deadline < end_watermark_ms
                status = "breached" if breached else "open"
            else:
                breached = answer.created_at_ms > deadline
                status = "answered_late" if breached else "answered"
                am = _minute(answer.created_at_ms)
                latency = (answer.created_at_ms - started) // 1000
                counts[(brand, am, "answered")] += 1
                counts[(brand, am, "answered_late" if breached else "answered_within_sla")] += 1
                counts[(brand, am, "latency_sum_s")] += latency
            if breached:
                counts[(brand, _minute(deadline), "breached")] += 1
            if alerts is not None:
                answered_ms = None if answer is None else answer.created_at_ms
                for kind, at, suffix, least in policy.alert_levels(warn_fraction):
                    fire = deadline if at == 1 else policy.deadline(started, int(sla_ms * at))
                    if (answered_ms is None and fire < end_watermark_ms) or (answered_ms is not None and answered_ms > fire):
                        known = [x for t_ms, x in t["posts"] if t_ms <= fire]
                        sev = _severity(t["opener"].author_followers, len(known), sum(1 for x in known if x <= -0.05))
                        if least is not None and SEVERITY_ORDER.index(least) > SEVERITY_ORDER.index(sev):
                            sev = least
                        alerts[f"{conv_id}:{index}{suffix}"] = (
                            kind, fire // 1000, None if answered_ms is None else answered_ms // 1000, sev)
            turns[(brand, conv_id, index)] = {
                "brand": brand, "conversation_id": conv_id, "turn_index": index,
                "started_at": started // 1000, "customer_messages": t["messages"],
                "answered_at": None if answer is None else answer.created_at_ms // 1000,
                "responder_id": "" if answer is None else answer.author_id,
                "responder_role": "" if answer is None else answer.author_role,
                "latency_s": None if answer is None else (answer.created_at_ms - started) // 1000,
                "status": status, "deadline": deadline // 1000,
                "customer_id": t["opener"].author_id, "customer_followers": t["opener"].author_followers,
                "first_sentiment": t["scores"][0], "last_sentiment": t["scores"][-1],
                "negative_messages": sum(1 for x in t["scores"] if x <= -0.05),
                "priority": priority,
                "business_latency_s": None if answer is None else policy.business_ms(started, answer.created_at_ms) // 1000,
                "team": "" if answer is None else policy.team_of.get(answer.author_id, ""),
            }
    windows: dict = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for (brand, minute, counter), n in counts.items():
        windows[(brand, minute)][counter] += n
    return turns, dict(windows), dict(sentiment)


def reference_brand_alerts(windows: dict, sentiment: dict, *, end_watermark_ms: int, rules) -> dict:
    """Brand alerts by brute force: every minute end, from each brand's first window to
    the last final minute, with the rules' thresholds and hysteresis (see
    cluetrain/domain/brand_alerts.py for the definitions)."""
    horizon = end_watermark_ms // 60_000 * 60
    per_brand: dict = defaultdict(dict)
    for (brand, minute), counts in windows.items():
        per_brand[brand][minute] = [counts["answered_within_sla"], counts["breached"], 0, 0]
    for (brand, minute, side), s in sentiment.items():
        if side == "customer":
            row = per_brand[brand].setdefault(minute, [0, 0, 0, 0])
            row[2], row[3] = s["messages"], s["negative"]
    out = {}
    for brand, minutes in per_brand.items():
        minutes = {m: v for m, v in minutes.items() if m + 60 <= horizon and any(v)}
        if not minutes:
            continue
        active = {}
        keys = sorted(minutes)
        prefix = [[0, 0, 0, 0]]
        for m in keys:
            prefix.append([a + b for a, b in zip(prefix[-1], minutes[m])])

        def total(start, end):
            i, j = bisect_left(keys, start), bisect_left(keys, end)
            return [prefix[j][k] - prefix[i][k] for k in range(4)]

        t = keys[0] + 60
        while t <= horizon:
            within, breached, customer, negative = total(t - 3600, t)
            _, _, base_customer, base_negative = total(t - 3600 - 43200, t - 3600)
            judged = within + breached
            compliance = within / judged if judged else None
            share = negative / customer if customer else 0.0
            baseline = base_negative / base_customer if base_customer else 0.0
            checks = {
                "reply_rate_drop": (judged >= rules.min_volume and compliance < rules.rate_low,
                                    judged < rules.min_volume or compliance >= rules.rate_high),
                "negativity_spike": (customer >= rules.min_volume and share >= rules.min_share
                                     and share >= rules.ratio * baseline,
                                     customer < rules.min_volume or share < rules.resolve_ratio * baseline
                                     or share < rules.min_share * 0.75),
            }
            for kind, (bad, ok) in checks.items():
                if kind not in active and bad:
                    active[kind] = f"{brand}:{kind}:{t}"
                    out[active[kind]] = [kind, t, None]
                elif kind in active and ok:
                    out[active.pop(kind)][2] = t
            t += 60
            # nothing in any range any more: every figure is 0 until the next minute with data
            if not active and not any(total(t - 3600 - 43200, t)):
                later = bisect_left(keys, t)
                if later == len(keys):
                    break
                t = max(t, keys[later] + 60)
    return {k: tuple(v) for k, v in out.items()}
