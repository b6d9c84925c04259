"""Argo CD: the annotation it orders a sync by."""

from __future__ import annotations

SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave"
"""The annotation whose value (an integer as a string, ``"0"`` when absent) orders an Argo CD sync: Argo CD applies
the objects of one wave, waits until they are healthy, then applies the next, lowest first."""
