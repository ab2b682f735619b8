"""Connectivity from activity: inference methods, scored against the true wiring.

Every method is a registered class (one module each, ``register_method``); it turns activity
(time, neuron) into an (N, N) score matrix: row i = presynaptic, column j = postsynaptic,
diagonal 0, signed where the method estimates the sign. See docs/inference.md.

Methods (``METHODS``): ``pearson``, ``partial`` (Ledoit–Wolf or graphical-lasso precision),
``ridge`` (lagged ridge regression, VAR(1)), ``ridge-deconv`` (the same after AR(1) calcium
deconvolution), ``xcorr`` (spike-count cross-correlograms; needs spike counts), ``challenge``
(the Connectomics Challenge winners' recipe), ``ridge-sparse`` (chunked, top-k; any N).

Public API::

    infer_connectivity(data, method="partial", *, dt_s=None, neurons=None, **options) -> (N, N)
    run_inference(data, *, truth=None, methods=None, out_dir=None, seed=0, observed=1.0, ...)
        -> InferenceResult (scorecard, summary, scores, curves, timings, files)
        data: a Dataset or DataArray (oriented by its dim names) or a (time, neuron) array;
        methods: one name or a list. The scorecard's dim ``method`` is also ``.sel``'s keyword:
        select with a dict, ``scorecard["score"].sel({"method": "ridge", "metric": "auroc"})``
    score_matrix(scores, truth, *, directed, signed=True, ...) -> {metric: value}
    truth_matrix(connectome, names=None, notes=None) -> scipy CSR (N, N) signed synapse counts
        (NaN for a connection of unknown sign)
    as_activity(data, ...) -> Activity;  METHODS, InferenceMethod, register_method, get_method
    lagged_rows(x, activity, lag, method) -> (past, now): frame pairs k apart, none across a gap
    report_section(scorecard, images) -> (html fragment, images);  write_scorecard, write_report
"""

from neurocast.infer import _builtin  # noqa: F401  (registers the built-in methods)
from neurocast.infer._activity import Activity, as_activity, lagged_rows
from neurocast.infer._registry import (
    METHODS,
    InferenceMethod,
    get_method,
    parse_method_names,
    register_method,
)
from neurocast.infer._report import report_section, write_report
from neurocast.infer._run import (
    InferenceResult,
    default_methods,
    infer_connectivity,
    observed_subset,
    run_inference,
)
from neurocast.infer._score import METRICS, score_matrix, truth_matrix
from neurocast.infer._scorecard import build_scorecard, scorecard_summary, write_scorecard

__all__ = [
    "METHODS",
    "METRICS",
    "Activity",
    "InferenceMethod",
    "InferenceResult",
    "as_activity",
    "build_scorecard",
    "default_methods",
    "get_method",
    "infer_connectivity",
    "lagged_rows",
    "observed_subset",
    "parse_method_names",
    "register_method",
    "report_section",
    "run_inference",
    "score_matrix",
    "scorecard_summary",
    "truth_matrix",
    "write_report",
    "write_scorecard",
]
