"""The addon helpers from a user's script."""

from pathlib import Path

from ambra_sdk.api import Api


def addon(api: Api, namespace_id: str) -> None:
    study = api.Addon.Study.upload_dir(study_dir=Path('study'), namespace_id=namespace_id)
    print(study)
    job = api.Addon.Job
    print(job)
