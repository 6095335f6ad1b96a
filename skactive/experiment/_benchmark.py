"""The benchmark matrix: every strategy on every domain, one experiment per domain.

A *domain* is a dataset with its protocol (first labels, query size, budget, repetitions and
the network's parameters), sized so that a run costs seconds on the small tabular and
synthetic domains, repeated 50 times as CDALBench does (Werner et al., 2024), and at most a
couple of CPU-minutes on the sequence and image domains, repeated 10 times.
:func:`run_benchmark` runs :func:`run_experiment` on each domain into a folder of its own,
with a checkpoint, so that an interrupted benchmark goes on where it stopped.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path

from tqdm import tqdm

from .._classifier import ActiveINASClassifier
from ..datasets import load_dataset
from ..strategies import STRATEGIES, resolve_strategy
from ._ranks import ORACLE
from ._result import ExperimentResult
from ._run import run_experiment

FAMILIES = ("tabular", "synthetic", "sequence", "image")
"""The kinds of data a domain holds: flat rows (tabular, synthetic) or channels first."""

CHECKPOINT = "checkpoint.json"
"""Each domain's folder holds the table of its finished runs under this name."""


@dataclass(frozen=True)
class Domain:
    """One dataset of the benchmark with its active-learning protocol.

    Parameters
    ----------
    name : str
        The domain's name, the key of :data:`DOMAINS` and its results folder.
    dataset : str
        The name :func:`skactive.datasets.load_dataset` loads.
    family : {"tabular", "synthetic", "sequence", "image"}
        The kind of data, for the page.
    initial_size : int
        Labels drawn at random before the first query.
    query_size : int
        Samples queried per round.
    budget : int
        Labels at the end, fewer than the dataset's training samples.
    n_repeats : int
        Repetitions with different seeds.
    estimator_params : dict
        :class:`~skactive.ActiveINASClassifier` parameters of the domain's network.

    Examples
    --------
    >>> from skactive.experiment import DOMAINS
    >>> domain = DOMAINS["digits"]
    >>> domain.family, domain.initial_size < domain.budget
    ('image', True)
    """

    name: str
    dataset: str
    family: str
    initial_size: int
    query_size: int
    budget: int
    n_repeats: int
    estimator_params: dict = field(default_factory=dict)

    @property
    def protocol(self) -> str:
        """The protocol in one line, e.g. ``"50 -> 300 labels by 50, 10 repetitions"``."""
        return (
            f"{self.initial_size} -> {self.budget} labels by {self.query_size}, "
            f"{self.n_repeats} repetitions"
        )


# Small residual MLPs train for a few hundred optimizer steps: enough to fit a few hundred
# labels. The search compares its candidates on one held-out split, as the paper does: folds
# (the estimator's default under 100 held-out labels) would cost three times more.
_FLAT = {"block": "mlp", "base_width": 16, "min_steps": 200, "min_validation_size": 0}
# Sequences and images: narrow ResNets (at most A(B, 3, 3)) and a short recipe. MNIST-1D
# gets twice the steps: with 300, one run of random sampling reached 84% test accuracy at 400
# labels, with 600, 93%.
_CONV = {
    "base_width": 8,
    "min_steps": 300,
    "max_blocks": 3,
    "max_stacks": 3,
    "min_validation_size": 0,
}
_SEQUENCE = {**_CONV, "min_steps": 600}

DOMAINS = {
    domain.name: domain
    for domain in (
        Domain("wine", "wine", "tabular", 9, 9, 54, 50, _FLAT),
        Domain("breast_cancer", "breast_cancer", "tabular", 20, 20, 120, 50, _FLAT),
        Domain("iris", "iris", "tabular", 6, 6, 36, 50, _FLAT),
        Domain("digits_flat", "digits_flat", "tabular", 50, 50, 300, 50, _FLAT),
        Domain("honeypot", "honeypot", "synthetic", 10, 10, 60, 50, _FLAT),
        Domain("diverging_sine", "diverging_sine", "synthetic", 10, 10, 60, 50, _FLAT),
        Domain("mnist1d_5k", "mnist1d_5k", "sequence", 100, 100, 500, 10, _SEQUENCE),
        Domain("digits", "digits", "image", 50, 50, 300, 10, _CONV),
        Domain("mnist_5k", "mnist_5k", "image", 100, 100, 500, 10, _CONV),
    )
}
"""The benchmark's domains by name: four tabular (scikit-learn's wine, breast cancer, iris,
and the digits as flat rows), two synthetic (CDALBench's Honeypot and Diverging Sine), one
sequence (MNIST-1D) and two image datasets (the 8x8 digits, MNIST-5k)."""


