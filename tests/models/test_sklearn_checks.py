"""scikit-learn conventions: clone, Pipeline, GridSearchCV and the estimator checks."""

from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from tests.conftest import small_model

# Every check scikit-learn runs passes; none is marked as an expected failure. One is
# skipped by scikit-learn itself: check_array_api_input needs SCIPY_ARRAY_API=1 and an
# array-API library, and aekit takes numpy (and torch via numpy) input only.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


def test_clone_keeps_the_settings_and_drops_the_fit(digits_X):
    model = small_model(code_size=5).fit(digits_X)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "module_")


def test_pipeline_and_grid_search_use_the_codes(digits_X):
    from sklearn.datasets import load_digits

    y = load_digits().target
    pipe = make_pipeline(small_model(epochs=5, code_size=8), LogisticRegression(max_iter=300))
    search = GridSearchCV(pipe, {"autoencoder__code_size": [4, 8]}, cv=2).fit(digits_X, y)
    assert search.best_params_["autoencoder__code_size"] in (4, 8)
    assert search.score(digits_X, y) > 0.5


def test_feature_names_out_follow_the_code(digits_X):
    model = small_model(code_size=3).fit(digits_X)
    assert list(model.get_feature_names_out()) == ["autoencoder0", "autoencoder1", "autoencoder2"]


@parametrize_with_checks([small_model(epochs=2, hidden=(8,), code_size=2, batch_size=16),
                          small_model(epochs=2, hidden=(8,), code_size=3, batch_size=16,
                                      bottleneck="onehot"),
                          small_model(epochs=2, hidden=(8,), code_size=2, batch_size=16,
                                      bottleneck="vq", codebook_size=2)],
                         expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
