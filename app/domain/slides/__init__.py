"""Slide types. Importing this package registers every type; add a type by adding a module.

Every module in this folder is imported here (in name order), so a new type's module is found
without touching this file; `base` holds what they share.
"""

import importlib
import pkgutil

from .base import SLIDE_TYPES, Question, Slide

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda found: found.name):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["SLIDE_TYPES", "Question", "Slide"]
