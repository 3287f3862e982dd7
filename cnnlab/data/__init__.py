"""Datasets: the one way every notebook gets images (`load_dataset`, `image_folder`), batches
on the device with augmentation, normalisation, splits, and reading a photo a student uploads.

May import cnnlab.atomic only. Notebooks import from this folder (`from cnnlab.data import
load_dataset`); code inside cnnlab imports from the module.
"""

from cnnlab.data.batches import IMAGENET_STATS, Batches, denormalize, eval_batch_size, normalize
from cnnlab.data.catalog import DATASETS, dataset_info
from cnnlab.data.dataset import ImageDataset
from cnnlab.data.errors import ArchiveError, DatasetNotFoundError
from cnnlab.data.folder import image_folder
from cnnlab.data.images import NotAnImage, image_from_bytes, read_image
from cnnlab.data.loading import data_root, load_dataset, prepare
from cnnlab.data.split import stratified_split

__all__ = ["DATASETS", "IMAGENET_STATS", "ArchiveError", "Batches", "DatasetNotFoundError",
           "ImageDataset", "NotAnImage", "data_root", "dataset_info", "denormalize",
           "eval_batch_size", "image_folder", "image_from_bytes", "load_dataset", "normalize",
           "prepare", "read_image", "stratified_split"]
