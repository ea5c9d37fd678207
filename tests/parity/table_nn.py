"""Parity table entries of torch.nn.functional: losses, normalisation, embeddings,
convolution, pooling, resampling, dropout in eval mode. See parity_opinfo."""
import parity_samples as S
from parity_engine import Sample, T
from parity_opinfo import TABLE, add, functional, functional_of, nn_cases

# ------------------------------------------------------------ losses
for _name in ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss"]:
    functional(_name, S.regression_loss)
add("F.smooth_l1_loss(beta=0.5)",
    lambda lib: (lambda *a, **k: lib.nn.functional.smooth_l1_loss(*a, beta=0.5, **k)),
    S.regression_loss)
add("F.huber_loss(delta=0.5)",
    lambda lib: (lambda *a, **k: lib.nn.functional.huber_loss(*a, delta=0.5, **k)),
    S.regression_loss)
add("F.mse_loss(broadcast)", functional_of("mse_loss"),
    lambda: [Sample("broadcast", [T((3, 4)), T((4,))]),
             Sample("mismatch", [T((3, 4)), T((2, 4))], grad=False)])
functional("binary_cross_entropy",
           lambda: S.regression_loss(low=0.05, high=0.95, tlow=0.0, thigh=1.0)
           + [Sample("weight", [T((3, 4), low=0.05, high=0.95), T((3, 4), low=0, high=1),
                                T((4,), grad=False)]),
              Sample("hard_zero_one", [T([0.0, 1.0, 0.5]), T([0.0, 1.0, 1.0])],
                     ones_upstream=True),
              Sample("out_of_range", [T([1.5]), T([1.0])], grad=False)])
functional("binary_cross_entropy_with_logits",
           lambda: S.regression_loss(tlow=0.0, thigh=1.0)
           + [Sample("pos_weight", [T((3, 4)), T((3, 4), low=0, high=1)],
                     {"pos_weight": T((4,), low=0.5, high=2.0, grad=False)})])
functional("kl_div", lambda: S.regression_loss(low=-3.0, high=-0.1, tlow=0.05, thigh=1.0)
           + [Sample("batchmean", [T((3, 4), low=-3.0, high=-0.1), T((3, 4), low=0.05, high=1.0)],
                     {"reduction": "batchmean"}),
              Sample("log_target", [T((3, 4), low=-3.0, high=-0.1), T((3, 4), low=-3.0,
                                                                      high=-0.1)],
                     {"log_target": True}),
              Sample("zero_target", [T([-1.0, -2.0]), T([0.0, 0.5])], {"reduction": "sum"})])
functional("poisson_nll_loss", lambda: S.regression_loss(tlow=0.0, thigh=3.0)
           + [Sample("no_log_input", [T((3, 4), low=0.1, high=2.0), T((3, 4), low=0, high=3)],
                     {"log_input": False}),
              Sample("full", [T((3, 4)), T((3, 4), low=0, high=3)], {"full": True})])
functional("gaussian_nll_loss",
           lambda: [Sample("same", [T((3, 4)), T((3, 4)), T((3, 4), low=0.1, high=2.0)]),
                    Sample("var_bcast", [T((3, 4)), T((3, 4)), T((3, 1), low=0.1, high=2.0)]),
                    Sample("full_sum", [T((3, 4)), T((3, 4)), T((3, 4), low=0.1, high=2.0)],
                           {"full": True, "reduction": "sum"}),
                    Sample("negative_var", [T((3,)), T((3,)), T([-1.0, 1.0, 1.0])], grad=False)])


