"""The table at the end: metric, value, baseline, ratio, target, PASS/FAIL.

measure() runs one step of the bench and adds its rows; a step that raises is
reported and gets an error row, so one broken step doesn't stop the others.
The *_rows functions turn each step's figures into rows."""

from __future__ import annotations

from bench.books import ALLOCATIONS, BIG_ALLOCATIONS, USAGE_RECORDS
from bench.charges import CHARGES_TARGET, CLI_MEMORY_TARGET_MB, CLI_TARGET
from bench.first_frame import FIRST_FRAME_TARGET
from bench.keystrokes import KEYSTROKE_TARGET_MS
from bench.run import RUN_TARGET
from bench.screens import SCREEN_TARGET_MS
from bench.true_ups import TRUE_UPS_TARGET_S

Row = tuple[str, str, str, str, str, str]
FIRST_FRAME = f"<= {FIRST_FRAME_TARGET}x bare"
SCREEN = f"<= {SCREEN_TARGET_MS:g} ms"
CHARGES = f">= {CHARGES_TARGET:,} lines/s"
CLI = f">= {CLI_TARGET:,} lines/s"
CLI_MEMORY = f"< {CLI_MEMORY_TARGET_MB} MB"
TRUE_UPS = f"< {TRUE_UPS_TARGET_S:g} s"
RUN = f">= {RUN_TARGET:.2f}x raw"
NONE = "none set"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def error_row(label: str, target: str, result: str = "FAIL") -> Row:
    return (label, "error", "-", "-", target, result)


def measure(rows: list[Row], what: str, run, to_rows, failed: Row, catch=Exception, named: bool = True):
    """run(), and its rows (to_rows(result)) added to `rows`; on an exception of
    type `catch`, print that `what` failed, add the row `failed` and return None.
    The app and the store are edited while this runs: report, don't crash."""
    try:
        result = run()
        rows.extend(to_rows(result))
        return result
    except catch as exc:
        print(f"  {what} failed: {type(exc).__name__ + ': ' if named else ''}{exc}")
        rows.append(failed)
        return None


def _bare(bare_frame: float | None) -> tuple[str, object]:
    """The baseline column for a screen, and a function giving the ratio column."""
    text = f"{bare_frame * 1000:.0f} ms bare" if bare_frame else "-"
    return text, lambda value: f"{value / bare_frame:.2f}x" if bare_frame else "-"


def first_frame_rows(ff: dict) -> list[Row]:
    ratio = ff["app"] / ff["bare"]
    return [("first frame, 100k book (median)", f"{ff['app'] * 1000:.0f} ms", f"{ff['bare'] * 1000:.0f} ms", f"{ratio:.2f}x", FIRST_FRAME, verdict(ratio <= FIRST_FRAME_TARGET))]


def panel_rows(panel: dict) -> list[Row]:
    return [
        (label, f"{panel[key]:.3f} ms", "-", "-", f"<= {KEYSTROKE_TARGET_MS:g} ms", verdict(panel[key] <= KEYSTROKE_TARGET_MS))
        for key, label in (("median", "panel recompute per key (median)"), ("p95", "panel recompute per key (p95)"))
    ]


def typing_rows(typing: dict) -> list[Row]:
    extra = typing["app"] - typing["bare"]
    return [
        ("form keystroke CPU, screen update incl. (mean)", f"{typing['app'] * 1000:.2f} ms", f"{typing['bare'] * 1000:.2f} ms", f"{typing['app'] / typing['bare']:.2f}x", NONE, "info"),
        # The target (2 ms) is for the live panel's recompute, measured above;
        # this row is the whole screen update around it, for information.
        ("  extra over a bare Input, per key", f"{extra * 1000:.2f} ms", "-", "-", NONE, "info"),
        ("form keystroke wall via Pilot (mean)", f"{typing['wall_app'] * 1000:.1f} ms", f"{typing['wall_bare'] * 1000:.1f} ms", f"{typing['wall_app'] / typing['wall_bare']:.2f}x", NONE, "info"),
    ]


