"""The screen fixtures (``screens``, ``in_app``, ``login``) for the proof screens' tests."""

from tests.views.conftest import in_app, login, screens

__all__ = ["in_app", "login", "screens"]