def _class_loss_samples():
    targets = T([0, 3, 1], "int64")
    return [Sample("mean", [T((3, 4)), targets]),
            Sample("sum", [T((3, 4)), targets], {"reduction": "sum"}),
            Sample("none", [T((3, 4)), targets], {"reduction": "none"}),
            Sample("weight", [T((3, 4)), targets], {"weight": T((4,), low=0.1, high=1.0,
                                                                 grad=False)}),
            Sample("ignore_index", [T((3, 4)), T([0, -100, 1], "int64")]),
            Sample("ignore_index_all", [T((2, 4)), T([1, 1], "int64")], {"ignore_index": 1}),
            Sample("unbatched", [T((4,)), T(2, "int64")]),
            Sample("spatial", [T((2, 4, 3)), T([[0, 1, 3], [2, 2, 0]], "int64")]),
            Sample("empty", [T((0, 4)), T((0,), "int64")]),
            Sample("f64", [T((3, 4), "float64"), targets]),
            Sample("target_oob", [T((3, 4)), T([0, 4, 1], "int64")], grad=False),
            Sample("batch_mismatch", [T((3, 4)), T([0, 1], "int64")], grad=False),
            Sample("float_target", [T((3, 4)), T([0.0, 1.0, 2.0])], grad=False)]


functional("nll_loss", lambda: [s for s in _class_loss_samples() if s.case != "float_target"])
functional("cross_entropy",
           lambda: _class_loss_samples()
           + [Sample("label_smoothing", [T((3, 4)), T([0, 3, 1], "int64")],
                     {"label_smoothing": 0.2}),
              Sample("probabilities", [T((3, 4)), T((3, 4), low=0.0, high=0.5)]),
              Sample("probabilities_smoothing", [T((3, 4)), T((3, 4), low=0.0, high=0.5)],
                     {"label_smoothing": 0.1}),
              Sample("special", [T([[0.0, float("inf")], [float("-inf"), 1.0]]),
                                 T([1, 0], "int64")], ones_upstream=True)])
functional("margin_ranking_loss",
           lambda: [Sample("mean", [T((4,)), T((4,)), T([1.0, -1.0, 1.0, -1.0], grad=False)]),
                    Sample("margin", [T((4,)), T((4,)), T([1.0, -1.0, 1.0, -1.0], grad=False)],
                           {"margin": 0.5, "reduction": "none"}),
                    Sample("0d", [T(()), T(()), T(1.0, grad=False)])])
functional("hinge_embedding_loss",
           lambda: [Sample("mean", [T((3, 4)), T([[1.0, -1.0, 1.0, -1.0]] * 3, grad=False)]),
                    Sample("none", [T((3, 4)), T([[1.0, -1.0, 1.0, -1.0]] * 3, grad=False)],
                           {"reduction": "none", "margin": 0.5})])
functional("cosine_embedding_loss",
           lambda: [Sample("mean", [T((3, 4)), T((3, 4)), T([1.0, -1.0, 1.0], grad=False)]),
                    Sample("margin_none", [T((3, 4)), T((3, 4)), T([1.0, -1.0, -1.0], grad=False)],
                           {"margin": 0.2, "reduction": "none"}),
                    Sample("unbatched", [T((4,)), T((4,)), T(1.0, grad=False)])])
functional("triplet_margin_loss",
           lambda: [Sample("mean", [T((3, 4)), T((3, 4)), T((3, 4))]),
                    Sample("swap_p1", [T((3, 4)), T((3, 4)), T((3, 4))], {"swap": True, "p": 1.0}),
                    Sample("none", [T((3, 4)), T((3, 4)), T((3, 4))], {"reduction": "none"})])
functional("multilabel_soft_margin_loss",
           lambda: [Sample("mean", [T((3, 4)), T((3, 4), low=0, high=1, grad=False)]),
                    Sample("none", [T((3, 4)), T((3, 4), low=0, high=1, grad=False)],
                           {"reduction": "none"})])
functional("multi_margin_loss",
           lambda: [Sample("mean", [T((3, 4)), T([0, 3, 1], "int64")]),
                    Sample("p2_margin", [T((3, 4)), T([0, 3, 1], "int64")], {"p": 2,
                                                                             "margin": 0.5}),
                    Sample("none", [T((3, 4)), T([0, 3, 1], "int64")], {"reduction": "none"})])
