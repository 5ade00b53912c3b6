"""Mutations, one small module per area; merged into the root Mutation in schema.py."""
