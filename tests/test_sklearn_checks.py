"""scikit-learn's full estimator contract: the classifier on small settings, the regressor's
defaults."""

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skactive import ActiveINASClassifier, ActiveINASRegressor


def _small_estimators():
    small = ActiveINASClassifier(
        base_width=8,
        max_epochs=12,
        batch_size=32,
        lr=1e-2,
        max_blocks=2,
        max_stacks=2,
        random_state=0,
        device="cpu",
    )
    # Mixup training changes what each batch holds, not the contract.
    return [small, clone(small).set_params(mixup=2.0)]


@parametrize_with_checks(_small_estimators())
def test_sklearn_contract(estimator, check):
    check(estimator)


@parametrize_with_checks([ActiveINASRegressor()])
def test_sklearn_contract_regressor_defaults(estimator, check):
    check(estimator)
