"""Sudoku as an offline task (numpy only): generator, solver, datasets and metrics.

Typical use::

    puzzles, solutions = sadyn.sudoku.generate(100, givens=(31, 42), seed=0)  # int8, (100, 9, 9), 0 = blank
    test = sadyn.sudoku.load_dataset("sudoku9-id", "test")  # generated on first use, then cached
    digits, is_given = test.tokens()  # model inputs, (n, 81)
    sadyn.sudoku.board_accuracy(pred, test.solutions, test.puzzles)

Boards are ``(size, size)`` integer arrays (0 = blank), batches ``(n, size, size)``; sizes 4 and 9 have
default ``givens`` (16 and 25 work with an explicit range, slowly).
"""

from ._augment import augment_tokens as augment_tokens
from ._augment import random_symmetry as random_symmetry
from ._datasets import DATASETS as DATASETS
from ._datasets import DatasetSpec as DatasetSpec
from ._datasets import SudokuDataset as SudokuDataset
from ._datasets import cache_dir as cache_dir
from ._datasets import dataset_path as dataset_path
from ._datasets import load_dataset as load_dataset
from ._generate import generate as generate
from ._grid import board_tokens as board_tokens
from ._grid import cell_units as cell_units
from ._metrics import board_accuracy as board_accuracy
from ._metrics import cell_accuracy as cell_accuracy
from ._metrics import count_givens as count_givens
from ._metrics import givens_histogram as givens_histogram
from ._metrics import solved as solved
from ._solver import count_solutions as count_solutions
from ._solver import is_valid_solution as is_valid_solution
from ._solver import solve as solve
