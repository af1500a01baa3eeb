"""Reference values for the BG-family expected purchases of an alive customer (crm-clv
bg_alive_expected, used by crates/crm-clv/tests/bg_expectation.rs):

    E = E over p ~ Beta(a, bb) of (1/p) (1 - (at / (at + p t))^rx)
      = (a+bb-1)/(a-1) (1 - 2F1(rx, a-1; a+bb-1; -t/at))      (Fader, Hardie & Lee 2005, eq. 10)

by mpmath's hyp2f1 at 50 digits, or, for a within 1e-6 of 1 or a + bb within 1e-6 of 1 (where
the closed form is 0/0), by tanh-sinh quadrature of the Beta mixture in the logit coordinate
y = ln(p/(1-p)) at 40 digits (the two agree to ~1e-20 where both apply; `--check N` compares them
on N random lines of a grid file).

Usage: python3 scripts/bg_expectation_reference.py SEED COUNT [wide] > grid.txt
       python3 scripts/bg_expectation_reference.py --check N grid.txt
Each output line: t rx at a bb E (E to 20 digits); lines starting with # are cases mpmath could
not do (timeouts, hyp2f1 non-convergence). The grids behind the tests: seeds 7 (400 cases, shape
parameters over 1e-4..1e4), 8 and 11 (400 and 500 cases, 1e-8..1e8, "wide").
"""
import random
import signal
import sys

import mpmath as mp


def bg_quad(t, rx, at, a, bb):
    """The Beta mixture by quadrature in the logit coordinate, split at its features."""
    t, rx, at, a, bb = map(mp.mpf, (t, rx, at, a, bb))
    w = t / at
    lb = mp.log(mp.beta(a, bb))

    def g(y):
        lp = -mp.log1p(mp.e ** (-y))
        lq = -mp.log1p(mp.e ** y)
        phi = -mp.expm1(-rx * mp.log1p(mp.e ** lp * w))
        return phi * mp.e ** ((a - 1) * lp + bb * lq - lb)

    yk = -mp.log(w * (rx + 1))
    ym = mp.log(a / bb)
    lo = min(yk, ym) - 60 / min(a, 1) - 10
    hi = max(ym, 0) + 60 / min(bb, 1) + 10
    pts = sorted(set([lo, yk - 20, yk - 5, yk, yk + 5, yk + 20, ym - 5, ym, ym + 5, hi]))
    pts = [x for x in pts if lo <= x <= hi]
    extra = []
    for i in range(len(pts) - 1):
        d = pts[i + 1] - pts[i]
        if d > 40:
            k = int(d / 20)
            extra += [pts[i] + d * j / k for j in range(1, k)]
    return mp.quad(g, sorted(pts + extra))


def bg_closed(t, rx, at, a, bb):
    t, rx, at, a, bb = map(mp.mpf, (t, rx, at, a, bb))
    c = a + bb - 1
    if abs(a - 1) < mp.mpf("1e-6") or abs(c) < mp.mpf("1e-6"):
        with mp.workdps(40):
            return bg_quad(t, rx, at, a, bb)
    return c / (a - 1) * (1 - mp.hyp2f1(rx, a - 1, c, -t / at))


class Timeout(Exception):
    pass


def on_alarm(_sig, _frame):
    raise Timeout()


def grid(seed, n, wide):
    mp.mp.dps = 50
    signal.signal(signal.SIGALRM, on_alarm)
    random.seed(seed)
    lu = lambda lo, hi: 10 ** random.uniform(lo, hi)
    specials = [0.5, 1.0, 2.0, 3.0, 1.2, 0.66, 2.78]
    r = 8 if wide else 4
    for i in range(n):
        rx = lu(-r, r) if i % 5 else random.choice(specials + [lu(4, 6)])
        a = lu(-r, r) if i % 4 else random.choice(specials)
        bb = lu(-r, r) if i % 3 else random.choice(specials)
        at = lu(-6, 6)
        w = lu(-3, 300) if i % 2 else lu(-3, 6)
        t = w * at
        if not t < 1.7e308:
            continue
        signal.alarm(20)
        try:
            v = bg_closed(t, rx, at, a, bb)
            signal.alarm(0)
            print(repr(t), repr(rx), repr(at), repr(a), repr(bb), mp.nstr(v, 20), flush=True)
        except Timeout:
            print("#timeout", t, rx, at, a, bb, flush=True)
        except Exception as e:  # mpmath's NoConvergence and friends
            signal.alarm(0)
            print("#error", t, rx, at, a, bb, str(e).replace("\n", " "), flush=True)


def check(n, path):
    mp.mp.dps = 40
    lines = [l.split() for l in open(path) if not l.startswith("#") and len(l.split()) == 6]
    random.seed(1)
    for l in random.sample(lines, n):
        q = bg_quad(*[float(x) for x in l[:5]])
        ref = mp.mpf(l[5])
        print(" ".join(l[:5]), l[5], mp.nstr(q, 20), mp.nstr(abs(q - ref) / abs(ref), 3))


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        check(int(sys.argv[2]), sys.argv[3])
    else:
        grid(int(sys.argv[1]), int(sys.argv[2]), len(sys.argv) > 3)
