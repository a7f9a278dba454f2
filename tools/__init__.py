"""Developer tools for ambra-sdk (not shipped at runtime)."""
