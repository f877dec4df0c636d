"""Dataset implementations: built-in synthetic sets and readers of real formats."""