functional("multilabel_margin_loss",
           lambda: [Sample("mean", [T((2, 4)), T([[3, 0, -1, 1], [1, 2, 3, -1]], "int64")]),
                    Sample("none", [T((2, 4)), T([[3, 0, -1, 1], [1, 2, 3, -1]], "int64")],
                           {"reduction": "none"})])

# ------------------------------------------------------------ other nn.functional
add("F.linear", functional_of("linear"),
    lambda: S.matrix({"bias": [(3, 4), (2, 4), (2,)], "no_bias": [(3, 4), (2, 4)],
                      "1d_input": [(4,), (2, 4), (2,)], "batched": [(2, 3, 4), (2, 4)]},
                     errors=[[(3, 4), (2, 3)]]))
add("F.bilinear", functional_of("bilinear"),
    lambda: [Sample("bias", [T((3, 2)), T((3, 4)), T((5, 2, 4)), T((5,))])])
add("F.layer_norm", functional_of("layer_norm"),
    lambda: [Sample("last", [T((3, 4)), (4,)]), Sample("affine", [T((3, 4)), (4,), T((4,)),
                                                                  T((4,))]),
             Sample("two_dims", [T((2, 3, 4)), (3, 4)]), Sample("constant_row", [T([[1.0] * 4]),
                                                                                 (4,)]),
             Sample("bad_shape", [T((3, 4)), (3,)], grad=False),
             Sample("T", [T((3, 4), view="T"), (3,)])])
add("F.rms_norm", functional_of("rms_norm"),
    lambda: [Sample("last", [T((3, 4)), (4,)]), Sample("weight", [T((3, 4)), (4,), T((4,))]),
             Sample("zeros", [T([[0.0] * 4]), (4,)])])
add("F.group_norm", functional_of("group_norm"),
    lambda: [Sample("g2", [T((2, 4, 3)), 2]), Sample("affine", [T((2, 4, 3)), 2, T((4,)),
                                                                T((4,))]),
             Sample("bad_groups", [T((2, 4, 3)), 3], grad=False)])
add("F.batch_norm(train)", lambda lib: (lambda x: lib.nn.functional.batch_norm(
    x, None, None, training=True)),
    lambda: [Sample("2d", [T((4, 3))]), Sample("3d", [T((2, 3, 4))]),
             Sample("one_value", [T((1, 3))], grad=False)])
add("F.instance_norm", functional_of("instance_norm"), lambda: [Sample("3d", [T((2, 3, 4))])])
add("F.cosine_similarity", functional_of("cosine_similarity"),
    lambda: S.matrix({"2d": [(3, 4), (3, 4)], "bcast": [(3, 4), (4,)]}, errors=[[(3, 4), (2, 4)]])
    + [Sample("zeros", [T([[0.0, 0.0]]), T([[1.0, 2.0]])])])
add("F.pairwise_distance", functional_of("pairwise_distance"),
    lambda: S.matrix({"2d": [(3, 4), (3, 4)]}) + [Sample("same", [T([[1.0, 2.0]]),
                                                                 T([[1.0, 2.0]])])])
add("F.pdist", functional_of("pdist"), lambda: S.matrix({"2d": [(4, 3)]}))
add("F.one_hot", functional_of("one_hot"),
    lambda: [Sample("default", [T([0, 2, 1], "int64")]), Sample("classes", [T([0, 2], "int64"),
                                                                            4]),
             Sample("0d", [T(1, "int64"), 3]), Sample("negative", [T([-1], "int64"), 3]),
             Sample("too_big", [T([3], "int64"), 3]), Sample("float", [T([1.0])], grad=False)])
add("F.embedding", functional_of("embedding"),
    lambda: [Sample("2d", [T([[0, 2], [1, 0]], "int64"), T((3, 4))]),
             Sample("padding_idx", [T([0, 2, 0], "int64"), T((3, 4))], {"padding_idx": 0}),
             Sample("oob", [T([3], "int64"), T((3, 4))], grad=False)])
