"""Simulated active-learning experiments: learning curves, their area, and the paper's Figure 2.

:func:`run_experiment` plays Algorithm 2 of Geifman & El-Yaniv (2019) with a simulated oracle
(the labels of a labeled dataset, revealed on request): choose ``initial_size`` samples (at
random, or by a cold-start strategy such as TypiClust) and fit, then query ``query_size`` pool
samples, teach their labels and score the test set, round after round until ``budget`` labels.
It does so for Active-iNAS and for fixed-architecture baselines (the same estimator with the
search frozen at one architecture, ``inas_iterations=0``), for every query strategy, and repeats
everything with different seeds. Within one repetition every method and strategy starts from
the same initial labels and the same estimator seed, so curves differ by the method alone and
comparisons are paired by repetition.

:class:`ExperimentResult` holds the tidy table (one row per method, strategy, repetition and
round), writes it as CSV or JSON, and summarises it:

- the *normalised area under the learning curve* (:func:`normalized_auc`): the trapezoidal
  area under accuracy against the number of labels, divided by the range of labels, i.e. the
  mean accuracy over the budget, in [0, 1];
- the *AUC gain* of a method over a baseline (:meth:`ExperimentResult.gain_table`): the
  difference of their normalised AUCs (in accuracy points), computed per repetition, averaged,
  with a Student-t confidence interval over repetitions (paired differences, ``n - 1`` degrees
  of freedom), the gain relative to the baseline's AUC and the number of repetitions won.

With ``checkpoint=``, :func:`run_experiment` writes the table of its finished runs as each
ends, and a call with the same arguments goes on from there after an interruption.
:func:`combine_results` puts the tables of runs with the same data, loop and seeds together,
still paired by repetition, e.g. a strategy run later beside random sampling run earlier.
:func:`candidate_gain_table` compares a strategy that chooses while learning (``"auto"``)
with the best of its candidates and with their mean.

:func:`run_experiment` with an :class:`~skactive.ActiveINASRegressor` runs a regression
experiment: each round is scored by the test RMSE (in the targets' units) and R²
(:data:`REGRESSION_COLUMNS`), the AUC is the mean RMSE over the budget, lower being better,
and every gain is signed so that > 0 means Active-iNAS does better (the error it saves). With
``top_fraction`` (an active search, e.g. ``"interaction"`` of :mod:`skactive.datasets`) each
round also records the share of the pool's largest targets labeled so far, and the AUC of
that recall. Beside fixed networks, ``baselines=["gp-bo"]`` adds :class:`GPBaseline`,
Bayesian optimisation over a Gaussian process with modAL's ``BayesianOptimizer``.

:func:`run_benchmark` runs every strategy on every domain of :data:`DOMAINS` (tabular,
synthetic, sequence and image datasets, each with its protocol), one experiment per domain;
:func:`rank_table` ranks the strategies by normalised AUC within each domain and across
domains, as CDALBench (Werner et al., 2024) does, and :func:`write_benchmark_page` writes the
tables and a figure per domain for the docs.
"""

from ._benchmark import (
    DOMAINS,
    Domain,
    default_strategies,
    domain_of,
    load_benchmark,
    run_benchmark,
)
from ._benchmark_page import write_benchmark_page
from ._choice import candidate_gain_table
from ._combine import MUST_AGREE, combine_results
from ._gains import ACTIVE_INAS
from ._gp_baseline import GP_BO, GPBaseline
from ._methods import parse_baseline, strategy_name
from ._metrics import METRICS, REGRESSION_COLUMNS
from ._plot import plot_labels_per_class, plot_learning_curves, plot_strategy_choices
from ._plot_architectures import architecture_paths, plot_architectures
from ._ranks import rank_table
from ._report import format_summary, legend, verdict
from ._result import COLUMNS, ExperimentResult
from ._run import run_experiment
from ._statistics import class_share_range, normalized_auc, t_interval

__all__ = [
    "ACTIVE_INAS",
    "architecture_paths",
    "COLUMNS",
    "DOMAINS",
    "GP_BO",
    "METRICS",
    "MUST_AGREE",
    "REGRESSION_COLUMNS",
    "Domain",
    "ExperimentResult",
    "GPBaseline",
    "candidate_gain_table",
    "class_share_range",
    "combine_results",
    "default_strategies",
    "domain_of",
    "format_summary",
    "legend",
    "load_benchmark",
    "normalized_auc",
    "parse_baseline",
    "plot_architectures",
    "plot_labels_per_class",
    "plot_learning_curves",
    "plot_strategy_choices",
    "rank_table",
    "run_benchmark",
    "run_experiment",
    "strategy_name",
    "t_interval",
    "verdict",
    "write_benchmark_page",
]
