"""DICOM objects the storage creates: wrapped documents, HL7 SR, RTSTRUCT.

Used by ``wrap``, ``post_attachment`` (``wrap_images``), ``attachment_image``,
``hl7_to_sr`` and ``create_rt``. Patient and study tags are copied from the
study's first image when there is one.
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Callable, Dict, Optional

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.index import StorageIndex
from ambra_sdk.emulator.storage.upload import PDF_SOP_CLASS, load_header

SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7'
BASIC_TEXT_SR = '1.2.840.10008.5.1.4.1.1.88.11'
RT_STRUCTURE_SET = '1.2.840.10008.5.1.4.1.1.481.3'

#: Patient/study tags copied into generated objects from the study.
_INHERITED = (
    'PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyInstanceUID',
    'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber', 'StudyDescription',
    'ReferringPhysicianName',
)


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
    return load_header(images[0].path)


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

