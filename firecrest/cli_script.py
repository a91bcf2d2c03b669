"""Console entry point (``firecrest`` command), kept at pyfirecrest's path ``firecrest.cli_script:main``."""
from __future__ import annotations

from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> None:
    from .cli import main as run  # typer and rich are the ``cli`` extra: imported on use

    run(argv)


if __name__ == "__main__":
    main()
