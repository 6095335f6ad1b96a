"""
Active-iNAS on scikit-learn's digits
====================================

A simulated active-learning run: start from 200 random labels of the 8x8 digits, read as
1x8x8 images, then three rounds in which the estimator queries the 100 pool samples it is
least sure of (softmax response), an oracle labels them, and ``teach`` re-runs the
architecture search from the current network. The network grows only when a deeper
candidate validates better. Takes about a minute of CPU time on one thread.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skactive import ActiveINASClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
rng = np.random.RandomState(0)
labeled = rng.choice(len(X_train), 200, replace=False)
pool = np.setdiff1d(np.arange(len(X_train)), labeled)

clf = ActiveINASClassifier(input_shape=(1, 8, 8), max_blocks=3, max_stacks=3, random_state=0)
clf.fit(X_train[labeled], y_train[labeled])
print(f"{'labels':>6}  {'architecture':<16} test accuracy")
print(f"{len(clf.y_training_):>6}  {str(clf.architecture_):<16} {clf.score(X_test, y_test):.3f}")
for _ in range(3):
    indices, samples = clf.query(X_train[pool], n_instances=100)
    clf.teach(samples, y_train[pool][indices])
    pool = np.delete(pool, indices)
    accuracy = clf.score(X_test, y_test)
    print(f"{len(clf.y_training_):>6}  {str(clf.architecture_):<16} {accuracy:.3f}")
