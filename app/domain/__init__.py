"""Rules and use-cases of the portal; knows nothing of GraphQL or HTTP."""
