"""The text bench/run.py prints and writes: bench/RESULTS.md (throughput, latency,
memory, noise) and bench/PROFILE.md (where the worker's time goes)."""
from __future__ import annotations

from bench.benchlib import PartResult, fmt_rate, fmt_ratio, format_table
from bench.stacks import IDLE, breakdown, cumulative, is_idle

RESULT_ROWS = ("a", "a'", "b", "c", "f", "s1", "s2", "d", "g", "e", "p")  # the order of the rows
# the ceiling, the floor, the bare-count peer and the fair peer (the same job on Quix)
RATIO_BASES = ("a", "b", "d", "g")
PROFILE_TITLE = "# Where the worker's time goes (profile of part (c))"
PROFILE_HZ = 100


def command_line(argv: list[str]) -> str:
    return " ".join([".venv/bin/python", "bench/run.py", *argv])


def results_table(results: dict[str, PartResult]) -> str:
    base = {k: (results[k].eps_steady if k in results else None) for k in RATIO_BASES}
    header = ["part", "what", "events", "wall s", "events/s (from start)", "events/s (steady)",
              *(f"/ ({k})" for k in RATIO_BASES), "check"]
    rows = []
    for key in RESULT_ROWS:
        r = results.get(key)
        if r is None:
            continue
        rows.append([f"({key})", r.name, f"{r.events:,}", f"{r.seconds:.1f}" if r.seconds else "n/a",
                     fmt_rate(r.eps), fmt_rate(r.eps_steady), *(fmt_ratio(r.eps_steady, base[k]) for k in RATIO_BASES),
                     r.check])
    return format_table(header, rows)


def noise_table(noise: dict[str, dict]) -> str:
    rows = []
    for key in RESULT_ROWS + ("l",):
        n = noise.get(key)
        if n is None:
            continue
        rows.append([f"({key})", f"{n['wall_s']:.1f}", f"{n['machine_cores_busy']:.2f}", f"{n['ours_cores']:.2f}",
                     f"{n['others_cores']:.2f}", f"{n['steal_cores']:.2f}", f"{n['loadavg_1m']:.2f}"])
    return format_table(["part", "wall s", "machine cores busy", "ours", "others", "steal", "load 1m"], rows)


def latency_table(lat: dict) -> str:
    rows = []
    for ph in lat["phases"]:
        ge = ">= " if ph["censored"] else ""
        rows.append([f"{ph['rate']:,}", f"{ph['achieved_rate']:,.0f}", f"{ph['seconds']:.0f}", f"{ph['events']:,}",
                     f"{ph['p50_ms']:,.0f}", f"{ph['p90_ms']:,.0f}", f"**{ge}{ph['p99_ms']:,.0f}**",
                     f"{ge}{ph['max_ms']:,.0f}", f"{ph['drain_s']:.1f}", f"{ph['unseen']:,}"])
    return format_table(["target events/s", "sent events/s", "s", "events", "p50 ms", "p90 ms", "p99 ms",
                         "max ms", "drain s", "not visible after the drain"], rows)


def latency_text(lat: dict) -> str:
    if not lat:
        return "not measured"
    return (f"{lat['mode']}; polled every {lat['poll_s'] * 1000:.0f} ms ({lat['polls']:,} polls), so a "
            f"latency is rounded up by up to one poll; one worker, the phases in this order, each "
            f"drained before the next; worker RSS peak {lat['rss_peak_mb']:.0f} MiB ({lat['backend']}). "
            f"'>=' = some events were still not visible at the end of the drain: they count with "
            f"(end of drain - sent), a lower bound.\n\n" + latency_table(lat))


def rss_text(rss: dict) -> str:
    if not rss:
        return "not measured"
    per = rss.get("bytes_per_conversation")
    return (f"idle {rss['idle_mb']:.0f} MiB before the first batch, peak {rss['peak_mb']:.0f} MiB, "
            f"{rss['end_mb']:.0f} MiB at the end holding {rss['conversations']:,} conversations "
            f"({rss.get('open_turns', 0):,} open turns)"
            + (f" = ~{per / 1024:.1f} KiB per conversation above idle" if per else "")
            + f"; {rss['backend']}")


