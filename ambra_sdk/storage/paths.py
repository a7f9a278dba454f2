"""URL templates shared by the storage namespaces."""

from typing import Any, Dict

STUDY = '/study/{namespace}/{study_uid}'
IMAGE = STUDY + '/image/{image_uid}/version/{image_version}'
FRAME = IMAGE + '/frame/{frame_number}'


def image_path(namespace: str, study_uid: str, image_uid: str, image_version: str) -> Dict[str, Any]:
    """Return the path arguments of an image URL.

    :param namespace: storage namespace.
    :param study_uid: study UID.
    :param image_uid: image UID.
    :param image_version: image version.
    :return: path arguments for :data:`IMAGE`.
    """
    return {
        'namespace': namespace,
        'study_uid': study_uid,
        'image_uid': image_uid,
        'image_version': image_version,
    }


def frame_path(
    namespace: str, study_uid: str, image_uid: str, image_version: str, frame_number: Any,
) -> Dict[str, Any]:
    """Return the path arguments of a frame URL.

    :param namespace: storage namespace.
    :param study_uid: study UID.
    :param image_uid: image UID.
    :param image_version: image version.
    :param frame_number: frame number.
    :return: path arguments for :data:`FRAME`.
    """
    path_args = image_path(namespace, study_uid, image_uid, image_version)
    path_args['frame_number'] = frame_number
    return path_args
