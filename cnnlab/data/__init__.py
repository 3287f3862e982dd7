"""The one way every notebook gets images: cnnlab.data.load_dataset and friends."""

from cnnlab.data.batches import Batches, eval_batch_size, normalize
from cnnlab.data.catalog import DATASETS, dataset_info
from cnnlab.data.dataset import ImageDataset
from cnnlab.data.errors import ArchiveError, DatasetNotFoundError
from cnnlab.data.folder import image_folder
from cnnlab.data.loading import data_root, load_dataset, prepare
from cnnlab.data.split import stratified_split

__all__ = ["ArchiveError", "Batches", "DATASETS", "DatasetNotFoundError", "ImageDataset",
           "data_root", "dataset_info", "eval_batch_size", "image_folder", "load_dataset", "normalize",
           "prepare", "stratified_split"]
