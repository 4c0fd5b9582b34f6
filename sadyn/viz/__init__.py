"""Drawing: :mod:`sadyn.viz.plots` (every ``plot_*``) and :mod:`sadyn.viz.widgets` (the tutorials' explorers).

Nothing here computes: plots draw results of :mod:`sadyn.experiments`, widgets wire controls to both.
Both load lazily (matplotlib, ipywidgets): ``sd.plots`` and ``sd.widgets`` are these modules.
"""
