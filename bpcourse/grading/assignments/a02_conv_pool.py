"""Assignment 02: convolution forward and backward, max- and average-pooling backward.

Conventions are the book's (chapter 2): NCHW images, kernels K of shape
(out_ch, in_ch, kh, kw), a layer's "convolution" is the unflipped sliding window
(cross-correlation, as in PyTorch), zero padding on every side, output size
floor((H + 2p - kh) / s) + 1; max pooling gives delta to the first maximum of a
window in row-major order; pooling stride defaults to the window size.
References come from bpcourse.conv; each question lists the mistakes students
actually make (the unrotated kernel, delta copied to a whole pooling window, a
missing division by the window size, padding on the wrong side, ...).
"""

from __future__ import annotations

import numpy as np

from bpcourse import conv
from bpcourse.grading.core import Assignment, Case, Mistake, Question

# --- references: called exactly like the students' functions ------------------------


def conv2d_forward(x, K, b, stride=1, padding=0):
    """z[n, f, i, j] = b[f] + sum_{c,u,v} K[f, c, u, v] * xp[n, c, s*i + u, s*j + v].  -> (N, F, Ho, Wo)."""
    return conv.conv2d_forward(x, K, b, stride, padding)


def conv2d_backward(dout, x, K, stride=1, padding=0):
    """(dx, dK, db) of conv2d_forward given dout = dC/dz."""
    return conv.conv2d_backward(dout, x, K, stride, padding)


def maxpool2d_backward(dout, x, kernel_size, stride=None):
    """dx: each window's dout to the window's first maximum (row-major), 0 elsewhere."""
    return conv.maxpool2d_backward(dout, x, kernel_size, stride)


def avgpool2d_backward(dout, x, kernel_size, stride=None):
    """dx: each window's dout / (k*k) added to every pixel of the window."""
    return conv.avgpool2d_backward(dout, x, kernel_size, stride)


# --- helpers for the catalogued mistakes ----------------------------------------------------

def _route(dout, x, k, s, pick, accumulate=True):
    """Max-pool backward variants: pick(window) -> list of (u, v) positions that receive the delta.

    accumulate=False writes with = instead of +=, the mistake where a pixel that wins two
    overlapping windows keeps only one delta."""
    s = k if s is None else s
    dx = np.zeros(x.shape)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * s:i * s + k, j * s:j * s + k]
                    for u, v in pick(window):
                        if accumulate:
                            dx[n, c, i * s + u, j * s + v] += dout[n, c, i, j]
                        else:
                            dx[n, c, i * s + u, j * s + v] = dout[n, c, i, j]
    return dx


def _all_maxima(window):
    return list(zip(*np.nonzero(window == window.max())))


def _last_maximum(window):
    flat = window.ravel()
    last = flat.size - 1 - int(np.argmax(flat[::-1]))
    return [divmod(last, window.shape[1])]


def _first_maximum(window):
    return [divmod(int(np.argmax(window)), window.shape[1])]


def _maxpool_overwrite(dout, x, k, stride=None):
    return _route(dout, x, k, stride, _first_maximum, accumulate=False)


def _avg_overwrite(dout, x, k, stride=None):
    s = k if stride is None else stride
    dx = np.zeros(x.shape)
    N, C, Ho, Wo = dout.shape
    for i in range(Ho):
        for j in range(Wo):
            dx[:, :, i * s:i * s + k, j * s:j * s + k] = (dout[:, :, i, j] / (k * k))[:, :, None, None]
    return dx


def _pad_bottom_right(x, p):
    return np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))


def _conv_pad_wrong_side(x, K, b, stride=1, padding=0):
    return conv.conv2d_forward(_pad_bottom_right(x, padding), K, b, stride, 0)


def _conv_window_at_ij(x, K, b, stride=1, padding=0):
    z = conv.conv2d_forward(x, K, b, stride, padding)
    return conv.conv2d_forward(x, K, b, 1, padding)[:, :, :z.shape[2], :z.shape[3]]


