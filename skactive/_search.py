"""How ActiveINASClassifier searches and trains: one round of Algorithm 2 on its labeled set."""

from __future__ import annotations

import copy
import time
from dataclasses import replace
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from .inas import search
from .search_space import Architecture, parse_layout
from .training import (
    CandidateTrainer,
    TrainingConfig,
    candidate_devices,
    candidate_parallel_config,
    optimizer_steps,
    resolve_device,
    train_net_with_oom_retry,
)
from .utils import derive_seed, draw_seed

PAPER_SEARCH = {"candidate_budget": 1.0, "reuse_winner": False, "min_validation_size": 0}
"""The :class:`~skactive.ActiveINASClassifier` parameters of the paper's search, exactly as
Geifman & El-Yaniv (2019) write it: each round, three candidates trained as long as the final
network on one 80% split of the labels, compared on the other 20%, then the winner trained
anew on all of them. ``ActiveINASClassifier(**PAPER_SEARCH)`` runs it; the defaults cost less
(see the engine page of the documentation)."""


class SearchMixin:
    """iNAS from a start architecture, then the winner trained on every label.

    A building block of :class:`~skactive._base.BaseActiveINAS`, which sets the parameters
    it reads (``max_blocks``, ``inas_iterations``, the training recipe) and the labeled set
    (``X_training_``, ``y_training_``); its face encodes the targets.
    """

    def _start_architecture(self, block: str) -> Architecture:
        """``initial_architecture`` as an Architecture of ``block``, checked against the bounds."""
        start = self.initial_architecture
        if not isinstance(start, Architecture):
            try:
                start = Architecture(block, *parse_layout(start))
            except (TypeError, ValueError) as error:
                raise ValueError(f"initial_architecture: {error}") from error
        if start.n_blocks > self.max_blocks or start.n_stacks > self.max_stacks:
            raise ValueError(
                f"initial_architecture {start} lies outside the search space bounded by "
                f"max_blocks={self.max_blocks}, max_stacks={self.max_stacks}."
            )
        return start

    def _rng(self, n_labeled: int, *, for_query: bool = False) -> np.random.RandomState:
        """A generator for one round: the same seed gives different draws in each round.

        Queries draw from a stream of their own, so a query never reuses the seed that trained
        the network scoring it.
        """
        if not isinstance(self.random_state, Integral):
            return check_random_state(self.random_state)
        return np.random.RandomState(
            derive_seed(self.random_state, n_labeled, *([1] if for_query else []))
        )

    def _reuses_winner(self, winner, candidates, config: TrainingConfig) -> bool:
        """Whether the winner goes on training from its candidate's network.

        Only with ``reuse_winner``, and for a classifier only when the winner was scored on
        one split: a candidate scored on folds keeps the network of its last fold, which
        never saw that fold's labels, a third of a first labeled set of 200. Going on from it
        cost 0.6 points of test accuracy on 200 MNIST-5k images (5 labeled sets); training
        anew on a set that small costs little. A regressor goes on after folds too: on
        diabetes, training anew after folds raised the RMSE in all five strategies (0.1 to
        0.8) and cost 10 to 44% more time (the engine page of the documentation).
        """
        folds = [c["folds"] for c in candidates if c["architecture"] == winner]
        one_split = not folds or folds[-1] == 1
        return self.reuse_winner and (one_split or not config.classifies)

    def _final_network(self, architecture, trainer, config, X, y, seed, reuse: bool):
        """The network trained on all labels, and the optimizer steps that took.

        With ``reuse`` (:meth:`_reuses_winner`), the winner of the search goes on training
        from where its candidate stopped, when that network is at hand (trained in this
        process, on the final device); otherwise a network trains anew.
        """
        start = trainer.networks.get(architecture) if reuse else None
        if start is not None and start.device != config.device:
            start = None
        done = 0 if start is None else optimizer_steps(start)
        net = train_net_with_oom_retry(architecture, config, X, y, seed, warm_start=start)
        # A network trained anew after running out of memory did not go on from the winner.
        return net, optimizer_steps(net) - (done if net is start else 0)

    def _last_step_networks(self, winner, candidates, trainer, reuse: bool) -> list:
        """The networks of the last search step, the committee of an ensemble query.

        Candidates scored in other processes keep no network here and are left out. When the
        winner's network goes on training in place (``reuse``), the committee keeps a copy
        of it as its candidate was.
        """
        last = [c["architecture"] for c in candidates if c["step"] == candidates[-1]["step"]]
        return [
            copy.deepcopy(trainer.networks[a]) if reuse and a == winner else trainer.networks[a]
            for a in last
            if a in trainer.networks
        ]

    def _network_training_set(self, input_shape, encoding: dict) -> tuple[np.ndarray, np.ndarray]:
        """The labeled set as the networks train on it: float32 inputs of ``input_shape``,
        targets encoded by the face (``_encode_targets``) with the fitted ``encoding``."""
        X = np.asarray(self.X_training_, dtype=np.float32).reshape(-1, *input_shape)
        return X, self._encode_targets(self.y_training_, encoding)

    def _training_config(self, input_shape, n_outputs: int, device: str) -> TrainingConfig:
        return TrainingConfig(
            input_shape=input_shape,
            n_classes=n_outputs,
            base_width=self.base_width,
            dropout=self.dropout,
            pooling=self.pooling,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            min_steps=self.min_steps,
            lr=self.lr,
            optimizer=self.optimizer,
            weight_decay=self.weight_decay,
            device=device,
            precision=self.precision,
            augment=self.augment,
            compile=self.compile,
            candidate_devices=candidate_devices(self.device),
            **self._task_recipe(),
        )

    def _search_and_train(
        self, start: Architecture, input_shape: tuple[int, ...], keep_history: bool = True
    ) -> None:
        """Run iNAS from ``start`` on the labeled set, then train the winner on all of it.

        The fitted attributes change together once the new network is trained, so a training
        that raises (out of memory, an interrupt) leaves the previous model whole: its target
        encoding (classes, or targets' mean and scale), input shape and history still match
        ``net_``.
        """
        encoding = self._target_encoding(self.y_training_)
        device = resolve_device(self.device)
        X, y = self._network_training_set(input_shape, encoding)
        rng = self._rng(len(y))
        config = self._training_config(input_shape, self._n_outputs(encoding), device)
        began = time.perf_counter()
        # A candidate's budget is a fraction of the final network's epochs on all labels, not of
        # what the rule would give its smaller training set S': candidates then cost a known
        # share of a round, and a set of 5,000 labels no more than when S' had its own budget.
        final_epochs = config.for_samples(len(y)).max_epochs
        trainer = CandidateTrainer(
            replace(config, max_epochs=final_epochs, budget_fraction=self.candidate_budget)
        )
        with candidate_parallel_config(config, self.n_jobs):
            architecture, candidates = search(
                X,
                y,
                start,
                trainer,
                max_blocks=self.max_blocks,
                max_stacks=self.max_stacks,
                n_iterations=self.inas_iterations,
                validation_fraction=self.validation_fraction,
                min_validation_size=self.min_validation_size,
                random_state=rng,
                n_jobs=self.n_jobs,
                stratify=self._stratified_search,
            )
        searched = time.perf_counter()
        for candidate in candidates:
            candidate.update(trainer.costs.get(candidate["architecture"], {}))
        reuse = self._reuses_winner(architecture, candidates, config)
        search_networks = self._last_step_networks(architecture, candidates, trainer, reuse)
        net, steps = self._final_network(
            architecture, trainer, config, X, y, draw_seed(rng), reuse
        )
        keep = keep_history and hasattr(self, "history_")
        history = self.history_ if keep else []
        architectures = self.architecture_history_ if keep else []
        self.net_, self.device_ = net, device
        self.__dict__.update(encoding)
        self.search_networks_ = search_networks
        # The ensemble members of the last labeled set are not members of this one.
        self.__dict__.pop("ensemble_members_", None)
        self.input_shape_ = input_shape
        self.architecture_ = architecture
        self.architecture_history_ = [*architectures, architecture]
        entry = {
            "n_labeled": len(y),
            "start": start,
            "architecture": architecture,
            "candidates": candidates,
            "search_seconds": searched - began,
            "train_seconds": time.perf_counter() - searched,
            "train_steps": steps,
            "continued": steps < optimizer_steps(net),
        }
        self.history_ = [*history, entry]
        if self.verbose:
            print(
                f"[skactive] {len(y)} labels: {start} -> {architecture} "
                f"({len(candidates)} candidates, {entry['search_seconds']:.1f}s search, "
                f"{entry['train_seconds']:.1f}s training)"
            )
