"""GraphQL object types; leaf fields are plain attributes, relations go through loaders."""
