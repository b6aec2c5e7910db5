"""The billing run screen: preview what a run would post, then commit it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from rich.text import Text
from textual import on, work
from textual.worker import get_current_worker
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Label, ProgressBar, Static

from billing.accounts import parse_field_date
from billing.catalogue import FieldError
from billing.labels import kind_label, marked
from billing.money import format_money
from store.customers import find_customer
from store.errors import StoreError
from store.runs import commit_run, plan_run
from store.settings import posting_limit

from ..validators import VALIDATE_ON, date_validator
from ..widgets.field import Field
from ..widgets.paged_table import PagedTable
from ..widgets.title_bar import FORM_HINT, TitleBar
from .base import PackdeskScreen, key_back, key_help_f1
from .dialogs import confirm

#: Seconds between the confirm's answer and the posting's start.
COMMIT_DELAY_S = 0.1
#: Lines listed in the preview (the totals count them all).
LISTED = 5000
#: (key, label, width, right-aligned) of the lines a run would post, and of the totals per customer.
LINE_COLUMNS = (
    ("date", "Date", 10, False), ("customer", "Customer", 14, False), ("package", "Package", 15, False),
    ("kind", "Kind", 9, False), ("amount", "Amount", 9, True), ("cost", "Cost", 8, True),
)
TOTAL_COLUMNS = (
    ("customer", "Customer", 24, False), ("lines", "Lines", 6, True), ("retail", "Retail", 11, True),
    ("cost", "Cost", 10, True), ("margin", "Margin", 10, True),
)


class _Left(Exception):
    """The operator left the screen while its preview was computing."""


class BillingRunScreen(PackdeskScreen):
    BINDINGS = [
        Binding("ctrl+r", "preview", "Preview", id="preview", tooltip="preview (enter in a field does too)"),
        Binding("ctrl+s", "commit", "Commit", id="commit", tooltip="commit: post the charges previewed (asks first)"),
        key_back(),
        key_help_f1(),
    ]

    HELP_TITLE = "Billing run"
    KEY_HELP = {"open": ""}
    HELP_ABOUT = (
        "Finds every charge dated on or before the run date that is not posted yet (missed days are "
        "caught up) and previews it: the lines, and totals per customer. With usage billing on, each "
        "customer's calls of a day are a usage line (free minutes taken off). Committing posts them, in "
        "batches, each exactly once however often or by how many operators it is run. Charges dated "
        "after today can be previewed but not posted. Tab moves between the fields."
    )

    def __init__(self) -> None:
        super().__init__()
        self.plan = None
        self.plan_customer: int | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        today = self.app.today
        yield TitleBar("packdesk · Billing run", FORM_HINT)
        with Horizontal(classes="row run-fields"):
            yield Label("Run date", classes="label")
            yield Field(today.isoformat(), id="run-date", compact=True, classes="date",
                        validators=[date_validator("date", today, True)], validate_on=VALIDATE_ON)
            yield Label(" Customer", classes="label-mid")
            yield Field("", placeholder="all customers (or a name)", id="run-customer", compact=True)
        yield Static("", id="run-status", classes="run-status", markup=False)
        yield ProgressBar(id="run-progress", show_eta=False)
        yield PagedTable(id="run-lines")
        yield PagedTable(id="run-customers")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#run-lines", PagedTable).add_columns(LINE_COLUMNS)
        self.query_one("#run-customers", PagedTable).add_columns(TOTAL_COLUMNS)
        self.query_one("#run-progress", ProgressBar).display = False
        self.query_one("#run-date", Input).focus()
        self.action_preview()

    # --- reading the fields --------------------------------------------------

    def _fields(self):
        today = self.app.today
        try:
            run_date = parse_field_date("date", self.query_one("#run-date", Input).value, today, required=True)
        except FieldError as exc:
            return None, None, f"run date: {exc.message}"
        name = self.query_one("#run-customer", Input).value.strip()
        customer = None
        if name:
            customer = find_customer(name)
            if customer is None:
                return None, None, f"customer: '{name}' is not a customer of this book (type the whole name)"
        return run_date, customer, None

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_preview()

    # --- preview ----------------------------------------------------------------

    def action_preview(self) -> None:
        if self.busy:
            self.notify("A run is in progress.", severity="warning")
            return
        run_date, customer, problem = self._fields()
        status = self.query_one("#run-status", Static)
        if problem:
            # The old preview no longer matches the fields: drop it.
            self.plan = None
            self.query_one("#run-lines", PagedTable).clear()
            self.query_one("#run-customers", PagedTable).clear()
            status.update(problem)
            status.add_class("bad")
            return
        status.remove_class("bad")
        status.update(f"Computing what a run for {run_date} would post…")
        self.busy = True
        self._plan(run_date, customer.id if customer else None)

    @work(thread=True, exclusive=True, group="run")
    def _plan(self, run_date: date, customer_id: int | None) -> None:
        app = self.app
        worker = get_current_worker()

        def progress(seen: int) -> None:
            if worker.is_cancelled:
                raise _Left()
            app.call_from_thread(self._planning, seen)

        settings = app.book.settings
        try:
            plan = plan_run(run_date, app.today, settings.precision, customer_id, None, progress, settings.usage_grace_days)
        except _Left:
            return  # the operator left the screen: stop reading
        except StoreError as exc:  # a line the book can't take (a day's calls past the largest line): said, nothing planned
            if not worker.is_cancelled:
                app.call_from_thread(self._plan_refused, str(exc))
            return
        if not worker.is_cancelled:
            app.call_from_thread(self._show_plan, plan, customer_id)

    def _plan_refused(self, message: str) -> None:
        if not self.is_attached:
            return
        self.busy = False
        self.plan = None
        status = self.query_one("#run-status", Static)
        status.update(message)
        status.add_class("bad")

    def _planning(self, seen: int) -> None:
        if self.is_attached:
            self.query_one("#run-status", Static).update(f"Computing… {seen:,} allocations read (escape leaves)")

    def _show_plan(self, plan, customer_id) -> None:
        if not self.is_attached:
            return
        self.busy = False
        self.plan = plan
        self.plan_customer = customer_id
        precision = self.app.book.settings.precision
        money = lambda v: format_money(v, precision)  # noqa: E731
        lines = self.query_one("#run-lines", PagedTable)
        lines.clear()
        for allocation, charge in plan.lines[:LISTED]:
            lines.add_row(
                charge.date.isoformat(), allocation.customer, allocation.package, kind_label(charge.kind),
                Text(money(charge.amount), justify="right"), Text(money(charge.cost), justify="right"),
            )
        for line, charge in plan.usage[: max(0, LISTED - len(plan.lines))]:
            # A customer's calls of a day: what they were instead of a package.
            lines.add_row(
                charge.date.isoformat(), line.customer, line.package, kind_label(charge.kind),
                Text(money(charge.amount), justify="right"), Text(money(charge.cost), justify="right"),
            )
        for allocation, charge, due in plan.pending[:LISTED]:
            # Listed, not posted: held back by the grace days, or an estimate (~).
            estimate = getattr(charge.basis, "estimate", False)
            lines.add_row(
                charge.date.isoformat(), allocation.customer, allocation.package, f"due from {due}",
                Text(marked(money(charge.amount), estimate), justify="right"), Text(money(charge.cost), justify="right"),
            )
        per: dict[str, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
        for allocation, charge in plan.lines + plan.usage:
            entry = per[allocation.customer]
            entry[0] += 1
            entry[1] += charge.amount
            entry[2] += charge.cost
        totals = self.query_one("#run-customers", PagedTable)
        totals.clear()
        for name, (count, retail, cost) in sorted(per.items(), key=lambda kv: kv[0].casefold()):
            totals.add_row(name, Text(str(count), justify="right"), Text(money(retail), justify="right"),
                           Text(money(cost), justify="right"), Text(money(retail - cost), justify="right"))
        retail, cost = plan.totals()
        count = plan.posted_count()
        shown = "" if count <= LISTED else f" (first {LISTED:,} listed)"
        usage = f" ({len(plan.usage):,} of them usage lines)" if plan.usage else ""
        skipped = f" · {plan.skipped_count:,} skipped (before {plan.since})" if plan.skipped_count else ""
        status = self.query_one("#run-status", Static)
        later = plan.run_date > self.posting_limit() or plan.run_date > self.app.today
        pending = ""
        if plan.pending:
            first = min(due for _, _, due in plan.pending)
            pending = (
                f" {len(plan.pending):,} true-up(s) not posted by this run, due from {first} on"
                + (" (~ = estimate)" if later else " (usage grace days)") + "."
            )
        if count:
            access = self.app.book.access
            if later:
                act = "a preview only: it can't be posted before its date"
            elif not access.may_post:
                act = f"a preview only: your database role {access.role} may not post runs (that takes packdesk_billing)"
            else:
                act = "ctrl+s commits"
            status.update(
                f"Preview for {plan.run_date}: {count:,} charge(s) to post{usage}{shown}, retail {money(retail)}, "
                f"cost {money(cost)}, margin {money(retail - cost)}{skipped}. {act}.{pending}"
            )
        else:
            status.update(f"Nothing to post for {plan.run_date}: every charge up to it is posted{skipped}.{pending}")

    # --- commit ------------------------------------------------------------------

    def action_commit(self) -> None:
        if self.busy:
            self.notify("A run is in progress.", severity="warning")
            return
        if self.plan is None:
            self.action_preview()
            return
        run_date, customer, problem = self._fields()
        if problem or run_date != self.plan.run_date or (customer.id if customer else None) != self.plan_customer:
            # Commit only what the operator has seen previewed.
            self.notify("The fields changed since the preview: previewing again. Check it, then ctrl+s.", severity="warning")
            self.action_preview()
            return
        plan = self.plan
        limit = min(self.posting_limit(), self.app.today)
        if plan.run_date > limit:
            self.notify(f"Can't post charges dated after today ({limit}); this preview only simulates.", severity="error", timeout=8)
            return
        if not plan.posted_count():
            self.notify("Nothing to post.")
            return
        retail, _cost = plan.totals()
        money = format_money(retail, self.app.book.settings.precision)

        def decided(choice) -> None:
            if choice == "yes":
                self.busy = True
                # Keys typed after the answer (a second y) must reach no field.
                self._fields_enabled(False)
                self.query_one("#run-lines", PagedTable).focus()
                bar = self.query_one("#run-progress", ProgressBar)
                bar.display = True
                bar.update(total=len(plan.lines), progress=0)
                # Posting starts once the dialog is off the screen: a worker
                # started sooner competes with the screen closing it.
                customer = self.plan_customer
                self.set_timer(COMMIT_DELAY_S, lambda: self._commit(plan, customer))

        self.app.push_screen(
            confirm(
                "Commit billing run",
                f"Post {plan.posted_count():,} charge(s), retail {money} {self.app.book.settings.currency}, "
                f"dated up to {plan.run_date}? Each is posted once; auto-decrement charges and prepaid usage come off balances.",
                "Post them",
            ),
            decided,
        )

    @work(thread=True, exclusive=True, group="run")
    def _commit(self, plan, customer_id) -> None:
        app = self.app
        progress = lambda done, total: app.call_from_thread(self._progress, done, total)  # noqa: E731
        try:
            result = commit_run(plan, app.today, customer_id, progress=progress)
        except Exception as exc:  # shown to the operator; nothing half-posted (each batch is atomic)
            app.call_from_thread(self._failed, str(exc))
            return
        app.call_from_thread(self._committed, result)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#run-progress", ProgressBar).update(total=total, progress=done)
        self.query_one("#run-status", Static).update(f"Posting… {done:,} of {total:,}")

    def _failed(self, message: str) -> None:
        self.busy = False
        self._fields_enabled(True)
        self.query_one("#run-progress", ProgressBar).display = False
        self.notify(f"The run stopped: {message}. What was posted stays posted; run again to post the rest.", severity="error", timeout=12)

    def _committed(self, result) -> None:
        self.busy = False
        self._fields_enabled(True)
        self.query_one("#run-progress", ProgressBar).display = False
        precision = self.app.book.settings.precision
        extra = f" ({result.already} posted meanwhile by another run)" if result.already else ""
        self.notify(f"Run {result.run_id} posted {result.posted:,} charge(s), retail {format_money(result.retail, precision)}{extra}.", timeout=8)
        self.plan = None
        self.action_preview()

    def _fields_enabled(self, enabled: bool) -> None:
        for field in self.query(Input):
            field.disabled = not enabled

    def posting_limit(self) -> date:
        """The latest date this book posts now: the real date, or the app's
        "today" with the book's test clock on."""
        return posting_limit(self.app.today if self.app.book.settings.test_clock else None)

    def action_back(self) -> None:
        if self.busy and self.query_one("#run-progress", ProgressBar).display:
            self.notify("Posting is in progress; wait for it to finish (each batch is posted whole).", severity="warning")
            return
        self.workers.cancel_group(self, "run")  # a preview still computing stops
        self.dismiss(None)
