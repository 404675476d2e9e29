"""Row 2: temperature scaling fitted on N x K logits (default 50,000 x 1,000).

Contenders: advisor ``fit_temperature``, netcal ``TemperatureScaling`` (fed the
softmax probabilities in float64, as it expects probabilities) and the recipe of
Guo et al.'s reference code (gpleiss/temperature_scaling: one temperature
parameter initialised at 1.5, ``torch.optim.LBFGS(lr=0.01, max_iter=50)``, one
``step`` on the mean cross-entropy). For every returned T the script prints the
NLL and its derivative dNLL/dT, computed independently in float64.
Goal (issue 5): a fifth of netcal's time at most, |dNLL/dT| < 1e-8.
"""

from __future__ import annotations

import _common as c
import numpy as np


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    n, k = (5_000, 100) if args.quick else (50_000, 1_000)
    c.print_header("temperature fit", f"{n:,} x {k:,} float32 logits")
    logits, labels = c.make_logits(n, k, seed=2)
    ours = dict(repeats=args.repeats, quick=args.quick)
    # Peers take seconds to tens of seconds per fit: fewer runs, no warm-up.
    theirs = dict(repeats=min(args.repeats, 3), quick=True, is_peer=True)
    timings = []

    cal = c.advisor_calibration()
    fit_temperature = c.cal_function(cal, "fit_temperature")
    if fit_temperature is not None:
        timings.append(c.measure("advisor fit_temperature",
                                 lambda: float(fit_temperature(labels, logits=logits)), **ours))
    elif cal is not None:
        print("  note: advisor.calibration has no fit_temperature yet")

    netcal = c.optional_import("netcal.scaling")
    if netcal is not None:
        probs64 = c.softmax(logits, dtype=np.float64)

        def netcal_fit():
            model = netcal.TemperatureScaling()
            model.fit(probs64, labels)
            # netcal multiplies log-probabilities by its weight: T = 1 / weight.
            return 1.0 / float(np.ravel(model.temperature)[0])
        timings.append(c.measure("netcal TemperatureScaling (mle)", netcal_fit, **theirs))
        del probs64

    torch = c.optional_import("torch")
    if torch is not None:
        logits_t, labels_t = torch.from_numpy(logits), torch.from_numpy(labels)
        timings.append(c.measure("Guo et al. recipe (torch LBFGS lr=0.01)",
                                 lambda: guo_recipe(torch, logits_t, labels_t), **theirs))

    for t in timings:
        nll, slope = c.nll_and_derivative(logits, labels, t.value)
        t.note = f"T = {t.value:.10f}   NLL = {nll:.12f}   |dNLL/dT| = {abs(slope):.3e}"
    c.print_table(timings)


def guo_recipe(torch, logits, labels) -> float:
    """``ModelWithTemperature.set_temperature`` of gpleiss/temperature_scaling, on CPU."""
    temperature = torch.nn.Parameter(torch.ones(1) * 1.5)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.LBFGS([temperature], lr=0.01, max_iter=50)

    def closure():
        optimizer.zero_grad()
        loss = criterion(logits / temperature, labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(temperature.item())


if __name__ == "__main__":
    main()
