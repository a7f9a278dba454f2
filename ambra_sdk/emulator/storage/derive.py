"""Storage operations that write new DICOM: copies (clone, split, merge,
anonymize, crop) and generated objects (wrap, attachment render, HL7 SR, RTSTRUCT).

Copies read each source file fully (pixel data included), change UIDs and
pixels as asked, and store the result as a new image version.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.index import ImageRecord, StorageIndex
from ambra_sdk.emulator.storage.upload import PDF_SOP_CLASS, Stored, file_dicom, hash_file

SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7'
BASIC_TEXT_SR = '1.2.840.10008.5.1.4.1.1.88.11'
RT_STRUCTURE_SET = '1.2.840.10008.5.1.4.1.1.481.3'

#: Patient/study tags copied into generated objects from the study.
_INHERITED = (
    'PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyInstanceUID',
    'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber', 'StudyDescription',
    'ReferringPhysicianName',
)

Transform = Callable[[Dataset, ImageRecord], None]


def save_dataset(ds: Dataset, target: Any) -> None:
    """``ds.save_as`` as a proper DICOM file (preamble + meta) on pydicom 2 and 3."""
    try:
        ds.save_as(target, enforce_file_format=True)
    except TypeError:  # pydicom < 3
        ds.save_as(target, write_like_original=False)


def store_dataset(index: StorageIndex, namespace: str, ds: Dataset) -> Stored:
    """Write ``ds`` as a DICOM file into the blob store and index it."""
    if not getattr(ds, 'file_meta', None):
        ds.file_meta = FileMetaDataset()
    meta = ds.file_meta
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    if 'TransferSyntaxUID' not in meta:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
    tmp = index.new_tmp_path()
    save_dataset(ds, str(tmp))
    size = tmp.stat().st_size
    return file_dicom(index, namespace, tmp, size, hash_file(tmp))


# ------------------------------------------------------------------- copies
@dataclass
class CopyPlan:
    """What a copy does to each image.

    :ivar new_study_uid: StudyInstanceUID of the copies.
    :ivar new_series_uids: give each copied series a new SeriesInstanceUID.
    :ivar new_image_uids: give each copy a new SOPInstanceUID.
    :ivar transform: extra change applied to every dataset (pixels, tags).
    """

    new_study_uid: str
    new_series_uids: bool = False
    new_image_uids: bool = False
    transform: Optional[Transform] = None
    series_map: Dict[str, str] = field(default_factory=dict)


def copy_images(
    index: StorageIndex, images: List[ImageRecord], to_namespace: str, plan: CopyPlan,
) -> List[Stored]:
    """Copy ``images`` into ``plan.new_study_uid`` in ``to_namespace``."""
    stored = []
    for rec in images:
        ds = dcmread(rec.path)
        ds.StudyInstanceUID = plan.new_study_uid
        if plan.new_series_uids:
            ds.SeriesInstanceUID = plan.series_map.setdefault(rec.series_uid, generate_uid())
        if plan.new_image_uids:
            ds.SOPInstanceUID = generate_uid()
        if plan.transform is not None:
            plan.transform(ds, rec)
        stored.append(store_dataset(index, to_namespace, ds))
    return stored


def _pixels(ds: Dataset) -> Optional[np.ndarray]:
    """Decoded pixel array (decompressing the dataset in place), or None."""
    if 'PixelData' not in ds:
        return None
    try:
        if ds.file_meta.TransferSyntaxUID.is_compressed:
            ds.decompress()
        return np.array(ds.pixel_array)
    except Exception:  # noqa: BLE001 - no codec for this syntax
        return None


def _set_pixels(ds: Dataset, arr: np.ndarray) -> None:
    ds.PixelData = np.ascontiguousarray(arr).tobytes()
    frames = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    rows_axis = 1 if frames > 1 else 0
    ds.Rows, ds.Columns = int(arr.shape[rows_axis]), int(arr.shape[rows_axis + 1])


def regions_for(spec: Dict[str, Any], series_uid: str, image_uid: str, key: str) -> Any:
    """Pick the most specific region entry (instance > series > study) for an image.

    :param key: ``'regions'`` (anonymize) or ``'region'`` (crop).
    """
    series = (spec.get('series') or {}).get(series_uid) or {}
    for holder in (
        (series.get('instances') or {}).get(image_uid),
        (spec.get('instances') or {}).get(image_uid),
        series,
        spec,
    ):
        if isinstance(holder, dict) and key in holder:
            return holder[key]
    return None


def _box(region: Any) -> Optional[tuple[int, int, int, int]]:
    try:
        x, y = int(region['x']), int(region['y'])
        width, height = int(region['width']), int(region['height'])
    except (KeyError, TypeError, ValueError):
        raise StorageError('VALIDATION_ERROR', f'Bad region: {region!r}') from None
    if width <= 0 or height <= 0:
        return None
    return max(x, 0), max(y, 0), width, height


def _color_value(color: Optional[str], arr: np.ndarray) -> Any:
    if not color:
        return None
    text = color.lstrip('#')
    try:
        rgb = [int(text[i:i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        raise StorageError('VALIDATION_ERROR', f'Bad color: {color}', {'color': color}) from None
    if arr.ndim >= 3 and arr.shape[-1] == 3:
        return np.array(rgb, dtype=arr.dtype)
    top = np.iinfo(arr.dtype).max if np.issubdtype(arr.dtype, np.integer) else 1.0
    return np.asarray(sum(rgb) / 765 * top).astype(arr.dtype)


def obscure_transform(spec: Dict[str, Any], color: Optional[str]) -> Transform:
    """Transform for ``anonymize``: paint the regions (colour or checkerboard)."""

    def apply(ds: Dataset, rec: ImageRecord) -> None:
        regions = regions_for(spec, rec.series_uid, rec.image_uid, 'regions') or []
        if not regions:
            return
        arr = _pixels(ds)
        if arr is None:
            return
        arr = arr.copy()
        multi = int(getattr(ds, 'NumberOfFrames', 1) or 1) > 1
        view = arr if multi else arr[np.newaxis]
        fill = _color_value(color, arr)
        for region in regions:
            box = _box(region)
            if box is None:
                continue
            x, y, width, height = box
            patch = view[:, y:y + height, x:x + width]
            if fill is not None:
                patch[...] = fill
            else:
                yy, xx = np.indices(patch.shape[1:3])
                checker = ((yy // 8 + xx // 8) % 2).astype(bool)
                top = np.iinfo(arr.dtype).max if np.issubdtype(arr.dtype, np.integer) else 1
                patch[:, checker] = top
                patch[:, ~checker] = 0
        _set_pixels(ds, arr)
        ds.BurnedInAnnotation = 'NO'

    return apply


def crop_transform(spec: Dict[str, Any]) -> Transform:
    """Transform for ``crop``: keep only the region of each image."""

    def apply(ds: Dataset, rec: ImageRecord) -> None:
        region = regions_for(spec, rec.series_uid, rec.image_uid, 'region')
        if not region:
            return
        box = _box(region)
        arr = _pixels(ds)
        if box is None or arr is None:
            return
        x, y, width, height = box
        multi = int(getattr(ds, 'NumberOfFrames', 1) or 1) > 1
        cropped = arr[:, y:y + height, x:x + width] if multi else arr[y:y + height, x:x + width]
        if cropped.size == 0:
            raise StorageError('VALIDATION_ERROR', 'Crop region is outside the image', {'region': region})
        _set_pixels(ds, cropped)

    return apply


# --------------------------------------------------------- generated objects
def _base_dataset(sop_class: str, modality: str, template: Optional[Dataset]) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = modality
    now = datetime.datetime.now()
    ds.ContentDate = now.strftime('%Y%m%d')
    ds.ContentTime = now.strftime('%H%M%S')
    if template is not None:
        for keyword in _INHERITED:
            if keyword in template:
                setattr(ds, keyword, template.get(keyword))
    if 'StudyInstanceUID' not in ds:
        ds.StudyInstanceUID = generate_uid()
    for keyword in ('PatientName', 'PatientID', 'StudyDate', 'StudyTime', 'AccessionNumber'):
        if keyword not in ds:
            setattr(ds, keyword, '')
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 999
    ds.InstanceNumber = 1
    return ds


def study_template(index: StorageIndex, namespace: str, study_uid: str) -> Optional[Dataset]:
    """Header of the study's first image (for patient/study tags), or None."""
    images = index.images(namespace, study_uid)
    if not images:
        return None
    return dcmread(images[0].path, stop_before_pixels=True)


