"""pytest fixtures for the pyremotedata emulator (registered through the pytest11 entry point)."""
