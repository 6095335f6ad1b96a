"""The result table's files: CSV and JSON, written and read back, and a pandas frame."""

from __future__ import annotations

import csv
import json
from pathlib import Path


class TableFilesMixin:
    """Writing and reading :class:`~skactive.experiment.ExperimentResult`'s table.

    A building block of the result class, which provides ``rows``, ``settings`` and
    ``columns``.
    """

    def to_csv(self, path) -> None:
        """Write the table as CSV with a header row of :data:`COLUMNS` (for regression,
        :data:`REGRESSION_COLUMNS`).

        Parameters
        ----------
        path : str or path-like
            File to write.
        """
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.columns)
            writer.writeheader()
            writer.writerows(self.rows)

    def to_json(self, path) -> None:
        """Write the settings and the table as JSON, readable by :meth:`from_json`.

        Parameters
        ----------
        path : str or path-like
            File to write.
        """
        Path(path).write_text(json.dumps({"settings": self.settings, "rows": self.rows}, indent=1))

    @classmethod
    def from_json(cls, path):
        """Read a result written by :meth:`to_json`.

        Parameters
        ----------
        path : str or path-like
            File to read.

        Returns
        -------
        ExperimentResult
            The same rows and settings.
        """
        content = json.loads(Path(path).read_text())
        return cls(content["rows"], content.get("settings", {}))

    def to_frame(self):
        """The table as a pandas DataFrame (needs pandas).

        Returns
        -------
        pandas.DataFrame
            One row per method, strategy, repetition and round; columns :attr:`columns`.
        """
        try:
            import pandas as pd
        except ImportError as error:
            raise ImportError(
                "ExperimentResult.to_frame needs pandas: pip install pandas"
            ) from error
        return pd.DataFrame(self.rows, columns=list(self.columns))
