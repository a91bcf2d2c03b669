"""Client for OSCAR serverless clusters: ``from oscar_python.client import Client``."""
