"""A dataset's variables put in the schema's dim order by their names (``orient_dataset``).

One rule for every stage given a Dataset from Python (bench's ``run_benchmark``, infer's
``as_activity`` and ``run_inference``): ``ds.transpose("neuron", "time")`` is the same recording,
so it is read by its dim names, never by the position of its axes (with as many frames as
neurons, a transposed recording would otherwise run along the wrong axis without any error).
"""

from __future__ import annotations

import xarray as xr

from neurocast.data._schema import DIMS_HINT, REQUIRED_VARIABLES, _fail, validate_dataset

__all__ = ["SCHEMA_DIM_ORDER", "orient_dataset"]

#: The order of the schema's dims in every variable: (time, neuron), (time, covariate), (time,).
SCHEMA_DIM_ORDER = ("time", "neuron", "covariate")


def _schema_order(dims: tuple) -> tuple:
    """``dims`` with the schema's dims first, in the schema's order, then any others as they are."""
    return (*(d for d in SCHEMA_DIM_ORDER if d in dims), *(d for d in dims if d not in SCHEMA_DIM_ORDER))


def orient_dataset(ds: xr.Dataset, *, what: str = "dataset") -> xr.Dataset:
    """``ds`` with every variable's dims in the schema's order ((time, neuron), (time, covariate)),
    transposed by their names: ``ds.transpose("neuron", "time")`` gives back ``ds``'s layout.

    Lazy data stay lazy (nothing is read); attrs and encoding (the store it was read from, its
    connectome) are kept. A Dataset already in order is returned as it is (the same object).
    Only the order changes: the rest of the schema is ``validate_dataset``'s to check.
    Raises FormatError with ``validate_dataset``'s message for something other than a Dataset,
    a Dataset without ``traces``, or traces whose dims are not time and neuron.
    """
    if not isinstance(ds, xr.Dataset) or "traces" not in ds.variables:
        validate_dataset(ds, allow_nan=True, what=what)  # raises: not a Dataset / no traces
    want = REQUIRED_VARIABLES["traces"][0]
    dims = ds["traces"].dims
    if len(dims) != len(want) or set(dims) != set(want):
        raise _fail(what, f"variable 'traces' has dims {dims}, expected {want}", DIMS_HINT)
    if all(var.dims == _schema_order(var.dims) for var in ds.variables.values()):
        return ds
    return ds.transpose(*SCHEMA_DIM_ORDER, ..., missing_dims="ignore")
