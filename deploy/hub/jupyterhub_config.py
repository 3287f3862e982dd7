"""JupyterHub for a class on ONE machine: `make hub`, then http://<host>:8000 (see README, "For teachers").

Two parts are for trying the hub out and testing it, and a teacher replaces them:
  * DummyAuthenticator: any user name with the shared password CNNLAB_HUB_PASSWORD logs in;
    use an OAuth (GitHub, Google, your LMS), LDAP or PAM authenticator for a real class.
  * SimpleLocalProcessSpawner: every student's server runs as the hub's own system user, each in
    its own home folder. The Jupyter server only serves files under that folder, so students do
    not see each other's notebooks, but it is not an operating-system boundary; for real
    isolation use the default LocalProcessSpawner with system users, DockerSpawner, or
    Kubernetes (deploy/z2jh/).
What a teacher keeps: every student gets a private copy of the notebooks on first login, and all
share one prepared dataset cache (CNNLAB_DATA), so nobody downloads or prepares data again.
"""

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
STATE = Path(os.environ.get("CNNLAB_HUB_DIR", REPO / "build" / "hub"))   # database, secret, homes
STATE.mkdir(parents=True, exist_ok=True)
NOTEBOOKS = REPO / "notebooks"
DATA = Path(os.environ.get("CNNLAB_DATA", REPO / "data"))

c = get_config()  # noqa: F821 (JupyterHub provides it)
c.JupyterHub.bind_url = f"http://{os.environ.get('CNNLAB_HUB_IP', '127.0.0.1')}:{os.environ.get('CNNLAB_HUB_PORT', '8000')}"
c.JupyterHub.hub_port = int(os.environ.get("CNNLAB_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('CNNLAB_HUB_PROXY_PORT', '8001')}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]

# --- for trying out and testing only: replace for a real class -------------------------------
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ.get("CNNLAB_HUB_PASSWORD", "cnnlab")
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")

# --- every student ------------------------------------------------------------------------------
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]   # this venv's Jupyter
c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"
c.Spawner.environment = {"CNNLAB_DATA": str(DATA),          # the shared, prepared datasets
                         "CNNLAB_DEVICE": os.environ.get("CNNLAB_DEVICE", "")}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
if os.getuid() == 0:    # containers often run as root
    c.Spawner.args = ["--ServerApp.allow_root=True"]
# One kernel's training would use every core; on a shared machine each student gets a share.
THREADS = os.environ.get("CNNLAB_HUB_THREADS", "1")
c.Spawner.environment |= {"OMP_NUM_THREADS": THREADS, "CNNLAB_THREADS": THREADS}


def private_notebooks(spawner) -> None:
    """Copy the workbook into the student's home on first login; later logins keep their edits."""
    home = Path(spawner.home_dir_template.format(username=spawner.user.name))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "notebooks").exists():
        shutil.copytree(NOTEBOOKS, home / "notebooks", ignore=shutil.ignore_patterns("checkpoints", "*.pt"))


c.Spawner.pre_spawn_hook = private_notebooks


# A hub service with an API token, for scripted checks (tools/hub_load.py); off unless asked for.
if os.environ.get("CNNLAB_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services = [{"name": "cnnlab-load", "api_token": os.environ["CNNLAB_HUB_SERVICE_TOKEN"]}]
    c.JupyterHub.load_roles = [{"name": "cnnlab-load", "services": ["cnnlab-load"],
                                "scopes": ["admin:users", "admin:servers", "admin:server_state",
                                           "access:servers"]}]
