"""An installed plugin that raises at import."""
raise RuntimeError("fake_broken exploded at import")
