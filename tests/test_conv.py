"""bpcourse.conv: gradient checks, naive == fast, ties in max pooling, the
rotated-kernel identities of the book, error messages; torch cross-check when
torch happens to be installed (never required)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcourse import conv
from bpcourse.conv import (
    AvgPool2D,
    Conv2D,
    MaxPool2D,
    avgpool2d_backward,
    avgpool2d_backward_naive,
    avgpool2d_forward,
    avgpool2d_forward_naive,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
    convolve2d,
    correlate2d,
    maxpool2d_backward,
    maxpool2d_backward_naive,
    maxpool2d_forward,
    maxpool2d_forward_naive,
    pad,
    rot180,
)
from bpcourse.gradcheck import check_layer, numerical_gradient, rel_error

# --- strategies ----------------------------------------------------------------

@st.composite
def conv_case(draw):
    """A random (x, K, b, stride, padding) whose kernel fits the padded input."""
    n, c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 8))
    w = draw(st.integers(max(1, kw - 2 * pw), 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f),
            (sh, sw), (ph, pw), seed)


@st.composite
def pool_case(draw, distinct=True):
    """(x, kernel_size, stride): distinct values well apart (no ties, no kinks) unless distinct=False."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    h, w = draw(st.integers(kh, 7)), draw(st.integers(kw, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if distinct:
        x = rng.permutation(n * c * h * w).reshape(n, c, h, w) * 0.1 + rng.uniform(-0.02, 0.02, (n, c, h, w))
    else:
        x = rng.integers(0, 3, size=(n, c, h, w)).astype(float)   # ties everywhere
    return x, (kh, kw), stride


# --- convolution -----------------------------------------------------------------

