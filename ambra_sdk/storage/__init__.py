"""The storage API (``api.Storage``): DICOM images, attachments, downloads.

Importing this package is light: pydicom and tqdm are never imported here.
"""
