"""The GraphQL layer: turns requests into domain calls and domain results into types."""
