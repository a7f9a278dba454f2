"""Type aliases of the ``files``/``data`` values that storage methods hand to requests.

The reference's ``types`` module; the shapes are requests' own (a file
object, bytes or text, alone or in a ``(filename, content[, content_type[, headers]])`` tuple).
"""

from typing import IO, Any, Dict, Mapping, Optional, Tuple, Union

#: The content of one uploaded file.
RequestsFileContentType = Union[IO[bytes], IO[str], bytes, str]
#: The file name sent in a multipart part (``None``: no name).
RequestsFileNameType = Optional[str]
#: ``(filename, content)``.
RequestsFileTuple2Type = Tuple[RequestsFileNameType, RequestsFileContentType]
#: ``(filename, content, content_type)``.
RequestsFileTuple3Type = Tuple[RequestsFileNameType, RequestsFileContentType, Optional[str]]
#: ``(filename, content, content_type, headers)``.
RequestsFileTuple4Type = Tuple[RequestsFileNameType, RequestsFileContentType, Optional[str], Mapping[str, str]]
#: One value of requests' ``files``.
RequestsFileType = Union[
    RequestsFileContentType, RequestsFileTuple2Type, RequestsFileTuple3Type, RequestsFileTuple4Type,
]
#: requests' ``files`` argument.
RequestsFilesType = Dict[str, RequestsFileType]
#: requests' ``data`` argument.
RequestsDataType = Union[None, bytes, str, IO[bytes], Mapping[str, Any]]

__all__ = [
    'RequestsDataType',
    'RequestsFileContentType',
    'RequestsFileNameType',
    'RequestsFileTuple2Type',
    'RequestsFileTuple3Type',
    'RequestsFileTuple4Type',
    'RequestsFileType',
    'RequestsFilesType',
]