def default_strategies() -> list[str]:
    """Every strategy of the benchmark by default: each name of
    :data:`skactive.strategies.STRATEGIES` (``"random"`` among them), ``"auto"``, and
    ``"oracle"``, the greedy oracle (:func:`skactive.strategies.greedy_oracle`), the ceiling.

    Returns
    -------
    list of str
        The strategy names.

    Examples
    --------
    >>> from skactive.experiment import default_strategies
    >>> {"random", "auto", "softmax_response", "oracle"} <= set(default_strategies())
    True
    """
    return [*STRATEGIES, "auto", ORACLE]


def _domains(domains) -> tuple[list[Domain], list[str]]:
    """The domains asked for, and the names that are not domains."""
    if domains is None:
        return list(DOMAINS.values()), []
    chosen, unknown = [], []
    for domain in domains:
        if isinstance(domain, Domain):
            chosen.append(domain)
        elif domain in DOMAINS:
            chosen.append(DOMAINS[domain])
        else:
            unknown.append(repr(domain))
    return chosen, unknown


def _protocol_problems(domain: Domain, n_train: int | None) -> list[str]:
    problems = []
    if domain.family not in FAMILIES:
        problems.append(f"domain {domain.name!r}: family {domain.family!r} not in {FAMILIES}")
    for name in ("initial_size", "query_size", "budget", "n_repeats"):
        value = getattr(domain, name)
        if not isinstance(value, Integral) or value < 1:
            problems.append(f"domain {domain.name!r}: {name}={value!r} must be an integer >= 1")
    if domain.initial_size > domain.budget:
        problems.append(
            f"domain {domain.name!r}: initial_size={domain.initial_size} is larger than "
            f"budget={domain.budget}"
        )
    if n_train is not None and domain.budget >= n_train:
        problems.append(
            f"domain {domain.name!r}: budget={domain.budget} is not below the "
            f"{n_train} training samples of {domain.dataset!r}"
        )
    return problems


def _strategy_problems(strategies, domains: list[Domain]) -> list[str]:
    problems = []
    for strategy in strategies:
        if strategy == ORACLE:
            continue
        try:
            resolve_strategy(strategy)
        except ValueError:
            problems.append(f"unknown strategy {strategy!r}")
    searchless = [d.name for d in domains if d.estimator_params.get("inas_iterations", 1) == 0]
    needs_search = [s for s in strategies if str(s).startswith("ensemble_candidates")]
    if searchless and needs_search:
        problems.append(
            f"strategies {needs_search} need a search, and domains {searchless} never search "
            "(inas_iterations=0)"
        )
    return problems


def _resized(domain: Domain, n_repeats, budget, estimator_params) -> Domain:
    """The domain with the overrides of a shrunk benchmark (a smoke test, a quick look)."""
    changes = {"estimator_params": {**domain.estimator_params, **(estimator_params or {})}}
    if n_repeats is not None:
        changes["n_repeats"] = n_repeats
    if budget is not None:
        changes["budget"] = budget
    return dataclasses.replace(domain, **changes)


