"""The decoder as a generator: sample grids, interpolations and traversals of a trained
VAE, and the lecture's figure of a plain auto-encoder's random codes against a VAE's."""

from aekit.generate.figures import (ae_vs_vae_figure, interpolation_strip, load_generator,
                                    sample_grid, traversal_grid)

__all__ = ["ae_vs_vae_figure", "interpolation_strip", "load_generator", "sample_grid",
           "traversal_grid"]