def _backward_crop_wrong_side(dout, x, K, stride=1, padding=0):
    H, W = x.shape[2:]
    dxp, dK, db = conv.conv2d_backward(dout, conv.pad(x, padding), K, stride, 0)
    return dxp[:, :, :H, :W], dK, db


def _backward_unrotated(dout, x, K, stride=1, padding=0):
    dx, dK, db = conv.conv2d_backward(dout, x, K, stride, padding)
    return conv.conv2d_backward(dout, x, conv.rot180(K), stride, padding)[0], dK, db


# --- fixed public cases ----------------------------------------------------------------------

_g = np.random.default_rng(2024)
X_BOOK = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
K_BOOK = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
B_BOOK = np.array([0.5])
DOUT_BOOK = np.array([[[[1.0, -1.0], [2.0, 0.5]]]])
X_2CH = np.round(_g.normal(size=(2, 2, 5, 5)), 1)
K_2CH = np.round(_g.normal(size=(3, 2, 3, 3)), 1)
B_2CH = np.array([0.1, -0.2, 0.3])
DOUT_2CH = np.round(_g.normal(size=(2, 3, 3, 3)), 1)        # stride 2, padding 1: (5 + 2 - 3) // 2 + 1 = 3
X_WIDE = np.round(_g.normal(size=(1, 1, 4, 6)), 1)
K_WIDE = np.round(_g.normal(size=(2, 1, 3, 2)), 1)
B_WIDE = np.array([0.0, 1.0])
DOUT_WIDE = np.round(_g.normal(size=(1, 2, 4, 7)), 1)       # padding 1, stride 1: (4+2-3+1, 6+2-2+1)

X_TIES = np.array([[[[1.0, 3.0, 0.0, 0.0],
                     [3.0, 3.0, 0.0, 0.0],
                     [2.0, 5.0, 7.0, 1.0],
                     [5.0, 4.0, 1.0, 7.0]]]])
DOUT_2X2 = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
X_OVERLAP = np.array([[[[0.1, 0.9, 0.4, 0.3, 0.2],
                        [0.5, 0.6, 0.8, 0.0, 0.7],
                        [1.0, 0.2, 0.3, 0.9, 0.1],
                        [0.4, 0.8, 0.6, 0.5, 0.3],
                        [0.2, 0.1, 0.7, 0.6, 0.9]]]])
DOUT_OVERLAP = np.array([[[[1.0, -2.0], [0.5, 3.0]]]])      # 3x3 windows, stride 2 -> 2x2 output


# --- hidden cases ----------------------------------------------------------------------------

def _conv_geometry(rng):
    n, c, f = (int(v) for v in rng.integers(1, 4, size=3))
    k = int(rng.integers(1, 4))
    s = int(rng.integers(1, 3))
    p = int(rng.integers(0, 2))
    h, w = int(rng.integers(max(k, 3), 7)), int(rng.integers(max(k, 3), 7))
    x = rng.normal(size=(n, c, h, w))
    K = rng.normal(size=(f, c, k, k))
    ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    return x, K, rng.normal(size=f), s, p, rng.normal(size=(n, f, ho, wo))


def _forward_hidden(rng):
    cases = []
    for _ in range(4):
        x, K, b, s, p, _ = _conv_geometry(rng)
        cases.append(Case((x, K, b), {"stride": s, "padding": p}))
    return cases


def _backward_hidden(rng):
    cases = []
    for _ in range(4):
        x, K, _, s, p, dout = _conv_geometry(rng)
        cases.append(Case((dout, x, K), {"stride": s, "padding": p}))
    return cases


