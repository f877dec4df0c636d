"""What a run tells about its data, the same on every framework: `zoo train` prints a short
summary of the dataset's `DataReport` (skips counted by kind, then the notes) and keeps the full
list in the run directory as ``data-report.json``."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo.interfaces.dataset import Dataset

#: the file of the run directory holding every skipped item and note
DATA_REPORT = "data-report.json"


def report_dict(dataset: Dataset) -> dict[str, Any]:
    """The dataset's report as JSON-ready data: kept count, skips (key, reason, kind), counts, notes."""
    report = dataset.report()
    kinds = report.kinds + ["other"] * (len(report.skipped) - len(report.kinds))
    return {"kept": len(dataset), "skip_summary": report.summary(len(dataset)), "skip_counts": report.skip_counts(),
            "skipped": [{"key": k, "reason": r, "kind": kind} for (k, r), kind in zip(report.skipped, kinds)],
            "notes": list(report.notes)}


def summary_lines(dataset: Dataset) -> list[str]:
    """A few lines for the console: the skip summary (when anything was skipped) and the notes."""
    report = dataset.report()
    out = [f"data: {report.summary(len(dataset))} (full list: {DATA_REPORT})"] if report.skipped else []
    return out + [f"data: {note}" for note in report.notes]


def record(dataset: Dataset, run_dir: Path, echo: Any = print) -> None:
    """Write ``data-report.json`` into `run_dir` and `echo` the summary lines."""
    from zoo import runs

    runs.write_json(Path(run_dir) / DATA_REPORT, report_dict(dataset))
    for line in summary_lines(dataset):
        echo(line)
