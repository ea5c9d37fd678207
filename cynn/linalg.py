"""``cynn.linalg``: torch.linalg's determinants, inverses, solves, decompositions (SVD,
eigh, QR, Cholesky), norms, cross products, matrix powers and exponentials.

Every function takes batches of matrices in the last two dims and is differentiable
(the formulas are in ``autograd/functions/matrix.py``). The implementations live in
``cynn._ops.linalg_impl``, below the Tensor methods that share them (``Tensor.svd``).
"""
from ._ops.linalg_impl import *  # noqa: F401,F403
from ._ops.linalg_impl import __all__  # noqa: F401
