"""``python -m firecrest``: the FirecREST CLI."""
from .cli_script import main

main()
