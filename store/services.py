"""Upstream services: the provider services packages re-brand, a short list
the operator maintains."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN, IntegrityError, fn

from billing.catalogue import FieldError, parse_service_name

from .models import Package, UpstreamService, database
from .errors import StoreError


@dataclass(frozen=True, slots=True)
class ServiceRow:
    id: int
    name: str
    description: str
    packages: int


def list_services() -> list[ServiceRow]:
    query = (
        UpstreamService.select(UpstreamService, fn.COUNT(Package.id).alias("used"))
        .join(Package, on=(Package.upstream_service == UpstreamService.id), join_type=JOIN.LEFT_OUTER)
        .group_by(UpstreamService.id)
        .order_by(UpstreamService.name.collate("NOCASE"))
    )
    return [ServiceRow(s.id, s.name, s.description, s.used) for s in query]


def service_names() -> list[str]:
    return [s.name for s in UpstreamService.select(UpstreamService.name).order_by(UpstreamService.name.collate("NOCASE"))]


def add_service(name: str, description: str = "") -> ServiceRow:
    clean = parse_service_name(name, "name")
    if clean is None:
        raise FieldError("name", "is required")
    with database.atomic():
        if UpstreamService.select().where(UpstreamService.name == clean).exists():
            raise FieldError("name", f"'{clean}' is already an upstream service")
        try:
            new_id = UpstreamService.insert(name=clean, description=description.strip()).execute()
        except IntegrityError:
            raise FieldError("name", f"'{clean}' is already an upstream service") from None
    return ServiceRow(new_id, clean, description.strip(), 0)


def rename_service(service_id: int, name: str, description: str = "") -> None:
    clean = parse_service_name(name, "name")
    if clean is None:
        raise FieldError("name", "is required")
    with database.atomic():
        clash = UpstreamService.select().where((UpstreamService.name == clean) & (UpstreamService.id != service_id))
        if clash.exists():
            raise FieldError("name", f"'{clean}' is already an upstream service")
        UpstreamService.update(name=clean, description=description.strip()).where(UpstreamService.id == service_id).execute()


def removal_refusal(service_id: int) -> str | None:
    """Why the service can't be removed (None: it can), to say before asking."""
    used = Package.select().where(Package.upstream_service == service_id).count()
    if used:
        return f"{used} package(s) switch this service on; change them first"
    return None


def remove_service(service_id: int) -> None:
    with database.atomic():
        refusal = removal_refusal(service_id)
        if refusal:
            raise StoreError(refusal)
        UpstreamService.delete().where(UpstreamService.id == service_id).execute()
