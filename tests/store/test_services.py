"""Upstream services: the short list packages re-brand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.catalogue import FieldError, PackageDraft
from store.models import UpstreamService
from store.packages import StoreError, create_package, get_package
from store.services import ServiceRow, add_service, list_services, remove_service, rename_service, service_names

pytestmark = pytest.mark.both_engines


def test_add_service(book):
    row = add_service("  SIP   Trunk ", "  Wholesale channels ")
    assert isinstance(row, ServiceRow)
    assert row.name == "SIP Trunk"
    assert row.description == "Wholesale channels"
    assert row.packages == 0
    assert service_names() == ["SIP Trunk"]
    stored = UpstreamService.get_by_id(row.id)
    assert (stored.name, stored.description) == ("SIP Trunk", "Wholesale channels")


def test_list_services_returns_rows(book):
    row = add_service("SIP Trunk", "Wholesale channels")
    assert list_services() == [ServiceRow(row.id, "SIP Trunk", "Wholesale channels", 0)]


def test_list_services_sorted_case_insensitively_with_package_counts(book):
    add_service("zeta")
    add_service("Alpha")
    add_service("beta")
    create_package(PackageDraft("one", upstream_service="beta"))
    create_package(PackageDraft("two", upstream_service="beta"))
    assert service_names() == ["Alpha", "beta", "zeta"]
    assert [(s.name, s.packages) for s in list_services()] == [("Alpha", 0), ("beta", 2), ("zeta", 0)]


def test_add_blank_name_refused(book):
    with pytest.raises(FieldError) as info:
        add_service("   ")
    assert info.value.field == "name"
    assert UpstreamService.select().count() == 0


def test_add_too_long_name_refused(book):
    with pytest.raises(FieldError):
        add_service("x" * 41)
    assert UpstreamService.select().count() == 0


def test_duplicate_name_refused(book):
    add_service("DID-UK")
    with pytest.raises(FieldError) as info:
        add_service("DID-UK")
    assert info.value.field == "name"
    assert "already" in info.value.message
    assert service_names() == ["DID-UK"]


def test_duplicate_name_refused_case_insensitively(book):
    add_service("DID-UK")
    with pytest.raises(FieldError):
        add_service("did-uk")
    assert service_names() == ["DID-UK"]


def test_rename_service(book):
    row = add_service("DID-UK", "old")
    rename_service(row.id, "UK numbers", "new words")
    stored = UpstreamService.get_by_id(row.id)
    assert (stored.name, stored.description) == ("UK numbers", "new words")
    assert UpstreamService.select().count() == 1


def test_rename_is_seen_by_packages(book):
    row = add_service("DID-UK")
    package = create_package(PackageDraft("UK DID rental", retail=Decimal("1.50"), upstream_service="DID-UK"))
    rename_service(row.id, "UK DIDs")
    assert get_package(package.id).upstream_service == "UK DIDs"


def test_rename_onto_another_name_refused(book):
    add_service("DID-UK")
    other = add_service("DID-US")
    with pytest.raises(FieldError) as info:
        rename_service(other.id, "did-uk")
    assert info.value.field == "name"
    assert service_names() == ["DID-UK", "DID-US"]


def test_rename_to_own_name_with_new_case_allowed(book):
    row = add_service("did-uk")
    rename_service(row.id, "DID-UK")
    assert service_names() == ["DID-UK"]


def test_rename_to_blank_refused(book):
    row = add_service("DID-UK")
    with pytest.raises(FieldError):
        rename_service(row.id, "  ")
    assert service_names() == ["DID-UK"]


def test_remove_unused_service(book):
    keep = add_service("Keep")
    gone = add_service("Gone")
    remove_service(gone.id)
    assert service_names() == ["Keep"]
    assert UpstreamService.get_by_id(keep.id).name == "Keep"


def test_remove_service_a_package_uses_refused(book):
    row = add_service("Hosted PBX")
    package = create_package(PackageDraft("Seat", retail=Decimal("12"), upstream_service="Hosted PBX"))
    with pytest.raises(StoreError) as info:
        remove_service(row.id)
    assert "1 package" in str(info.value)
    assert service_names() == ["Hosted PBX"]
    assert get_package(package.id).upstream_service == "Hosted PBX"


def test_service_can_be_removed_once_no_package_uses_it(book):
    from store.packages import update_package

    row = add_service("Hosted PBX")
    package = create_package(PackageDraft("Seat", upstream_service="Hosted PBX"))
    with pytest.raises(StoreError):
        remove_service(row.id)
    update_package(package.id, package.version, PackageDraft("Seat", upstream_service=None))
    remove_service(row.id)
    assert service_names() == []
