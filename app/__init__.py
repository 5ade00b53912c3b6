"""devportal-connections: the GraphQL API behind a developer portal's application connections."""

__version__ = "0.1.0"
