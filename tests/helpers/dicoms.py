"""Real DICOM files for tests and benchmarks: pydicom's bundled CT_small with fresh UIDs."""

import io
from pathlib import Path
from typing import Any, List, Optional


def pydicom_data_file(name: str) -> str:
    """Path of a test file shipped inside pydicom (never downloaded), on pydicom 2 and 3."""
    from pydicom.data import get_testdata_file

    try:
        path = get_testdata_file(name, download=False)
    except TypeError:  # pydicom < 3 has no ``download`` (and only downloads when the file is not bundled)
        path = get_testdata_file(name)
    assert path, f'{name} is not bundled with this pydicom'
    return str(path)


def source_dicom() -> str:
    """``CT_small.dcm``, shipped inside pydicom (never downloaded)."""
    return pydicom_data_file('CT_small.dcm')


def save_file_format(dataset: Any, target: Any) -> None:
    """Save ``dataset`` as a DICOM Part-10 file (preamble and file meta) on pydicom 2 and 3.

    :param dataset: a pydicom Dataset with ``file_meta``.
    :param target: a path or a writable binary file.
    """
    try:
        dataset.save_as(target, enforce_file_format=True)  # pydicom >= 3
    except TypeError:
        dataset.save_as(target, write_like_original=False)  # pydicom 2


def _template(study_uid: Optional[str], patient_name: Optional[str], patient_id: Optional[str]) -> Any:
    from pydicom import dcmread
    from pydicom.uid import generate_uid

    template = dcmread(source_dicom())
    template.StudyInstanceUID = study_uid or generate_uid()
    if patient_name is not None:
        template.PatientName = patient_name
    if patient_id is not None:
        template.PatientID = patient_id
    return template


def _new_instance(template: Any, instance_number: Optional[int] = None) -> None:
    from pydicom.uid import generate_uid

    template.SOPInstanceUID = generate_uid()
    template.file_meta.MediaStorageSOPInstanceUID = template.SOPInstanceUID
    if instance_number is not None:
        template.InstanceNumber = instance_number


def write_dicoms(
    folder: Path,
    count: int,
    study_uid: Optional[str] = None,
    prefix: str = 'img',
    patient_name: Optional[str] = None,
    patient_id: Optional[str] = None,
    digits: int = 4,
) -> List[Path]:
    """Write ``count`` instances of one study (new SOP Instance UIDs, InstanceNumber 1..count).

    :param folder: created when missing.
    :param study_uid: the study (a new UID when None).
    :param prefix: file names are ``{prefix}{index:0{digits}d}.dcm``.
    :param patient_name: replaces CT_small's patient name when given.
    :param patient_id: replaces CT_small's patient id when given.
    :param digits: width of the index in the file names.
    """
    folder.mkdir(parents=True, exist_ok=True)
    template = _template(study_uid, patient_name, patient_id)
    paths = []
    for index in range(count):
        _new_instance(template, index + 1)
        path = folder / '{prefix}{index:0{digits}d}.dcm'.format(prefix=prefix, index=index, digits=digits)
        template.save_as(str(path))
        paths.append(path)
    return paths


#: Elements that differ from one slice to the next in a real CT series, with each slice's value.
def _time_of_day(seconds: float) -> str:
    """A DICOM TM value (``HHMMSS.FFF``) ``seconds`` after midnight (wrapping at 24 h)."""
    whole = int(seconds) % 86400
    return '{0:02d}{1:02d}{2:02d}.{3:03d}'.format(whole // 3600, whole // 60 % 60, whole % 60,
                                                  int(round((seconds % 1) * 1000)) % 1000)


_SLICE_VALUES = {
    'InstanceCreationTime': lambda i: _time_of_day(7 * 3600 + 27 * 60 + 31 + i),
    'AcquisitionTime': lambda i: _time_of_day(11 * 3600 + 29 * 60 + 36 + i / 2),
    'ContentTime': lambda i: _time_of_day(11 * 3600 + 30 * 60 + 8 + i / 2),
    'SliceLocation': lambda i: '{0:.4f}'.format(-77.2040634155 - 2.5 * i),
    'WindowCenter': lambda i: str(40 + i % 7),
}


