"""The app's bindings by id, and the keymap of the configuration files laid
over them (Textual's keymap: a binding id -> the keys it is bound to instead).

Every binding of the app, its screens and its widgets has an id; a key that
does the same on several screens has one id there (`new`, `back`, `filter`),
so one keymap entry remaps it on all of them. The footer and the help show
the keys as remapped.
"""

from __future__ import annotations

import inspect
import pkgutil
from dataclasses import dataclass
from importlib import import_module

from textual.binding import Binding

from .config import Setting

#: The packages whose modules hold the app's bindings (screens are imported
#: lazily by the app, so they are imported here to be read).
PACKAGES = ("tui.screens", "tui.widgets")


@dataclass(frozen=True, slots=True)
class BindingInfo:
    id: str
    #: The keys it is bound to by default, as written in the bindings.
    keys: tuple[str, ...]
    #: Its footer labels (one per meaning, where screens share the id).
    labels: tuple[str, ...]


def _modules() -> list:
    modules = []
    for name in PACKAGES:
        package = import_module(name)
        modules.append(package)
        modules += [import_module(f"{name}.{info.name}") for info in pkgutil.iter_modules(package.__path__)]
    return modules


def _classes(app_class: type) -> list[type]:
    """The app's class, then every class of the screens and widgets."""
    found = [app_class]
    for module in _modules():
        found += [cls for _name, cls in inspect.getmembers(module, inspect.isclass) if cls.__module__ == module.__name__]
    return found


def bindings(app_class: type) -> dict[str, BindingInfo]:
    """Every binding id of the app of `app_class`, its screens and widgets, in the order first declared."""
    keys: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    for cls in _classes(app_class):
        for base in cls.__mro__:
            for binding in base.__dict__.get("BINDINGS", ()):
                if not isinstance(binding, Binding) or not binding.id:
                    continue
                for key in binding.key.split(","):
                    if key.strip() not in keys.setdefault(binding.id, []):
                        keys[binding.id].append(key.strip())
                shown = labels.setdefault(binding.id, [])
                if binding.description and binding.description not in shown:
                    shown.append(binding.description)
    return {i: BindingInfo(i, tuple(keys[i]), tuple(labels[i])) for i in keys}


def unknown_ids(keymap: dict[str, Setting], known: dict[str, BindingInfo]) -> list[str]:
    """The keymap's ids that name no binding of packdesk (`known`)."""
    return [binding_id for binding_id in keymap if binding_id not in known]


def unknown_note(binding_id: str, setting: Setting) -> str:
    """What is wrong with a keymap entry naming no binding, in a sentence."""
    return (
        f"{setting.source}: keymap.{binding_id} is not a binding id of packdesk, so it is left out "
        "(`packdesk config --keys` lists them)"
    )


def use_keymap(app, keymap: dict[str, Setting]) -> dict[str, Setting]:
    """Bind the app's keys as `keymap` says (an id naming no binding changes
    nothing); the keymap, for say_unknown_ids once the app is up."""
    if keymap:
        app.set_keymap({binding_id: setting.value for binding_id, setting in keymap.items()})
    return keymap


def say_unknown_ids(app, keymap: dict[str, Setting]) -> None:
    """Tell the operator of each keymap entry naming no binding. Called after
    the first frame: finding every id imports every screen, which the first
    frame doesn't wait for."""
    for binding_id in unknown_ids(keymap, bindings(type(app))):
        app.notify(unknown_note(binding_id, keymap[binding_id]), severity="warning", timeout=20)
