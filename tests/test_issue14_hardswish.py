"""Issue 14, item 4: hardswish in the far tails and at extreme widths; every pair finite at the
ends of the accepted width range.

Once x ± 3 rounds to nearly one number (|x| ≳ 1e7 in fp32, 1e16 in fp64), or the width is far above
the kink spacing, the tail-stable form's top-order pair a·w²·(S_2(z1) − S_2(z2)) and the middle
region's a·w²·m_2 cancel to a result of order w: hardswish ∗ student_t2 fp32 at x = −2e7, w = 1000
gave −0.0125 (true +0.0125), ∗ gaussian fp32 at x = −2e7, w = 5e6 gave 419.27 (true 35.73), fp64 at
x = −2e17, w = 1e17 gave −8.49e14 (true +8.49e14), and w²·S̃_2 overflowed to NaN at the largest
widths. The generator now gives a function quadratic between two kinks a narrow form
(smoothfn.derivation.stable.narrow_bump): f(x) + w Σ d_i S_1(z_i) + 2a·w·(c2 − c1)·mean S_1 over
[z2, z1], taken where c2 − c1 ≤ h₀·reach (the reach as for the clamp family's narrow ramp: w, or
for the algebraic student_t2 tails max(w, distance/2)).

The finiteness sweep over every pair also found the Triton fp64 exp_minus_square returning NaN
where z² overflows (|x/w| > 1.3e154 at the smallest fp64 width: sign, step, floor, round ∗
gaussian, ∂f_w/∂x); smoothfn.numerics.triton_math now clamps its correction term.

REFERENCES: (kernel, x, w, f_w, ∂f_w/∂x, ∂f_w/∂w), rounded to fp64 from mpmath quadrature of
∫ f(x − wu) k(u) du and of ∫ f'(x − wu)·(1, −u)·k(u) du at 40–60 digits, split at the kinks
(x ± 3)/w, at 0, at the kernel's knots and around them (tests/reference.py's ``convolution`` for
f_w; the same splitting for the derivatives): the reported cases, then every kernel at w = 60
(fp32 takes the narrow form, fp64 not), 1e3, 1e6 across the kinks, and student_t2's far tails at
w = 1e-3 and 1.
"""

from __future__ import annotations

import math

import pytest
import torch

from smoothfn.generated import AVAILABLE
from smoothfn.ops import autograd as ops
from smoothfn.runtime.pairs import catalog_pair
from smoothfn.runtime.staircase import TWINS

