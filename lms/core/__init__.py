"""The home page, language choice, system status and the worker heartbeat."""