def screen_rows(opened: dict, bare_frame: float | None) -> list[Row]:
    bare_text, ratio = _bare(bare_frame)
    rows = []
    for key, label in (("list", "customer list: f3 to rows, 50k (median)"), ("customer", f"customer, {BIG_ALLOCATIONS:,} alloc.: enter to rows")):
        value, painted = opened[key], opened[key + "_painted"]
        rows.append((label, f"{value * 1000:.0f} ms", bare_text, ratio(value), SCREEN, verdict(value * 1000 <= SCREEN_TARGET_MS)))
        rows.append(("  to the first refresh with rows", f"{painted * 1000:.0f} ms", bare_text, ratio(painted), NONE, "info"))
    return rows


def charges_rows(ch: dict) -> list[Row]:
    lines, base = ch["lines"], ch["baseline"]
    base_rate = f"{lines / base / 1e6:.1f}M tuples/s"
    cli = ch["cli"]
    finished = not cli["stopped"] and not cli["exit"]
    if cli["stopped"]:
        cli_value = f"> {cli['wall']:.0f} s (stopped)"
    elif cli["exit"]:
        cli_value = f"error (exit {cli['exit']})"
    else:
        cli_value = f"{cli['lines'] / cli['wall']:,.0f} lines/s"
    cli_rate = cli["lines"] / cli["wall"] if finished and cli["wall"] else 0
    return [
        (f"charges compute, 12 months, {lines / 1e6:.1f}M lines", f"{lines / ch['compute']:,.0f} lines/s", base_rate, f"{ch['compute'] / base:.2f}x", CHARGES, verdict(lines / ch["compute"] >= CHARGES_TARGET)),
        (f"  reading {ALLOCATIONS // 1000}k allocations from SQLite", f"{ch['read']:.1f} s", f"{base:.1f} s", f"{ch['read'] / base:.2f}x", NONE, "info"),
        ("charges CLI, 12 months, CSV end to end", cli_value, f"{cli['wall']:.1f} s", "-", CLI, verdict(cli_rate >= CLI_TARGET)),
        ("  its peak memory", f"{cli['rss_mb']:,.0f} MB", "-", "-", CLI_MEMORY, verdict(finished and cli["rss_mb"] < CLI_MEMORY_TARGET_MB)),
    ]


TRUE_UPS_LABEL = f"book true-ups, 1 settle date, {USAGE_RECORDS // 1_000_000}M usage"


def true_ups_rows(tu: dict) -> list[Row]:
    value, base = tu["value"], tu["baseline"]
    return [
        (TRUE_UPS_LABEL, f"{value * 1000:,.0f} ms", f"{base * 1000:,.0f} ms", f"{value / base:.1f}x", TRUE_UPS, verdict(value < TRUE_UPS_TARGET_S)),
        (f"  in usage_sums ({tu['calls']} GROUP BYs), 1st run", f"{tu['sums'] * 1000:,.0f} ms", f"{base * 1000:,.0f} ms", f"{tu['sums'] / base:.1f}x", NONE, "info"),
    ]


def usage_view_rows(uv: dict, bare_frame: float | None) -> list[Row]:
    bare_text, ratio = _bare(bare_frame)
    value, painted = uv["value"], uv["painted"]
    return [
        (f"usage view, {uv['records'] // 1000}k records: u to rows", f"{value * 1000:.0f} ms", bare_text, ratio(value), SCREEN, verdict(value * 1000 <= SCREEN_TARGET_MS)),
        ("  to the first refresh with rows", f"{painted * 1000:.0f} ms", bare_text, ratio(painted), NONE, "info"),
    ]


def run_rows(run: dict) -> list[Row]:
    n = run["lines"]
    rate, raw_rate, own_rate = n / run["commit"], n / run["raw"], n / run["own"]
    return [
        (f"billing run commit, {n // 1000}k charges", f"{rate:,.0f} lines/s", f"{own_rate:,.0f} rows/s", f"{rate / own_rate:.2f}x", RUN, verdict(rate / own_rate >= RUN_TARGET)),
        ("  the same against a bare table (no index, no FK)", f"{rate:,.0f} lines/s", f"{raw_rate:,.0f} rows/s", f"{rate / raw_rate:.2f}x", NONE, "info"),
        (f"billing run plan_run, {run['due'] // 1000}k lines due", f"{run['plan']:.1f} s", "-", "-", NONE, "info"),
    ]


