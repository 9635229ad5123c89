"""The dashboard in real headless Chromium (Debian's chromium + chromium-driver, driven
by Selenium), served by cluetrain.web.dashboard over each backend.

The store holds the results of the real processor on a generated stream (seed 7,
3000 events, 6 brands, ~12 h of event time); every figure the page shows is checked
against SQL on the same store, mostly through views the page does not read itself
(v_brand_overview, v_brand_latency, v_brand_rolling, v_template_share, turns FINAL).
Screenshots of the main views are saved under docs/dashboard/ (chdb run).
"""
from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from cluetrain.settings import Settings
from cluetrain.sinks.backends import ClickHouseError, open_backend
from cluetrain.sinks.tables import SPECS, utc_from_s
from cluetrain.sources.generate import generate
from cluetrain.sources.replay import replay_to_memory
from cluetrain.web.dashboard import create_app, serve
from cluetrain.web.dashboard.formats import duration, percent
from tests.support.pipeline_driver import consume

pytestmark = pytest.mark.integration

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "dashboard"
LIVE_WITHIN_S = 2.0


@pytest.fixture(scope="module")
def results():
    """Rows of every table after the real processor ran over the stream."""
    settings = Settings.from_env({})
    broker = replay_to_memory(settings, [orjson.dumps(e) for e in generate(7, 3000)])
    tables = consume(settings, broker)
    return {name: [tuple(row[c] for c in spec.columns) for row in tables.rows(name).values()]
            for name, spec in SPECS.items()}


class SharedBackend:
    """The test's backend, used by the test and by the app's server thread: one call at
    a time (neither chdb's session nor the driver's connection is thread-safe), with
    the database selected, as `cluetrain dashboard` gives its query()."""

    def __init__(self, backend):
        self.backend, self.database, self.lock = backend, backend.database, threading.Lock()
        backend.execute(f"USE {backend.database}")

    def query(self, text: str):
        with self.lock:
            return self.backend.query(text)

    def insert(self, table: str, columns, rows) -> None:
        with self.lock:
            self.backend.insert(table, columns, rows)


@pytest.fixture
def store(backend, results):
    """The results, plus a superseded 'open' version of every answered turn: FINAL (and
    every view) must hide them, and so must the page."""
    for name, rows in results.items():
        if rows:
            backend.insert(name, SPECS[name].columns, rows)
    columns = SPECS["turns"].columns
    stale = [dict(zip(columns, row)) for row in results["turns"]]
    stale = [{**t, "status": "open", "answered_at": None, "latency_s": None, "version": 1}
             for t in stale if t["status"] == "answered"]
    backend.insert("turns", columns, [tuple(t.get(c) for c in columns) for t in stale])
    return SharedBackend(backend)


def serving(query):
    server = serve(create_app(query), port=0, background=True)
    return server, f"http://127.0.0.1:{server.server_port}/"


@pytest.fixture
def dashboard(store):
    server, url = serving(store.query)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        message = "Debian's chromium and chromium-driver are needed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS + ("--window-size=1280,800",):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})
    yield driver
    driver.quit()


def sql(backend, text: str) -> list[dict]:
    columns, rows = backend.query(text.format(db=backend.database))
    return [dict(zip(columns, r)) for r in rows]


def card(browser, metric: str):
    element = browser.find_element("css selector", f'.card[data-metric="{metric}"]')
    raw = element.get_attribute("data-value")
    return element.find_element("css selector", ".value").text, None if raw is None else float(raw)