add("F.pad", functional_of("pad"),
    lambda: [Sample("constant", [T((2, 3)), (1, 2)]), Sample("value", [T((2, 3)), (1, 0, 0, 1)],
                                                             {"value": -1.0}),
             Sample("negative", [T((2, 4)), (-1, 1)]),
             Sample("reflect", [T((1, 2, 4)), (2, 1)], {"mode": "reflect"}),
             Sample("replicate", [T((1, 2, 4)), (2, 1)], {"mode": "replicate"}),
             Sample("circular", [T((1, 2, 4)), (2, 1)], {"mode": "circular"}),
             Sample("odd_pad", [T((2, 3)), (1,)], grad=False),
             Sample("reflect_too_big", [T((1, 2, 3)), (3, 0)], {"mode": "reflect"}, grad=False)])
add("F.dropout(eval)", lambda lib: (lambda x: lib.nn.functional.dropout(x, 0.5, training=False)),
    lambda: S.unary(ints=False))
add("F.dropout(p=1)", lambda lib: (lambda x: lib.nn.functional.dropout(x, 1.0)),
    lambda: [s for s in S.unary(ints=False) if not s.case.startswith("special")])
add("F.dropout(bad_p)", lambda lib: (lambda x: lib.nn.functional.dropout(x, 1.5)),
    lambda: [Sample("p", [T((3,))], grad=False)])


# ------------------------------------------------------------ convolution, pooling, resampling
nn_cases("conv1d", ("plain", [T((2, 3, 7)), T((4, 3, 3)), T((4,))], {}, True),
         ("stride_pad_dil", [T((1, 2, 9)), T((2, 2, 3))], {"stride": 2, "padding": 1,
                                                           "dilation": 2},
          True),
         ("groups", [T((1, 4, 6)), T((4, 2, 3))], {"groups": 2}, True),
         ("same", [T((1, 2, 6)), T((3, 2, 4))], {"padding": "same"}, True),
         ("unbatched", [T((3, 7)), T((4, 3, 3))], {}, True),
         ("channel_mismatch", [T((2, 3, 7)), T((4, 2, 3))], {}, False),
         ("kernel_too_big", [T((1, 1, 2)), T((1, 1, 3))], {}, False),
         ("same_strided", [T((1, 2, 6)), T((3, 2, 4))], {"padding": "same", "stride": 2}, False))
nn_cases("conv2d", ("plain", [T((2, 3, 5, 5)), T((4, 3, 3, 3)), T((4,))], {}, True),
         ("stride_pad", [T((1, 2, 6, 5)), T((2, 2, 3, 2))],
          {"stride": (2, 1), "padding": (1, 0)}, True),
         ("dilation_groups", [T((1, 4, 7, 7)), T((4, 1, 3, 3))], {"dilation": 2, "groups": 4},
          True),
         ("same_even_kernel", [T((1, 1, 5, 5)), T((1, 1, 2, 4))], {"padding": "same"}, True),
         ("T_input", [T((1, 2, 5, 4), view="T"), T((1, 2, 3, 3))], {}, True),
         ("empty_batch", [T((0, 3, 5, 5)), T((4, 3, 3, 3))], {}, True),
         ("f64", [T((1, 2, 4, 4), "float64"), T((1, 2, 3, 3), "float64")], {}, True),
         ("bad_groups", [T((1, 3, 5, 5)), T((4, 1, 3, 3))], {"groups": 2}, False),
         ("dtype_mismatch", [T((1, 1, 3, 3)), T((1, 1, 2, 2), "float64")], {}, False),
         ("3d_weight", [T((1, 1, 3, 3)), T((1, 1, 2))], {}, False))
