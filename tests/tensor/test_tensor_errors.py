"""Bad input raises the exception type PyTorch raises (and, where the wording is the
same, the same message fragment)."""
import pytest

import cynn
from helpers import helper_test_exception


def _leaf(lib, *shape):
    return lib.ones(*shape, requires_grad=True)


ERRORS = [
    # matrix products
    ("matmul_2d", lambda lib: lib.ones(2, 3) @ lib.ones(2, 3), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"),
    ("matmul_batched", lambda lib: lib.ones(4, 2, 3) @ lib.ones(4, 2, 3), RuntimeError, None),
    ("matmul_vec_vec", lambda lib: lib.ones(3) @ lib.ones(4), RuntimeError, "inconsistent"),
    ("matmul_mat_vec", lambda lib: lib.ones(2, 3) @ lib.ones(4), RuntimeError, "size mismatch"),
    ("matmul_vec_mat", lambda lib: lib.ones(3) @ lib.ones(4, 2), RuntimeError, None),
    ("matmul_batch_shapes", lambda lib: lib.ones(2, 2, 3) @ lib.ones(3, 3, 2), RuntimeError,
     None),
    ("matmul_0d", lambda lib: lib.matmul(lib.tensor(2.), lib.ones(2)), RuntimeError,
     "both arguments to matmul need to be at least 1D"),
    ("mm_inner", lambda lib: lib.mm(lib.ones(2, 3), lib.ones(4, 2)), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x2\)"),
    ("mm_1d", lambda lib: lib.mm(lib.ones(3), lib.ones(3, 2)), RuntimeError,
     "self must be a matrix"),
    ("mm_3d_other", lambda lib: lib.ones(2, 3).mm(lib.ones(1, 3, 2)), RuntimeError,
     "mat2 must be a matrix"),
    ("bmm_2d", lambda lib: lib.bmm(lib.ones(2, 3), lib.ones(2, 3, 4)), RuntimeError,
     "batch1 must be a 3D tensor"),
    ("bmm_batch", lambda lib: lib.bmm(lib.ones(2, 3, 4), lib.ones(3, 4, 5)), RuntimeError,
     None),
    ("bmm_inner", lambda lib: lib.ones(2, 3, 4).bmm(lib.ones(2, 5, 5)), RuntimeError,
     r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but got: "
     r"\[2, 5\]"),
    ("dot_2d", lambda lib: lib.dot(lib.ones(2, 2), lib.ones(2, 2)), RuntimeError,
     "1D tensors expected"),
    # views and reshapes
    ("view_numel", lambda lib: lib.ones(2, 3).view(4, 2), RuntimeError,
     r"shape '\[4, 2\]' is invalid for input of size 6"),
    ("view_two_infer", lambda lib: lib.ones(2, 3).view(-1, -1), RuntimeError,
     "only one dimension can be inferred"),
    ("view_infer_indivisible", lambda lib: lib.ones(2, 3).view(-1, 4), RuntimeError,
     r"shape '\[-1, 4\]' is invalid for input of size 6"),
    ("view_noncontiguous", lambda lib: lib.ones(2, 3).t().view(6), RuntimeError,
     "view size is not compatible with input tensor's size and stride"),
    ("reshape_numel", lambda lib: lib.ones(2, 3).reshape(5), RuntimeError,
     r"shape '\[5\]' is invalid for input of size 6"),
    ("expand_mismatch", lambda lib: lib.ones(2, 3).expand(2, 4), RuntimeError,
     r"The expanded size of the tensor \(4\) must match the existing size \(3\) at "
     r"non-singleton dimension 1"),
    ("expand_fewer_dims", lambda lib: lib.ones(2, 3).expand(3), RuntimeError,
     r"FloatTensor\{\[2, 3\]\}, size=\[3\]\): the number of sizes provided \(1\) must be "
     r"greater or equal to the number of dimensions in the tensor \(2\)"),
    ("expand_fewer_dims_long", lambda lib: lib.ones(2, 3, dtype=lib.int64).expand(3),
     RuntimeError, r"LongTensor\{\[2, 3\]\}"),
    ("permute_length", lambda lib: lib.ones(2, 3).permute(0), RuntimeError, None),
    ("permute_duplicate", lambda lib: lib.ones(2, 3).permute(0, 0), RuntimeError, None),
    ("t_3d", lambda lib: lib.ones(2, 3, 4).t(), RuntimeError,
     r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"),
    ("flatten_order", lambda lib: lib.ones(2, 3, 4).flatten(2, 1), RuntimeError,
     "flatten\\(\\) has invalid args: start_dim cannot come after end_dim"),
    ("split_sizes_sum", lambda lib: lib.ones(5).split([2, 2]), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 5"),
    ("chunk_zero", lambda lib: lib.ones(5).chunk(0), RuntimeError,
     "chunk expects `chunks` to be greater than 0, got: 0"),
    # joining
    ("cat_sizes", lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)]), RuntimeError,
     "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for "
     "tensor number 1 in the list"),
    ("cat_ndim", lambda lib: lib.cat([lib.ones(2, 3), lib.ones(3)]), RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    ("cat_empty_list", lambda lib: lib.cat([]), ValueError, "expected a non-empty list"),
    ("cat_not_a_list", lambda lib: lib.cat(lib.ones(2)), TypeError, None),
    ("stack_shapes", lambda lib: lib.stack([lib.ones(2, 3), lib.ones(3, 2)]), RuntimeError,
     r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 2\] "
     r"at entry 1"),
    ("stack_empty", lambda lib: lib.stack([]), RuntimeError,
     "stack expects a non-empty TensorList"),
    # broadcasting
    ("add_broadcast", lambda lib: lib.ones(3) + lib.ones(4), RuntimeError,
     r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton "
     r"dimension 0"),
    ("mul_broadcast_2d", lambda lib: lib.ones(2, 3) * lib.ones(4, 1, 2), RuntimeError,
     r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton "
     r"dimension 2"),
    ("eq_broadcast", lambda lib: lib.ones(3) == lib.ones(4), RuntimeError,
     r"The size of tensor a \(3\) must match the size of tensor b \(4\)"),
    ("lt_broadcast", lambda lib: lib.ones(2, 3) < lib.ones(2), RuntimeError, "must match"),
    ("where_broadcast", lambda lib: lib.where(lib.ones(3) > 0, lib.ones(4), 0.0), RuntimeError,
     "must match the size"),
    ("add_inplace_grows", lambda lib: lib.zeros(3).add_(lib.ones(2, 3)), RuntimeError,
     r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"),
    ("copy_broadcast", lambda lib: lib.zeros(2, 3).copy_(lib.ones(4)), RuntimeError,
     "must match the size"),
    ("masked_fill_shape", lambda lib: lib.zeros(2, 3).masked_fill(lib.ones(4) > 0, 1.0),
     RuntimeError, "must match the size"),
    # dtypes
    ("int_add_float_inplace", lambda lib: lib.zeros(3, dtype=lib.int64).add_(1.5), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    ("int_div_inplace", lambda lib: lib.ones(3, dtype=lib.int64).div_(2), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    ("bool_sub", lambda lib: lib.ones(2, dtype=lib.bool) - lib.ones(2, dtype=lib.bool),
     RuntimeError, "Subtraction, the `-` operator, with two bool tensors is not supported"),
    ("bool_neg", lambda lib: -lib.ones(2, dtype=lib.bool), RuntimeError,
     "Negation, the `-` operator, on a bool tensor is not supported"),
    ("int_negative_pow", lambda lib: lib.tensor([2, 3]) ** -1, RuntimeError,
     "Integers to negative integer powers are not allowed"),
    ("mean_int", lambda lib: lib.tensor([1, 2]).mean(), RuntimeError,
     "mean\\(\\): could not infer output dtype"),
    ("masked_fill_int_mask", lambda lib: lib.zeros(2).masked_fill(lib.tensor([1, 0]), 1.0),
     RuntimeError, "only supports boolean masks"),
    ("where_int_condition", lambda lib: lib.where(lib.tensor([1, 0]), lib.ones(2), lib.zeros(2)),
     RuntimeError, "where expected condition to be a boolean tensor"),
    ("requires_grad_int", lambda lib: lib.tensor([1, 2], requires_grad=True), RuntimeError,
     "Only Tensors of floating point and complex dtype can require gradients"),
    ("requires_grad_int_setter", lambda lib: lib.tensor([1, 2]).requires_grad_(), RuntimeError,
     "only Tensors of floating point dtype can require gradients"),
    # conversions
    ("item_many", lambda lib: lib.ones(2).item(), RuntimeError,
     "a Tensor with 2 elements cannot be converted to Scalar"),
    ("bool_many", lambda lib: bool(lib.ones(2)), RuntimeError,
     "Boolean value of Tensor with more than one value is ambiguous"),
    ("len_0d", lambda lib: len(lib.tensor(1.0)), TypeError, "len\\(\\) of a 0-d tensor"),
    ("iter_0d", lambda lib: iter(lib.tensor(1.0)), TypeError, "iteration over a 0-d tensor"),
    ("numpy_requires_grad", lambda lib: _leaf(lib, 2).numpy(), RuntimeError,
     r"Can't call numpy\(\) on Tensor that requires grad"),
    ("index_float", lambda lib: lib.ones(3)[lib.tensor([0.0])], IndexError, None),
    ("index_out_of_bounds", lambda lib: lib.ones(2, 3)[2], IndexError,
     "index 2 is out of bounds for dimension 0 with size 2"),
    ("index_out_of_bounds_dim1", lambda lib: lib.ones(2, 3)[0, -4], IndexError,
     "index -4 is out of bounds for dimension 1 with size 3"),
    ("index_too_many", lambda lib: lib.ones(2)[0, 0], IndexError,
     "too many indices for tensor of dimension 1"),
    ("index_array_out_of_bounds", lambda lib: lib.ones(2, 3)[[0, 5]], IndexError, None),
    ("index_mask_shape", lambda lib: lib.ones(2, 3)[lib.ones(3) > 0], IndexError, None),
    ("setitem_out_of_bounds", lambda lib: lib.ones(2, 3).__setitem__((0, 3), 1.0), IndexError,
     "index 3 is out of bounds for dimension 1 with size 3"),
    ("setitem_shape", lambda lib: lib.ones(2, 3).__setitem__(0, lib.ones(2)), RuntimeError,
     None),
    # random
    ("randint_range", lambda lib: lib.randint(5, 5, (2,)), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"),
    ("normal_negative_std", lambda lib: lib.normal(lib.zeros(2), -1.0), RuntimeError,
     "normal expects std >= 0.0"),
    # autograd entry points
    ("backward_non_scalar", lambda lib: (_leaf(lib, 2) * 2).backward(), RuntimeError,
     "grad can be implicitly created only for scalar outputs"),
    ("backward_no_grad", lambda lib: lib.ones(2).sum().backward(), RuntimeError,
     "element 0 of tensors does not require grad and does not have a grad_fn"),
    ("backward_gradient_shape", lambda lib: (_leaf(lib, 2) * 2).backward(lib.ones(3)),
     RuntimeError, "Mismatch in shape"),
    ("floor_divide_backward", lambda lib: (_leaf(lib, 2) // 2).sum().backward(), RuntimeError,
     "derivative for aten::floor_divide is not implemented"),
    ("rremainder_backward", lambda lib: (5 % _leaf(lib, 2)).sum().backward(), RuntimeError,
     "is not implemented"),
    ("div_rounding_mode", lambda lib: lib.ones(2).div(2, rounding_mode="round"), RuntimeError,
     "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'"),
    ("inplace_on_leaf", lambda lib: _leaf(lib, 2).add_(1), RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation"),
    ("inplace_fill_leaf", lambda lib: _leaf(lib, 2).fill_(1), RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation"),
    ("setitem_leaf", lambda lib: _leaf(lib, 2).__setitem__(0, 1.0), RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation"),
    ("requires_grad_false_non_leaf", lambda lib: (_leaf(lib, 2) * 2).requires_grad_(False),
     RuntimeError, "you can only change requires_grad flags of leaf variables"),
    ("grad_unused", lambda lib: lib.autograd.grad(_leaf(lib, 2).sum(), [_leaf(lib, 2)]),
     RuntimeError, "The differentiated Tensor at index 0 appears to not have been used in the "
     "graph. Set allow_unused=True"),
    ("grad_input_no_grad", lambda lib: lib.autograd.grad(_leaf(lib, 2).sum(), [lib.ones(2)]),
     RuntimeError, "One of the differentiated Tensors does not require grad"),
]


@pytest.mark.parametrize("fn, exception, match", [pytest.param(*e[1:], id=e[0]) for e in ERRORS])
def test_raises_like_torch(fn, exception, match):
    helper_test_exception(fn, exception, match=match)


DIM_ERRORS = {
    "size": lambda t, lib: t.size(2),
    "sum": lambda t, lib: t.sum(2),
    "sum_tuple": lambda t, lib: t.sum((0, -3)),
    "mean": lambda t, lib: t.mean(-3),
    "var": lambda t, lib: t.var(2),
    "std": lambda t, lib: t.std(5),
    "max": lambda t, lib: t.max(2),
    "min": lambda t, lib: t.min(-3),
    "argmax": lambda t, lib: t.argmax(2),
    "argmin": lambda t, lib: t.argmin(-3),
    "softmax": lambda t, lib: t.softmax(2),
    "log_softmax": lambda t, lib: t.log_softmax(-3),
    "squeeze": lambda t, lib: t.squeeze(2),
    "unsqueeze": lambda t, lib: t.unsqueeze(3),
    "unsqueeze_neg": lambda t, lib: t.unsqueeze(-4),
    "transpose": lambda t, lib: t.transpose(0, 2),
    "permute": lambda t, lib: t.permute(0, 2),
    "flatten": lambda t, lib: t.flatten(0, 2),
    "chunk": lambda t, lib: t.chunk(2, 2),
    "split": lambda t, lib: t.split(1, -3),
    "unbind": lambda t, lib: t.unbind(2),
    "select": lambda t, lib: t.select(2, 0),
    "narrow": lambda t, lib: t.narrow(2, 0, 1),
    "cat": lambda t, lib: lib.cat([t, t], 2),
    "stack": lambda t, lib: lib.stack([t, t], 4),
    "any": lambda t, lib: t.any(2),
    "all": lambda t, lib: t.all(-3),
    "flip": lambda t, lib: t.flip(2),
    "cumsum": lambda t, lib: t.cumsum(2),
}


@pytest.mark.parametrize("op", list(DIM_ERRORS.values()), ids=list(DIM_ERRORS))
def test_dim_out_of_range_is_index_error(op):
    err = helper_test_exception(lambda lib: op(lib.ones(2, 3), lib), IndexError,
                                match=r"Dimension out of range \(expected to be in range of")
    assert "but got" in str(err)


def test_0d_tensor_accepts_dims_0_and_minus_1_only():
    torch_err = helper_test_exception(lambda lib: lib.tensor(1.0).sum(1), IndexError,
                                      match=r"\[-1, 0\], but got 1")
    assert torch_err is not None
    assert cynn.tensor(2.0).sum(-1).item() == 2.0
    assert cynn.tensor(2.0).unsqueeze(0).shape == (1,)