def screenshot(browser, request, name: str, *, width: int = 1280, height: int = 800, full: bool = False):
    """docs/dashboard/<name>: a viewport of width x height (full: as tall as the page)."""
    if request.node.callspec.params.get("clickhouse_target") != "chdb":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    if full:
        metrics["height"] = browser.execute_script("return document.documentElement.scrollHeight")
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    browser.save_screenshot(str(SHOTS / name))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def wait_for(condition, timeout: float, what: str):
    """Poll `condition` until true; an element replaced by a live update meanwhile is read again."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except StaleElementReferenceException:
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


def test_scorecard_chart_and_queue_equal_sql_on_the_same_store(store, dashboard, browser, request):
    browser.set_window_size(1280, 800)
    browser.get(dashboard + "?range=all")
    overview = sql(store, "SELECT sum(within_sla) AS w, sum(breached) AS b, sum(answered) AS a, sum(turns) AS t, "
                          "sum(open) AS o, sum(brand_replies) AS br, sum(employee_replies) AS er, "
                          "sum(peer_replies) AS pr FROM {db}.v_brand_overview")[0]
    compliance = overview["w"] / (overview["w"] + overview["b"])
    assert card(browser, "sla_compliance") == (percent(compliance), pytest.approx(compliance))
    assert card(browser, "reply_rate")[0] == percent(overview["a"] / overview["t"])
    assert card(browser, "open_turns") == (str(overview["o"]), overview["o"])
    assert card(browser, "breached")[1] == overview["b"]
    alerts = sql(store, "SELECT countIf(isNull(resolved_at)) AS n FROM {db}.alerts FINAL")[0]["n"]
    assert card(browser, "open_alerts")[1] == alerts
    voice = sql(store, "SELECT sum(templated) / sum(replies) AS share FROM {db}.v_template_share")[0]
    assert card(browser, "templated_share")[0] == percent(voice["share"])

    # one chart's data: who answers, bar by bar
    bars = {b.get_attribute("data-label"): float(b.get_attribute("data-value"))
            for b in browser.find_elements("css selector", "#chart-who rect.bar")}
    assert bars == {"Brand account": overview["br"] - overview["er"], "Employees": overview["er"],
                    "Peers (other customers)": overview["pr"]}

    # the queue: the open turns closest to their deadline, countdown from the stream's clock
    clock = sql(store, "SELECT greatest((SELECT max(created_at) FROM {db}.mentions), "
                       "(SELECT max(created_at) FROM {db}.replies)) AS c")[0]["c"]
    expected = sql(store, "SELECT conversation_id, turn_index, deadline FROM {db}.turns FINAL "
                          "WHERE status = 'open' ORDER BY deadline, brand, conversation_id, turn_index LIMIT 12")
    rows = browser.find_elements("css selector", "table.queue tbody tr")
    assert [(r.get_attribute("data-conversation"), int(r.get_attribute("data-turn"))) for r in rows] == \
        [(e["conversation_id"], e["turn_index"]) for e in expected]
    first_due = (expected[0]["deadline"] - clock).total_seconds()
    badge = rows[0].find_element("css selector", ".badge").text
    assert badge.endswith(("due in " if first_due >= 0 else "overdue ") + duration(first_due))
    screenshot(browser, request, "dashboard-1280.png")
    screenshot(browser, request, "dashboard-full.png", full=True)

    # one brand, last 24 h: the figures of v_brand_rolling and v_brand_latency
    brand = "skyhop_air"
    browser.get(dashboard + f"?brand={brand}&range=24h")
    rolling = sql(store, f"SELECT sla_compliance_24h AS c, reply_rate_24h AS r FROM {{db}}.v_brand_rolling "
                         f"WHERE brand = '{brand}'")[0]
    latency = sql(store, f"SELECT first_reply_p50_s AS p50, first_reply_p90_s AS p90 FROM {{db}}.v_brand_latency "
                         f"WHERE brand = '{brand}'")[0]
    assert card(browser, "sla_compliance")[0] == percent(rolling["c"])
    assert card(browser, "reply_rate")[0] == percent(rolling["r"])
    assert card(browser, "first_reply_p50_s") == (duration(latency["p50"]), latency["p50"])
    p90 = browser.find_element("css selector", '[data-metric="first_reply_p90_s"]')
    assert float(p90.get_attribute("data-value")) == latency["p90"]
    volume = sum(float(p.get_attribute("data-value")) for p in browser.find_elements(
        "css selector", '#chart-volume [data-series="Customer messages"]'))
    assert volume == sql(store, f"SELECT customer_messages AS n FROM {{db}}.v_brand_overview "
                                f"WHERE brand = '{brand}'")[0]["n"]


def test_times_show_in_the_viewer_zone_with_utc_on_hover(dashboard, browser):
    browser.get(dashboard)
    asof = browser.find_element("css selector", '[data-section="asof"] time')
    utc = asof.get_attribute("datetime")  # e.g. 2026-01-05T20:36:27Z; the browser is in Tokyo (UTC+9)
    assert asof.get_attribute("title") == utc.replace("T", " ").replace("Z", " UTC")
    tokyo = browser.execute_script("return new Date(arguments[0]).toLocaleString(undefined, {year: 'numeric', "
                                   "month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', "
                                   "second: '2-digit', timeZone: 'Asia/Tokyo'})", utc)
    assert asof.text == tokyo


def test_keyboard_reaches_the_queue_and_opens_the_conversation(store, dashboard, browser, request):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get(dashboard + "?range=all")
    first = browser.find_element("css selector", "table.queue tbody tr")
    conversation = first.get_attribute("data-conversation")
    for _ in range(40):  # Tab from the top of the page until the queue's first link
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused = browser.switch_to.active_element
        if focused.tag_name == "a" and focused.text == conversation:
            break
    else:
        raise AssertionError("the queue's first conversation cannot be reached with the keyboard")
    focused.send_keys(Keys.ENTER)
    wait_for(lambda: "conversation?" in browser.current_url, 5, "the conversation page")
    messages = browser.find_elements("css selector", "li.message")
    count = sql(store, f"SELECT (SELECT count() FROM {{db}}.mentions FINAL WHERE conversation_id = '{conversation}') "
                       f"+ (SELECT count() FROM {{db}}.replies FINAL WHERE conversation_id = '{conversation}') AS n")
    assert len(messages) == count[0]["n"]


def test_drill_down_shows_every_message_in_order_with_writers_turns_and_latencies(store, dashboard, browser,
                                                                                     request):
    # a conversation with a peer reply and at least two turns, one of them answered
    found = sql(store, """
        SELECT t.brand AS brand, t.conversation_id AS conversation_id FROM
        (SELECT brand, conversation_id, count() AS n, countIf(status = 'answered') AS a
         FROM {db}.turns FINAL GROUP BY brand, conversation_id HAVING n >= 2 AND a >= 1) AS t
        INNER JOIN (SELECT DISTINCT r.conversation_id AS conversation_id FROM {db}.replies AS r
                    INNER JOIN {db}.replies AS p ON r.in_reply_to = p.event_id
                    WHERE r.author_role = 'customer' AND p.author_role = 'customer' AND r.author_id != p.author_id)
        AS peers USING conversation_id ORDER BY conversation_id LIMIT 1""")
    brand, conversation = found[0]["brand"], found[0]["conversation_id"]
    browser.get(dashboard + f"conversation?brand={brand}&id={conversation}")
    events = sql(store, f"""
        SELECT event_id, author_id, author_role, in_reply_to FROM
        (SELECT * FROM {{db}}.mentions FINAL WHERE conversation_id = '{conversation}'
         UNION ALL SELECT * FROM {{db}}.replies FINAL WHERE conversation_id = '{conversation}')
        ORDER BY created_at, event_id""")
    by_id = {e["event_id"]: e for e in events}

    def writer(e):
        parent = by_id.get(e["in_reply_to"] or "")
        if e["author_role"] == "customer" and parent and parent["author_role"] == "customer" \
                and parent["author_id"] != e["author_id"]:
            return "peer"
        return e["author_role"]

    shown = [(m.get_attribute("data-event"), m.get_attribute("data-writer"))
             for m in browser.find_elements("css selector", "li.message")]
    assert shown == [(e["event_id"], writer(e)) for e in events]
    assert "peer" in {w for _, w in shown}
    turns = sql(store, f"SELECT turn_index, status, latency_s FROM {{db}}.turns FINAL "
                       f"WHERE conversation_id = '{conversation}' ORDER BY turn_index")
    headers = browser.find_elements("css selector", "li.turn")
    assert [int(h.get_attribute("data-turn")) for h in headers] == [t["turn_index"] for t in turns]
    answered = [t for t in turns if t["latency_s"] is not None]
    notes = [n.text for n in browser.find_elements("css selector", "li.message .answers")]
    assert notes == [f"answers turn {t['turn_index']} after {duration(t['latency_s'])}" for t in answered]
    assert all(h.find_elements("css selector", ".badge") for h in headers)
    screenshot(browser, request, "conversation.png", full=True)


def new_conversation_rows(results, clock, suffix: str) -> dict[str, list[tuple]]:
    """A customer's mention one minute after the clock, its window and its open turn,
    due 20 s after the clock: the next in the queue. Each row is a stored row of its
    table with these values, so columns added later keep a valid value."""
    at = clock + timedelta(minutes=1)
    brand, conversation = "freshmart", f"live-{suffix}"
    version = int(at.timestamp() * 1000)
    values = {
        "mentions": dict(event_id=conversation, conversation_id=conversation, brand=brand, author_id="c-live",
                         author_followers=10, text="@freshmart my order never came", created_at=at,
                         created_at_ms=version, sentiment=-0.4, late=0, ingested_at=at),
        "reciprocity_windows": dict(brand=brand, window_start=at.replace(second=0), customer_messages=1,
                                    turns_opened=1, brand_replies=0, employee_replies=0, peer_replies=0,
                                    answered=0, answered_within_sla=0, answered_late=0, breached=0,
                                    latency_sum_s=0, late_events=0, version=version),
        "turns": dict(brand=brand, conversation_id=conversation, turn_index=0, started_at=at, customer_messages=1,
                      answered_at=None, responder_id="", responder_role="", latency_s=None, status="open",
                      deadline=clock + timedelta(seconds=20), customer_id="c-live", customer_followers=10,
                      first_sentiment=-0.4, last_sentiment=-0.4, negative_messages=1, version=version),
    }
    rows = {}
    for table, changes in values.items():
        columns = SPECS[table].columns
        stored = (dict(zip(columns, row)) for row in results[table])
        template = next(row for row in stored if row.get("status", "open") == "open")
        template.update({k: v for k, v in changes.items() if k in template})
        rows[table] = [tuple(template[c] for c in columns)]
    return rows


def test_page_updates_live_without_a_reload(store, results, dashboard, browser):
    browser.get(dashboard + "?range=1h")
    browser.execute_script("window.notReloaded = true")
    before = browser.find_element("css selector", '[data-section="asof"] time').get_attribute("datetime")
    clock = sql(store, "SELECT max(created_at) AS c FROM {db}.mentions")[0]["c"]
    messages = card(browser, "open_turns")[1]
    for table, rows in new_conversation_rows(results, clock, "1").items():
        store.insert(table, SPECS[table].columns, rows)
    inserted = time.monotonic()
    new_clock = (clock + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    wait_for(lambda: browser.find_element("css selector", '[data-section="asof"] time')
             .get_attribute("datetime") == new_clock, LIVE_WITHIN_S,
             "the new 'as of' event time " + new_clock)
    wait_for(lambda: browser.find_element("css selector", "table.queue tbody tr").get_attribute("data-conversation")
             == "live-1", LIVE_WITHIN_S - (time.monotonic() - inserted), "the new turn at the head of the queue")
    assert card(browser, "open_turns")[1] == messages + 1
    assert browser.execute_script("return window.notReloaded") is True
    assert before != new_clock


def test_unknown_brand_is_a_clear_message_not_a_trace(dashboard, browser):
    browser.get(dashboard + "?brand=no_such_brand")
    text = browser.find_element("tag name", "main").text
    assert "Unknown brand" in text and "no_such_brand" in text and "skyhop_air" in text
    assert "Traceback" not in browser.page_source
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(dashboard + "?brand=no_such_brand")
    assert error.value.code == 404


def test_empty_database_says_so_then_shows_the_data_when_it_arrives(backend, results, browser, request):
    backend = SharedBackend(backend)
    server, url = serving(backend.query)
    try:
        browser.get(url)
        assert "No data yet" in browser.find_element("tag name", "main").text
        screenshot(browser, request, "empty.png")
        for name, rows in results.items():
            if rows:
                backend.insert(name, SPECS[name].columns, rows)
        wait_for(lambda: browser.find_elements("css selector", '.card[data-metric="sla_compliance"]'), 5,
                 "the scorecard once events are stored, not: " + browser.find_element("tag name", "main").text)
    finally:
        server.shutdown()
        server.server_close()


def test_clickhouse_unreachable_is_a_clear_message(browser, request):
    with pytest.raises(ClickHouseError):  # a real server target on a port where nothing listens
        open_backend("clickhouse://127.0.0.1:9/cluetrain")

    def unreachable(sql_text):
        with open_backend("clickhouse://127.0.0.1:9/cluetrain") as b:
            return b.query(sql_text)

    server, url = serving(unreachable)
    try:
        browser.get(url)
        text = browser.find_element("tag name", "main").text
        assert "ClickHouse is not answering" in text and "127.0.0.1:9" in text
        assert "Traceback" not in browser.page_source
    finally:
        server.shutdown()
        server.server_close()


def test_readable_at_phone_width(dashboard, browser, request):
    browser.set_window_size(390, 844)
    try:
        browser.get(dashboard + "?range=all")
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow} px at phone width"
        screenshot(browser, request, "dashboard-phone.png", width=390, height=844)
    finally:
        browser.set_window_size(1280, 800)


def test_a_live_run_updates_the_page_as_it_goes(tmp_path, browser):
    """`cluetrain run --dashboard` on the embedded store: the page, loaded once, follows
    the stream's clock while the run replays (about a day of event time in ~20 s)."""
    import signal
    import subprocess
    import sys

    from cluetrain.runtime.processes import free_port
    from cluetrain.sources.jsonl import write_jsonl

    write_jsonl(generate(3, 4000), tmp_path / "events.jsonl")
    port, sql_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cluetrain", "run", "--input", str(tmp_path / "events.jsonl"), "--speed", "4000",
         "--clickhouse", str(tmp_path / "data"), "--dashboard", "--port", str(port), "--sql-port", str(sql_port)],
        cwd=tmp_path, env=dict(os.environ, CLUETRAIN_LOG_DIR=str(tmp_path / "logs")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/?range=all"
        wait_for(lambda: _answers(url), 90, "the dashboard of the run")
        browser.get(url)
        wait_for(lambda: browser.find_elements("css selector", '.card[data-metric="sla_compliance"]'), 30,
                 "the scorecard once the first rows are stored")
        browser.execute_script("window.notReloaded = true")
        seen = []
        deadline = time.monotonic() + 120  # the run keeps serving after its replay: never wait forever
        while proc.poll() is None and len(seen) < 4 and time.monotonic() < deadline:
            try:
                clock = browser.find_element("css selector", '[data-section="asof"] time').get_attribute("datetime")
            except Exception:  # replaced by an update between find and read
                continue
            if not seen or seen[-1] != clock:
                seen.append(clock)
            time.sleep(0.2)
        assert len(seen) >= 3, f"the page followed the run through {seen} only"
        assert seen == sorted(seen)
        assert browser.execute_script("return window.notReloaded") is True
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except (urllib.error.URLError, OSError):
        return False
