"""pytest fixtures: the local server harness and the ArchFX emulator (pytest11 entry point)."""
