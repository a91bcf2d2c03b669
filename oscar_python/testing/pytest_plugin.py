"""pytest fixtures for the oscar_python emulator (registered through the pytest11 entry point)."""