def encapsulated_document(
    content: bytes, mime: str, template: Optional[Dataset], title: str = '',
) -> Dataset:
    """A DICOM wrapping ``content`` (Encapsulated PDF for PDFs, else SC + document)."""
    sop = PDF_SOP_CLASS if mime == 'application/pdf' else SECONDARY_CAPTURE
    ds = _base_dataset(sop, 'DOC' if sop == PDF_SOP_CLASS else 'OT', template)
    ds.ConversionType = 'WSD'
    ds.DocumentTitle = title[:64]
    ds.MIMETypeOfEncapsulatedDocument = mime
    ds.BurnedInAnnotation = 'YES'
    ds.EncapsulatedDocument = content + (b'\x00' if len(content) % 2 else b'')
    return ds


def parse_tag_overrides(text: Optional[str]) -> Dict[str, Any]:
    """Parse wrap's ``tags``: a JSON object of keyword-or-hex tag -> value."""
    import json

    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise StorageError('JSON_DESERIALIZE_EXCEPTION', 'tags is not valid JSON', {'tags': text}) from None
    if not isinstance(value, dict):
        raise StorageError('VALIDATION_ERROR', 'tags must be a JSON object', {'tags': text})
    return value


def apply_tag_overrides(ds: Dataset, overrides: Dict[str, Any]) -> None:
    """Set keyword (``PatientName``) or hex (``00100010``) tags on ``ds``."""
    from pydicom.datadict import dictionary_VR, keyword_for_tag

    for key, value in overrides.items():
        keyword = key
        if all(c in '0123456789abcdefABCDEF' for c in key) and len(key) == 8:
            keyword = keyword_for_tag(int(key, 16))
            if not keyword:
                ds.add_new(int(key, 16), 'LO', str(value))
                continue
        try:
            dictionary_VR(keyword)
        except KeyError:
            raise StorageError('VALIDATION_ERROR', f'Unknown DICOM tag {key}', {'tag': key}) from None
        setattr(ds, keyword, value)


