"""Brand-level alerts: fire, resolve, hysteresis (no flapping), event time only."""
from cluetrain.domain.brand_alerts import RATE_DROP, SPIKE, BrandAlertRules, BrandMonitor

RULES = BrandAlertRules(min_volume=10, rate_low=0.5, rate_high=0.7, min_share=0.2, ratio=2.0)
T0 = 1_767_600_000 - 1_767_600_000 % 60


def minute(monitor, i, within=0, breached=0, customers=0, negative=0):
    monitor.observe(T0 + 60 * i, {"answered_within_sla": within, "breached": breached,
                                  "customer:messages": customers, "customer:negative": negative})


def test_a_reply_rate_drop_fires_once_and_resolves_with_hysteresis():
    m = BrandMonitor("acme")
    minute(m, 0, within=4, breached=8)  # 33 % compliance on 12 judged turns
    fired = m.evaluate(T0 + 60, RULES, 0)
    assert [(a.kind, a.fired_ms, a.resolved_ms) for a in fired] == [(RATE_DROP, (T0 + 60) * 1000, None)]
    assert fired[0].alert_id == f"acme:{RATE_DROP}:{T0 + 60}" and fired[0].conversation_id == ""
    minute(m, 1, within=6)  # 10/18 = 56 %: between low and high, no flapping
    assert m.evaluate(T0 + 120, RULES, 0) == []
    minute(m, 2, within=12)  # 22/30 = 73 % >= 70 %: resolved
    resolved = m.evaluate(T0 + 180, RULES, 0)
    assert [(a.alert_id, a.resolved_ms // 1000) for a in resolved] == [(fired[0].alert_id, T0 + 180)]


def test_too_little_volume_never_fires_and_old_minutes_leave_the_hour():
    m = BrandMonitor("acme")
    minute(m, 0, within=1, breached=8)
    assert m.evaluate(T0 + 60, RULES, 0) == []  # 9 judged turns < 10
    minute(m, 1, breached=1)
    assert [a.kind for a in m.evaluate(T0 + 120, RULES, 0)] == [RATE_DROP]
    # an hour later both minutes left the range: volume 0 resolves it, at that minute end
    resolved = m.evaluate(T0 + 3 * 3600, RULES, 0)
    assert [a.resolved_ms // 1000 for a in resolved] == [T0 + 60 + 3600]


def test_a_negativity_spike_is_measured_against_the_12_hours_before():
    m = BrandMonitor("acme")
    for i in range(0, 600, 10):  # a calm baseline: 1 negative in 10 messages
        minute(m, i, customers=10, negative=1)
    assert m.evaluate(T0 + 600 * 60, RULES, 0) == []
    minute(m, 700, customers=20, negative=8)  # 40 % >= 20 % and >= 2 x 10 %
    alerts = m.evaluate(T0 + 701 * 60, RULES, 0)
    assert [(a.kind, a.fired_ms // 1000) for a in alerts] == [(SPIKE, T0 + 701 * 60)]


def test_evaluation_does_not_depend_on_how_the_watermark_moves():
    def run(steps):
        m = BrandMonitor("acme")
        for i, (w, b) in enumerate([(2, 9), (0, 3), (9, 0), (14, 0), (0, 0), (1, 12)]):
            minute(m, i * 7, within=w, breached=b)
        out = []
        for upto in steps:
            out += m.evaluate(upto, RULES, 0)
        return out

    every_minute = run(range(T0 + 60, T0 + 6 * 3600, 60))
    one_jump = run([T0 + 6 * 3600 - 60])
    assert every_minute == one_jump and len(every_minute) >= 2
