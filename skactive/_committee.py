"""The committees an ensemble query asks: networks from other seeds, or the search's candidates."""

from __future__ import annotations

import time
from numbers import Integral

from sklearn.utils.validation import check_is_fitted

from .strategies import COMMITTEES
from .training import optimizer_steps, train_net_with_oom_retry
from .utils import derive_seed

_MEMBER_STREAM = 2
"""Seed key of the members, beside a round's training (no key) and its queries (1)."""


class CommitteeMixin:
    """The networks whose disagreement an ensemble query measures.

    A building block of :class:`~skactive._base.BaseActiveINAS`, which sets the network
    ``net_``, the candidates of its last search step ``search_networks_``, and the labeled
    set; the face's target encoding (``_target_encoding``) trains the members, so the
    classifier's and the regressor's committees are built alike.
    """

    def committee(self, kind: str = "members", n_members: int = 5) -> list:
        """The trained networks of a committee, for an ensemble query.

        - ``"members"``: a deep ensemble (Lakshminarayanan et al., 2017; Beluch et al., 2018),
          ``n_members`` networks of ``architecture_`` trained on the whole labeled set with the
          estimator's own recipe, each from its own seed. ``net_`` is the first member; the
          others are trained on the first call for a labeled set, from seeds derived from
          ``random_state`` and the number of labels (so the same labels and seed give the
          same members), and kept in ``ensemble_members_`` until the labeled set changes.
          Their training time and optimizer steps are added to the current round's
          ``history_`` entry as ``ensemble_seconds`` and ``ensemble_steps``.
        - ``"candidates"``: the networks that the last step of the round's search trained,
          at no extra cost (``search_networks_``), each as its candidate was, trained on the
          search's split of the labels (the last fold, when it was scored on several): one
          per entry of that step in ``history_[-1]``. When ``net_`` went on training from the
          winner (``reuse_winner``), the committee holds a copy of it as it was.

        Parameters
        ----------
        kind : {"members", "candidates"}, default="members"
            Which committee.
        n_members : int, default=5
            Size of the ``"members"`` committee, at least 2, ``net_`` included; ignored by
            ``"candidates"``.

        Returns
        -------
        list of DeviceNeuralNetClassifier or DeviceNeuralNetRegressor
            The networks, each with the outputs of ``net_``: one per class of ``classes_``,
            or one per target of the regressor, in its standardised units.

        Raises
        ------
        ValueError
            If ``kind`` or ``n_members`` is not allowed, or ``"candidates"`` has fewer than
            two networks (``inas_iterations=0``, a search at the bounds of the search space,
            or candidates trained in other processes).

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skactive import ActiveINASClassifier
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
        ...                            inas_iterations=0, random_state=0).fit(X[:50], y[:50])
        >>> members = clf.committee("members", n_members=3)
        >>> len(members), members[0] is clf.net_, clf.history_[-1]["ensemble_steps"]
        (3, True, 8)
        """
        check_is_fitted(self)
        if kind not in COMMITTEES:
            raise ValueError(f"committee must be one of {list(COMMITTEES)}, got {kind!r}.")
        if kind == "candidates":
            return self._candidate_committee()
        if isinstance(n_members, bool) or not isinstance(n_members, Integral) or n_members < 2:
            raise ValueError(f"n_members must be an integer of at least 2, got {n_members!r}.")
        return self._member_committee(int(n_members))

    def _candidate_committee(self) -> list:
        networks = self.__dict__.get("search_networks_")
        if networks is None:
            raise ValueError(
                "committee='candidates' needs the networks of the last search step, which this "
                "estimator does not hold (restored from a checkpoint without them); teach or "
                "fit it again, or use committee='members'."
            )
        if len(networks) < 2:
            raise ValueError(
                f"committee='candidates' needs at least two candidates of the last search "
                f"step, but it trained {len(networks)} (inas_iterations={self.inas_iterations}); "
                "use committee='members', or inas_iterations >= 1 in a search space with room "
                "to grow."
            )
        return list(networks)

    def _member_committee(self, n_members: int) -> list:
        members = list(self.__dict__.get("ensemble_members_", ()))
        if len(members) < n_members - 1:
            # The encoding net_ was trained with: the fitted classes_, or y_mean_ and y_std_.
            encoding = self._target_encoding(self.y_training_)
            X, y = self._network_training_set(self.input_shape_, encoding)
            n_outputs = self._n_outputs(encoding)
            config = self._training_config(self.input_shape_, n_outputs, self.device_)
            began, steps = time.perf_counter(), 0
            for member in range(len(members) + 1, n_members):
                seed = derive_seed(self.random_state, len(y), _MEMBER_STREAM, member)
                net = train_net_with_oom_retry(self.architecture_, config, X, y, seed)
                steps += optimizer_steps(net)
                members.append(net)
            entry = self.history_[-1]
            spent = {
                "ensemble_seconds": entry.get("ensemble_seconds", 0.0)
                + time.perf_counter()
                - began,
                "ensemble_steps": entry.get("ensemble_steps", 0) + steps,
            }
            # A new entry, not the old one changed: earlier copies of history_ stay as they were.
            self.history_ = [*self.history_[:-1], {**entry, **spent}]
            self.ensemble_members_ = members
        return [self.net_, *members[: n_members - 1]]
