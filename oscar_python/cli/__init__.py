"""The ``oscar-python`` command (needs the ``cli`` extra: typer and rich)."""
from __future__ import annotations


def main() -> None:
    """Console-script entry point."""
    from .app import main as run
    run()
