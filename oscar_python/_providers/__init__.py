"""Storage provider clients used by :class:`oscar_python.storage.Storage`."""