def allocation_typing_rows(t: dict) -> list[Row]:
    from bench.allocation_typing import ECHO_TARGET, SETTLE_TARGET_MS

    ratio = t["app"] / t["bare"]
    return [
        ("allocation form, daily commitment: key echo (median)", f"{t['app'] * 1000:.1f} ms", f"{t['bare'] * 1000:.1f} ms bare", f"{ratio:.2f}x", f"<= {ECHO_TARGET}x bare", verdict(ratio <= ECHO_TARGET)),
        ("  its projection settled (p95)", f"{t['settle'] * 1000:.0f} ms", "-", "-", f"<= {SETTLE_TARGET_MS:.0f} ms", verdict(t["settle"] * 1000 <= SETTLE_TARGET_MS)),
    ]


def book_projection_rows(p: dict, bare_frame: float | None, charges_wall: float | None) -> list[Row]:
    from bench.screens import PROJECTION_FIRST_TARGET

    first_ok = bare_frame is not None and p["first"] <= bare_frame * PROJECTION_FIRST_TARGET
    whole_ok = charges_wall is not None and p["whole"] <= charges_wall
    return [
        ("book projection f4: first figures", f"{p['first'] * 1000:.0f} ms", f"{bare_frame * 1000:.0f} ms bare" if bare_frame else "-",
         f"{p['first'] / bare_frame:.1f}x" if bare_frame else "-", f"<= {PROJECTION_FIRST_TARGET:g}x bare", verdict(first_ok)),
        (f"  the whole 12 months ({p['lines']:,} allocations)", f"{p['whole']:.1f} s", f"{charges_wall:.1f} s charges" if charges_wall else "-",
         f"{p['whole'] / charges_wall:.2f}x" if charges_wall else "-", "<= charges CLI", verdict(whole_ok)),
    ]


def mature_rows(m: dict) -> list[Row]:
    from bench.mature import CUSTOMER_PREVIEW_TARGET, MEMORY_TARGET_MB, RATIO_TARGET

    ratio = m["ratio"]
    return [
        (
            f"mature book (24 months posted): next day's run, {m['posted']:,} lines", f"{m['daily']:.1f} s",
            "fresh book", f"{ratio:.2f}x per line" if ratio else "-", f"<= {RATIO_TARGET:g}x per line",
            verdict(ratio is not None and ratio <= RATIO_TARGET),
        ),
        ("  its peak memory", f"{m['peak_mb']:.0f} MB", "-", "-", f"< {MEMORY_TARGET_MB} MB", verdict(m["peak_mb"] < MEMORY_TARGET_MB)),
        ("mature book: one customer's run preview (2,000 allocations)", f"{m['preview']:.2f} s", "-", "-",
         f"< {CUSTOMER_PREVIEW_TARGET:g} s", verdict(m["preview"] < CUSTOMER_PREVIEW_TARGET)),
    ]


def table(rows: list[Row]) -> None:
    header = ("metric", "value", "baseline", "ratio", "target", "result")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print("\n" + line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(str(c).ljust(w) if i in (0, 4, 5) else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))))


