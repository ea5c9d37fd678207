"""Parity table entries: matrix products and linear algebra. See parity_opinfo for
the helpers."""
import parity_samples as S
from parity_engine import Sample, T
from parity_opinfo import add, forms, function_of, method_of

# ------------------------------------------------------------ matrix ops
forms("matmul", lambda: S.matrix({"2d": [(3, 4), (4, 2)], "1d_1d": [(4,), (4,)],
                                  "1d_2d": [(4,), (4, 2)], "2d_1d": [(3, 4), (4,)],
                                  "batched_broadcast": [(2, 1, 3, 4), (3, 4, 2)],
                                  "empty": [(0, 4), (4, 2)], "inner_empty": [(3, 0), (0, 2)]},
                                 errors=[[(3, 4), (3, 4)], [(), (3,)]]), inplace=False)
add("Tensor.__matmul__", method_of("__matmul__"), lambda: S.matrix({"2d": [(3, 4), (4, 2)]},
                                                                  errors=[[(3, 4), (3, 4)]]))
forms("mm", lambda: S.matrix({"2d": [(3, 4), (4, 2)], "empty": [(0, 4), (4, 2)]},
                             errors=[[(3, 4), (3, 4)], [(3,), (3, 4)]]), inplace=False)
forms("bmm", lambda: S.matrix({"3d": [(2, 3, 4), (2, 4, 2)]},
                              errors=[[(2, 3, 4), (3, 4, 2)], [(3, 4), (4, 2)]]), inplace=False)
forms("mv", lambda: S.matrix({"2d_1d": [(3, 4), (4,)]}, errors=[[(3, 4), (3,)]]), inplace=False)
forms("dot", lambda: S.matrix({"1d": [(4,), (4,)], "empty": [(0,), (0,)]},
                              errors=[[(4,), (3,)], [(2, 2), (2, 2)]]), inplace=False)
forms("vdot", lambda: S.matrix({"1d": [(4,), (4,)]}), inplace=False)
forms("inner", lambda: S.matrix({"2d": [(3, 4), (2, 4)], "0d": [(), (3,)]}), inplace=False)
for _name in ["outer", "ger"]:
    forms(_name, lambda: S.matrix({"1d": [(3,), (4,)]}), inplace=False)
forms("kron", lambda: S.matrix({"2d": [(2, 3), (2, 2)], "mixed_rank": [(3,), (2, 2)]}),
      inplace=False)
forms("addmm", lambda: S.matrix({"2d": [(3, 2), (3, 4), (4, 2)], "bcast": [(2,), (3, 4), (4, 2)]},
                                errors=[[(3, 2), (3, 4), (3, 2)]]), inplace=False)
forms("addmv", lambda: S.matrix({"2d": [(3,), (3, 4), (4,)]}), inplace=False)
forms("addr", lambda: S.matrix({"2d": [(3, 4), (3,), (4,)]}), inplace=False)
forms("baddbmm", lambda: S.matrix({"3d": [(2, 3, 2), (2, 3, 4), (2, 4, 2)]}), inplace=False)
forms("addbmm", lambda: S.matrix({"3d": [(3, 2), (2, 3, 4), (2, 4, 2)]}), inplace=False)
forms("trace", lambda: S.matrix({"2d": [(3, 4)]}, errors=[[(3,)]]), inplace=False)
forms("tensordot", lambda: [Sample("dims2", [T((2, 3, 4)), T((3, 4, 2))], {"dims": 2}),
                            Sample("lists", [T((2, 3)), T((3, 2))], {"dims": ([1], [0])}),
                            Sample("mismatch", [T((2, 3)), T((2, 3))], {"dims": 1}, grad=False)],
      inplace=False)
add("einsum", function_of("einsum"),
    lambda: [Sample("mm", ["ij,jk->ik", T((3, 4)), T((4, 2))]),
             Sample("trace", ["ii->", T((3, 3))]), Sample("outer", ["i,j->ij", T((3,)), T((2,))]),
             Sample("ellipsis", ["...ij->...ji", T((2, 3, 4))]),
             Sample("list_operands", ["bij,bjk->bik", [T((2, 3, 4)), T((2, 4, 2))]]),
             Sample("bad", ["ij,jk->ik", T((3, 4)), T((3, 2))], grad=False)])
forms("cross", lambda: [Sample("dim", [T((2, 3)), T((2, 3))], {"dim": 1}),
                        Sample("bad", [T((2, 4)), T((2, 4))], {"dim": 1}, grad=False)],
      inplace=False)
forms("cdist", lambda: S.matrix({"2d": [(3, 4), (2, 4)]}, errors=[[(3, 4), (2, 3)]]),
      inplace=False)
forms("dist", lambda: S.matrix({"2d": [(3, 4), (3, 4)]}), inplace=False)
for _name in ["det", "logdet", "inverse"]:
    forms(_name, lambda: [Sample("3x3", [T([[2.0, 0.5, 0.1], [0.3, 1.5, 0.2], [0.1, 0.4, 3.0]])]),
                          Sample("batched", [T((2, 2, 2), low=1.0, high=2.0)]),
                          Sample("not_square", [T((2, 3))], grad=False)], inplace=False)
forms("matrix_power", lambda: [Sample("n3", [T((3, 3)), 3]), Sample("n0", [T((3, 3)), 0]),
                               Sample("n-1", [T([[2.0, 1.0], [0.5, 3.0]]), -1])], inplace=False)
