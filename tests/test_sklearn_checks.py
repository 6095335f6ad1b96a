"""scikit-learn's full estimator contract, on small settings (the defaults train at least
1,200 steps per fit, which the contract's hundred-odd fits turn into minutes)."""

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skactive import ActiveINASClassifier, ActiveINASRegressor

_SMALL = dict(
    base_width=8,
    max_epochs=12,
    batch_size=32,
    lr=1e-2,
    max_blocks=2,
    max_stacks=2,
    random_state=0,
    device="cpu",
)


def _small_estimators():
    small = ActiveINASClassifier(**_SMALL)
    # Mixup training changes what each batch holds, not the contract.
    return [small, clone(small).set_params(mixup=2.0)]


@parametrize_with_checks(_small_estimators())
def test_sklearn_contract(estimator, check):
    check(estimator)


@parametrize_with_checks([ActiveINASRegressor(**_SMALL)])
def test_sklearn_contract_regressor(estimator, check):
    check(estimator)
