"""The `cnnlab` command: `cnnlab lab` opens the workbook, `cnnlab doctor` checks the setup.

    cnnlab lab [--headless] [--port 8888] [--token cnnlab] [--notebook-dir notebooks]
    cnnlab doctor
    cnnlab data [cifar10 mnist fashion_mnist] [--optional]

Plain Python on any system (no shell, no make), so Windows works as Linux and macOS do;
`make lab` calls `cnnlab lab`. Also runs as `python -m cnnlab ...`.
"""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from cnnlab import workbook
from cnnlab.workbook import CHECKOUT, FIRST


def notebook_folder(given: str | None) -> Path:
    """The folder of notebooks to open (`workbook.notebook_folder`); if none, exit saying why."""
    try:
        return workbook.notebook_folder(given)
    except FileNotFoundError as missing:
        raise SystemExit(str(missing)) from None


def prepare_data(names=("cifar10", "mnist", "fashion_mnist"), optional: bool = False) -> int:
    """Fill the dataset caches; a dataset that cannot be found is reported with what to put where
    (and, unless `optional`, makes the exit status 1)."""
    from cnnlab.data.__main__ import main

    return main(["prepare", *names, *(["--optional"] if optional else [])])


def lab_command(folder: Path, headless: bool, port: int, token: str) -> list[str]:
    options = [f"--ServerApp.root_dir={folder}"]
    if headless:   # a server: no browser, a fixed port and token
        options += ["--no-browser", "--ip=0.0.0.0", f"--port={port}", f"--IdentityProvider.token={token}"]
    if getattr(os, "geteuid", lambda: 1)() == 0:   # containers often run as root; Windows has no geteuid
        options.append("--allow-root")
    return [sys.executable, "-m", "jupyter", "lab", *options, str(folder / FIRST)]


def lab(args) -> int:
    folder = notebook_folder(args.notebook_dir)
    if (CHECKOUT / "data").is_dir():
        os.environ.setdefault("CNNLAB_DATA", str(CHECKOUT / "data"))   # also for copies of the notebooks elsewhere
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")   # quiets a debugger warning in every kernel
    if not args.no_data:
        prepare_data(optional=True)   # a missing dataset is reported; the workbook still opens
    print(f"Opening the workbook: {folder / FIRST}", flush=True)
    server = subprocess.Popen(lab_command(folder, args.headless, args.port, args.token))
    # Stopped by a service manager or `kill`: pass it on, so JupyterLab shuts its kernels down too.
    signal.signal(signal.SIGTERM, lambda signum, frame: server.terminate())
    while True:
        try:
            return server.wait()
        except KeyboardInterrupt:   # JupyterLab got the same Ctrl-C: let it shut its kernels down
            continue


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="cnnlab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    opener = commands.add_parser("lab", help="prepare the datasets and open the workbook in JupyterLab")
    opener.add_argument("--headless", action="store_true", help="no browser; listen on --port with --token")
    opener.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8888)))
    opener.add_argument("--token", default=os.environ.get("TOKEN", "cnnlab"))
    opener.add_argument("--notebook-dir", default=None)
    opener.add_argument("--no-data", action="store_true", help="skip preparing the datasets")
    commands.add_parser("doctor", help="check packages, widgets, figures, device, datasets, disk")
    data = commands.add_parser("data", help="prepare the datasets' caches")
    data.add_argument("names", nargs="*", default=["cifar10", "mnist", "fashion_mnist"])
    data.add_argument("--optional", action="store_true", help="report missing datasets without failing")
    args = parser.parse_args(argv)
    if args.command == "lab":
        return lab(args)
    if args.command == "doctor":
        from cnnlab.setup.doctor import FAIL, doctor

        return 1 if any(f.status == FAIL for f in doctor()) else 0
    return prepare_data(args.names, args.optional)


if __name__ == "__main__":
    sys.exit(main())