nn_cases("conv3d", ("plain", [T((1, 2, 4, 4, 4)), T((2, 2, 2, 2, 2))], {"padding": 1}, True))
nn_cases("conv_transpose1d", ("plain", [T((1, 2, 5)), T((2, 3, 3))], {"stride": 2,
                                                                      "output_padding": 1},
                              True))
nn_cases("conv_transpose2d", ("plain", [T((2, 2, 4, 4)), T((2, 3, 3, 3)), T((3,))], {}, True),
         ("stride_outpad", [T((1, 2, 3, 3)), T((2, 1, 3, 3))], {"stride": 2, "padding": 1,
                                                              "output_padding": 1}, True),
         ("groups", [T((1, 4, 3, 3)), T((4, 1, 2, 2))], {"groups": 2}, True),
         ("bad_outpad", [T((1, 2, 3, 3)), T((2, 1, 3, 3))], {"stride": 2, "output_padding": 2},
          False))
nn_cases("conv_transpose3d", ("plain", [T((1, 2, 3, 3, 3)), T((2, 1, 2, 2, 2))], {"stride": 2},
                              True))
nn_cases("max_pool1d", ("plain", [T((2, 3, 8)), 2], {}, True),
         ("ceil_pad", [T((1, 2, 7)), 3], {"stride": 2, "padding": 1, "ceil_mode": True}, True),
         ("ties", [T([[[1.0, 1.0, 2.0, 2.0, 0.0, 0.0]]]), 2], {}, True),
         ("pad_too_big", [T((1, 1, 6)), 2], {"padding": 2}, False))
nn_cases("max_pool2d", ("plain", [T((2, 3, 6, 6)), 2], {}, True),
         ("indices", [T((1, 2, 5, 5)), 3], {"stride": 2, "padding": 1, "return_indices": True},
          True),
         ("ceil_dilation", [T((1, 1, 7, 7)), 2], {"dilation": 2, "ceil_mode": True}, True),
         ("ties", [T([[[[1.0, 1.0], [1.0, 1.0]]]]), 2], {"return_indices": True}, True),
         ("special", [T([[[[float("nan"), 1.0], [float("inf"), 0.0]]]]), 2], {}, True),
         ("unbatched", [T((2, 4, 4)), 2], {}, True),
         ("output_too_small", [T((1, 1, 2, 2)), 3], {}, False))
nn_cases("max_pool3d", ("plain", [T((1, 2, 4, 4, 4)), 2], {}, True))
nn_cases("avg_pool1d", ("plain", [T((2, 3, 8)), 2], {}, True),
         ("pad_no_count", [T((1, 2, 7)), 3], {"stride": 2, "padding": 1,
                                              "count_include_pad": False},
          True))
nn_cases("avg_pool2d", ("plain", [T((2, 3, 6, 6)), 2], {}, True),
         ("ceil_pad", [T((1, 2, 5, 5)), 3], {"stride": 2, "padding": 1, "ceil_mode": True}, True),
         ("divisor", [T((1, 1, 4, 4)), 2], {"divisor_override": 3}, True),
         ("pad_too_big", [T((1, 1, 4, 4)), 2], {"padding": 2}, False))
nn_cases("avg_pool3d", ("plain", [T((1, 2, 4, 4, 4)), 2], {}, True))
for _n, _shape_in in [("adaptive_avg_pool1d", (2, 3, 7)), ("adaptive_max_pool1d", (2, 3, 7)),
                      ("adaptive_avg_pool2d", (1, 2, 7, 5)), ("adaptive_max_pool2d", (1, 2, 7, 5)),
                      ("adaptive_avg_pool3d", (1, 1, 5, 4, 3)),
                      ("adaptive_max_pool3d", (1, 1, 5, 4, 3))]:
    _rank = len(_shape_in) - 2
    nn_cases(_n, ("shrink", [T(_shape_in), 3], {}, True),
                     ("grow", [T(_shape_in), 9], {}, True),
                     ("none_size", [T(_shape_in), (None,) * (_rank - 1) + (2,)], {}, True),
                     ("zero", [T(_shape_in), 0], {}, False))