REFERENCES = [
    # the reported cases
    ('student_t2', -20000000.0, 1000.0, 0.012499999992187406, 6.249999988281109e-10, 2.499999996874981e-05),
    ('gaussian', -20000000.0, 5000000.0, 35.726292161988184, 3.1671241833087805e-05, 0.0001338302257647649),
    ('gaussian', -2e+17, 1e+17, 849070261682963.8, 0.02275013194817921, 0.05399096651318805),
    # every kernel across the kinks at widths far above their spacing; student_t2's far tails
    ('gaussian', -1800.0, 60.0, 4.750438249754791e-198, 2.387706505102255e-198, 7.19276591937112e-197),
    ('gaussian', -120.0, 60.0, 0.5080908646021163, 0.022705122618968794, 0.05392351999468508),
    ('gaussian', -24.0, 60.0, 13.817126362759591, 0.34451694537026206, 0.36839891603992514),
    ('gaussian', 0.7, 60.0, 24.278196679851288, 0.5046561580129677, 0.3990811362531591),
    ('gaussian', 18.0, 60.0, 33.9961430844856, 0.6179590436672169, 0.3815322779940134),
    ('gaussian', 90.0, 60.0, 91.75516816873518, 0.9332737244543331, 0.1294502485806138),
    ('gaussian', 720.0, 60.0, 720.0, 1.0, 2.0117397278432242e-32),
    ('gaussian', -30000.0, 1000.0, 1.629743566898487e-196, 4.9000676099430174e-198, 1.4716544635173077e-196),
    ('gaussian', -2000.0, 1000.0, 8.490621630051873, 0.022749969975061006, 0.0539907235543854),
    ('gaussian', -400.0, 1000.0, 230.43828454286896, 0.34457803742843884, 0.3682706043221597),
    ('gaussian', 0.7, 1000.0, 399.29177972982126, 0.5002792599923624, 0.39894278107114317),
    ('gaussian', 300.0, 1000.0, 566.7606700361895, 0.6179115938127954, 0.38138833605298605),
    ('gaussian', 1500.0, 1000.0, 1529.3065994858832, 0.9331930901454372, 0.12951735282182597),
    ('gaussian', 12000.0, 1000.0, 12000.0, 1.0, 2.1459232499623603e-32),
    ('gaussian', -30000000.0, 1000000.0, 1.6319567131597633e-193, 4.906706099511754e-198, 1.4736437918009e-196),
    ('gaussian', -2000000.0, 1000000.0, 8490.702616748651, 0.022750131948017234, 0.05399096651294509),
    ('gaussian', -400000.0, 1000000.0, 230438.83694690056, 0.3445782583894549, 0.36827014030378735),
    ('gaussian', 0.7, 1000000.0, 398942.630400932, 0.5000002792595963, 0.39894228040193336),
    ('gaussian', 300000.0, 1000000.0, 566761.2421166378, 0.6179114221891243, 0.38138781546104467),
    ('gaussian', 1500000.0, 1000000.0, 1529306.7937624103, 0.9331927987314333, 0.12951759566564888),
    ('gaussian', 12000000.0, 1000000.0, 12000000.0, 1.0, 2.146383735202661e-32),
    ('laplace', -1800.0, 60.0, 2.806116749098853e-12, 4.6768612484980883e-14, 1.4498660063770345e-12),
    ('laplace', -120.0, 60.0, 4.058366171610845, 0.06763943619351408, 0.20297474058046075),
    ('laplace', -24.0, 60.0, 20.101219238056785, 0.3350203206342797, 0.4693079584133614),
    ('laplace', 0.7, 60.0, 30.33984779787841, 0.5058258016717135, 0.5001641906934243),
    ('laplace', 18.0, 60.0, 40.215282919763084, 0.6297452846706152, 0.481640035726964),
    ('laplace', 90.0, 60.0, 96.69111463142465, 0.8884814228095892, 0.2788894836146407),
    ('laplace', 720.0, 60.0, 720.0001842495392, 0.9999969291743477, 3.992329548950765e-05),
    ('laplace', -30000.0, 1000.0, 4.678804466193386e-11, 4.678804466193386e-14, 1.4504295248846732e-12),
    ('laplace', -2000.0, 1000.0, 67.66754011670689, 0.06766754011670689, 0.20300282335359363),
    ('laplace', -400.0, 1000.0, 335.1595202771064, 0.33515952027710644, 0.46922433387073287),
    ('laplace', 0.7, 1000.0, 500.349373620475, 0.5003499804488141, 0.5000006252602394),
    ('laplace', 300.0, 1000.0, 670.4085547264433, 0.6295914452735567, 0.48153223237470766),
    ('laplace', 1500.0, 1000.0, 1611.564912726369, 0.8884350872736311, 0.2789126165120661),
    ('laplace', 12000.0, 1000.0, 12000.003072101568, 0.9999969278984315, 3.9937329606825456e-05),
    ('laplace', -30000000.0, 1000000.0, 4.678811484413069e-08, 4.678811484413069e-14, 1.4504315601681918e-12),
    ('laplace', -2000000.0, 1000000.0, 67667.64161820484, 0.06766764161820485, 0.20300292485481752),
    ('laplace', -400000.0, 1000000.0, 335160.0230173169, 0.3351600230173169, 0.46922403222524917),
    ('laplace', 0.7, 1000000.0, 500000.3499993725, 0.500000349999981, 0.5000000000006275),
    ('laplace', 300000.0, 1000000.0, 670409.1103403033, 0.6295908896596967, 0.4815318434435055),
    ('laplace', 1500000.0, 1000000.0, 1611565.0800740477, 0.8884349199259525, 0.2789127001854536),
    ('laplace', 12000000.0, 1000000.0, 12000003.072106177, 0.9999969278938233, 3.993738029658267e-05),
    ('uniform', -1800.0, 60.0, 0.0, 0.0, 0.0),
    ('uniform', -120.0, 60.0, 0.0, 0.0, 0.0),
    ('uniform', -24.0, 60.0, 5.3875, 0.3, 0.21020833333333333),
    ('uniform', 0.7, 60.0, 15.339541666666667, 0.5058333333333334, 0.25017430555555553),
    ('uniform', 18.0, 60.0, 25.3375, 0.65, 0.22770833333333335),
    ('uniform', 90.0, 60.0, 90.0, 1.0, -1.9566062444876148e-66),
    ('uniform', 720.0, 60.0, 720.0, 1.0, 0.0),
    ('uniform', -30000.0, 1000.0, 0.0, 0.0, 0.0),
    ('uniform', -2000.0, 1000.0, 0.0, 0.0, 0.0),
    ('uniform', -400.0, 1000.0, 89.99925, 0.3, 0.21000075),
    ('uniform', 0.7, 1000.0, 250.3493725, 0.50035, 0.2500006275),
    ('uniform', 300.0, 1000.0, 422.49925, 0.65, 0.22750075),
    ('uniform', 1500.0, 1000.0, 1500.0, 1.0, -1.0881303981118178e-67),
    ('uniform', 12000.0, 1000.0, 12000.0, 1.0, 0.0),
    ('uniform', -30000000.0, 1000000.0, 0.0, 0.0, 0.0),
    ('uniform', -2000000.0, 1000000.0, 0.0, 0.0, 0.0),
    ('uniform', -400000.0, 1000000.0, 89999.99999925, 0.3, 0.21000000000075),
    ('uniform', 0.7, 1000000.0, 250000.3499993725, 0.50000035, 0.2500000000006275),
    ('uniform', 300000.0, 1000000.0, 422499.99999925, 0.65, 0.22750000000075),
    ('uniform', 1500000.0, 1000000.0, 1500000.0, 1.0, -5.88336150152523e-69),
    ('uniform', 12000000.0, 1000000.0, 12000000.0, 1.0, 0.0),
    ('student_t2', -1800.0, 60.0, 0.49986072602332937, 0.000277545740950684, 0.0166573997354773),
    ('student_t2', -120.0, 60.0, 7.080920536089395, 0.052764022011197786, 0.22358070442596797),
    ('student_t2', -24.0, 60.0, 20.30098672400428, 0.31413272599211695, 0.4643361722726847),
    ('student_t2', 0.7, 60.0, 30.339558176156295, 0.5058401847278843, 0.5001734812653948),
    ('student_t2', 18.0, 60.0, 40.3099419370837, 0.6438244737232842, 0.47905072125896775),
    ('student_t2', 90.0, 60.0, 99.08113385134133, 0.9160744333532924, 0.27731181747266953),
    ('student_t2', 720.0, 60.0, 721.2478302044555, 0.9982729087477871, 0.04152250375193415),
    ('student_t2', -30000.0, 1000.0, 8.331019775902835, 0.0002775465076527518, 0.016657415060948484),
    ('student_t2', -2000.0, 1000.0, 118.03392166769251, 0.05278632400131232, 0.22360670383504785),
    ('student_t2', -400.0, 1000.0, 338.51588040589553, 0.3143040408218117, 0.46423869734842904),
    ('student_t2', 0.7, 1000.0, 500.3493725035737, 0.5003500014892162, 0.5000006274892789),
    ('student_t2', 300.0, 1000.0, 672.0146663921819, 0.6436744869486852, 0.4789136384113919),
    ('student_t2', 1500.0, 1000.0, 1651.387690857867, 0.9160253244110843, 0.2773499602582865),
    ('student_t2', 12000.0, 1000.0, 12020.797288966602, 0.9982728792290856, 0.04152273907666587),
    ('student_t2', -30000000.0, 1000000.0, 8331.019803634354, 0.0002775465104228258, 0.016657415116319185),
    ('student_t2', -2000000.0, 1000000.0, 118033.98874982777, 0.05278640449996156, 0.22360679774988507),
    ('student_t2', -400000.0, 1000000.0, 338516.4807128501, 0.31430466182232714, 0.46423834544298154),
    ('student_t2', 0.7, 1000000.0, 500000.3499993725, 0.50000035, 0.5000000000006275),
    ('student_t2', 300000.0, 1000000.0, 672015.3254448684, 0.6436739427837169, 0.4789131426110715),
    ('student_t2', 1500000.0, 1000000.0, 1651387.8188658694, 0.9160251471690991, 0.2773500981124767),
    ('student_t2', 12000000.0, 1000000.0, 12020797.289396148, 0.9982728791224399, 0.04152273992686913),
    ('epanechnikov', -1800.0, 60.0, 0.0, 0.0, 0.0),
    ('epanechnikov', -120.0, 60.0, 0.0, 0.0, 0.0),
    ('epanechnikov', -24.0, 60.0, 2.7382640625, 0.21575, 0.132461796875),
    ('epanechnikov', 0.7, 60.0, 11.584329045109953, 0.5087568946759259, 0.18776063107783564),
    ('epanechnikov', 18.0, 60.0, 22.2275765625, 0.7184375, 0.155496171875),
    ('epanechnikov', 90.0, 60.0, 90.0, 1.0, -1.0403164125756127e-67),
    ('epanechnikov', 720.0, 60.0, 720.0, 1.0, 9.273015376718553e-69),
    ('epanechnikov', -30000.0, 1000.0, 0.0, 0.0, 0.0),
    ('epanechnikov', -2000.0, 1000.0, 0.0, 0.0, 0.0),
    ('epanechnikov', -400.0, 1000.0, 45.8990550030375, 0.2159991, 0.1323005849908875),
    ('epanechnikov', 0.7, 1000.0, 187.84905875357376, 0.50052500148925, 0.18750094123927877),
    ('epanechnikov', 300.0, 1000.0, 370.7427262530375, 0.718250675, 0.1552695712408875),
    ('epanechnikov', 1500.0, 1000.0, 1500.0, 1.0, 2.683605216614902e-67),
    ('epanechnikov', 12000.0, 1000.0, 12000.0, 1.0, 9.273015376718553e-69),
    ('epanechnikov', -30000000.0, 1000000.0, 0.0, 0.0, 0.0),
    ('epanechnikov', -2000000.0, 1000000.0, 0.0, 0.0, 0.0),
    ('epanechnikov', -400000.0, 1000000.0, 45899.999999055, 0.2159999999991, 0.132300000000585),
    ('epanechnikov', 0.7, 1000000.0, 187500.34999905876, 0.500000525, 0.18750000000094125),
    ('epanechnikov', 300000.0, 1000000.0, 370743.74999897624, 0.718250000000675, 0.15526875000082124),
    ('epanechnikov', 1500000.0, 1000000.0, 1500000.0, 1.0, 1.1683470740840708e-68),
    ('epanechnikov', 12000000.0, 1000000.0, 12000000.0, 1.0, 9.273015376718553e-69),
    ('triangular', -1800.0, 60.0, 0.0, 0.0, 0.0),
    ('triangular', -120.0, 60.0, 0.0, 0.0, 0.0),
    ('triangular', -24.0, 60.0, 2.145, 0.17958333333333334, 0.10808333333333334),
    ('triangular', 0.7, 60.0, 10.329706480709877, 0.5116560802469136, 0.16699450619855968),
    ('triangular', 18.0, 60.0, 21.4125, 0.7554166666666666, 0.13083333333333333),
    ('triangular', 90.0, 60.0, 90.0, 1.0, -2.141486988560941e-67),
    ('triangular', 720.0, 60.0, 720.0, 1.0, 0.0),
    ('triangular', -30000.0, 1000.0, 0.0, 0.0, 0.0),
    ('triangular', -2000.0, 1000.0, 0.0, 0.0, 0.0),
    ('triangular', -400.0, 1000.0, 35.9991, 0.1799985, 0.1080003),
    ('triangular', 0.7, 1000.0, 167.01541390999722, 0.5006999618888889, 0.16666791718000556),
    ('triangular', 300.0, 1000.0, 357.16561666666666, 0.7550015, 0.13066726666666667),
    ('triangular', 1500.0, 1000.0, 1500.0, 1.0, 9.060433310343096e-67),
    ('triangular', 12000.0, 1000.0, 12000.0, 1.0, 0.0),
    ('triangular', -30000000.0, 1000000.0, 0.0, 0.0, 0.0),
    ('triangular', -2000000.0, 1000000.0, 0.0, 0.0, 0.0),
    ('triangular', -400000.0, 1000000.0, 35999.9999991, 0.1799999999985, 0.1080000000003),
    ('triangular', 0.7, 1000000.0, 166667.01666541168, 0.5000006999999619, 0.16666666666792165),
    ('triangular', 300000.0, 1000000.0, 357166.6666656167, 0.7550000000015, 0.13066666666726667),
    ('triangular', 1500000.0, 1000000.0, 1500000.0, 1.0, 1.3530709323017253e-68),
    ('triangular', 12000000.0, 1000000.0, 12000000.0, 1.0, 0.0),
    ('student_t2', -1000.0, 0.001, 2.499992499877874e-10, 2.4999774993906163e-13, 4.999984999754497e-07),
    ('student_t2', -1.0, 0.001, -0.33333190364612064, 0.16666671093749222, 0.002692707774059621),
    ('student_t2', 1.0, 0.001, 0.6666680963538794, 0.8333332890625078, 0.002692707774059621),
    ('student_t2', 1000.0, 0.001, 1000.00000000025, 0.99999999999975, 4.999984999754497e-07),
    ('student_t2', -1000000.0, 1.0, 2.499999999991875e-07, 2.499999999975625e-13, 4.9999999999825e-07),
    ('student_t2', -1000.0, 1.0, 0.0002499991874890062, 2.4999756244503067e-07, 0.0004999982499803874),
    ('student_t2', 1000.0, 1.0, 1000.0002499991875, 0.9999997500024376, 0.0004999982499803874),
    ('student_t2', 1000000.0, 1.0, 1000000.00000025, 0.99999999999975, 4.9999999999825e-07),
]


