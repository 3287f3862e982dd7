import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("CNNLAB_OFFLINE", "1")  # unit tests never touch the network
