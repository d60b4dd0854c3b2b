"""A task for tests/test_workers.py: each run leaves a file, so a task run twice shows."""

import time
import uuid
from pathlib import Path

from django_tasks import task


@task()
def record_run(n: int, folder: str) -> int:
    time.sleep(0.05)  # long enough for two workers to want the same task
    (Path(folder) / f"{n}.{uuid.uuid4().hex}").touch()
    return n