def run_benchmark(
    domains=None,
    strategies=None,
    *,
    out_dir,
    n_repeats: int | None = None,
    budget: int | None = None,
    estimator_params: dict | None = None,
    jobs: int | None = None,
    resume: bool = False,
    data_dir=None,
    progress: bool = True,
) -> dict[str, ExperimentResult]:
    """Run every strategy on every domain with Active-iNAS, one experiment per domain.

    Every problem with the arguments (an unknown domain or strategy, a budget not below a
    domain's training samples, ``initial_size > budget``, ``n_repeats < 1``, an output folder
    that holds an earlier benchmark without ``resume``) is found before any training and
    raised at once in one ``ValueError``. Then each domain's experiment
    (:func:`run_experiment`, no fixed baselines, seeds drawn from 0 so that every strategy
    starts from the same labels) writes ``out_dir/<domain>/checkpoint.json`` as its runs end,
    and ``results.json`` and ``results.csv`` when it is done.

    Parameters
    ----------
    domains : sequence of str or Domain, or None, default=None
        Names of :data:`DOMAINS`, or :class:`Domain` instances of a protocol of one's own;
        None means all of :data:`DOMAINS`.
    strategies : sequence of str or None, default=None
        Query strategies; None means :func:`default_strategies`.
    out_dir : str or path-like
        Folder of the benchmark, one sub-folder per domain.
    n_repeats : int or None, default=None
        Repetitions of every domain instead of its own.
    budget : int or None, default=None
        Labels at the end of every domain instead of its own.
    estimator_params : dict or None, default=None
        :class:`~skactive.ActiveINASClassifier` parameters set over every domain's, e.g.
        ``{"max_epochs": 1, "base_width": 4, "inas_iterations": 0}`` for a smoke test.
    jobs : int or None, default=None
        Runs done at once (``run_experiment``'s ``n_jobs``).
    resume : bool, default=False
        Go on with the benchmark in ``out_dir``: finished runs are not run again, and a
        larger ``n_repeats`` runs only the new repetitions.
    data_dir : str, path-like or None, default=None
        Folder of the datasets' files (see :func:`skactive.datasets.load_dataset`).
    progress : bool, default=True
        Show a progress bar per domain.

    Returns
    -------
    dict of str to ExperimentResult
        Each domain's experiment, by domain name, in the order of ``domains``.

    Raises
    ------
    ValueError
        Naming every problem with the arguments, before any training.

    Examples
    --------
    >>> from skactive.experiment import run_benchmark
    >>> try:
    ...     run_benchmark(["digits", "cifar"], ["random", "guess"], out_dir="unused")
    ... except ValueError as error:
    ...     print(error)
    The benchmark cannot run: unknown domain 'cifar'; unknown strategy 'guess'.
    """
    out_dir = Path(out_dir)
    domains = [domains] if isinstance(domains, (str, Domain)) else domains
    strategies = [strategies] if isinstance(strategies, str) else strategies
    strategies = default_strategies() if strategies is None else list(strategies)
    chosen, unknown = _domains(domains)
    problems = [f"unknown domain {name}" for name in unknown]
    if not chosen and not unknown:
        problems.append("no domain given")
    if not strategies:
        problems.append("no strategy given")
    for name, value in (("n_repeats", n_repeats), ("budget", budget)):
        if value is not None and (not isinstance(value, Integral) or value < 1):
            problems.append(f"{name}={value!r} must be an integer >= 1")
    problems += _strategy_problems(strategies, chosen)
    if problems:
        # Bad names: nothing is loaded.
        raise ValueError(f"The benchmark cannot run: {'; '.join(problems)}.")
    chosen = [_resized(d, n_repeats, budget, estimator_params) for d in chosen]
    data = {}
    for domain in chosen:
        n_train = None
        try:
            data[domain.name] = load_dataset(domain.dataset, data_dir)
            n_train = len(data[domain.name].y_train)
        except (FileNotFoundError, ImportError, ValueError) as error:
            problems.append(f"domain {domain.name!r}: {error}")
        problems += _protocol_problems(domain, n_train)
        try:
            ActiveINASClassifier().set_params(**domain.estimator_params)
        except ValueError as error:
            problems.append(f"domain {domain.name!r}: {error}")
        if not resume and (out_dir / domain.name / CHECKPOINT).exists():
            problems.append(
                f"{out_dir / domain.name} holds an earlier benchmark: pass resume=True to go "
                "on with it, or another out_dir"
            )
    if problems:
        raise ValueError(f"The benchmark cannot run: {'; '.join(problems)}.")
    results = {}
    for domain in chosen:
        folder = out_dir / domain.name
        folder.mkdir(parents=True, exist_ok=True)
        dataset = data[domain.name]
        if progress:
            tqdm.write(f"{domain.name}: {domain.protocol}, {len(strategies)} strategies")
        result = run_experiment(
            dataset.X_train,
            dataset.y_train,
            dataset.X_test,
            dataset.y_test,
            estimator=ActiveINASClassifier(**domain.estimator_params),
            strategies=strategies,
            initial_size=domain.initial_size,
            query_size=domain.query_size,
            budget=domain.budget,
            n_repeats=domain.n_repeats,
            random_state=0,
            progress=progress,
            n_jobs=jobs,
            checkpoint=folder / CHECKPOINT,
        )
        result.settings.update(dataset=dataset.name, domain=_as_json(domain))
        result.to_json(folder / "results.json")
        result.to_csv(folder / "results.csv")
        results[domain.name] = result
    return results


def _as_json(domain: Domain) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(domain), default=repr))


def load_benchmark(out_dir) -> dict[str, ExperimentResult]:
    """The finished experiments of a benchmark folder written by :func:`run_benchmark`.

    Parameters
    ----------
    out_dir : str or path-like
        The benchmark's folder.

    Returns
    -------
    dict of str to ExperimentResult
        Each domain's experiment, by domain name, in the order of :data:`DOMAINS` and then
        of the folders' names.
    """
    folders = [p for p in sorted(Path(out_dir).iterdir()) if (p / "results.json").is_file()]
    order = {name: rank for rank, name in enumerate(DOMAINS)}
    folders.sort(key=lambda p: (order.get(p.name, len(order)), p.name))
    return {p.name: ExperimentResult.from_json(p / "results.json") for p in folders}


def domain_of(result: ExperimentResult) -> Domain | None:
    """The :class:`Domain` a benchmark experiment ran, from its settings (None for others)."""
    fields = result.settings.get("domain")
    return None if fields is None else Domain(**fields)
