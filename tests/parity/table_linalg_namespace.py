"""Parity table entries of torch.linalg (the decompositions whose factors are unique up
to sign are compared through sign-free results: eigvalsh, svdvals, cholesky)."""
from parity_engine import Sample, T
from parity_opinfo import add

# well conditioned on purpose: what is compared is the op, not the conditioning
_A = [[2.0, 0.5, 0.1], [0.3, 1.5, 0.2], [0.1, 0.4, 3.0]]
_SPD = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]]
_SINGULAR = [[1.0, 2.0], [2.0, 4.0]]


def linalg(name, *samples):
    add(f"linalg.{name}", lambda lib, n=name: getattr(lib.linalg, n), lambda: list(samples))


linalg("vector_norm",
       Sample("default", [T((3, 4))]), Sample("ord1_dim", [T((3, 4)), 1], {"dim": 1}),
       Sample("ord_inf", [T((3, 4)), float("inf")]),
       Sample("ord_-inf", [T((3, 4)), -float("inf")]),
       Sample("ord0", [T((3, 4)), 0]), Sample("ord3_dims", [T((2, 3, 4)), 3], {"dim": (0, 2)}),
       Sample("keepdim", [T((3, 4))], {"dim": 0, "keepdim": True}),
       Sample("zeros", [T([0.0, 0.0])], ones_upstream=True), Sample("0d", [T(())]),
       Sample("empty", [T((0, 3))]), Sample("empty_inf", [T((0, 3)), float("inf")], grad=False),
       Sample("int64", [T((3,), "int64")], grad=False),
       Sample("special", [T([0.0, float("inf"), float("nan"), -1.0])], ones_upstream=True))
linalg("matrix_norm",
       Sample("fro", [T((3, 4))]), Sample("nuc", [T(_A)], {"ord": "nuc"}),
       Sample("ord1", [T((3, 4))], {"ord": 1}),
       Sample("ord_inf", [T((3, 4))], {"ord": float("inf")}),
       Sample("batched", [T((2, 3, 3))]), Sample("1d", [T((3,))], grad=False),
       Sample("bad_ord", [T((3, 3))], {"ord": 3}, grad=False))
linalg("norm",
       Sample("vector", [T((4,))]), Sample("matrix", [T((3, 4))]),
       Sample("ord_dim", [T((3, 4)), 1, 1]), Sample("3d_no_dim", [T((2, 3, 4))]),
       Sample("3d_ord", [T((2, 3, 4)), 2], grad=False))
for _name in ["det", "inv", "slogdet", "matrix_exp", "pinv", "matrix_rank", "svdvals", "cond"]:
    linalg(_name, Sample("3x3", [T(_A)]), Sample("batched", [T((2, 2, 2), low=1.0, high=2.0)]),
           # a singular matrix's condition number is inf in exact arithmetic: both
           # libraries return rounding noise, so cond is not compared there
           *([] if _name == "cond" else
             [Sample("singular", [T(_SINGULAR)], grad=_name not in ("inv", "slogdet"))]),
           Sample("not_square", [T((2, 3))], grad=False), Sample("1d", [T((3,))], grad=False),
           Sample("f64", [T(_A, "float64")]), Sample("empty", [T((0, 0))], grad=False))
for _name in ["cholesky", "eigvalsh"]:
    linalg(_name, Sample("spd", [T(_SPD)]), Sample("batched", [T([_SPD, _SPD])]),
           Sample("not_spd", [T([[1.0, 2.0], [2.0, 1.0]])], grad=False),
           Sample("not_square", [T((2, 3))], grad=False))
linalg("solve", Sample("vector", [T(_A), T((3,))]), Sample("matrix", [T(_A), T((3, 2))]),
       Sample("batched_broadcast", [T((2, 3, 3), low=1.0, high=2.0), T((3,))]),
       Sample("singular", [T(_SINGULAR), T((2,))], grad=False),
       Sample("shape_mismatch", [T(_A), T((2,))], grad=False),
       Sample("left_false", [T(_A), T((2, 3))], {"left": False}))
linalg("solve_triangular", Sample("upper", [T(_A), T((3, 2))], {"upper": True}),
       Sample("lower_unit", [T(_A), T((3, 2))], {"upper": False, "unitriangular": True}))
linalg("matrix_power", Sample("n3", [T(_A), 3]), Sample("n-2", [T(_A), -2]),
       Sample("n0", [T(_A), 0]), Sample("not_square", [T((2, 3)), 2], grad=False))
linalg("cross", Sample("plain", [T((2, 3)), T((2, 3))]), Sample("broadcast", [T((2, 3)), T((3,))]),
       Sample("dim0", [T((3, 2)), T((3, 2))], {"dim": 0}),
       Sample("bad_size", [T((2, 4)), T((2, 4))], grad=False))
linalg("vecdot", Sample("plain", [T((2, 3)), T((2, 3))]), Sample("dim0", [T((3, 2)), T((3, 2))],
                                                               {"dim": 0}))
linalg("multi_dot", Sample("three", [[T((2, 3)), T((3, 4)), T((4, 2))]]),
       Sample("vector_ends", [[T((3,)), T((3, 4)), T((4,))]]),
       Sample("one", [[T((2, 2))]], grad=False))
linalg("diagonal", Sample("plain", [T((2, 3, 4))]), Sample("offset", [T((3, 4))], {"offset": 1}))
linalg("matmul", Sample("plain", [T((3, 4)), T((4, 2))]))
linalg("vander", Sample("plain", [T((3,))]), Sample("N", [T((3,))], {"N": 5}))
linalg("lstsq", Sample("tall", [T((4, 2)), T((4, 1))], grad=False))