nn_cases("lp_pool1d", ("p2", [T((1, 2, 6), low=0.1), 2.0, 2], {}, True))
nn_cases("lp_pool2d", ("p2", [T((1, 2, 4, 4), low=0.1), 2.0, 2], {}, True),
         ("zeros", [T([[[[0.0, 0.0], [0.0, 0.0]]]]), 2.0, 2], {}, True))
nn_cases("interpolate", ("nearest", [T((1, 2, 3, 4))], {"scale_factor": 2}, True),
         ("nearest_size", [T((1, 2, 3, 4))], {"size": (5, 7)}, True),
         ("nearest_exact", [T((1, 1, 3, 4))], {"size": (5, 7), "mode": "nearest-exact"}, True),
         ("bilinear", [T((1, 2, 3, 4))], {"size": (5, 7), "mode": "bilinear"}, True),
         ("bilinear_corners", [T((1, 2, 3, 4))], {"scale_factor": 1.5, "mode": "bilinear",
                                                   "align_corners": True}, True),
         ("linear", [T((1, 2, 5))], {"size": 8, "mode": "linear"}, True),
         ("bicubic", [T((1, 1, 4, 4))], {"size": (6, 5), "mode": "bicubic"}, True),
         ("area", [T((1, 1, 6, 6))], {"size": (4, 3), "mode": "area"}, True),
         ("trilinear", [T((1, 1, 3, 3, 3))], {"scale_factor": 2, "mode": "trilinear"}, True),
         ("both_size_and_scale", [T((1, 1, 3, 3))], {"size": 4, "scale_factor": 2}, False),
         ("corners_with_nearest", [T((1, 1, 3, 3))], {"size": 4, "align_corners": True}, False))
nn_cases("pixel_shuffle", ("r2", [T((1, 8, 2, 3)), 2], {}, True), ("bad", [T((1, 3, 2, 2)), 2],
                                                                   {}, False))
nn_cases("pixel_unshuffle", ("r2", [T((1, 2, 4, 6)), 2], {}, True))
nn_cases("channel_shuffle", ("g2", [T((1, 4, 2, 2)), 2], {}, False))
nn_cases("unfold", ("plain", [T((1, 2, 4, 5)), 2], {}, True),
         ("stride_pad_dil", [T((1, 1, 5, 5)), (2, 3)], {"stride": 2, "padding": 1,
                                                        "dilation": (1, 2)},
          True))
nn_cases("fold", ("plain", [T((1, 8, 12)), (4, 5), 2], {}, True),
         ("bad", [T((1, 7, 12)), (4, 5), 2], {}, False))
nn_cases("local_response_norm", ("plain", [T((2, 5, 3, 3)), 3], {}, True))
nn_cases("embedding_bag", ("mean", [T([0, 2, 1, 1], "int64"), T((3, 4)), T([0, 2], "int64")],
                           {}, True),
         ("sum", [T([0, 2, 1, 1], "int64"), T((3, 4)), T([0, 2], "int64")], {"mode": "sum"}, True),
         ("max", [T([0, 2, 1, 1], "int64"), T((3, 4)), T([0, 2], "int64")], {"mode": "max"}, True),
         ("2d", [T([[0, 2], [1, 1]], "int64"), T((3, 4))], {}, True))
nn_cases("affine_grid", ("2d", [T((2, 2, 3)), (2, 1, 3, 4)], {"align_corners": False}, True))
nn_cases("grid_sample", ("bilinear", [T((1, 2, 3, 4)), T((1, 2, 2, 2), low=-1.2, high=1.2)],
                         {"align_corners": False}, True),
         ("nearest_border", [T((1, 2, 3, 4)), T((1, 2, 2, 2), low=-1.2, high=1.2)],
          {"mode": "nearest", "padding_mode": "border", "align_corners": False}, True))