def render_results(bench, info: dict, argv: list[str]) -> str:
    a, inp = bench.args, bench.input
    lines = [
        "# Throughput and latency of cluetrain (issue 7)",
        "",
        f"`{command_line(argv)}` — one run, one generated input, every part on the same topics.",
        "",
        f"- machine: nproc {info['nproc']} ({info['cpu']}), RAM {info['ram_gib']} GiB, Python {info['python']}",
        f"- date: {info['date']}; commit `{info['commit']}`",
        f"- input: `generate(seed={a.seed}, {a.events:,}, brands={inp.brands})`, {inp.events:,} events, "
        f"{inp.conversations:,} conversations, {len(inp.reference):,} brand-minutes, order `{a.order}`; "
        f"{a.partitions} partitions; embedded Tansu broker (memory storage)",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
        "",
        "## Events per second",
        "",
        "\"steady\" = from the first record processed (b, d: first event in the agent; a: first record "
        "fetched; c: first batch saved) to the last: it excludes Python start-up and the consumer-group "
        "join. Ratios use the steady rates.",
        "",
        results_table(bench.results),
        "",
    ]
    for key in RESULT_ROWS:
        r = bench.results.get(key)
        if r and r.notes:
            lines.append(f"- ({key}) " + "; ".join(r.notes))
    lines += ["", "## Latency and memory", "",
              f"Event-to-queryable latency: {latency_text(bench.latency)}", "",
              f"- worker RSS in (c): {rss_text(bench.rss)}", "",
              "## Noise", "",
              "CPU use of the machine during each part (cores, from /proc/stat) and how much of it "
              "was this harness and its children (psutil): \"others\" is other work on the shared machine.",
              "", noise_table(bench.noise), ""]
    return "\n".join(lines)


def profile_header(argv: list[str], info: dict, noise: dict) -> list[str]:
    """How the profile was made: the command, the commit, how busy the machine was."""
    return [f"`{command_line(argv)}`; {info['date']}; commit `{info['commit']}`; nproc {info['nproc']}, Python "
            f"{info['python']}; during the run the machine had {noise.get('machine_cores_busy', 0):.2f} cores "
            f"busy, {noise.get('others_cores', 0):.2f} of them other work.", ""]


def render_profile(stacks, events: int, run: PartResult, header: list[str] | None = None) -> str:
    busy = [(frames, n) for frames, n in stacks if not is_idle(frames)]
    total = sum(n for _, n in busy)
    idle = sum(n for _, n in stacks) - total

    def per_event(n: int) -> float:
        return n / PROFILE_HZ / events * 1e6

    lines = [
        PROFILE_TITLE,
        "",
        *(header or []),
        f"py-spy {PROFILE_HZ} Hz on the `cluetrain worker` process of `bench/run.py` part (p), all threads "
        f"(the bulk engine's consume loop does all the processing): {events:,} events, {total:,} CPU samples "
        f"(~{total / PROFILE_HZ:.1f} CPU-s, **{per_event(total):.0f} µs of CPU per event**) plus {idle:,} samples "
        f"of a thread blocked in epoll (waits, left out of the shares). The profiled run did "
        f"{fmt_rate(run.eps_steady)} events/s steady (py-spy --nonblocking shares the 2 cores). py-spy "
        f"samples threads that are not blocked in a system call: a thread waiting for a core counts as "
        f"busy, so on a loaded machine the µs are inflated; the shares are the robust part.",
        "",
        "## By stage",
        "",
        "Each sample is charged to the deepest cluetrain stage on its stack (fastavro under the decoder is "
        "'decode'; encode_save under ChangelogStore.save is 'state persistence'), except logging, "
        "charged to logging wherever it happens. Samples under no cluetrain stage are the interpreter, "
        "the garbage collector outside a batch, librdkafka's threads and the rest.",
        "",
    ]
    rows = [[name, f"{n:,}", "" if name == IDLE else f"{100 * n / total:.1f} %",
             "" if name == IDLE else f"{per_event(n):.1f}"] for name, n in breakdown(stacks)]
    lines.append(format_table(["stage", "samples", "share of CPU", "µs per event"], rows))
    lines += ["", "## Top 25 by cumulative (inclusive) CPU samples", "",
              "A function counts once per sample it is on the stack of (cProfile's 'cumulative'); "
              "'self' = samples where it is the leaf. Waits in epoll are excluded, and so are the entry "
              "frames on every stack (runpy, cli main, mode's Worker, the asyncio loop's run_forever/"
              "_run_once/Handle._run, Thread._bootstrap).", "",
              format_table(["#", "function (file)", "cumulative", "cum %", "self"],
                           [[str(i + 1), label.replace("|", "\\|"), f"{n:,}", f"{100 * n / total:.1f} %",
                             f"{own:,}"]
                            for i, (label, n, own) in enumerate(cumulative(busy, 25))]), ""]
    return "\n".join(lines)