def _hardswish(x: float) -> float:
    return 0.0 if x <= -3 else x if x >= 3 else x * (x + 3) / 6


KERNELS = sorted({row[0] for row in REFERENCES})


@pytest.mark.parametrize("backend", ["torch", "triton"])
@pytest.mark.parametrize("kernel", KERNELS)
def test_hardswish_far_tails_and_wide_widths_against_mpmath(kernel, backend):
    """f_w − f(x) relative (f_w itself is f(x) plus it, exact to the dtype's rounding of f(x)),
    the derivatives relative, in fp64 and, where the dtype holds x, fp32; below 1e-30·w or 1e-30
    a value is noise (the Gaussian tails of 1e-198)."""
    m = catalog_pair("hardswish", kernel)
    rows = [r for r in REFERENCES if r[0] == kernel]
    for dtype, rel in ((torch.float64, 1e-9), (torch.float32, 2e-5)):
        eps = torch.finfo(dtype).eps
        x = torch.tensor([r[1] for r in rows], dtype=dtype, requires_grad=True)
        w = torch.tensor([r[2] for r in rows], dtype=dtype, requires_grad=True)
        value = ops.SmoothFunction.apply(m, backend, x, w)
        gx, gw = torch.autograd.grad(value.sum(), [x, w])
        for i, (_, xi, wi, expected, ex, ew) in enumerate(rows):
            if float(x[i]) != xi:
                continue  # not an fp32 number
            base = _hardswish(xi)
            where = f"{kernel}, {dtype}, {backend}, x={xi!r}, w={wi!r}"
            assert abs(float(value[i]) - expected) <= rel * abs(expected - base) + 4 * eps * abs(base) + 1e-30 * wi, (
                f"f_w at {where}: {float(value[i])!r}, mpmath {expected!r}")
            assert abs(float(gx[i]) - ex) <= rel * abs(ex) + 1e-30, f"∂f_w/∂x at {where}: {float(gx[i])!r}, {ex!r}"
            assert abs(float(gw[i]) - ew) <= rel * abs(ew) + 1e-30, f"∂f_w/∂w at {where}: {float(gw[i])!r}, {ew!r}"