def pg_rows(pg: dict) -> list[Row]:
    """Step 10's rows: the run, the charges and the mature book on PostgreSQL
    (a part that failed gets an error row)."""
    from bench.mature import CUSTOMER_PREVIEW_TARGET, MEMORY_TARGET_MB, RATIO_TARGET
    from bench.pg import PG_RUN_TARGET

    rows: list[Row] = []
    if "skipped" in pg:
        return [("PG: run and charges on PostgreSQL", "skipped", "-", "-", "a server to reach", "skip")]
    run = pg.get("run")
    if run:
        n = run["lines"]
        rate, faster = n / run["commit"], run["faster"]
        raw = {how: n / s for how, s in run["raw"].items()}
        rows.append((f"PG: billing run commit, {n // 1000}k charges", f"{rate:,.0f} lines/s", f"{raw[faster]:,.0f} rows/s {faster}",
                     f"{rate / raw[faster]:.2f}x", f">= {PG_RUN_TARGET:.2f}x raw", verdict(rate / raw[faster] >= PG_RUN_TARGET)))
        for how in sorted(raw):
            if how != faster:
                rows.append((f"  the same against raw {how}", f"{rate:,.0f} lines/s", f"{raw[how]:,.0f} rows/s", f"{rate / raw[how]:.2f}x", NONE, "info"))
        own = n / run["own"]
        rows.append(("  against raw executemany into the book's ledger", f"{rate:,.0f} lines/s", f"{own:,.0f} rows/s", f"{rate / own:.2f}x", NONE, "info"))
        rows.append((f"PG: billing run plan_run, {run['due'] // 1000}k lines due", f"{run['plan']:.1f} s", "-", "-", NONE, "info"))
        for key, label in (("commit", "  commit_run lines/s over SQLite's (step 7)"), ("plan", "  plan_run time over SQLite's (step 7)")):
            if key in pg.get("sqlite", {}):
                rows.append((label, f"{pg['sqlite'][key]:.2f}x", "-", "-", NONE, "info"))
    elif "run" in pg:
        rows.append(error_row("PG: billing run commit, 500k charges", f">= {PG_RUN_TARGET:.2f}x raw"))
    ch = pg.get("charges")
    if ch:
        cli = ch["cli"]
        finished = not cli["stopped"] and not cli["exit"]
        if cli["stopped"]:
            value = f"> {cli['wall']:.0f} s (stopped)"
        elif cli["exit"]:
            value = f"error (exit {cli['exit']})"
        else:
            value = f"{cli['lines'] / cli['wall']:,.0f} lines/s"
        cli_rate = cli["lines"] / cli["wall"] if finished and cli["wall"] else 0
        rows.append((f"PG: charges, reading {ALLOCATIONS // 1000}k allocations", f"{ch['read']:.1f} s", f"{ch['baseline']:.1f} s", f"{ch['read'] / ch['baseline']:.2f}x", NONE, "info"))
        rows.append(("PG: charges CLI, 12 months, CSV end to end", value, f"{cli['wall']:.1f} s", "-", CLI, verdict(cli_rate >= CLI_TARGET)))
        rows.append(("  its peak memory (the server's not counted)", f"{cli['rss_mb']:,.0f} MB", "-", "-", CLI_MEMORY, verdict(finished and cli["rss_mb"] < CLI_MEMORY_TARGET_MB)))
        if "cli" in pg.get("sqlite", {}):
            rows.append(("  its lines/s over SQLite's (step 5)", f"{pg['sqlite']['cli']:.2f}x", "-", "-", NONE, "info"))
    elif "charges" in pg:
        rows.append(error_row("PG: charges CLI, 12 months, CSV end to end", CLI))
    m = pg.get("mature")
    if m:
        ratio = m["ratio"]
        rows.append((f"PG: mature book: next day's run, {m['posted']:,} lines", f"{m['daily']:.1f} s", "fresh run book, PG",
                     f"{ratio:.2f}x per line" if ratio else "-", f"<= {RATIO_TARGET:g}x per line", verdict(ratio is not None and ratio <= RATIO_TARGET)))
        rows.append(("  its peak memory (the server's not counted)", f"{m['peak_mb']:.0f} MB", "-", "-", f"< {MEMORY_TARGET_MB} MB", verdict(m["peak_mb"] < MEMORY_TARGET_MB)))
        rows.append(("PG: mature book: one customer's run preview", f"{m['preview']:.2f} s", "-", "-", f"< {CUSTOMER_PREVIEW_TARGET:g} s", verdict(m["preview"] < CUSTOMER_PREVIEW_TARGET)))
    elif "mature" in pg:
        rows.append(error_row("PG: mature book: next day's run", f"<= {RATIO_TARGET:g}x per line"))
    return rows
