"""pytest fixtures for the rmlab emulator (registered through the pytest11 entry point)."""
