"""The floor every part stands on: the settings catalogue, time zones, the language set, the
Outlet record and its loader, the extracted-article record and extraction errors, the
crawl-error signal, canonical URLs. It imports nothing of the project (tests/test_layers.py
keeps it so)."""
