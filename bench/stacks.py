"""py-spy's collapsed stacks (`record --format raw`) of the worker, read and charged
to the stages of the pipeline: bench/PROFILE.md is rendered from these (bench/report.py);
unit-tested in tests/bench/test_stacks.py. Pure: no processes here."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


@dataclass(frozen=True)
class Frame:
    func: str
    file: str

    @property
    def label(self) -> str:
        return f"{self.func} ({self.file})"


def parse_frame(text: str) -> Frame:
    m = _FRAME.match(text.strip())
    if not m:
        return Frame(text.strip(), "")
    return Frame(m.group("func"), m.group("file"))


def parse_collapsed(lines: Iterable[str]) -> list[tuple[list[Frame], int]]:
    """py-spy `--format raw` (collapsed stacks: root;...;leaf COUNT) -> [(frames, count)]."""
    stacks = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = int(count)
        except ValueError:
            continue
        frames = [parse_frame(f) for f in stack.split(";") if f]
        # py-spy may prefix a thread/process pseudo-frame; keep it, it matches no rule
        stacks.append((frames, n))
    return stacks


# Entry frames on (nearly) every stack: they say nothing of where the time goes.
ENTRY_FRAMES = ("<module>", "_run_code", "_run_module_as_main", "main", "cmd_worker", "run_worker",
                "Worker.execute_from_commandline", "Thread._bootstrap", "Thread._bootstrap_inner", "Thread.run",
                "BaseEventLoop.run_forever", "BaseEventLoop.run_until_complete", "BaseEventLoop._run_once",
                "Handle._run", "ServiceThread._start_thread", "WorkerThread.run", "_WorkItem.run", "_worker")


def cumulative(stacks: Sequence[tuple[list[Frame], int]], top: int = 25,
               skip: Sequence[str] = ENTRY_FRAMES) -> list[tuple[str, int, int]]:
    """(function, inclusive samples, self samples), by inclusive samples: a function
    counts once per stack even when recursive (like cProfile's cumulative time).
    Functions named in `skip` (entry frames) are left out of the ranking."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    skip = set(skip)
    for frames, n in stacks:
        for label in {f.label for f in frames if f.func not in skip}:
            inclusive[label] += n
        if frames:
            own[frames[-1].label] += n
    ranked = sorted(inclusive.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [(label, n, own[label]) for label, n in ranked]


STATE = "state: turns, windows, watermark, alerts"
PERSISTENCE = "state persistence (conversations + meta to the changelog)"

# Stages of the worker, matched on frames from the root to the leaf: the DEEPEST
# matching cluetrain frame decides, so time inside a library called by a cluetrain
# step is charged to that step (fastavro under the decoder -> decode).
# (category, file substrings, function names (last dotted part); empty = any function)
CATEGORY_RULES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("ClickHouse write (sink, chdb insert)", ("cluetrain/sinks/",), ()),
    ("ClickHouse write (sink, chdb insert)", ("engines/faust_agent.py", "sinks/clickhouse_writer.py"), ("write", "open")),
    (PERSISTENCE, ("engines/faust_agent.py",), ("save", "_put", "load")),
    (PERSISTENCE, ("state/changelog.py", "domain/state_codec.py", "domain/ledger.py"), ()),
    ("alert and dead-letter records (Avro)", ("codec/outputs.py",), ()),
    ("alert and dead-letter records (Avro)", ("sinks/clickhouse_writer.py",), ("encode_alert", "encode_dead_letter")),
    ("bulk loop: consume (librdkafka -> Python messages)", ("engines/bulk.py",), ("run",)),
    ("bulk loop: batch handling, GC collect + freeze", ("engines/bulk.py",), ("handle",)),
    (PERSISTENCE, ("cluetrain/domain/", "cluetrain/text/",),
     ("take_dirty", "restore", "to_dict", "from_dict", "conversation_to_dict", "conversation_from_dict")),
    ("decode + validate (fastavro, codec)", ("codec/wire.py", "processing/decode.py", "domain/events.py"), ()),
    ("record adaptation (to_raw, headers)", ("engines/faust_agent.py", "engines/bulk.py"), ("to_raw",)),
    ("record adaptation (to_raw, headers)", ("codec/headers.py",), ()),
    ("sentiment (VADER + lexicon)", ("text/sentiment.py",), ()),
    ("language detection", ("text/language.py",), ()),
    ("voice / MinHash template keys", ("text/voice.py",), ()),
    (STATE, ("domain/partition.py", "domain/turns.py", "domain/windows.py", "domain/alert_rules.py",
             "domain/brand_alerts.py"), ()),
    ("row building (tables, pipeline rows)", ("processing/processor.py",), ("turn_row", "reciprocity_row",
                                                                         "sentiment_row", "add_row")),
    ("row building (tables, pipeline rows)", ("sinks/tables.py",), ()),
]

IDLE = "idle: waiting in epoll (not CPU, excluded from the shares)"
LOGGING = "logging: LogRecords built for debug calls (aiokafka, faust)"
PRODUCER = "Kafka producer tasks (aiokafka sender: changelog + dead letters)"
CONSUMER = "Faust consumer + conductor + stream/agent machinery (aiokafka fetch)"
FAUST_OTHER = "Faust / mode / aiokafka other (commits, timers, services)"
_PRODUCER_FILES = ("aiokafka/producer/", "faust/transport/producer.py")
_CONSUMER_FILES = ("aiokafka/consumer/", "faust/transport/consumer.py", "faust/transport/conductor.py",
                   "faust/transport/drivers/aiokafka.py", "faust/streams.py", "faust/channels.py", "faust/agents/",
                   "faust/events.py", "faust/types/")
FAUST_FILES = ("faust/", "mode/", "aiokafka/", "kafka/", "async_timeout")


def _rule_matches(frame: Frame, files: tuple[str, ...], funcs: tuple[str, ...]) -> bool:
    path = frame.file.replace("\\", "/")
    return any(f in path for f in files) and (not funcs or frame.func.rsplit(".", 1)[-1] in funcs)


def _any_file(frames: Sequence[Frame], files: tuple[str, ...]) -> bool:
    return any(any(f in fr.file for f in files) for fr in frames)


def is_idle(frames: Sequence[Frame]) -> bool:
    """py-spy counts a thread blocked in epoll as active: those samples are waits."""
    return bool(frames) and frames[-1].func.rsplit(".", 1)[-1] in ("select", "poll") and (
        "selectors" in frames[-1].file or "select" in frames[-1].file)


_DISPATCH = {"Handle._run", "BaseEventLoop._run_once", "_run_once", "run_forever", "BaseEventLoop.run_forever",
             "run_until_complete", "BaseEventLoop.run_until_complete"}


def below_dispatch(frames: Sequence[Frame]) -> list[Frame]:
    """The frames under the last event-loop dispatch frame (the task that runs):
    every main-thread stack starts in mode's Worker, which says nothing of the work."""
    last = -1
    for i, f in enumerate(frames):
        if f.func in _DISPATCH and "asyncio" in f.file:
            last = i
    return list(frames[last + 1:])


def categorize(frames: Sequence[Frame]) -> str:
    if is_idle(frames):
        return IDLE
    if _any_file(frames, ("logging/__init__.py",)):
        return LOGGING
    category = None
    for frame in frames:
        for name, files, funcs in CATEGORY_RULES:
            if _rule_matches(frame, files, funcs):
                # serialising state (to_dict under take_dirty, its comprehensions) stays
                # persistence: the generic state rule does not take it back
                if not (category == PERSISTENCE and name == STATE):
                    category = name
                break
    if category is not None:
        return category
    frames = below_dispatch(frames)
    if not frames:
        return "event loop (asyncio scheduling)"
    if _any_file(frames, _PRODUCER_FILES):
        return PRODUCER
    if _any_file(frames, _CONSUMER_FILES):
        return CONSUMER
    if _any_file(frames, FAUST_FILES):
        return FAUST_OTHER
    if _any_file(frames, ("chdb",)):
        return "ClickHouse write (sink, chdb insert)"
    if _any_file(frames, ("asyncio/",)):
        return "event loop (asyncio scheduling)"
    return "other (interpreter, imports, GC, threads)"


def breakdown(stacks: Sequence[tuple[list[Frame], int]]) -> list[tuple[str, int]]:
    totals: Counter[str] = Counter()
    for frames, n in stacks:
        totals[categorize(frames)] += n
    return sorted(totals.items(), key=lambda kv: (kv[0] == IDLE, -kv[1], kv[0]))