@given(case=conv_case())
@settings(max_examples=40, deadline=None)
def test_conv2d_naive_equals_fast(case):
    x, K, b, s, p, _ = case
    z_naive = conv2d_forward_naive(x, K, b, s, p)
    z_fast = conv2d_forward(x, K, b, s, p)
    np.testing.assert_allclose(z_fast, z_naive, rtol=1e-12, atol=1e-12)
    dout = np.random.default_rng(1).normal(size=z_naive.shape)
    for got, want in zip(conv2d_backward(dout, x, K, s, p), conv2d_backward_naive(dout, x, K, s, p)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@given(case=conv_case())
@settings(max_examples=25, deadline=None)
def test_conv2d_layer_gradient_check(case):
    """Elementwise rel_error < 1e-7.  x, K and dout are kept positive so that no entry of dx or dK
    is a near-cancelling sum (there the elementwise relative error measures rounding, not the backward);
    signs are covered by the next test, naive == fast and the worked example."""
    x, K, b, s, p, seed = case
    layer = Conv2D(K.shape[1], K.shape[0], K.shape[2:], stride=s, padding=p, rng=seed)
    layer.params["K"][:] = np.abs(K) + 0.1
    layer.params["b"][:] = b
    x = np.abs(x) + 0.1
    dout = np.random.default_rng(seed).uniform(0.5, 1.5, size=layer.forward(x).shape)
    errors = check_layer(layer, x, dout=dout)
    assert set(errors) == {"x", "K", "b"}
    assert max(errors.values()) < 1e-7, errors


@given(case=conv_case())
@settings(max_examples=15, deadline=None)
def test_conv2d_layer_gradient_check_mixed_signs(case):
    """Random signs everywhere: the error relative to the largest entry stays tiny."""
    x, K, b, s, p, seed = case
    layer = Conv2D(K.shape[1], K.shape[0], K.shape[2:], stride=s, padding=p, rng=seed)
    layer.params["b"][:] = b
    dout = np.random.default_rng(seed).normal(size=layer.forward(x).shape)
    layer.forward(x)
    grads = {"x": layer.backward(dout), **{k: g.copy() for k, g in layer.grads.items()}}

    def loss(_):
        return np.sum(layer.forward(x) * dout)
    for name, param in (("x", x), ("K", layer.params["K"]), ("b", layer.params["b"])):
        num = numerical_gradient(loss, param)
        assert np.max(np.abs(num - grads[name])) <= 1e-8 * max(1.0, np.max(np.abs(num))), name


def test_conv2d_naive_backward_gradient_check():
    rng = np.random.default_rng(3)
    x, K, b = rng.normal(size=(2, 2, 6, 5)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    dout = rng.normal(size=conv2d_forward_naive(x, K, b, 2, 1).shape)
    dx, dK, db = conv2d_backward_naive(dout, x, K, 2, 1)

    def loss(_):
        return np.sum(conv2d_forward_naive(x, K, b, 2, 1) * dout)
    assert rel_error(dx, numerical_gradient(loss, x)) < 1e-7
    assert rel_error(dK, numerical_gradient(loss, K)) < 1e-7
    assert rel_error(db, numerical_gradient(loss, b)) < 1e-7


def test_conv2d_small_example_by_hand():
    """The book's 3x3 input, 2x2 kernel: every output is a weighted sum of one 2x2 window."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    K = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    z = conv2d_forward_naive(x, K, np.array([0.5]))
    # z[0, 0] = 1*1 + 2*2 + 4*3 + 5*4 + 0.5
    np.testing.assert_allclose(z[0, 0], [[37.5, 47.5], [67.5, 77.5]])
    dx, dK, db = conv2d_backward_naive(np.ones_like(z), x, K)
    np.testing.assert_allclose(dx[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    np.testing.assert_allclose(dK[0, 0], [[12, 16], [24, 28]])
    np.testing.assert_allclose(db, [4.0])


@given(case=conv_case())
@settings(max_examples=30, deadline=None)
def test_backward_is_full_convolution_with_rotated_kernel(case):
    """Stride 1: dx[c] = sum_f correlate2d(dout[f], rot180(K[f, c]), 'full') (cropped by the padding),
    dK[f, c] = sum_n correlate2d(xp[n, c], dout[n, f], 'valid'), db[f] = sum of dout[:, f]."""
    x, K, b, _, p, _ = case
    z = conv2d_forward(x, K, b, 1, p)
    dout = np.random.default_rng(2).normal(size=z.shape)
    dx, dK, db = conv2d_backward(dout, x, K, 1, p)
    N, C, H, W = x.shape
    F = K.shape[0]
    xp = pad(x, p)
    for n in range(N):
        for c in range(C):
            full = sum(correlate2d(dout[n, f], rot180(K[f, c]), "full") for f in range(F))
            np.testing.assert_allclose(full[p[0]:p[0] + H, p[1]:p[1] + W], dx[n, c], atol=1e-12)
            same = sum(convolve2d(dout[n, f], K[f, c], "full") for f in range(F))
            np.testing.assert_allclose(same, full, atol=1e-12)
    for f in range(F):
        for c in range(C):
            want = sum(correlate2d(xp[n, c], dout[n, f], "valid") for n in range(N))
            np.testing.assert_allclose(dK[f, c], want, atol=1e-12)
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)))


def test_conv2d_without_bias_and_with_integer_input():
    x = np.arange(16).reshape(1, 1, 4, 4)
    K = np.ones((1, 1, 2, 2))
    np.testing.assert_allclose(conv2d_forward(x, K), conv2d_forward_naive(x, K))
    assert conv2d_forward(x, K).dtype == np.float64


def test_conv2d_output_size_floors_like_pytorch():
    x = np.random.default_rng(0).normal(size=(1, 1, 7, 6))
    z = conv2d_forward(x, np.ones((1, 1, 3, 3)), stride=2)
    assert z.shape == (1, 1, 3, 2)       # floor((7-3)/2)+1 = 3, floor((6-3)/2)+1 = 2
    dx, _, _ = conv2d_backward(np.ones_like(z), x, np.ones((1, 1, 3, 3)), stride=2)
    assert np.all(dx[0, 0, :, 5] == 0)   # the last column is never under the kernel


def test_conv2d_layer_reuses_its_work_arrays_and_keeps_outputs_fresh():
    layer = Conv2D(2, 3, 3, padding=1, rng=0)
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(4, 2, 5, 5)), rng.normal(size=(4, 2, 5, 5))
    z1 = layer.forward(x1)
    dx1 = layer.backward(np.ones_like(z1))
    z1_copy, dx1_copy = z1.copy(), dx1.copy()
    layer.forward(x2)
    layer.backward(np.ones_like(z1))
    np.testing.assert_array_equal(z1, z1_copy)        # results handed out are never overwritten
    np.testing.assert_array_equal(dx1, dx1_copy)
    np.testing.assert_allclose(layer.forward(x2), conv2d_forward(x2, layer.params["K"], layer.params["b"], 1, 1))


def test_conv2d_init_and_repr():
    layer = Conv2D(3, 40, 5, rng=0)
    assert layer.params["K"].shape == (40, 3, 5, 5) and layer.params["b"].shape == (40,)
    assert layer.params["K"].std() == pytest.approx(np.sqrt(2 / 75), rel=0.05)
    assert np.all(layer.params["b"] == 0)
    np.testing.assert_array_equal(Conv2D(1, 2, 3, rng=4).params["K"], Conv2D(1, 2, 3, rng=4).params["K"])
    assert repr(Conv2D(1, 6, 5, padding=2)) == "Conv2D(1, 6, kernel_size=5, padding=2)"
    assert repr(Conv2D(1, 6, (3, 2), stride=2)) == "Conv2D(1, 6, kernel_size=(3, 2), stride=2)"


# --- helpers of the derivation -----------------------------------------------------

@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("kshape", [(1, 1), (2, 2), (3, 3), (2, 3), (4, 1), (3, 5)])
def test_correlate_and_convolve_match_scipy(mode, kshape):
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(0)
    x, k = rng.normal(size=(6, 7)), rng.normal(size=kshape)
    np.testing.assert_allclose(correlate2d(x, k, mode), signal.correlate2d(x, k, mode), atol=1e-12)
    np.testing.assert_allclose(convolve2d(x, k, mode), signal.convolve2d(x, k, mode), atol=1e-12)


def test_pad_and_rot180():
    k = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(rot180(k), [[5, 4, 3], [2, 1, 0]])
    np.testing.assert_array_equal(rot180(rot180(k)), k)
    assert pad(np.ones((2, 1, 3, 3)), 1).shape == (2, 1, 5, 5)
    assert pad(np.ones((3, 3)), (0, 2)).shape == (3, 7)
    assert pad(np.ones((3, 3)), 1)[0].sum() == 0


# --- pooling ----------------------------------------------------------------------

@given(case=pool_case())
@settings(max_examples=40, deadline=None)
def test_pool_gradient_checks(case):
    x, k, s = case
    for layer in (MaxPool2D(k, s), AvgPool2D(k, s)):
        # dout > 0: with overlapping windows a pixel sums several douts, and a near-cancelling
        # sum would make the elementwise relative error measure rounding, not the backward
        dout = np.random.default_rng(0).uniform(0.5, 1.5, size=layer.forward(x).shape)
        errors = check_layer(layer, x, dout=dout)
        assert errors == {"x": pytest.approx(0, abs=1e-7)}, (layer, errors)


@given(case=st.one_of(pool_case(), pool_case(distinct=False)))
@settings(max_examples=60, deadline=None)
def test_pool_naive_equals_fast_ties_included(case):
    x, k, s = case
    dout = np.random.default_rng(0).normal(size=maxpool2d_forward_naive(x, k, s).shape)
    np.testing.assert_array_equal(maxpool2d_forward(x, k, s), maxpool2d_forward_naive(x, k, s))
    np.testing.assert_allclose(maxpool2d_backward(dout, x, k, s), maxpool2d_backward_naive(dout, x, k, s),
                               atol=1e-15)
    layer = MaxPool2D(k, s)
    layer.forward(x)
    np.testing.assert_allclose(layer.backward(dout), maxpool2d_backward_naive(dout, x, k, s), atol=1e-15)
    np.testing.assert_allclose(avgpool2d_forward(x, k, s), avgpool2d_forward_naive(x, k, s), atol=1e-14)
    np.testing.assert_allclose(avgpool2d_backward(dout, x, k, s), avgpool2d_backward_naive(dout, x, k, s),
                               atol=1e-15)


@pytest.mark.parametrize("fn", [maxpool2d_backward, maxpool2d_backward_naive])
def test_maxpool_tie_goes_to_first_maximum_in_row_major_order(fn):
    x = np.array([[[[1.0, 3.0, 0.0, 0.0],
                    [3.0, 3.0, 0.0, 0.0],
                    [2.0, 5.0, 7.0, 1.0],
                    [5.0, 4.0, 1.0, 7.0]]]])
    dx = fn(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]), x, 2)
    np.testing.assert_array_equal(dx[0, 0], [[0, 10, 20, 0],    # 3 at (0,1) beats the 3s below it
                                             [0, 0, 0, 0],      # the all-zero window: its top-left
                                             [0, 30, 40, 0],    # 5 at (2,1) is read before 5 at (3,0)
                                             [0, 0, 0, 0]])
    assert dx.sum() == 100.0                                    # delta is routed, never copied


@pytest.mark.parametrize("fn", [maxpool2d_backward, maxpool2d_backward_naive])
def test_maxpool_overlapping_windows_add_up(fn):
    x = np.array([[[[0.0, 9.0, 0.0]]]])
    dx = fn(np.array([[[[1.0, 2.0]]]]), x, (1, 2), 1)           # both windows pick the 9
    np.testing.assert_array_equal(dx[0, 0], [[0.0, 3.0, 0.0]])


def test_maxpool_nan_is_the_maximum_and_its_first_nan_gets_delta():
    x = np.array([[[[1.0, np.nan], [np.nan, 5.0]]]])
    assert np.isnan(maxpool2d_forward(x, 2)).all() and np.isnan(maxpool2d_forward_naive(x, 2)).all()
    for fn in (maxpool2d_backward, maxpool2d_backward_naive):
        np.testing.assert_array_equal(fn(np.array([[[[2.0]]]]), x, 2)[0, 0], [[0, 2], [0, 0]])


def test_avgpool_spreads_delta_evenly():
    x = np.zeros((1, 1, 4, 4))
    dx = avgpool2d_backward(np.array([[[[4.0, 8.0], [12.0, 16.0]]]]), x, 2)
    np.testing.assert_array_equal(dx[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])


def test_pool_uncovered_pixels_get_zero_gradient():
    x = np.random.default_rng(0).normal(size=(1, 1, 5, 5))
    for fn in (maxpool2d_backward, avgpool2d_backward):
        dx = fn(np.ones((1, 1, 2, 2)), x, 2)
        assert np.all(dx[0, 0, 4, :] == 0) and np.all(dx[0, 0, :, 4] == 0)


def test_pool_layers_repr_and_default_stride():
    assert repr(MaxPool2D(2)) == "MaxPool2D(kernel_size=2)"
    assert repr(AvgPool2D(3, 1)) == "AvgPool2D(kernel_size=3, stride=1)"
    assert MaxPool2D(3).stride == (3, 3)


def test_large_batches_take_the_threaded_path_and_agree():
    """Inputs above conv._THREAD_MIN_SIZE are split over threads; results must not change."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(16, 4, 24, 24)).astype(float)       # ties, and big enough for threads
    assert x.size >= conv._THREAD_MIN_SIZE
    for k, s in [(2, None), (3, 2), (3, 1)]:
        out = maxpool2d_forward(x, k, s)
        dout = rng.normal(size=out.shape)
        x_small = x[:1]
        np.testing.assert_array_equal(out[:1], maxpool2d_forward(x_small, k, s))
        np.testing.assert_allclose(maxpool2d_backward(dout, x, k, s)[:1], maxpool2d_backward(dout[:1], x_small, k, s))
        np.testing.assert_allclose(maxpool2d_backward(dout[:1], x_small, k, s),
                                   maxpool2d_backward_naive(dout[:1], x_small, k, s))
        np.testing.assert_allclose(avgpool2d_backward(dout, x, k, s)[:1], avgpool2d_backward(dout[:1], x_small, k, s))
        np.testing.assert_allclose(avgpool2d_forward(x, k, s)[-1:], avgpool2d_forward(x[-1:], k, s))


# --- errors -----------------------------------------------------------------------

def test_errors_name_the_function_and_what_came():
    x = np.zeros((2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"conv2d_forward: expected x of shape \(N, C, H, W\).*got shape \(3, 5, 5\)"):
        conv2d_forward(np.zeros((3, 5, 5)), np.zeros((1, 3, 2, 2)))
    with pytest.raises(ValueError, match="conv2d_forward: x has 3 channels but K expects in_ch = 2"):
        conv2d_forward(x, np.zeros((4, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"conv2d_forward_naive: the kernel of size 7x7 is larger than the input 5x5"):
        conv2d_forward_naive(x, np.zeros((1, 3, 7, 7)))
    with pytest.raises(ValueError, match=r"expected b of shape \(4,\)"):
        conv2d_forward(x, np.zeros((4, 3, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"conv2d_backward: expected dout of shape \(2, 4, 3, 3\)"):
        conv2d_backward(np.zeros((2, 4, 5, 5)), x, np.zeros((4, 3, 3, 3)))
    with pytest.raises(TypeError, match="conv2d_forward: expected stride to be an int or a pair of ints, got float"):
        conv2d_forward(x, np.zeros((1, 3, 2, 2)), stride=1.5)
    with pytest.raises(ValueError, match="expected padding >= 0, got -1"):
        conv2d_forward(x, np.zeros((1, 3, 2, 2)), padding=-1)
    with pytest.raises(TypeError, match="expected kernel_size to be an int or a pair of ints, got float 2.5"):
        MaxPool2D(2.5)
    with pytest.raises(ValueError, match="expected stride >= 1, got 0"):
        AvgPool2D(2, 0)
    with pytest.raises(ValueError, match=r"maxpool2d_forward: the pooling window of size 6x6 is larger than the input"):
        maxpool2d_forward(x, 6)
    with pytest.raises(ValueError, match=r"MaxPool2D.forward: expected x of shape \(N, C, H, W\)"):
        MaxPool2D(2).forward(np.zeros((5, 5)))
    with pytest.raises(TypeError, match="expected x to hold real numbers"):
        AvgPool2D(2).forward(np.full((1, 1, 2, 2), "a"))
    with pytest.raises(ValueError, match="called before forward"):
        Conv2D(1, 1, 2).backward(np.zeros((1, 1, 1, 1)))
    with pytest.raises(ValueError, match="called before forward"):
        MaxPool2D(2).backward(np.zeros((1, 1, 1, 1)))
    layer = AvgPool2D(2)
    layer.forward(x)
    with pytest.raises(ValueError, match=r"AvgPool2D.backward: expected dout of shape \(2, 3, 2, 2\)"):
        layer.backward(np.zeros((2, 3, 3, 3)))
    with pytest.raises(ValueError, match="Conv2D: unknown init 'uniform'"):
        Conv2D(1, 1, 3, init="uniform")
    with pytest.raises(ValueError, match="correlate2d: expected mode to be one of"):
        correlate2d(np.ones((3, 3)), np.ones((2, 2)), "wrap")
    with pytest.raises(ValueError, match="expected kernel_size to be an int or a pair of ints, got"):
        Conv2D(1, 1, (2, 2, 2))


# --- torch, only when it is installed ---------------------------------------------

def test_against_torch_when_installed():
    torch = pytest.importorskip("torch", reason="torch is optional: cross-check skipped")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(3, 2, 9, 8)).astype(float)          # ties for max pooling
    K, b = rng.normal(size=(4, 2, 3, 2)), rng.normal(size=4)
    for s, p in [(1, 0), (2, 1), ((2, 1), (0, 2))]:
        xt = torch.tensor(x, requires_grad=True)
        Kt, bt = torch.tensor(K, requires_grad=True), torch.tensor(b, requires_grad=True)
        zt = F.conv2d(xt, Kt, bt, stride=s, padding=p)
        dout = rng.normal(size=tuple(zt.shape))
        zt.backward(torch.tensor(dout))
        np.testing.assert_allclose(conv2d_forward(x, K, b, s, p), zt.detach().numpy(), atol=1e-12)
        for got, want in zip(conv2d_backward(dout, x, K, s, p), (xt.grad, Kt.grad, bt.grad)):
            np.testing.assert_allclose(got, want.numpy(), atol=1e-12)
    for k, s in [(2, None), (3, 2), (2, 1)]:
        xt = torch.tensor(x, requires_grad=True)
        out = F.max_pool2d(xt, k, s)
        dout = rng.normal(size=tuple(out.shape))
        out.backward(torch.tensor(dout))
        np.testing.assert_array_equal(maxpool2d_forward(x, k, s), out.detach().numpy())
        np.testing.assert_allclose(maxpool2d_backward(dout, x, k, s), xt.grad.numpy(), atol=1e-12)
        xt = torch.tensor(x, requires_grad=True)
        out = F.avg_pool2d(xt, k, s)
        out.backward(torch.tensor(dout))
        np.testing.assert_allclose(avgpool2d_forward(x, k, s), out.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(avgpool2d_backward(dout, x, k, s), xt.grad.numpy(), atol=1e-12)


def test_threaded_pooling_works_in_a_forked_child():
    """The thread pool is per process: a child forked after the parent used it must not hang."""
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("no fork on this platform")
    x = np.random.default_rng(0).normal(size=(8, 4, 32, 32))
    assert x.size >= conv._THREAD_MIN_SIZE
    want = maxpool2d_forward(x, 2)                     # the parent's pool now exists
    import warnings

    ctx = mp.get_context("fork")
    with warnings.catch_warnings():   # Python >= 3.12 warns that forking a threaded process is risky
        warnings.simplefilter("ignore", DeprecationWarning)
        with ctx.Pool(1) as pool:
            got = pool.apply_async(maxpool2d_forward, (x, 2)).get(timeout=60)
    np.testing.assert_array_equal(got, want)
