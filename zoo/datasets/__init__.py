"""Dataset implementations: built-in synthetic sets and readers of real formats.

Public for reader authors: `inside_root` (the root-containment check of a file name read from
an annotation); the shared reader machinery is in `zoo.datasets._base` (`Collector`,
`Annotation`, `AnnotatedDataset`).
"""
from zoo.datasets.paths import existing_dir, existing_file, inside_root, user_path

__all__ = ["existing_dir", "existing_file", "inside_root", "user_path"]
