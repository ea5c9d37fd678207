"""The parity table: every entry of the ``table_*`` modules, in one list. Adding an op
is one line in the module of its family (see parity_opinfo for the helpers)."""
import table_pointwise  # noqa: F401 -- each module appends its entries to TABLE
import table_reductions  # noqa: F401
import table_shape  # noqa: F401
import table_indexing  # noqa: F401
import table_linalg  # noqa: F401
import table_linalg_namespace  # noqa: F401
import table_nn  # noqa: F401
import table_tensor  # noqa: F401
from parity_opinfo import TABLE

__all__ = ["TABLE"]
