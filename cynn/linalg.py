"""``cynn.linalg``: torch.linalg's determinants, inverses, solves, decompositions (SVD,
eigh, QR, Cholesky, LU, LDL^T, Householder products), norms, cross products, matrix
powers and exponentials.

Every function takes batches of matrices in the last two dims and, where torch's is,
is differentiable (the formulas are in ``autograd/functions/matrix.py``,
``factorizations.py`` and ``pinv.py``). The implementations live in
``cynn._ops.linalg_impl``, ``linalg_lu`` and ``linalg_householder``, below the Tensor
methods that share them (``Tensor.svd``, ``Tensor.lu``).
"""
from ._ops import linalg_impl as _impl
from ._ops import linalg_lu as _lu
from ._ops.linalg_householder import householder_product
from ._ops.linalg_impl import *  # noqa: F401,F403
from ._ops.linalg_lu import *  # noqa: F401,F403

__all__ = _impl.__all__ + _lu.__all__ + ["householder_product"]