nn_cases("scaled_dot_product_attention",
         ("plain", [T((2, 3, 4)), T((2, 5, 4)), T((2, 5, 4))], {}, True),
         ("causal", [T((1, 3, 4)), T((1, 3, 4)), T((1, 3, 4))], {"is_causal": True}, True),
         ("bool_mask", [T((1, 3, 4)), T((1, 3, 4)), T((1, 3, 4)), T((3, 3), "bool")], {}, True))
nn_cases("triplet_margin_with_distance_loss",
         ("default", [T((3, 4)), T((3, 4)), T((3, 4))], {}, True))
nn_cases("dropout1d", ("eval", [T((2, 3, 4))], {"training": False}, True))
nn_cases("dropout2d", ("eval", [T((2, 3, 4, 4))], {"training": False}, True),
         ("bad_rank", [T((3,))], {"training": False}, False))
nn_cases("dropout3d", ("eval", [T((1, 2, 3, 3, 3))], {"training": False}, True))
nn_cases("alpha_dropout", ("eval", [T((2, 3))], {"training": False}, True))
nn_cases("feature_alpha_dropout", ("eval", [T((2, 3, 4))], {"training": False}, True))
_CTC_SCORES = T([[[0.1 * (i + j + k) for k in range(4)] for j in range(2)] for i in range(6)])
add("F.ctc_loss", lambda lib: (lambda x, *a, **k: lib.nn.functional.ctc_loss(
    x.log_softmax(-1), *a, **k)),
    lambda: [Sample("mean", [_CTC_SCORES, T([[1, 2], [3, 1]], "int64"), (6, 5), (2, 2)]),
             Sample("sum", [_CTC_SCORES, T([[1, 2], [3, 1]], "int64"), (6, 5), (2, 2)],
                    {"reduction": "sum"}),
             Sample("zero_infinity", [_CTC_SCORES, T([[1, 1], [3, 1]], "int64"), (6, 1), (2, 2)],
                    {"zero_infinity": True})])


# ------------------------------------------------------------ loss modules
def _loss_module(cls_name, functional_name, arity, fixed=None):
    """nn.<Loss>(**kwargs)(*tensors) over the functional loss's samples that fit the
    module's forward (``arity`` tensors; the other arguments go to the constructor)."""
    source = next(info for info in TABLE if info.name == f"F.{functional_name}")
    fixed = dict(fixed or {})

    def op(lib):
        return lambda *tensors, **kwargs: getattr(lib.nn, cls_name)(**fixed, **kwargs)(*tensors)

    def samples():
        return [s for s in source.samples() if len(s.args) == arity]
    add(f"nn.{cls_name}", op, samples)


for _cls, _fn, _arity in [
        ("MSELoss", "mse_loss", 2), ("L1Loss", "l1_loss", 2),
        ("SmoothL1Loss", "smooth_l1_loss", 2),
        ("HuberLoss", "huber_loss", 2), ("SoftMarginLoss", "soft_margin_loss", 2),
        ("BCELoss", "binary_cross_entropy", 2),
        ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits", 2),
        ("KLDivLoss", "kl_div", 2), ("PoissonNLLLoss", "poisson_nll_loss", 2),
        ("GaussianNLLLoss", "gaussian_nll_loss", 3), ("NLLLoss", "nll_loss", 2),
        ("CrossEntropyLoss", "cross_entropy", 2), ("MarginRankingLoss", "margin_ranking_loss", 3),
        ("HingeEmbeddingLoss", "hinge_embedding_loss", 2),
        ("CosineEmbeddingLoss", "cosine_embedding_loss", 3),
        ("TripletMarginLoss", "triplet_margin_loss", 3),
        ("MultiLabelSoftMarginLoss", "multilabel_soft_margin_loss", 2),
        ("MultiMarginLoss", "multi_margin_loss", 2),
        ("MultiLabelMarginLoss", "multilabel_margin_loss", 2)]:
    _loss_module(_cls, _fn, _arity)
