#!/usr/bin/env bash
# The exact commands that trained the checkpoints in sadyn/solver/pretrained/ (see sadyn/solver/pretrained/README.md).
# Usage: scripts/maintenance/train_pretrained.sh small     # the 4x4 models (seconds to minutes each, one core)
#        scripts/maintenance/train_pretrained.sh itrsa9    # 9x9 ItrSA + RMSNorm (time-boxed, one core; run in background)
#        scripts/maintenance/train_pretrained.sh akorn9    # 9x9 AKOrN N=4 (time-boxed, one core)
#        scripts/maintenance/train_pretrained.sh none9     # 9x9 ItrSA without normalization, 1 epoch (the paper's instability)
# Every run resumes from runs/<name>/last.pt when re-run; `sadyn eval runs/<name>/best.pt` evaluates it.
# Then: python scripts/maintenance/make_pretrained.py  (copies best.pt files, evaluates, writes manifest.json + README.md).
set -euo pipefail
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE

case "${1:-}" in
itrsa9)
  sadyn train --out runs/itrsa9-rms --size 9 --dynamics itrsa --norm rms --dim 128 --heads 8 --steps 16 \
    --lr 2e-3 --warmup-steps 100 --batch-size 50 --epochs 100 --threads 1 --quiet --minutes "${MINUTES:-130}"
  ;;
akorn9)
  sadyn train --out runs/akorn9 --size 9 --dynamics akorn --norm sphere --oscillator-dim 4 --dim 128 --heads 8 \
    --steps 16 --lr 2e-3 --warmup-steps 100 --batch-size 50 --epochs 100 --threads 1 --quiet --minutes "${MINUTES:-130}"
  ;;
none9)
  # 9x9 ItrSA without normalization, one epoch as in the paper (it is unstable): records what happens.
  sadyn train --out runs/itrsa9-none --size 9 --dynamics itrsa --norm none --dim 128 --heads 8 --steps 16 \
    --lr 2e-3 --warmup-steps 100 --batch-size 50 --epochs 1 --threads 1 --quiet
  ;;
small)
  # 4x4 models: D=32, 4 heads, T=8, lr 3e-3, batch 64, 20 epochs (about 1,400 updates) each, one core.
  small="--size 4 --dim 32 --heads 4 --steps 8 --lr 3e-3 --batch-size 64 --epochs 20 --threads 1 --quiet"
  sadyn train --out runs/itrsa4-rms --dynamics itrsa --norm rms $small
  sadyn train --out runs/itrsa4-none --dynamics itrsa --norm none $small
  sadyn train --out runs/akorn4 --dynamics akorn --norm sphere --oscillator-dim 4 $small
  sadyn train --out runs/akorn4-rms --dynamics akorn --norm rms --oscillator-dim 4 $small
  sadyn train --out runs/akorn4-osc32 --dynamics akorn --norm sphere --oscillator-dim 32 $small
  sadyn train --out runs/energy4 --dynamics energy --heads 1 --dt 0.5 ${small/--heads 4/}
  sadyn train --out runs/itrsa4-spec --dynamics itrsa --norm rms --regularizer spectral --reg-weight 1e-4 $small
  sadyn train --out runs/akorn4-spec --dynamics akorn --norm sphere --regularizer spectral --reg-weight 1e-5 $small
  sadyn train --out runs/itrsa4-emulti --dynamics itrsa --norm rms --orthogonal-values --regularizer e_multi \
    --reg-weight 1e-4 $small
  ;;
*)
  echo "usage: $0 small|itrsa9|akorn9|none9" >&2; exit 2 ;;
esac
