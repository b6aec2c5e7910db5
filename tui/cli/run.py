"""`packdesk run`: show, or with --commit post, every unposted charge up to a date."""

from __future__ import annotations

import json
import sys

from store.errors import RunRefused
from store.runs import commit_run, plan_run
from store.settings import posting_limit

from .charge_lines import ChargeWriter, is_estimate, write_charges
from .common import EXIT_FAILED, EXIT_USAGE, customer_id, err, given_today, to_stdout, today


def _skipped_note(plan, args) -> str:
    before = "--since" if args.since and plan.since == args.since else "the book's post-from date"
    return f"{plan.skipped_count} charge(s) dated before {plan.since} skipped (never posted: before {before})."


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def pending_note(plan, today) -> str:
    """What the preview says of the true-ups it lists but a run doesn't post."""
    later = plan.run_date > today
    return (
        f"{len(plan.pending)} minimum-spend true-up(s) not posted by a run for {plan.run_date}, each due from the date shown"
        + (": held back by the book's usage grace days" if not later else "")
        + (f"; ~ marks an estimate (known usage so far plus the last 30 days' run rate): a preview for a date after "
           f"today ({today}) can't be committed" if later else "")
        + "."
    )


def write_preview(plan, out, fmt: str, settings) -> int:
    """A simulation: the lines a run would post, then (table and JSON) the
    true-ups it lists but does not post, with the date each is due from."""
    writer = ChargeWriter(out, fmt, settings)
    writer.write(plan.lines + plan.usage)  # usage lines (kind usage) among them, in run order
    if fmt == "json":
        for row, charge, due in plan.pending:
            record = json.loads(writer.format.line(row, charge))
            record.update(estimate=is_estimate(charge), due_from=due.isoformat())
            writer.put(json.dumps(record, ensure_ascii=False))
        writer.count += len(plan.pending)
    count = writer.close()
    if fmt == "table" and plan.pending:
        out.write("\nNot posted by this run:\n")
        for row, charge, due in plan.pending:
            out.write(writer.format.line(row, charge).rstrip("\n") + f"  due from {due}\n")
    return count


def cmd_run(args, book) -> int:
    ok, customer = customer_id(args.customer)
    if not ok:
        return EXIT_FAILED
    as_of = today(args, book)
    if args.run_date == "today":
        args.run_date = as_of
    if args.commit and not book.access.may_post:
        err(f"nothing was posted: {book.access.why_not_post()}; without --commit it shows what would be posted")
        return EXIT_FAILED
    if args.commit:
        limit = posting_limit(given_today(args))
        if args.run_date > limit:
            clock = "" if book.settings.test_clock else (
                "; --today and PACKDESK_TODAY move previews only while the book's test clock is off"
            )
            err(f"--date {args.run_date} is after today ({limit}): a run can post only charges that are due; "
                f"without --commit it shows what would be posted{clock}")
            return EXIT_USAGE
        # A run that posts works as of the date it may post up to: a --today
        # of an earlier day (test clock off) moves previews only.
        as_of = limit
    grace = book.settings.usage_grace_days
    plan = plan_run(args.run_date, as_of, book.settings.precision, customer, args.since, grace_days=grace)
    if plan.skipped_count:
        _say(_skipped_note(plan, args))
    table = args.format == "table"
    if not args.commit:
        if table:
            usage = f", {len(plan.usage)} of them usage line(s)" if plan.usage else ""
            print(f"Simulation for {args.run_date}: nothing is written. These {plan.posted_count()} charge(s) would be posted{usage}:")
        if plan.pending:
            _say(pending_note(plan, as_of) + ("" if args.format != "csv" else " (--format table or json lists them)"))
        return to_stdout(lambda out: write_preview(plan, out, args.format, book.settings))
    try:
        result = commit_run(plan, as_of, customer)
    except RunRefused as exc:
        err(str(exc))
        return EXIT_USAGE
    for earlier in result.interrupted:
        _say(f"Run {earlier.id} for {earlier.run_date} was interrupted after posting {earlier.lines:,} line(s); "
             "this run posted what it had left.")
    if table and result.posted == 0:
        print(f"Nothing to post for {args.run_date}: every charge up to that date is already posted.")
    elif table:
        print(f"Run {result.run_id} posted {result.posted} charge(s) for {args.run_date}:")
    code = to_stdout(lambda out: write_charges(result.posted_lines, out, args.format, book.settings))
    if result.already:
        _say(f"{result.already} charge(s) were posted by another run meanwhile and were left alone.")
    _say(f"Ledger head: {result.head} (keep it: `packdesk check --head {result.head}` proves the ledger still extends it)")
    return code
