"""Device profiles (pydantic; the catalog in profiles/) and what a runtime needs beyond tensors."""