def write_series(folder: Path, count: int, digits: int = 4) -> List[Path]:
    """Write ``count`` slices of one new CT series, as a scanner does: like :func:`write_dicoms`, and
    each slice also has its own position, slice location, times, window centre, GE private image
    location and pixel values (a benchmark's uploads then differ where a real series' do).
    """
    import struct

    folder.mkdir(parents=True, exist_ok=True)
    template = _template(None, None, None)
    x, y, z = (float(value) for value in template.ImagePositionPatient)
    pixels = bytearray(template.PixelData)
    paths = []
    for index in range(count):
        _new_instance(template, index + 1)
        for keyword, value in _SLICE_VALUES.items():
            setattr(template, keyword, value(index))
        template.ImagePositionPatient = [x, y, round(z - 2.5 * index, 6)]
        if 0x00271041 in template:  # GE's private image location (FL)
            template[0x00271041].value = -77.20406341552734 - 2.5 * index
        pixels[:4] = struct.pack('<I', index)
        template.PixelData = bytes(pixels)
        path = folder / 'slice{index:0{digits}d}.dcm'.format(index=index, digits=digits)
        template.save_as(str(path))
        paths.append(path)
    return paths


def dicom_bytes(study_uid: Optional[str] = None) -> bytes:
    """One CT_small instance of ``study_uid`` (new series and instance UIDs), as bytes."""
    from pydicom.uid import generate_uid

    template = _template(study_uid, None, None)
    template.SeriesInstanceUID = generate_uid()
    _new_instance(template)
    buffer = io.BytesIO()
    save_file_format(template, buffer)
    return buffer.getvalue()


def write_big_dicom(path: Path, pixel_bytes: int, study_uid: Optional[str] = None) -> Path:
    """Write a valid DICOM file whose PixelData (OB) has ``pixel_bytes`` bytes, in 1 MiB writes.

    The header is CT_small's (new study and instance UIDs, explicit VR little
    endian); the pixel bytes are a repeating 0..255 pattern, never held in
    memory whole, so files of several GiB can be written.

    :param path: the file to create.
    :param pixel_bytes: size of the PixelData value (even).
    :param study_uid: the study (a new UID when None).
    :return: ``path``.
    """
    template = _template(study_uid, None, None)
    del template.PixelData
    _new_instance(template)
    template.file_meta.TransferSyntaxUID = '1.2.840.10008.1.2.1'
    save_file_format(template, str(path))
    chunk = bytes(range(256)) * 4096
    with open(path, 'ab') as out:
        out.write(b'\xe0\x7f\x10\x00OB\x00\x00' + pixel_bytes.to_bytes(4, 'little'))
        written = 0
        while written < pixel_bytes:
            piece = chunk[: min(len(chunk), pixel_bytes - written)]
            out.write(piece)
            written += len(piece)
    return path


#: The value :func:`write_malformed_dicoms` puts in a UID of the files: pydicom quotes it in its warnings.
MALFORMED_VALUE = 'Malformed^Secret'


def write_malformed_dicoms(folder: Path, count: int = 1, keyword: str = 'SeriesInstanceUID') -> List[Path]:
    """Write ``count`` CT_small instances with values pydicom warns about when it reads them.

    The UID ``keyword`` (Series Instance UID by default) is ``1.2.`` + :data:`MALFORMED_VALUE` (pydicom
    warns ``Invalid value for VR UI: '<value>'``), Patient Name has a component longer than PN allows
    (a warning without the value).
    Register :data:`MALFORMED_VALUE` with ``secret_guard.register_phi`` in the tests that read them.
    """
    import warnings

    from pydicom import dcmread

    paths = write_dicoms(folder, count)
    for path in paths:
        dataset = dcmread(str(path))
        with warnings.catch_warnings():  # pydicom warns while they are set (this test process only)
            warnings.simplefilter('ignore')
            setattr(dataset, keyword, '1.2.' + MALFORMED_VALUE)
            dataset.PatientName = 'A' * 100
        dataset.save_as(str(path))
    return paths
