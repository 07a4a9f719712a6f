"""Slide types. Importing this package registers every type; add a type by adding a module."""

from . import choice, content, open_text, scales, wordcloud  # noqa: F401  (registration)
from .base import SLIDE_TYPES, Question, Slide

__all__ = ["SLIDE_TYPES", "Question", "Slide"]
