"""store.calls: importing calls (all rows or none; a call already in the book
skipped when it is the same, refused when it is not; one audit row per
file), and reading them back: a customer's page newest first with keyset
paging and a destination prefix, a time range in start order, totals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from billing.catalogue import FieldError
from store import calls as call_store
from store.audit import list_audit
from store.errors import ImportFailed
from tests.helpers.books import customer
from tests.helpers.cli import write
from tests.helpers.raw import rows as table

pytestmark = pytest.mark.both_engines

HEADER = "call_id,customer,start,destination,seconds,cost\n"
D = Decimal


@pytest.fixture
def people(book):
    return customer("Acme Telecom"), customer("Blue Fish Ltd")


def calls_file(tmp_path, body: str, name: str = "calls.csv"):
    return write(tmp_path / name, HEADER + body)


DAY = (
    "a1,Acme Telecom,2025-03-03 09:00:00,+441234567,60,0.10\n"
    "a2,Acme Telecom,2025-03-03 10:00:00,0091987654,125,1.5\n"
    "b1,Blue Fish Ltd,2025-03-03 10:00:00,1212555,30,0.05\n"
    "a3,acme telecom,2025-03-03T10:00:00,4420799,0,0\n"
    "a4,Acme Telecom,2025-03-04 00:00:00,441999,600,0.000001\n"
)


def test_an_import_stores_every_call_as_the_book_keeps_it(book, people, tmp_path):
    acme, blue = people
    result = call_store.import_calls(calls_file(tmp_path, DAY))
    assert (result.added, result.already, result.repeated) == (5, 0, 0)
    assert result.seconds == 815 and result.cost == D("1.650001")
    a2 = call_store.get_call("a2")
    assert a2 == call_store.CallRow(a2.id, "a2", acme.id, datetime(2025, 3, 3, 10), "91987654", 125, D("1.5"))
    stored = sorted((r[1], r[2], r[3], r[4], r[5], r[6]) for r in table(book, "call"))
    assert stored == [
        ("a1", acme.id, "2025-03-03T09:00:00", "441234567", 60, 100_000),
        ("a2", acme.id, "2025-03-03T10:00:00", "91987654", 125, 1_500_000),
        ("a3", acme.id, "2025-03-03T10:00:00", "4420799", 0, 0),
        ("a4", acme.id, "2025-03-04T00:00:00", "441999", 600, 1),
        ("b1", blue.id, "2025-03-03T10:00:00", "1212555", 30, 50_000),
    ]
    (record,) = table(book, "call_import")
    assert record[1:4] == ("calls.csv", 5, 0)
    imports = [r for r in list_audit() if r.entity == "call_import"]
    assert [(r.action, r.new) for r in imports] == [("insert", "calls.csv (5 calls)")]
    assert not [r for r in list_audit(limit=10_000) if r.entity == "call"]


def test_the_same_calls_again_are_skipped_and_counted_and_nothing_is_written(book, people, tmp_path):
    call_store.import_calls(calls_file(tmp_path, DAY))
    before = table(book, "call"), table(book, "call_import"), len(list_audit(limit=10_000))
    # Written differently, the same calls: another spelling of the time, the number, the cost.
    again = DAY.replace("+441234567", "00441234567").replace("0.10", "0.100000").replace("2025-03-03 09:00:00", "2025-03-03T09:00:00.7")
    result = call_store.import_calls(calls_file(tmp_path, again, "again.csv"))
    assert (result.added, result.already, result.repeated, result.skipped) == (0, 5, 0, 5)
    assert (table(book, "call"), table(book, "call_import"), len(list_audit(limit=10_000))) == before


def test_new_calls_among_known_ones_go_in_and_the_known_are_counted(book, people, tmp_path):
    call_store.import_calls(calls_file(tmp_path, DAY))
    more = DAY + "a5,Acme Telecom,2025-03-04 08:00:00,44,1,0.01\n" + "a5,Acme Telecom,2025-03-04 08:00:00,44,1,0.01\n"
    result = call_store.import_calls(calls_file(tmp_path, more, "more.csv"))
    assert (result.added, result.already, result.repeated) == (1, 5, 1)
    assert len(table(book, "call")) == 6
    assert [r[1:4] for r in table(book, "call_import")] == [("calls.csv", 5, 0), ("more.csv", 1, 6)]


def test_a_known_call_with_other_values_refuses_the_file_naming_it_and_what_differs(book, people, tmp_path):
    call_store.import_calls(calls_file(tmp_path, DAY))
    before = table(book, "call"), table(book, "call_import")
    changed = "a9,Acme Telecom,2025-03-05 08:00:00,44,1,0.01\n" "a2,Blue Fish Ltd,2025-03-03 10:00:00,91987654,126,1.5\n"
    with pytest.raises(ImportFailed) as info:
        call_store.import_calls(calls_file(tmp_path, changed, "changed.csv"))
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (3, "call_id")
    assert "'a2' is already in the book with other values" in problem.message
    assert "customer Acme Telecom in the book, Blue Fish Ltd in the file" in problem.message
    assert "seconds 125 in the book, 126 in the file" in problem.message
    assert "start" not in problem.message and "cost" not in problem.message
    assert (table(book, "call"), table(book, "call_import")) == before  # a9 did not go in either


def test_a_call_repeated_in_the_file_with_other_values_is_refused(book, people, tmp_path):
    body = "c1,Acme Telecom,2025-03-03 09:00:00,44,60,0.10\n" "c1,Acme Telecom,2025-03-03 09:00:00,44,60,0.11\n"
    with pytest.raises(ImportFailed) as info:
        call_store.import_calls(calls_file(tmp_path, body))
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (3, "call_id")
    assert "also on line 2" in problem.message and "cost 0.10 on line 2, 0.11 here" in problem.message
    assert table(book, "call") == [] and table(book, "call_import") == []


def test_every_bad_row_is_named_and_nothing_is_written(book, people, tmp_path):
    body = (
        "ok1,Acme Telecom,2025-03-03 09:00:00,44,60,0.10\n"
        "bad1,Nobody,2025-03-03 09:00:00,44,60,0.10\n"
        "bad2,Acme Telecom,2025-03-03 25:00:00,44,60,0.10\n"
        "bad3,Acme Telecom,2025-03-03 09:00:00,+44 20,60,0.10\n"
        "bad4,Acme Telecom,2025-03-03 09:00:00,44,6.5,0.10\n"
        "bad5,Acme Telecom,2025-03-03 09:00:00,44,60,-0.10\n"
        ",Acme Telecom,2025-03-03 09:00:00,44,60,0.10\n"
        "bad7,Acme Telecom,2025-03-03 09:00:00,44,60\n"
        ",,,,,\n"
    )
    with pytest.raises(ImportFailed) as info:
        call_store.import_calls(calls_file(tmp_path, body))
    assert [(p.line, p.column) for p in info.value.problems] == [
        (3, "customer"), (4, "start"), (5, "destination"), (6, "seconds"), (7, "cost"), (8, "call_id"), (9, None),
    ]
    assert table(book, "call") == [] and table(book, "call_import") == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("call_id,customer,start,destination,seconds\nx,Acme Telecom,2025-03-03 09:00:00,44,1\n", "cost"),
        ("call_id,customer,start,destination,seconds,cost,price\n", "price"),
        ("", "empty"),
        (HEADER, "no rows"),
    ],
)
def test_a_bad_file_is_refused_in_a_sentence(book, people, tmp_path, text, words):
    with pytest.raises(ImportFailed) as info:
        call_store.import_calls(write(tmp_path / "f.csv", text))
    assert any(words in str(p) for p in info.value.problems), info.value.problems
    assert table(book, "call") == []


def test_columns_in_another_order_and_cells_kept_from_running_as_formulas(book, people, tmp_path):
    text = "cost,seconds,destination,start,customer,call_id\n0.5,10,'+441234,2025-03-03 09:00:00,Acme Telecom,'-x1\n"
    assert call_store.import_calls(write(tmp_path / "f.csv", text)).added == 1
    found = call_store.get_call("-x1")
    assert (found.destination, found.seconds, found.cost) == ("441234", 10, D("0.5"))


def test_a_start_with_an_offset_must_be_the_book_s_own(book, people, tmp_path):
    book.update_settings(timezone="Europe/London")
    with pytest.raises(ImportFailed) as info:
        call_store.import_calls(calls_file(tmp_path, "s1,Acme Telecom,2025-07-01T10:00:00+00:00,44,1,0\n"))
    (problem,) = info.value.problems
    assert problem.column == "start" and "Europe/London" in problem.message and "+01:00" in problem.message
    call_store.import_calls(calls_file(tmp_path, "s1,Acme Telecom,2025-07-01T10:00:00+01:00,44,1,0\n", "ok.csv"))
    assert call_store.get_call("s1").start == datetime(2025, 7, 1, 10)


def test_a_call_another_import_added_meanwhile_writes_nothing(book, people, tmp_path, monkeypatch):
    call_store.import_calls(calls_file(tmp_path, "r1,Acme Telecom,2025-03-03 09:00:00,44,1,0\n"))
    before = table(book, "call"), table(book, "call_import")
    # As if r1 came in between the look-up and the insert.
    monkeypatch.setattr(call_store, "_in_book", lambda rows, lines, where, names: (set(), []))
    body = "r2,Acme Telecom,2025-03-03 09:00:01,44,1,0\n" "r1,Acme Telecom,2025-03-03 09:00:00,44,1,0\n"
    with pytest.raises(ImportFailed) as info:
        call_store.import_calls(calls_file(tmp_path, body, "race.csv"))
    assert "another import added some of these calls meanwhile" in str(info.value.problems[0])
    assert (table(book, "call"), table(book, "call_import")) == before


# --- reading ------------------------------------------------------------------------------


def test_a_customer_s_calls_page_newest_first_by_start_then_id(book, people, tmp_path):
    acme, blue = people
    call_store.import_calls(calls_file(tmp_path, DAY))
    expected = ["a4", "a3", "a2", "a1"]  # a2 and a3 start together: a3, the later id, first
    assert [c.call_id for c in call_store.list_calls(acme.id)] == expected
    seen, after = [], None
    while True:
        page = call_store.list_calls(acme.id, after, limit=1)
        if not page:
            break
        seen += [c.call_id for c in page]
        after = page[-1]
    assert seen == expected
    assert call_store.count_calls(acme.id) == 4 and call_store.count_calls(blue.id) == 1


def test_a_prefix_keeps_the_calls_to_those_destinations(book, people, tmp_path):
    acme, _blue = people
    call_store.import_calls(calls_file(tmp_path, DAY))
    assert [c.call_id for c in call_store.list_calls(acme.id, prefix="44")] == ["a4", "a3", "a1"]
    assert [c.call_id for c in call_store.list_calls(acme.id, prefix="+4420")] == ["a3"]
    assert [c.call_id for c in call_store.list_calls(acme.id, prefix="^91")] == ["a2"]
    first = call_store.list_calls(acme.id, prefix="44", limit=2)
    assert [c.call_id for c in call_store.list_calls(acme.id, first[-1], prefix="44")] == ["a1"]
    assert call_store.count_calls(acme.id, prefix="44") == 3
    with pytest.raises(FieldError):
        call_store.list_calls(acme.id, prefix="4%")


def test_a_time_range_is_read_in_start_order_across_batches(book, people, tmp_path):
    acme, _blue = people
    call_store.import_calls(calls_file(tmp_path, DAY))
    march_3 = call_store.calls_between(acme.id, date(2025, 3, 3), date(2025, 3, 4))
    assert [c.call_id for c in march_3] == ["a1", "a2", "a3"]
    assert [c.call_id for c in call_store.iter_calls(acme.id, date(2025, 3, 1), date(2025, 4, 1), batch=1)] == ["a1", "a2", "a3", "a4"]
    assert [c.call_id for c in call_store.iter_calls(acme.id, datetime(2025, 3, 3, 10), datetime(2025, 3, 4), batch=1)] == ["a2", "a3"]
    assert call_store.calls_between(acme.id, date(2025, 3, 5), date(2025, 3, 6)) == []
    assert call_store.call_totals(acme.id, date(2025, 3, 3), date(2025, 3, 4)) == (3, 185, D("1.6"))
    assert call_store.call_totals(acme.id, date(2025, 3, 5), date(2025, 3, 6)) == (0, 0, D(0))
