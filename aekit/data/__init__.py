"""Loading data: arrays, tables, idx files, images and the named built-in datasets.

Importing this package registers the built-in datasets in
:data:`aekit.registry.DATASETS`, which :func:`load_data` looks names up in.
"""

from aekit.data.datasets import dataset_info, load_dataset  # registers the datasets
from aekit.data.files import LoadedData, load_array_file, load_data
from aekit.data.idx import read_idx, write_idx
from aekit.data.images import load_image, load_image_folder
from aekit.data.validation import check_features, check_labels

__all__ = [
    "LoadedData",
    "check_features",
    "check_labels",
    "dataset_info",
    "load_array_file",
    "load_data",
    "load_dataset",
    "load_image",
    "load_image_folder",
    "read_idx",
    "write_idx",
]