PARAMS = {"alpha": 0.15, "lo": -0.7, "hi": 1.3, "y": 0.4}
EXTREMES = [-math.inf, -1e30, -2e17, -2e7, -3.0, -1.0, -1e-40, 0.0, 1e-40, 1.0, 3.0, 2e7, 2e17, 1e30, math.inf]


@pytest.mark.parametrize("backend", ["torch", "triton"])
@pytest.mark.parametrize("f,k", [*AVAILABLE, *TWINS])
def test_every_pair_is_finite_at_the_ends_of_the_width_range(f, k, backend):
    """The smallest and largest widths taken (squares normal in the compute dtype, functional's
    _width_range), x from −inf to inf: no NaN in a value or any gradient (per element: width and
    parameters full-size), a finite ∂f_w/∂x and ∂f_w/∂w at finite x, and ∂f_w/∂w finite at ±inf."""
    m = catalog_pair(f, k)
    for dtype in (torch.float32, torch.float64):
        info = torch.finfo(dtype)
        widths = (math.sqrt(info.tiny) * 1.0001, math.sqrt(info.max) * 0.9999)
        xs = [x for _ in widths for x in EXTREMES]
        ws = [w for w in widths for _ in EXTREMES]
        leaves = [torch.tensor(xs, dtype=dtype), torch.tensor(ws, dtype=dtype)]
        leaves += [torch.full((len(xs),), PARAMS[n], dtype=dtype) for n in m.parameters]
        leaves = [t.requires_grad_() for t in leaves]
        value = ops.SmoothFunction.apply(m, backend, *leaves)
        grads = torch.autograd.grad(value.sum(), leaves)
        finite = torch.isfinite(leaves[0].detach())
        where = f"{f} ∗ {k}, {dtype}, {backend}"
        assert not value.isnan().any(), f"f_w NaN at {where}: {value.tolist()}"
        for name, g in zip(["x", "w", *m.parameters], grads):
            assert not g.isnan().any(), f"∂/∂{name} NaN at {where}: {g.tolist()}"
        assert torch.isfinite(grads[0][finite]).all() and torch.isfinite(grads[1]).all(), (
            f"{where}: ∂/∂x {grads[0].tolist()}, ∂/∂w {grads[1].tolist()}")
