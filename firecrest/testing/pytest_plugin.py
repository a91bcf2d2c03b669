"""pytest fixtures for the firecrest emulator (registered through the pytest11 entry point)."""
