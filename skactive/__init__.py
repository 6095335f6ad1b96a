"""skactive: deep active learning whose network architecture grows with the labeled set."""

from . import strategies
from ._classifier import ActiveINASClassifier
from ._regressor import ActiveINASRegressor
from ._search import PAPER_SEARCH
from .pipeline import query
from .search_space import Architecture

__all__ = [
    "PAPER_SEARCH",
    "ActiveINASClassifier",
    "ActiveINASRegressor",
    "Architecture",
    "query",
    "strategies",
]
__version__ = "0.1.0"
