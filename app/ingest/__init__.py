"""Importers that turn gateway log output into typed traffic entries."""
