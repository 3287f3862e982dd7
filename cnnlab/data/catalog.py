"""What each dataset is, where its files may be, and the SHA-256 of every known archive."""

from dataclasses import dataclass, field

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]
MNIST_CLASSES = [str(d) for d in range(10)]
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset: its classes, image shape, split sizes and the archives it may come from.

    `folder_archive` is a .tar.gz of `<split>/<class folder>/<image>` files, verified by
    `folder_archive_sha256`. `idx_folder` holds the four gzip IDX files; because the gzip
    wrapper differs between mirrors, those are verified by the SHA-256 of their unpacked bytes.
    """

    name: str
    classes: list[str]
    shape: tuple[int, int, int]  # (C, H, W)
    sizes: dict[str, int]
    torchvision_name: str
    folder_archive: str | None = None
    folder_archive_sha256: str | None = None
    folder_names: list[str] | None = None  # class folder names inside the archive
    idx_folder: str | None = None
    idx_sha256: dict[str, str] = field(default_factory=dict)

    def archive_files(self) -> list[str]:
        """Relative paths a student can place to make this dataset available offline."""
        files = [self.folder_archive] if self.folder_archive else []
        if self.idx_folder:
            files += [f"{self.idx_folder}/{f}.gz" for pair in IDX_FILES.values() for f in pair]
        return files


DATASETS = {
    "cifar10": DatasetInfo(
        name="cifar10",
        classes=CIFAR10_CLASSES,
        shape=(3, 32, 32),
        sizes={"train": 50_000, "test": 10_000},
        torchvision_name="CIFAR10",
        folder_archive="cifar10-jpg.tar.gz",
        folder_archive_sha256="0bfcb68717a0ecb0d51ed61034906a773d48d424d94b766a46d7d1c55702a4d9",
        folder_names=CIFAR10_CLASSES,
    ),
    "mnist": DatasetInfo(
        name="mnist",
        classes=MNIST_CLASSES,
        shape=(1, 28, 28),
        sizes={"train": 60_000, "test": 10_000},
        torchvision_name="MNIST",
        folder_archive="mnist-png.tar.gz",
        folder_archive_sha256="c1ff13d1b05ab386ab2352037d2350dcc479c0f4ab6716be526df7084d921c8d",
        folder_names=MNIST_CLASSES,
        idx_folder="mnist",
        idx_sha256={
            "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
    ),
    "fashion_mnist": DatasetInfo(
        name="fashion_mnist",
        classes=FASHION_MNIST_CLASSES,
        shape=(1, 28, 28),
        sizes={"train": 60_000, "test": 10_000},
        torchvision_name="FashionMNIST",
        idx_folder="fashion-mnist",
        idx_sha256={
            "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
    ),
}


def dataset_info(name: str) -> DatasetInfo:
    """Look up a dataset by name, with a helpful error for typos."""
    key = name.lower().replace("-", "_")
    if key not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {sorted(DATASETS)}, "
                         "or load your own folders with cnnlab.data.image_folder(path).")
    return DATASETS[key]
