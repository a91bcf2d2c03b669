"""``python -m oscar_python.cli``."""
from . import main

main()