def basic_text_sr(text: str, template: Optional[Dataset], title: str) -> Dataset:
    """A Basic Text SR holding ``text`` (used by ``hl7_to_sr``)."""
    ds = _base_dataset(BASIC_TEXT_SR, 'SR', template)
    ds.ValueType = 'CONTAINER'
    ds.ContinuityOfContent = 'SEPARATE'
    ds.CompletionFlag = 'COMPLETE'
    ds.VerificationFlag = 'UNVERIFIED'
    concept = Dataset()
    concept.CodeValue = '11528-7'
    concept.CodingSchemeDesignator = 'LN'
    concept.CodeMeaning = title[:64] or 'Radiology Report'
    ds.ConceptNameCodeSequence = Sequence([concept])
    item = Dataset()
    item.RelationshipType = 'CONTAINS'
    item.ValueType = 'TEXT'
    item.TextValue = text
    ds.ContentSequence = Sequence([item])
    return ds


def _seq(items: Any, build: Callable[[Dict[str, Any]], Dataset]) -> Sequence:
    if not isinstance(items, list):
        return Sequence([])
    return Sequence([build(i) for i in items if isinstance(i, dict)])


def _s(value: Any, limit: int = 64) -> str:
    return '' if value is None else str(value)[:limit]


def rtstruct(body: Dict[str, Any], template: Optional[Dataset]) -> Dataset:
    """An RT Structure Set built from the vendor JSON of ``create_rt``."""
    ds = _base_dataset(RT_STRUCTURE_SET, 'RTSTRUCT', template)
    ds.StructureSetLabel = _s(body.get('structureSetLabel')) or 'RTSTRUCT'
    ds.StructureSetName = _s(body.get('structureSetName'))
    ds.StructureSetDescription = _s(body.get('structureSetDescription'), 1024)
    if body.get('instanceNumber') not in (None, ''):
        ds.InstanceNumber = _s(body.get('instanceNumber'), 12)
    stamp = body.get('structureSetDate')
    when = datetime.datetime.now()
    if isinstance(stamp, (int, float)):
        when = datetime.datetime.fromtimestamp(stamp / 1000, tz=datetime.timezone.utc)
    ds.StructureSetDate = when.strftime('%Y%m%d')
    ds.StructureSetTime = when.strftime('%H%M%S')

    def roi(item: Dict[str, Any]) -> Dataset:
        out = Dataset()
        out.ROINumber = _s(item.get('roiNumber'), 12) or '1'
        out.ReferencedFrameOfReferenceUID = _s(item.get('referencedFrameOfReferenceUID')) or generate_uid()
        out.ROIName = _s(item.get('roiName'))
        out.ROIDescription = _s(item.get('roiDescription'), 1024)
        out.ROIGenerationAlgorithm = _s(item.get('roiGenerationAlgorithm'), 16)
        return out

    def contour(item: Dict[str, Any]) -> Dataset:
        out = Dataset()
        out.ContourNumber = _s(item.get('contourNumber'), 12) or '1'
        out.ContourGeometricType = _s(item.get('contourGeometricType'), 16) or 'CLOSED_PLANAR'
        points = [p for p in item.get('contourData') or [] if isinstance(p, dict)]
        out.NumberOfContourPoints = len(points)
        out.ContourData = [
            f'{float(p.get(axis, 0)):g}' for p in points for axis in ('x', 'y', 'z')
        ]
        return out

    def roi_contour(item: Dict[str, Any]) -> Dataset:
        out = Dataset()
        out.ReferencedROINumber = _s(item.get('referencedROINumber'), 12) or '1'
        out.ContourSequence = _seq(item.get('contourSequences'), contour)
        return out

    def observation(item: Dict[str, Any]) -> Dataset:
        out = Dataset()
        out.ObservationNumber = _s(item.get('observationNumber'), 12) or '1'
        out.ReferencedROINumber = _s(item.get('referencedROINumber'), 12) or '1'
        out.ROIObservationLabel = _s(item.get('roiObservationLabel'))
        out.RTROIInterpretedType = _s(item.get('rtROIInterpretedType'), 16)
        out.ROIInterpreter = _s(item.get('roiInterpreter'))
        return out

    def frame_ref(item: Dict[str, Any]) -> Dataset:
        out = Dataset()
        out.FrameOfReferenceUID = _s(item.get('frameOfReferenceUID')) or generate_uid()
        return out

    ds.ReferencedFrameOfReferenceSequence = _seq(body.get('referencedFrameOfReferenceList'), frame_ref)
    ds.StructureSetROISequence = _seq(body.get('structureSetROISequences'), roi)
    ds.ROIContourSequence = _seq(body.get('roiContours'), roi_contour)
    ds.RTROIObservationsSequence = _seq(body.get('rtROIObservations'), observation)
    return ds

