"""The built-in inference methods, registered in the order listings and default runs use (private).

To add a method: write its module (a frozen dataclass subclassing ``InferenceMethod``) and add
its class to ``BUILTIN_METHODS`` (third-party code calls ``register_method`` instead).
"""

from neurocast.infer._challenge import ChallengeRecipe
from neurocast.infer._deconv import DeconvolvedRidge
from neurocast.infer._partial import PartialCorrelation
from neurocast.infer._pearson import Pearson
from neurocast.infer._registry import register_method
from neurocast.infer._ridge import LaggedRidge
from neurocast.infer._sparse import SparseRidge
from neurocast.infer._xcorr import SpikeCrossCorrelogram

BUILTIN_METHODS = (Pearson, PartialCorrelation, LaggedRidge, DeconvolvedRidge, SpikeCrossCorrelogram,
                   ChallengeRecipe, SparseRidge)

for _cls in BUILTIN_METHODS:
    register_method(_cls)
