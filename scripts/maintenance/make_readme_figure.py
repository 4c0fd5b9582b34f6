"""Draw docs/overview.png, the picture at the top of README.md (run: python scripts/maintenance/make_readme_figure.py).

Left: tokens of symmetric attention cluster on the sphere while the energy falls (tutorial 01).
Right: eigenvalues of one looped-attention step (untrained AKOrN, T = 16) with and without normalization (tutorial 04).
"""

from pathlib import Path

import torch

import sadyn as sd
from sadyn import plots
from sadyn.experiments import eigenvalue_cloud, random_tokens

OUT = Path(__file__).resolve().parents[2] / "docs" / "overview.png"


def main() -> None:
    torch.set_num_threads(1)
    run = sd.experiments.clustering_run(beta=5.0, dt=0.1, steps=200, tokens=32)
    S, D = 8, 16
    C, X0 = random_tokens(S, D, seed=1), random_tokens(S, D, seed=2)
    clouds = {}
    for norm, label in (("sphere", "AKOrN, normalized"), (None, "AKOrN, no normalization")):
        m = sd.AKOrN(D, 4, omega=1.0, norm=norm, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        clouds[label] = eigenvalue_cloud(m, X0, C, steps=16)
    fig, axes = plots.grid(3, projections=["3d", None, None], size=(3.6, 3.4))
    plots.plot_tokens_sphere(run["trajectory"].states, axes[0], title="tokens cluster, energy falls")
    inset = axes[0].inset_axes([0.62, 0.02, 0.36, 0.28])
    plots.plot_energy(run["energies"], inset)
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.tick_params(labelsize=6)
    for ax, (label, c), color in zip(axes[1:], clouds.items(), (plots.PALETTE[0], plots.PALETTE[3]), strict=True):
        plots.plot_eigenvalues(c["eigenvalues"], ax, color=color)
        ax.set_title(f"{label}\nmax |lambda| = {c['max_modulus']:.2f}", fontsize=9)
    fig.tight_layout()
    OUT.parent.mkdir(exist_ok=True)
    fig.savefig(OUT, dpi=90, metadata={"Software": None})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
