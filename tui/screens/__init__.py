"""Every screen of the app by name.

Screens never import each other: one opens another by name through the app
(`self.app.open_screen("statement", customer)`), and the app finds the class
here. A screen's module is imported when the screen is first opened, so the
first frame of the package list doesn't pay for screens not opened yet (it
is benchmarked on a 100,000-package book).
"""

from __future__ import annotations

from importlib import import_module

from textual.screen import Screen

#: name -> (module in this package, class)
SCREENS: dict[str, tuple[str, str]] = {
    "packages": ("package_list", "PackageListScreen"),
    "package_form": ("package_form", "PackageFormScreen"),
    "price_history": ("price_history", "PriceHistoryScreen"),
    "services": ("services", "ServicesScreen"),
    "customers": ("customer_list", "CustomerListScreen"),
    "customer_form": ("customer_form", "CustomerFormScreen"),
    "customer": ("customer", "CustomerScreen"),
    "allocation_form": ("allocation_form", "AllocationFormScreen"),
    "customer_projection": ("projections", "CustomerProjectionScreen"),
    "projection": ("projections", "BookProjectionScreen"),
    "run": ("billing_run", "BillingRunScreen"),
    "statement": ("statement", "StatementScreen"),
    "payment": ("statement", "PaymentScreen"),
    "usage": ("usage", "UsageScreen"),
    "calls": ("calls", "CallsScreen"),
    "usage_form": ("usage", "UsageFormScreen"),
    "audit": ("audit", "AuditScreen"),
}


def screen_class(name: str) -> type[Screen]:
    """The screen class registered as `name`."""
    module, cls = SCREENS[name]
    return getattr(import_module(f"{__name__}.{module}"), cls)