def _pool_hidden(ties: bool):
    def draw(rng):
        cases = []
        for _ in range(4):
            n, c = int(rng.integers(1, 3)), int(rng.integers(1, 4))
            k = int(rng.integers(2, 4))
            s = None if rng.random() < 0.5 else int(rng.integers(1, k + 1))
            h, w = int(rng.integers(k, 8)), int(rng.integers(k, 8))
            x = rng.integers(0, 4, size=(n, c, h, w)).astype(float) if ties else rng.normal(size=(n, c, h, w))
            ss = k if s is None else s
            dout = rng.normal(size=(n, c, (h - k) // ss + 1, (w - k) // ss + 1))
            cases.append(Case((dout, x, k)) if s is None else Case((dout, x, k), {"stride": s}))
        return cases
    return draw


# --- the questions ---------------------------------------------------------------------------

CONV_FORWARD = Question(
    id="02-conv2d-forward", function="conv2d_forward", points=1, title="convolution forward (naive loops)",
    reference=conv2d_forward,
    public_cases=(Case((X_BOOK, K_BOOK, B_BOOK)),
                  Case((X_2CH, K_2CH, B_2CH), {"stride": 2, "padding": 1}),
                  Case((X_WIDE, K_WIDE, B_WIDE), {"padding": 1})),
    hidden_cases=_forward_hidden,
    shape_hint="(N, F, Ho, Wo) with Ho = (H + 2*padding - kh) // stride + 1",
    mistakes=(
        Mistake("conv-kernel-flipped", lambda x, K, b, stride=1, padding=0:
                conv.conv2d_forward(x, conv.rot180(K), b, stride, padding),
                "you flipped the kernel (a true convolution); the layer slides K unflipped: "
                "z[i, j] = sum K[u, v] * x[s*i + u, s*j + v]"),
        Mistake("conv-no-bias", lambda x, K, b, stride=1, padding=0: conv.conv2d_forward(x, K, None, stride, padding),
                "you left out the bias: add b[f] to every output of channel f"),
        Mistake("conv-padding-one-side", _conv_pad_wrong_side,
                "you padded only at the bottom and right (by 2*padding); zero padding goes on every side, "
                "`padding` rows above and below, `padding` columns left and right"),
        Mistake("conv-stride-ignored", _conv_window_at_ij,
                "your output (i, j) reads the window starting at (i, j); with stride s it starts at (s*i, s*j)"),
    ),
)

CONV_BACKWARD = Question(
    id="02-conv2d-backward", function="conv2d_backward", points=2, title="convolution backward: dx, dK, db",
    reference=conv2d_backward,
    public_cases=(Case((DOUT_BOOK, X_BOOK, K_BOOK)),
                  Case((DOUT_2CH, X_2CH, K_2CH), {"stride": 2, "padding": 1}),
                  Case((DOUT_WIDE, X_WIDE, K_WIDE), {"padding": 1})),
    hidden_cases=_backward_hidden,
    outputs=("dx", "dK", "db"),
    shape_hint="dx: the shape of x; dK: the shape of K; db: (F,)",
    mistakes=(
        Mistake("conv-back-kernel-not-rotated", _backward_unrotated,
                "your dx has the kernel the wrong way round: output (i, j) sends delta[i, j] * K[u, v] back to "
                "pixel (s*i + u, s*j + v), the same u, v as in the forward pass; written as a kernel sliding "
                "over the zero-padded delta, that kernel is K rotated by 180 degrees, not K itself"),
        Mistake("conv-back-dK-rotated", lambda dout, x, K, stride=1, padding=0:
                (lambda g: (g[0], conv.rot180(g[1]), g[2]))(conv.conv2d_backward(dout, x, K, stride, padding)),
                "your dK is rotated by 180 degrees: dK[u, v] = sum over outputs of delta[i, j] * x[s*i + u, s*j + v], "
                "no flip"),
        Mistake("conv-back-db-mean", lambda dout, x, K, stride=1, padding=0:
                (*conv.conv2d_backward(dout, x, K, stride, padding)[:2], dout.mean(axis=(0, 2, 3))),
                "your db is a mean; the bias is added to every output, so db[f] is the SUM of delta over the "
                "batch and all positions"),
        Mistake("conv-back-crop-wrong-side", _backward_crop_wrong_side,
                "you cut the padding off the wrong side of dx: the padded gradient has `padding` extra rows and "
                "columns on every side, so dx = dxp[:, :, p:p+H, p:p+W]"),
        Mistake("conv-back-dK-one-example", lambda dout, x, K, stride=1, padding=0:
                (conv.conv2d_backward(dout, x, K, stride, padding)[0],
                 conv.conv2d_backward(dout[:1], x[:1], K, stride, padding)[1],
                 conv.conv2d_backward(dout, x, K, stride, padding)[2]),
                "your dK uses only the first example; the kernel is shared by the whole batch, so sum over n too"),
    ),
)

MAXPOOL_BACKWARD = Question(
    id="02-maxpool-backward", function="maxpool2d_backward", points=1, title="max-pooling backward",
    reference=maxpool2d_backward,
    public_cases=(Case((DOUT_2X2, X_TIES, 2)),
                  Case((DOUT_OVERLAP, X_OVERLAP, 3), {"stride": 2})),
    hidden_cases=_pool_hidden(ties=True),
    shape_hint="the shape of x",
    mistakes=(
        Mistake("maxpool-back-whole-window", lambda dout, x, k, stride=None:
                conv.avgpool2d_backward(dout, x, k, stride) * (k * k),
                "you sent delta to every cell of the pooling window; only the maximum affected the output, "
                "so only it receives delta (the others get 0)"),
        Mistake("maxpool-back-average", lambda dout, x, k, stride=None: conv.avgpool2d_backward(dout, x, k, stride),
                "you shared delta evenly over the window (that is average pooling's backward); max pooling "
                "routes all of it to the maximum"),
        Mistake("maxpool-back-all-ties", lambda dout, x, k, stride=None: _route(dout, x, k, stride, _all_maxima),
                "when several cells tie for the maximum you gave delta to each of them; the course's rule (as "
                "PyTorch's) gives all of it to the first maximum in row-major order"),
        Mistake("maxpool-back-last-tie", lambda dout, x, k, stride=None: _route(dout, x, k, stride, _last_maximum),
                "on ties you picked the last maximum; take the first one in row-major order (as np.argmax does)"),
        Mistake("maxpool-back-overwrite", _maxpool_overwrite,
                "where windows overlap a pixel can be the maximum of several windows: add their deltas (+=), "
                "do not overwrite"),
    ),
)

AVGPOOL_BACKWARD = Question(
    id="02-avgpool-backward", function="avgpool2d_backward", points=1, title="average-pooling backward",
    reference=avgpool2d_backward,
    public_cases=(Case((DOUT_2X2 * 4.0, X_TIES, 2)),
                  Case((DOUT_OVERLAP, X_OVERLAP, 3), {"stride": 2})),
    hidden_cases=_pool_hidden(ties=False),
    shape_hint="the shape of x",
    mistakes=(
        Mistake("avgpool-back-no-division", lambda dout, x, k, stride=None:
                conv.avgpool2d_backward(dout, x, k, stride) * (k * k),
                "you forgot to divide by the window size: each of the k*k pixels receives delta / (k*k)"),
        Mistake("avgpool-back-divide-by-side", lambda dout, x, k, stride=None:
                conv.avgpool2d_backward(dout, x, k, stride) * k,
                "you divided by k; the window has k*k pixels, so each receives delta / (k*k)"),
        Mistake("avgpool-back-overwrite", _avg_overwrite,
                "where windows overlap a pixel belongs to several windows: add their shares (+=), do not "
                "overwrite"),
        Mistake("avgpool-back-max-only", maxpool2d_backward,
                "you routed delta to the maximum (max pooling's backward); average pooling shares it evenly"),
    ),
)

ASSIGNMENT = Assignment(id="02_conv_pool", title="Convolution and pooling: forward and backward",
                        questions=(CONV_FORWARD, CONV_BACKWARD, MAXPOOL_BACKWARD, AVGPOOL_BACKWARD))
